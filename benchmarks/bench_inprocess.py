#!/usr/bin/env python
"""In-process benchmark: each target's ASGI app called directly, no sockets, no HTTP parsing.

After lifespan startup and the correctness check (the run stops on any
difference), every (target, scenario) is warmed up and its cost estimated.
Then, round after round, each scenario runs as short slices; in every slice
each target runs one batch of about --slice-ms, in rotated order (A B C D,
B C D A, ...). Each request is timed alone with perf_counter_ns. Reported:
median µs per request, and ratios to FastAPI and to raw taken slice by slice
(paired), which hold steady even when a shared machine's speed swings.

    python benchmarks/bench_inprocess.py                    # all targets, ~1.5 min
    python benchmarks/bench_inprocess.py --budget-s 15      # a quick look
    python benchmarks/bench_inprocess.py --targets fastapi,nimbleapi --scenarios body,deps
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from harness import asgi, environment, loop  # noqa: E402
from harness.check import run_check  # noqa: E402
from harness.report import micros, ratio, table, write_results  # noqa: E402
from harness.scenarios import ALL_CASES, Case, select  # noqa: E402
from harness.targets import TARGETS_HELP, Target, load_targets  # noqa: E402


@dataclass(slots=True)
class Cell:
    """One (target, scenario) pair: how to call it and what was measured."""

    target: Target
    case: Case
    template: dict[str, Any]
    status: int
    batch: int = 0
    samples: array[int] = field(default_factory=lambda: array("q"))
    slice_medians: list[float] = field(default_factory=list)


async def timed_batch(app: asgi.ASGIApp, template: dict[str, Any], body: bytes, n: int, status: int,
                      out: array[int]) -> None:
    """Run `n` requests, appending each one's duration (ns); scope building is not timed."""
    clock, fresh_scope, Exchange = time.perf_counter_ns, asgi.fresh_scope, asgi.Exchange
    unexpected = 0
    for _ in range(n):
        scope, exchange = fresh_scope(template), Exchange(body)
        start = clock()
        await app(scope, exchange.receive, exchange.send)
        out.append(clock() - start)
        unexpected += exchange.status != status
    if unexpected:
        raise RuntimeError(f"{unexpected}/{n} responses did not have status {status}")


async def null_app(scope: asgi.Scope, receive: Any, send: Any) -> None:
    """Answers without doing anything: what the driver itself costs per request."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"{}"})


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def paired_ratio(cell: Cell, ref: Cell) -> tuple[float, float]:
    """Median of the slice-by-slice ratios cell/ref, and their IQR in % of that median."""
    ratios = [a / b for a, b in zip(cell.slice_medians, ref.slice_medians, strict=True)]
    mid = statistics.median(ratios)
    return mid, 100 * (percentile(ratios, 75) - percentile(ratios, 25)) / mid


async def prepare(targets: list[Target], scenarios: list[Case], states: dict[str, dict[str, Any]]
                  ) -> dict[tuple[str, str], Cell]:
    cells = {}
    for case in scenarios:
        for target in targets:
            probe = await asgi.request(target.app, case, states[target.name])
            template = asgi.scope_template(case, states[target.name])
            cells[target.name, case.name] = Cell(target, case, template, probe.status)
    return cells


async def calibrate(cells: dict[tuple[str, str], Cell], args: argparse.Namespace) -> int:
    """Warm every cell up and size its batches; returns the number of slices per round."""
    per_cell_round_s: float = args.budget_s / len(cells) / args.rounds
    slices: int = max(1, round(per_cell_round_s * 1000 / args.slice_ms))
    for cell in cells.values():
        warm: array[int] = array("q")
        await timed_batch(cell.target.app, cell.template, cell.case.body, args.warmup, cell.status, warm)
        mean_ns = statistics.fmean(warm[len(warm) // 2:])  # the mean, tails included, predicts wall time
        cell.batch = max(args.min_batch, int(per_cell_round_s / slices * 1e9 / mean_ns))
    return slices


async def measure(cells: dict[tuple[str, str], Cell], targets: list[Target], scenarios: list[Case],
                  rounds: int, slices: int) -> None:
    started = time.perf_counter()
    for round_no in range(rounds):
        for case in scenarios:
            gc.collect()  # start every block from the same collector state; collections inside count
            for slice_no in range(slices):
                shift = (round_no + slice_no) % len(targets)
                for target in targets[shift:] + targets[:shift]:
                    cell = cells[target.name, case.name]
                    batch: array[int] = array("q")
                    await timed_batch(target.app, cell.template, case.body, cell.batch, cell.status, batch)
                    cell.slice_medians.append(statistics.median(batch))
                    cell.samples.extend(batch)
        print(f"  round {round_no + 1}/{rounds} done ({time.perf_counter() - started:.0f}s)", flush=True)


def summarise(cells: dict[tuple[str, str], Cell]) -> dict[str, dict[str, dict[str, Any]]]:
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for (target, scenario), cell in cells.items():
        samples = list(cell.samples)
        entry = {"median_ns": statistics.median(samples), "p10_ns": percentile(samples, 10),
                 "p90_ns": percentile(samples, 90), "requests": len(samples), "status": cell.status}
        for ref in ("fastapi", "raw", "fastapi_otel"):
            if (ref, scenario) in cells:
                entry[f"vs_{ref}"], entry[f"vs_{ref}_iqr_pct"] = paired_ratio(cell, cells[ref, scenario])
        results.setdefault(scenario, {})[target] = entry
    return results


def render(results: dict[str, dict[str, dict[str, Any]]], names: list[str], harness_ns: float,
           footer: str) -> str:
    scenarios = list(results)
    parts = ["## Median µs per request\n",
             table(["scenario", *names], [[s, *(micros(results[s][n]["median_ns"]) for n in names)]
                                          for s in scenarios])]
    for ref, meaning in (("fastapi", "< 1 = faster than FastAPI"), ("raw", "how far above the floor"),
                         ("fastapi_otel", "< 1 = faster than FastAPI, both with telemetry on")):
        if ref in names:
            parts += [f"\n## Ratio to {ref} (target / {ref}, median of paired slice ratios; {meaning})\n",
                      table(["scenario", *names], [[s, *(ratio(results[s][n].get(f"vs_{ref}")) for n in names)]
                                                   for s in scenarios])]
    ref = "fastapi" if "fastapi" in names else names[0]
    worst = max((results[s][n].get(f"vs_{ref}_iqr_pct") or 0.0) for s in scenarios for n in names)
    parts.append(f"\nLargest IQR of a paired ratio to {ref}: {worst:.1f}% of the ratio. "
                 f"Driver floor (null ASGI app): {harness_ns / 1000:.2f} µs, included in every number.")
    parts.append(footer)
    return "\n".join(parts)


async def main(args: argparse.Namespace) -> int:
    targets = load_targets(args.targets)
    if not targets:
        print("no target could be loaded")
        return 2
    scenarios = select(args.scenarios)
    header = (f"# In-process benchmark\n\ntargets: {', '.join(t.name for t in targets)}; loop: {args.loop}\n"
              f"{environment.versions_line()}\n")
    print(header)
    lifespans = {t.name: asgi.Lifespan(t.app) for t in targets}
    states = {name: await lifespan.startup() for name, lifespan in lifespans.items()}

    print("correctness check:")
    if not await run_check(targets, ALL_CASES, states):
        print("\nthe targets disagree (see FAIL above): nothing was timed")
        return 1

    cells = await prepare(targets, scenarios, states)
    slices = await calibrate(cells, args)
    floor: array[int] = array("q")
    await timed_batch(null_app, asgi.scope_template(scenarios[0], {}), b"", 20_000, 200, floor)
    print(f"\nwarmed up; {args.rounds} rounds x {slices} slices of ~{args.slice_ms:.0f} ms per target and scenario")

    load = environment.ForeignLoad()
    started = time.perf_counter()
    await measure(cells, targets, scenarios, args.rounds, slices)
    elapsed, foreign = time.perf_counter() - started, load.stop()
    for lifespan in lifespans.values():
        await lifespan.shutdown()

    results = summarise(cells)
    names = [t.name for t in targets]
    footer = (f"Timed part: {elapsed:.0f} s, {sum(len(c.samples) for c in cells.values()):,} requests; "
              f"other processes kept {foreign} of {environment.machine()['cpu_count']} cores busy meanwhile.")
    report = render(results, names, statistics.median(floor), footer)
    print("\n" + report)
    write_results(Path(args.json), {
        "kind": "inprocess", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {k: v for k, v in vars(args).items() if k != "json"} | {"slices": slices},
        "versions": environment.versions(), "machine": environment.machine(), "foreign_busy_cores": foreign,
        "targets": {t.name: t.description for t in targets}, "driver_floor_ns": statistics.median(floor),
        "results": results,
    }, header + "\n" + report)
    print(f"\nresults written to {args.json} (and .md)")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default=None, help=TARGETS_HELP)
    parser.add_argument("--scenarios", default=None, help="comma list (default: all timed scenarios)")
    parser.add_argument("--budget-s", type=float, default=60.0, help="seconds of timed requests in all (default 60)")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds (default 6)")
    parser.add_argument("--slice-ms", type=float, default=25.0,
                        help="length of one target's batch before the next target runs (default 25)")
    parser.add_argument("--warmup", type=int, default=300, help="warm-up requests per target and scenario")
    parser.add_argument("--min-batch", type=int, default=5, help="fewest requests in one batch")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument("--json", default=str(BENCH_DIR / "results" / "inprocess.json"),
                        help="where to write results (a .md copy of the report goes beside it)")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    sys.exit(loop.run(main(arguments), arguments.loop))
