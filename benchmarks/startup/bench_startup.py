#!/usr/bin/env python
"""Start-up benchmark: every measurement in a fresh interpreter (startup/probe.py), medians of --repeat.

Per target: import time (pydantic + the framework modules the app uses),
building a 1,000-route app, its lifespan start-up, the first request after it, generating its OpenAPI
document, and resident memory after the import and at the end. Targets
alternate run by run (A B C D, B C D A, ...), after one untimed run each that
fills a shared bytecode cache (see BYTECODE_CACHE).

    python benchmarks/startup/bench_startup.py
    python benchmarks/startup/bench_startup.py --targets fastapi,nimbleapi --routes 200 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH_DIR))

from harness import environment  # noqa: E402
from harness.report import ratio, table, write_results  # noqa: E402

TARGETS = ["fastapi", "nimbleapi", "starlette", "litestar"]
METRICS = {  # key -> column title
    "import_ms": "import ms",
    "build_ms": "build ms",
    "startup_ms": "lifespan start-up ms",
    "first_request_ms": "first request ms",
    "openapi_ms": "openapi() ms",
    "rss_import_mib": "RSS after import MiB",
    "rss_end_mib": "RSS at end MiB",
}


# Fresh interpreters still read compiled bytecode, as deployed code does (a wheel ships it,
# a checkout writes it on its first run). PYTHONDONTWRITEBYTECODE would have a source
# checkout compiled on every run while an installed package is not, so every target
# reads its bytecode from one cache here instead, warmed by an untimed first run.
BYTECODE_CACHE = Path(tempfile.gettempdir()) / "nimbleapi-bench-bytecode"


def probe_environment() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(BYTECODE_CACHE)
    return env


def probe(target: str, routes: int) -> dict[str, Any] | str:
    """One fresh-interpreter measurement, or the error text when the probe failed."""
    done = subprocess.run([sys.executable, str(BENCH_DIR / "startup" / "probe.py"), target, str(routes)],
                          capture_output=True, text=True, timeout=300, cwd=BENCH_DIR, env=probe_environment())
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def collect(targets: list[str], routes: int, repeat: int) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {t: [] for t in targets}
    failed: set[str] = set()
    for target in targets:  # untimed: fills the bytecode cache
        probe(target, routes)
    for round_no in range(repeat):
        shift = round_no % len(targets)
        for target in targets[shift:] + targets[:shift]:
            if target in failed:
                continue
            outcome = probe(target, routes)
            if isinstance(outcome, str):
                print(f"[skip] {target}: {outcome}", flush=True)
                failed.add(target)
                continue
            runs[target].append(outcome)
        print(f"  run {round_no + 1}/{repeat} done", flush=True)
    return {t: r for t, r in runs.items() if r and t not in failed}


def medians(runs: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, float | None]]:
    return {t: {key: statistics.median(r[key] for r in rs) if key in rs[0] else None for key in METRICS}
            for t, rs in runs.items()}


def render(results: dict[str, dict[str, float | None]], routes: int, repeat: int) -> str:
    names = list(results)

    def value(target: str, key: str) -> str:
        v = results[target][key]
        return "-" if v is None else f"{v:.1f}" if v < 100 else f"{v:.0f}"

    rows = [[METRICS[key], *(value(t, key) for t in names)] for key in METRICS]
    parts = [f"## Start-up, {routes} routes (median of {repeat} fresh interpreters)\n",
             table(["", *names], rows)]
    if "fastapi" in results:
        def versus(target: str, key: str) -> str:
            v, ref = results[target][key], results["fastapi"][key]
            return ratio(v / ref) if v is not None and ref else "-"

        parts += ["\n## Relative to fastapi (target / fastapi; < 1 = less time or memory)\n",
                  table(["", *names], [[METRICS[key], *(versus(t, key) for t in names)] for key in METRICS])]
    return "\n".join(parts)


def main(args: argparse.Namespace) -> int:
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    header = f"# Start-up benchmark\n\n{environment.versions_line()}\n"
    print(header)
    runs = collect(targets, args.routes, args.repeat)
    if not runs:
        print("no target could be measured")
        return 2
    results = medians(runs)
    report = render(results, args.routes, args.repeat)
    print("\n" + report)
    write_results(Path(args.json), {
        "kind": "startup", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {"routes": args.routes, "repeat": args.repeat}, "versions": environment.versions(),
        "machine": environment.machine(), "results": results, "runs": runs,
    }, header + "\n" + report)
    print(f"\nresults written to {args.json} (and .md)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma list (default: all)")
    parser.add_argument("--routes", type=int, default=1000, help="routes in the app (a multiple of 5)")
    parser.add_argument("--repeat", type=int, default=5, help="fresh interpreters per target (default 5)")
    parser.add_argument("--json", default=str(BENCH_DIR / "results" / "startup.json"))
    sys.exit(main(parser.parse_args()))
