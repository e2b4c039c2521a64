"""Property-based fuzzing of the example applications from their own OpenAPI documents.

Each application is served by a real uvicorn on loopback, and schemathesis
(coverage, fuzzing and stateful phases) sends generated requests, valid and invalid:
``--max-examples`` per operation and phase, so the count does not depend on the
machine's speed; a run still taking more than ``--timeout`` seconds is stopped and
fails. A run fails on any 5xx response, any response that does not match the
documented schema, or fewer generated cases than ``--min-cases``.

    python reliability/fuzz.py                                  # both examples on nimbleapi
    python reliability/fuzz.py --framework fastapi              # the same on FastAPI 0.165.0
    python reliability/fuzz.py --apps app --max-examples 1000   # a longer run of one app
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server  # noqa: E402
from targets import FRAMEWORKS  # noqa: E402

CHECKS = "not_a_server_error,response_schema_conformance"
SUMMARY_CASES = re.compile(r"^\s*(\d+) generated", re.MULTILINE)
SUMMARY_FAILED = re.compile(r"^\s*\d+ generated.*?(\d+) failed", re.MULTILINE)


@dataclass(frozen=True)
class FuzzResult:
    app: str
    framework: str
    cases: int
    problems: int
    exit_code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.problems == 0


def schemathesis_command(url: str, examples: int, seed: int, workers: int) -> list[str]:
    cli = shutil.which("st") or str(Path(sys.executable).parent / "st")
    return [
        cli, "run", f"{url}/openapi.json", "--checks", CHECKS, "--seed", str(seed),
        "--max-examples", str(examples), "--request-timeout", "10", "--workers", str(workers),
        "--generation-database", "none", "--no-color", "--output-truncate", "true",
    ]  # fmt: skip


# One worker thread: on Python 3.11, Hypothesis parsing strategy sources in two threads at once can
# fail inside CPython's ast module ("AST constructor recursion depth mismatch"), an error of the
# fuzzer, not of the server under test.
def fuzz(app: str, framework: str, *, examples: int, timeout: int, seed: int = 1, workers: int = 1) -> FuzzResult:
    """Serve ``app`` and fuzz it; schemathesis is killed after ``timeout`` seconds (TimeoutExpired)."""
    with tempfile.TemporaryDirectory() as logs, server.running(app, framework, log_dir=Path(logs)) as running:
        command = schemathesis_command(running.url, examples, seed, workers)
        # In a scratch directory: schemathesis leaves a .schemathesis/ cache where it runs.
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=logs)
        server_log = running.log.read_text(errors="replace")
    output = done.stdout + done.stderr + ("\n--- server log ---\n" + server_log if server_log.strip() else "")
    found = SUMMARY_CASES.search(done.stdout)
    failed = SUMMARY_FAILED.search(done.stdout)
    problems = int(failed.group(1)) if failed else 0
    return FuzzResult(app, framework, int(found.group(1)) if found else 0, problems, done.returncode, output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--framework", choices=FRAMEWORKS, default="nimbleapi")
    parser.add_argument("--apps", default="app,login", help="comma-separated example names")
    parser.add_argument("--max-examples", type=int, default=100, help="cases per operation and phase")
    parser.add_argument("--timeout", type=int, default=600, help="seconds before a run is stopped and fails")
    parser.add_argument("--min-cases", type=int, default=1, help="fail when an app got fewer cases")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", action="store_true", help="print schemathesis' whole output")
    args = parser.parse_args()
    failed = False
    for app in args.apps.split(","):
        result = fuzz(app, args.framework, examples=args.max_examples, timeout=args.timeout, seed=args.seed)
        verdict = "ok" if result.ok and result.cases >= args.min_cases else "FAILED"
        print(f"{app:8} {args.framework:10} {result.cases:6d} cases  {result.problems} problems  {verdict}")
        if args.verbose or verdict != "ok":
            print(result.output)
        failed |= verdict != "ok"
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
