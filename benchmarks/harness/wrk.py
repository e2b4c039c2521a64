"""Driving wrk (Debian's package): a Lua script per case, a bounded run, a JSON summary back."""

from __future__ import annotations

import argparse
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .scenarios import Case

# wrk calls done() once at the end; it prints one line of JSON that the driver parses.
_SUMMARY = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"socket_errors":%d,"non_2xx":%d,' ..
    '"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    duration_us: int
    socket_errors: int
    non_2xx: int
    p50_us: int
    p99_us: int

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1e6) if self.duration_us else 0.0


def write_script(case: Case, directory: Path) -> Path:
    lines = [f'wrk.method = "{case.method}"']
    lines += [f'wrk.headers["{name}"] = [==[{value}]==]' for name, value in case.headers]
    if case.body:
        lines.append(f"wrk.body = [==[{case.body.decode()}]==]")
    path = directory / f"{case.name}.lua"
    path.write_text("\n".join(lines) + "\n" + _SUMMARY)
    return path


def run(url: str, script: Path, seconds: int, connections: int, cpus: str | None) -> WrkResult:
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s", "-s", str(script), url]
    if cpus:
        command = ["taskset", "-c", cpus, *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return WrkResult(**json.loads(line.removeprefix("WRKJSON ")))
    raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-400:]} {done.stderr[-400:]}")


def add_load_options(parser: argparse.ArgumentParser, *, duration: int, repeat: int, connections: int,
                     json_path: str) -> None:
    """The options every wrk-driven benchmark takes: how long, how often, how hard, where to pin."""
    parser.add_argument("--duration", type=int, default=duration, help=f"measured seconds per run (default {duration})")
    parser.add_argument("--warmup", type=int, default=1,
                        help="warm-up seconds per server and scenario, before its first run (default 1)")
    parser.add_argument("--repeat", type=int, default=repeat,
                        help=f"rounds over all scenarios and targets; medians are reported (default {repeat})")
    parser.add_argument("--connections", type=int, default=connections,
                        help=f"wrk connections (default {connections})")
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin server and wrk to CPUs")
    parser.add_argument("--server-cpus", default="0")
    parser.add_argument("--client-cpus", default="1")
    parser.add_argument("--json", default=json_path)
