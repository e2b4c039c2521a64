"""One uvicorn server per target on 127.0.0.1, started and stopped by this process only."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .scenarios import Case

BENCH_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_request(port: int, case: Case, timeout: float = 5.0) -> tuple[int, Any]:
    """One request over a real socket; returns the status and the parsed JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(case.method, case.target, body=case.body or None, headers=dict(case.headers))
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    return response.status, json.loads(content) if content else None


class UvicornServer:
    """uvicorn with one worker, httptools and uvloop, optionally pinned to some CPUs with taskset."""

    def __init__(self, target: str, cpus: str | None, log_dir: Path) -> None:
        self.target = target
        self.cpus = cpus
        self.port = free_port()
        self.log_path = log_dir / f"uvicorn_{target}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "uvicorn", "serve:app", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", "1", "--http", "httptools", "--loop", "uvloop", "--no-access-log",
                   "--log-level", "warning", "--lifespan", "on"]
        return ["taskset", "-c", self.cpus, *command] if self.cpus else command

    def start(self, timeout_s: float = 30.0) -> None:
        environment = dict(os.environ, NIMBLEAPI_BENCH_TARGET=self.target)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command(), cwd=BENCH_DIR, env=environment, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.target} server exited ({self.process.returncode}):\n"
                                   f"{self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.target} server not accepting connections after {timeout_s:.0f} s")

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        if self.process is None:
            return 0.0
        try:
            with open(f"/proc/{self.process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGINT (graceful), then SIGTERM, then SIGKILL, to this server's PID only."""
        if self.process is None:
            return
        for sig, grace_s in ((signal.SIGINT, 8), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            if self.process.poll() is not None:
                break
            self.process.send_signal(sig)
            try:
                self.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                continue
        self.process = None
