"""Drive wrk (Debian's package) with mix.lua against a loopback server, for a bounded time."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, fields
from pathlib import Path

MIX = Path(__file__).resolve().parent / "mix.lua"


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_us: int
    connect_errors: int
    read_errors: int
    write_errors: int
    timeouts: int
    non_2xx: int
    server_errors: int
    p50_us: int
    p99_us: int

    @property
    def socket_errors(self) -> int:
        return self.connect_errors + self.read_errors + self.write_errors + self.timeouts

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1e6) if self.duration_us else 0.0

    def describe(self) -> str:
        return (
            f"{self.requests} requests, {self.rps:,.0f}/s, p50 {self.p50_us / 1000:.1f} ms, "
            f"p99 {self.p99_us / 1000:.1f} ms; socket errors {self.socket_errors} (connect {self.connect_errors}, "
            f"read {self.read_errors}, write {self.write_errors}, timeout {self.timeouts}), "
            f"non-2xx {self.non_2xx}, 5xx {self.server_errors}"
        )


def run(url: str, *, connections: int, seconds: int, mix: str = "ok", threads: int = 2) -> WrkResult:
    """One wrk run of ``seconds`` seconds (wrk stops by itself; the call is killed 60 s later)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing (Debian: apt-get install wrk)")
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    command += ["-s", str(MIX), url, "--", mix]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            values = json.loads(line.removeprefix("WRKJSON "))
            return WrkResult(**{field.name: values[field.name] for field in fields(WrkResult)})
    raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-400:]} {done.stderr[-400:]}")
