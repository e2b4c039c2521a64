#!/usr/bin/env python
"""HTTP benchmark of a realistic application: examples/fullstack on FastAPI 0.165.0 and on nimbleapi.

The same source (`serve_app.py` imports examples/fullstack/app/main.py) is served by
uvicorn (1 worker, httptools, uvloop) once with FastAPI and once with nimbleapi, each
with its own SQLite database (migrated, then seeded through the API with the same user
and 100 posts) and the in-process backends. wrk (1 thread) loads one server at a time
over loopback, servers pinned to --server-cpus and wrk to --client-cpus.

Scenarios (each is one FastAPI-style route doing real work):
  read_cache_miss  GET /posts/{id} on a server with CACHE_TTL_SECONDS=0: a SQLAlchemy query on SQLite
                   per request, the row validated into the response model
  read_cache_hit   GET /posts/{id} with the cache on: the cached JSON bytes, no database
  write_auth       POST /posts with a bearer JWT: token decode, deny-list and user lookups, an INSERT
                   and a COMMIT on SQLite, 201 with the response model

    python benchmarks/bench_app.py                   # ~2 min
    python benchmarks/bench_app.py --repeat 1 --duration 2 --scenarios read_cache_hit
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import httpx  # noqa: E402

from harness import environment, wrk  # noqa: E402
from harness.report import count, ratio, table, write_results  # noqa: E402
from harness.scenarios import Case  # noqa: E402
from harness.server import UvicornServer  # noqa: E402

TARGETS = ("fastapi", "nimbleapi")
SECRET = "benchmark-secret-key-of-at-least-32-characters"
SEED_POSTS = 100
READ_POST = 42


@dataclass(frozen=True)
class Scenario:
    name: str
    cached: bool  # which of the target's two servers answers it
    about: str

    def case(self, token: str) -> Case:
        if self.name == "write_auth":
            body = json.dumps({"title": "Benchmark", "body": "x" * 200}).encode()
            return Case(self.name, "POST", "/posts", headers=(("Authorization", f"Bearer {token}"),
                                                              ("Content-Type", "application/json")),
                        body=body, status=201)
        return Case(self.name, "GET", f"/posts/{READ_POST}")


SCENARIOS = {s.name: s for s in (
    Scenario("read_cache_miss", False, "GET /posts/{id}, CACHE_TTL_SECONDS=0: one SELECT on SQLite"),
    Scenario("read_cache_hit", True, "GET /posts/{id}, cached JSON bytes"),
    Scenario("write_auth", True, "POST /posts with a bearer JWT: 2 lookups, INSERT, COMMIT"),
)}


class AppServer(UvicornServer):
    """uvicorn serving serve_app:app for one target, with its own data directory and settings."""

    def __init__(self, target: str, cached: bool, cpus: str | None, work: Path) -> None:
        self.label = f"{target}-{'cache' if cached else 'nocache'}"
        self.data_dir = work / self.label
        self.data_dir.mkdir(parents=True)
        super().__init__(target, cpus, self.data_dir)  # sets NIMBLEAPI_BENCH_TARGET=target for the server
        self.settings = {"DATA_DIR": str(self.data_dir), "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING",
                         "CACHE_TTL_SECONDS": "3600" if cached else "0", "ENVIRONMENT": "production",
                         "LOGIN_ATTEMPTS_PER_WINDOW": "1000"}

    def command(self) -> list[str]:
        return [part.replace("serve:app", "serve_app:app") for part in super().command()]

    def start(self, timeout_s: float = 60.0) -> None:
        saved = dict(os.environ)
        os.environ.update(self.settings)
        try:
            super().start(timeout_s)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def seed(server: AppServer) -> str:
    """The same user and posts on every server; returns that user's access token."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{server.label} not ready")
            time.sleep(0.2)
        client.post("/auth/register", json={"email": "bench@example.com", "password": "benchmark password"})
        token = client.post("/auth/login", data={"username": "bench@example.com",
                                                 "password": "benchmark password"}).json()["access_token"]
        for number in range(SEED_POSTS):
            response = client.post("/posts", headers={"Authorization": f"Bearer {token}"},
                                   json={"title": f"Post {number}", "body": "Lorem ipsum " * 40, "published": True})
            response.raise_for_status()
    return str(token)


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in {"id", "created_at", "updated_at"}}


def check(servers: dict[str, AppServer], cases: dict[str, Case]) -> None:
    """Every server answers every scenario alike (ids and timestamps aside) before anything is timed."""
    for scenario in SCENARIOS.values():
        answers = {}
        for target in TARGETS:
            server = servers[f"{target}-{'cache' if scenario.cached else 'nocache'}"]
            case = cases[server.label, scenario.name]
            response = httpx.request(case.method, server.url + case.target, headers=dict(case.headers),
                                     content=case.body or None, timeout=30)
            if response.status_code != case.status:
                raise SystemExit(f"{server.label} {scenario.name}: {response.status_code} {response.text[:300]}")
            answers[target] = comparable(response.json())
        if answers["fastapi"] != answers["nimbleapi"]:
            raise SystemExit(f"{scenario.name}: the answers differ: {answers}")
    print("both frameworks answer every scenario alike", flush=True)


def measure(servers: dict[str, AppServer], cases: dict[tuple[str, str], Case], scenarios: list[Scenario],
            scripts: dict[tuple[str, str], Path], args: argparse.Namespace) -> dict[str, dict[str, list[dict]]]:
    runs: dict[str, dict[str, list[dict]]] = {}
    client_cpus = args.client_cpus if args.pin else None
    for repeat in range(args.repeat):
        for index, scenario in enumerate(scenarios):
            order = TARGETS if (repeat + index) % 2 == 0 else TARGETS[::-1]
            for target in order:
                server = servers[f"{target}-{'cache' if scenario.cached else 'nocache'}"]
                key = (server.label, scenario.name)
                url = server.url + cases[key].target
                if repeat == 0 and args.warmup:
                    wrk.run(url, scripts[key], args.warmup, args.connections, client_cpus)
                cpu_before = server.cpu_seconds()
                result = wrk.run(url, scripts[key], args.duration, args.connections, client_cpus)
                cpu = server.cpu_seconds() - cpu_before
                entry = {"rps": result.rps, "p50_us": result.p50_us, "p99_us": result.p99_us,
                         "cpu_us": 1e6 * cpu / max(result.requests, 1), "errors": result.socket_errors + result.non_2xx}
                runs.setdefault(scenario.name, {}).setdefault(target, []).append(entry)
                print(f"  {repeat + 1}/{args.repeat} {scenario.name:16s} {target:10s} {result.rps:8.0f} req/s  "
                      f"p99 {result.p99_us / 1000:6.1f} ms  CPU {entry['cpu_us']:5.0f} µs/req"
                      + (f"  ERRORS {entry['errors']}" if entry["errors"] else ""), flush=True)
    return runs


def render(runs: dict[str, dict[str, list[dict]]], args: argparse.Namespace) -> str:
    rows = []
    for name, per_target in runs.items():
        median = {t: {k: statistics.median(e[k] for e in entries) for k in ("rps", "p99_us", "cpu_us")}
                  for t, entries in per_target.items()}
        fast, nimble = median["fastapi"], median["nimbleapi"]
        rows.append([name, count(fast["rps"]), count(nimble["rps"]), ratio(nimble["rps"] / fast["rps"]),
                     f"{fast['p99_us'] / 1000:.1f}", f"{nimble['p99_us'] / 1000:.1f}",
                     count(fast["cpu_us"]), count(nimble["cpu_us"]), ratio(fast["cpu_us"] / nimble["cpu_us"])])
    header = ["scenario", "FastAPI req/s", "nimbleapi req/s", "speed-up", "FastAPI p99 ms", "nimbleapi p99 ms",
              "FastAPI CPU µs/req", "nimbleapi CPU µs/req", "CPU ratio"]
    notes = "\n".join(f"- `{s.name}`: {s.about}" for s in SCENARIOS.values() if s.name in runs)
    return (f"medians of {args.repeat} runs of {args.duration} s, wrk -t1 -c{args.connections}\n\n"
            + table(header, rows) + "\n\n" + notes)


def main(args: argparse.Namespace) -> int:
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install -y wrk")
        return 2
    if args.pin and (len(os.sched_getaffinity(0)) < 2 or not shutil.which("taskset")):
        args.pin = False
    scenarios = [SCENARIOS[name] for name in (args.scenarios.split(",") if args.scenarios else SCENARIOS)]
    header = (f"# Application benchmark: examples/fullstack (uvicorn, 1 worker, SQLite, in-process cache)\n\n"
              f"{environment.versions_line()}\n")
    print(header)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    servers: dict[str, AppServer] = {}
    with tempfile.TemporaryDirectory(prefix="nimbleapi-bench-app-") as tmp:
        work = Path(tmp)
        try:
            for target in TARGETS:
                for cached in (False, True):
                    server = AppServer(target, cached, args.server_cpus if args.pin else None, work)
                    server.start()
                    servers[server.label] = server
            tokens = {label: seed(server) for label, server in servers.items()}
            cases = {(label, s.name): s.case(tokens[label]) for label in servers for s in SCENARIOS.values()}
            scripts = {key: _script(case, work, key) for key, case in cases.items()}
            check(servers, cases)
            runs = measure(servers, cases, scenarios, scripts, args)
        finally:
            for server in servers.values():
                server.stop()
    report = header + "\n" + render(runs, args)
    print("\n" + report)
    write_results(Path(args.json), {"kind": "app", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                    "config": {k: v for k, v in vars(args).items() if k != "json"},
                                    "versions": environment.versions(), "machine": environment.machine(),
                                    "runs": runs}, report)
    print(f"\nresults written to {args.json} (and .md)")
    return 0


def _script(case: Case, work: Path, key: tuple[str, str]) -> Path:
    directory = work / "scripts" / key[0]
    directory.mkdir(parents=True, exist_ok=True)
    return wrk.write_script(case, directory)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=None, help=f"comma list of {', '.join(SCENARIOS)} (default: all)")
    wrk.add_load_options(parser, duration=3, repeat=3, connections=32,
                         json_path=str(BENCH_DIR / "results" / "app.json"))
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main(parse_args()))
