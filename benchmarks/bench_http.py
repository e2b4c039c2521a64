#!/usr/bin/env python
"""HTTP benchmark: targets on Granian and uvicorn, loaded by wrk over loopback.

A run is a target on a server, written target@server: `fastapi@uvicorn` is what
`fastapi run` serves, `nimbleapi@granian` what `nimbleapi run` serves (its
default server), `nimbleapi@uvicorn` separates the framework from the server,
and `raw@<server>` is each server's floor. Each server is set up as
`nimbleapi run --no-access-log` sets it up (serve.py: uvloop, httptools for
uvicorn, proxy headers on), with --workers workers (default 1), pinned to
--server-cpus; wrk (one thread) is pinned to --client-cpus. One server per run
is started up front on 127.0.0.1 (a free port each). Each server first answers every
scenario over HTTP, which must equal the in-process answer of the same app
(after the in-process cross-target check has passed). Then, in --repeat
rounds, scenario by scenario, wrk runs a bounded measurement against each
server in rotated order (the first round warms each route up first), so
targets are compared seconds apart. Reported, as medians over the rounds:
requests per second, server CPU µs per request (the figure least disturbed by
other work on the machine) and the part of it spent in the processes' main
threads (the event loop: the application's share on Granian), wrk's p50/p99
latency, and ratios.
Servers are stopped by PID, also on Ctrl-C.

    python benchmarks/bench_http.py                       # the five default runs, ~5 min
    python benchmarks/bench_http.py --runs fastapi@uvicorn,nimbleapi@granian --scenarios hello,body
    python benchmarks/bench_http.py --workers 2 --no-pin  # two workers per server, sharing both cores
    python benchmarks/bench_http.py --app-time --runs raw@granian,nimbleapi@granian  # the app's own µs in the server
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

from harness import app_time, asgi, environment, loop, wrk  # noqa: E402
from harness.check import run_check  # noqa: E402
from harness.report import count, ratio, table, write_results  # noqa: E402
from harness.scenarios import ALL_CASES, Case, select  # noqa: E402
from harness.server import Server, http_request  # noqa: E402
from harness.targets import Target, load_targets  # noqa: E402

Runs = dict[str, dict[str, list[dict[str, Any]]]]  # scenario -> run -> one entry per repeat
DEFAULT_RUNS = "raw@uvicorn,fastapi@uvicorn,nimbleapi@uvicorn,raw@granian,nimbleapi@granian"
BASELINE = "fastapi@uvicorn"  # what `fastapi run` serves


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


def start_servers(runs: list[tuple[str, str]], cases: list[Case], answers: dict[tuple[str, str], tuple[int, Any]],
                  args: argparse.Namespace, log_dir: Path, servers: list[Server]) -> None:
    for target, server_name in runs:
        server = Server(server_name, target, args.workers, args.server_cpus if args.pin else None, log_dir,
                        app_time=args.app_time)
        server.start()
        servers.append(server)
        for case in cases:
            if http_request(server.port, case) != answers[target, case.name]:
                raise SystemExit(f"{server.name}/{case.name}: the HTTP answer differs from the in-process one")
    print(f"{len(servers)} servers up; their HTTP answers equal the in-process answers", flush=True)


def parse_runs(text: str) -> list[tuple[str, str]]:
    runs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        target, _, server = item.partition("@")
        if server not in ("granian", "uvicorn"):
            raise SystemExit(f"{item!r}: a run is target@server, the server granian or uvicorn")
        runs.append((target, server))
    return runs


def measure(servers: list[Server], cases: list[Case], scripts: dict[str, Path], args: argparse.Namespace
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
                if args.app_time:
                    app_time.read_and_reset(server.port)  # only this run's calls count
                cpu_before, loop_before = server.cpu_seconds(), server.loop_cpu_seconds()
                load = environment.ForeignLoad()
                result = wrk.run(url, scripts[case.name], args.duration, args.connections, client_cpus)
                server_cpu = server.cpu_seconds() - cpu_before
                loop_cpu = server.loop_cpu_seconds() - loop_before
                entry = {"rps": result.rps, "p50_us": result.p50_us, "p99_us": result.p99_us,
                         "server_cpu_us_per_request": 1e6 * server_cpu / max(result.requests, 1),
                         "loop_cpu_us_per_request": 1e6 * loop_cpu / max(result.requests, 1),
                         "server_cpu_share": server_cpu / (result.duration_us / 1e6),
                         "socket_errors": result.socket_errors, "foreign_busy_cores": load.stop(server_cpu)}
                if args.app_time:
                    entry["app_us"] = app_time.read_and_reset(server.port) or 0.0
                runs.setdefault(case.name, {}).setdefault(server.name, []).append(entry)
                print(f"  {repeat + 1}/{args.repeat} {case.name:17s} {server.name:18s} {result.rps:8.0f} req/s  "
                      f"server CPU {entry['server_cpu_us_per_request']:5.0f} µs/req "
                      f"(loop {entry['loop_cpu_us_per_request']:4.0f}) "
                      f"({entry['server_cpu_share']:.0%} busy)  p99 {result.p99_us / 1000:.1f} ms"
                      + (f"  SOCKET ERRORS {result.socket_errors}" if result.socket_errors else ""), flush=True)
    return runs


def summarise(runs: Runs) -> dict[str, dict[str, dict[str, float]]]:
    results: dict[str, dict[str, dict[str, float]]] = {}
    for scenario, per_target in runs.items():
        for target, entries in per_target.items():
            results.setdefault(scenario, {})[target] = {
                key: statistics.median(e[key] for e in entries)
                for key in ("rps", "p50_us", "p99_us", "server_cpu_us_per_request", "loop_cpu_us_per_request",
                            "server_cpu_share", "app_us") if key in entries[0]
            } | {"socket_errors": sum(e["socket_errors"] for e in entries)}
    for measured in results.values():
        for name, entry in measured.items():
            floor = "raw@" + name.partition("@")[2]
            for key, ref in (("fastapi", BASELINE), ("raw", floor)):
                if ref in measured:
                    entry[f"rps_vs_{key}"] = entry["rps"] / measured[ref]["rps"]
                    entry[f"cpu_vs_{key}"] = (entry["server_cpu_us_per_request"]
                                              / measured[ref]["server_cpu_us_per_request"])
    return results


def render(results: dict[str, dict[str, dict[str, float]]], names: list[str], args: argparse.Namespace) -> str:
    scenarios = list(results)

    def grid(cell: Any) -> str:
        return table(["scenario", *names], [[s, *(cell(results[s][n]) for n in names)] for s in scenarios])

    parts = ["## Requests per second (median of repeats; higher is better)\n", grid(lambda e: count(e["rps"])),
             "\n## Server CPU µs per request (lower is better)\n",
             grid(lambda e: count(e["server_cpu_us_per_request"])),
             "\n## Of which the event-loop (main) threads, µs per request: the application and the server's "
             "Python code (uvicorn: all of its work; Granian: all but its Rust HTTP threads)\n",
             grid(lambda e: count(e["loop_cpu_us_per_request"])),
             *([f"\n## The application's own time per request inside the server, µs (--app-time: median of "
                "its calls; compare with bench_inprocess.py)\n", grid(lambda e: f"{e['app_us']:.1f}")]
               if args.app_time else []),
             f"\n## Latency p50 / p99, ms, at {args.connections} connections\n",
             grid(lambda e: f"{e['p50_us'] / 1000:.2f} / {e['p99_us'] / 1000:.2f}")]
    titles = {"fastapi": f"{BASELINE} (`fastapi run`)", "raw": "raw on the same server (the floor)"}
    for key, title in titles.items():
        shown = [n for n in names if all(f"rps_vs_{key}" in results[s][n] for s in scenarios)]
        if shown:
            parts += [f"\n## Relative to {title}: requests/s ratio (CPU per request ratio)\n",
                      table(["scenario", *shown], [[s, *(f"{ratio(results[s][n][f'rps_vs_{key}'])} "
                                                         f"({ratio(results[s][n][f'cpu_vs_{key}'])})" for n in shown)]
                                                   for s in scenarios])]
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
    if args.pin and args.workers > 1 and len(args.server_cpus.split(",")) < args.workers:
        print(f"[note] {args.workers} workers pinned to CPU(s) {args.server_cpus} share them: "
              "for scaling, give --no-pin (or as many --server-cpus as workers)")
    runs = parse_runs(args.runs)
    targets = load_targets(",".join(dict.fromkeys(target for target, _ in runs)))
    cases = select(args.scenarios)
    pinning = f"server on CPU {args.server_cpus}, wrk on CPU {args.client_cpus}" if args.pin else "unpinned"
    header = (f"# HTTP benchmark ({args.workers} worker(s) per server, uvloop, uvicorn with httptools; "
              f"wrk -t1 -c{args.connections})\n\n"
              f"runs: {', '.join(f'{t}@{s}' for t, s in runs)}; {args.warmup} s warm-up, then {args.repeat} runs of "
              f"{args.duration} s per target and scenario (median reported); {pinning}\n"
              f"{environment.versions_line()}\n")
    print(header + "\ncorrectness check:")
    answers = loop.run(inprocess_answers(targets, cases))

    servers: list[Server] = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below still stops the servers
    load = environment.ForeignLoad()
    with tempfile.TemporaryDirectory(prefix="nimbleapi-bench-http-") as tmp:
        scripts = {case.name: wrk.write_script(case, Path(tmp)) for case in cases}
        try:
            start_servers(runs, cases, answers, args, Path(tmp), servers)
            measured = measure(servers, cases, scripts, args)
        finally:
            for server in servers:
                server.stop()
    foreign = load.stop()
    results = summarise(measured)
    report = render(results, [server.name for server in servers], args)
    report += f"\nOther processes kept {foreign} of {environment.machine()['cpu_count']} cores busy meanwhile."
    print("\n" + report)
    write_results(Path(args.json), {
        "kind": "http", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {k: v for k, v in vars(args).items() if k != "json"},
        "versions": environment.versions(), "machine": environment.machine(), "foreign_busy_cores": foreign,
        "targets": {t.name: t.description for t in targets}, "results": results, "runs": measured,
    }, header + "\n" + report)
    print(f"\nresults written to {args.json} (and .md)")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default=DEFAULT_RUNS,
                        help=f"comma list of target@server (default {DEFAULT_RUNS}); targets: raw, starlette, "
                             "fastapi, nimbleapi, litestar")
    parser.add_argument("--workers", type=int, default=1, help="worker processes per server (default 1)")
    parser.add_argument("--scenarios", default=None, help="comma list (default: all timed scenarios)")
    parser.add_argument("--app-time", action="store_true",
                        help="also time each application call inside the server (harness/app_time.py; adds a "
                             "wrapper around every target, so req/s are not comparable with runs without it)")
    wrk.add_load_options(parser, duration=2, repeat=3, connections=64,
                         json_path=str(BENCH_DIR / "results" / "http.json"))
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main(parse_args()))
