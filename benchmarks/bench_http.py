#!/usr/bin/env python
"""HTTP benchmark: every target behind uvicorn (one worker), loaded by wrk over loopback.

One server per target is started up front on 127.0.0.1 (a free port each),
uvicorn with one worker, httptools and uvloop, pinned to --server-cpus; wrk
(one thread) is pinned to --client-cpus. Each server first answers every
scenario over HTTP, which must equal the in-process answer of the same app
(after the in-process cross-target check has passed). Then, in --repeat
rounds, scenario by scenario, wrk runs a bounded measurement against each
server in rotated order (the first round warms each route up first), so
targets are compared seconds apart. Reported, as medians over the rounds:
requests per second, server CPU µs per request (the figure least disturbed by
other work on the machine), wrk's p50/p99 latency, and ratios.
Servers are stopped by PID, also on Ctrl-C.

    python benchmarks/bench_http.py                       # all targets, ~5 min
    python benchmarks/bench_http.py --targets fastapi,nimbleapi --scenarios hello,body --duration 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from harness import asgi, environment, loop, wrk  # noqa: E402
from harness.check import run_check  # noqa: E402
from harness.report import count, ratio, table, write_results  # noqa: E402
from harness.scenarios import ALL_CASES, Case, select  # noqa: E402
from harness.server import UvicornServer, http_request  # noqa: E402
from harness.targets import TARGETS_HELP, Target, load_targets  # noqa: E402

Runs = dict[str, dict[str, list[dict[str, Any]]]]  # scenario -> target -> one entry per repeat


async def inprocess_answers(targets: list[Target], cases: list[Case]) -> dict[tuple[str, str], tuple[int, Any]]:
    """Run the cross-target check, then record each target's in-process answer per case."""
    lifespans = {t.name: asgi.Lifespan(t.app) for t in targets}
    states = {name: await lifespan.startup() for name, lifespan in lifespans.items()}
    if not await run_check(targets, ALL_CASES, states):
        raise SystemExit("\nthe targets disagree (see FAIL above): nothing was timed")
    answers = {}
    for target in targets:
        for case in cases:
            exchange = await asgi.request(target.app, case, states[target.name])
            answers[target.name, case.name] = (exchange.status, json.loads(exchange.content or b"null"))
    for lifespan in lifespans.values():
        await lifespan.shutdown()
    return answers


def start_servers(targets: list[Target], cases: list[Case], answers: dict[tuple[str, str], tuple[int, Any]],
                  args: argparse.Namespace, log_dir: Path, servers: list[UvicornServer]) -> None:
    for target in targets:
        server = UvicornServer(target.name, args.server_cpus if args.pin else None, log_dir)
        server.start()
        servers.append(server)
        for case in cases:
            if http_request(server.port, case) != answers[target.name, case.name]:
                raise SystemExit(f"{target.name}/{case.name}: the HTTP answer differs from the in-process one")
    print(f"{len(servers)} servers up; their HTTP answers equal the in-process answers", flush=True)


def measure(servers: list[UvicornServer], cases: list[Case], scripts: dict[str, Path], args: argparse.Namespace
            ) -> Runs:
    runs: Runs = {}
    client_cpus = args.client_cpus if args.pin else None
    for repeat in range(args.repeat):
        for index, case in enumerate(cases):
            shift = (repeat + index) % len(servers)
            for server in servers[shift:] + servers[:shift]:
                url = f"http://127.0.0.1:{server.port}{case.target}"
                if args.warmup and repeat == 0:  # servers stay up, so one warm-up per route is enough
                    wrk.run(url, scripts[case.name], args.warmup, args.connections, client_cpus)
                cpu_before, load = server.cpu_seconds(), environment.ForeignLoad()
                result = wrk.run(url, scripts[case.name], args.duration, args.connections, client_cpus)
                server_cpu = server.cpu_seconds() - cpu_before
                entry = {"rps": result.rps, "p50_us": result.p50_us, "p99_us": result.p99_us,
                         "server_cpu_us_per_request": 1e6 * server_cpu / max(result.requests, 1),
                         "server_cpu_share": server_cpu / (result.duration_us / 1e6),
                         "socket_errors": result.socket_errors, "foreign_busy_cores": load.stop(server_cpu)}
                runs.setdefault(case.name, {}).setdefault(server.target, []).append(entry)
                print(f"  {repeat + 1}/{args.repeat} {case.name:17s} {server.target:10s} {result.rps:8.0f} req/s  "
                      f"server CPU {entry['server_cpu_us_per_request']:5.0f} µs/req "
                      f"({entry['server_cpu_share']:.0%} busy)  p99 {result.p99_us / 1000:.1f} ms"
                      + (f"  SOCKET ERRORS {result.socket_errors}" if result.socket_errors else ""), flush=True)
    return runs


def summarise(runs: Runs) -> dict[str, dict[str, dict[str, float]]]:
    results: dict[str, dict[str, dict[str, float]]] = {}
    for scenario, per_target in runs.items():
        for target, entries in per_target.items():
            results.setdefault(scenario, {})[target] = {
                key: statistics.median(e[key] for e in entries)
                for key in ("rps", "p50_us", "p99_us", "server_cpu_us_per_request", "server_cpu_share")
            } | {"socket_errors": sum(e["socket_errors"] for e in entries)}
    for measured in results.values():
        for entry in measured.values():
            for ref in ("fastapi", "raw"):
                if ref in measured:
                    entry[f"rps_vs_{ref}"] = entry["rps"] / measured[ref]["rps"]
                    entry[f"cpu_vs_{ref}"] = (entry["server_cpu_us_per_request"]
                                              / measured[ref]["server_cpu_us_per_request"])
    return results


def render(results: dict[str, dict[str, dict[str, float]]], names: list[str], args: argparse.Namespace) -> str:
    scenarios = list(results)

    def grid(cell: Any) -> str:
        return table(["scenario", *names], [[s, *(cell(results[s][n]) for n in names)] for s in scenarios])

    parts = ["## Requests per second (median of repeats; higher is better)\n", grid(lambda e: count(e["rps"])),
             "\n## Server CPU µs per request (lower is better)\n",
             grid(lambda e: count(e["server_cpu_us_per_request"])),
             f"\n## Latency p50 / p99, ms, at {args.connections} connections\n",
             grid(lambda e: f"{e['p50_us'] / 1000:.2f} / {e['p99_us'] / 1000:.2f}")]
    for ref in ("fastapi", "raw"):
        if ref in names:
            parts += [f"\n## Relative to {ref}: requests/s ratio (CPU per request ratio)\n",
                      grid(lambda e, r=ref: f"{ratio(e[f'rps_vs_{r}'])} ({ratio(e[f'cpu_vs_{r}'])})")]
    shares = [e["server_cpu_share"] for per in results.values() for e in per.values()]
    parts.append(f"\nServer CPU busy during runs: {min(shares):.0%} to {max(shares):.0%} "
                 "(well below 100% means the server waited for the client, not the other way round).")
    return "\n".join(parts)


def main(args: argparse.Namespace) -> int:
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install -y wrk")
        return 2
    if args.pin and (len(os.sched_getaffinity(0)) < 2 or not shutil.which("taskset")):
        print("[note] cannot pin (needs 2 CPUs and taskset): server and wrk share the CPUs")
        args.pin = False
    targets = load_targets(args.targets)
    cases = select(args.scenarios)
    pinning = f"server on CPU {args.server_cpus}, wrk on CPU {args.client_cpus}" if args.pin else "unpinned"
    header = (f"# HTTP benchmark (uvicorn, 1 worker, httptools, uvloop; wrk -t1 -c{args.connections})\n\n"
              f"targets: {', '.join(t.name for t in targets)}; {args.warmup} s warm-up, then {args.repeat} runs of "
              f"{args.duration} s per target and scenario (median reported); {pinning}\n"
              f"{environment.versions_line()}\n")
    print(header + "\ncorrectness check:")
    answers = loop.run(inprocess_answers(targets, cases))

    servers: list[UvicornServer] = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below still stops the servers
    load = environment.ForeignLoad()
    with tempfile.TemporaryDirectory(prefix="nimbleapi-bench-http-") as tmp:
        scripts = {case.name: wrk.write_script(case, Path(tmp)) for case in cases}
        try:
            start_servers(targets, cases, answers, args, Path(tmp), servers)
            runs = measure(servers, cases, scripts, args)
        finally:
            for server in servers:
                server.stop()
    foreign = load.stop()
    results = summarise(runs)
    report = render(results, [t.name for t in targets], args)
    report += f"\nOther processes kept {foreign} of {environment.machine()['cpu_count']} cores busy meanwhile."
    print("\n" + report)
    write_results(Path(args.json), {
        "kind": "http", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {k: v for k, v in vars(args).items() if k != "json"},
        "versions": environment.versions(), "machine": environment.machine(), "foreign_busy_cores": foreign,
        "targets": {t.name: t.description for t in targets}, "results": results, "runs": runs,
    }, header + "\n" + report)
    print(f"\nresults written to {args.json} (and .md)")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default=None, help=TARGETS_HELP)
    parser.add_argument("--scenarios", default=None, help="comma list (default: all timed scenarios)")
    parser.add_argument("--duration", type=int, default=2, help="measured seconds per run (default 2)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="warm-up seconds per server and scenario, before its first run (default 1)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds over all scenarios and targets; medians are reported (default 3)")
    parser.add_argument("--connections", type=int, default=64,
                        help="wrk connections (default 64, enough to keep one worker busy)")
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin server and wrk to CPUs")
    parser.add_argument("--server-cpus", default="0")
    parser.add_argument("--client-cpus", default="1")
    parser.add_argument("--json", default=str(BENCH_DIR / "results" / "http.json"))
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main(parse_args()))
