"""One server process per (server, target) on 127.0.0.1, started and stopped by this process only."""

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


class Server:
    """``serve.py``: a target on Granian or uvicorn, as ``nimbleapi run`` sets them up, optionally pinned."""

    def __init__(self, server: str, target: str, workers: int, cpus: str | None, log_dir: Path,
                 app_time: bool = False) -> None:
        self.server = server
        self.app_time = app_time
        self.target = target
        self.workers = workers
        self.cpus = cpus
        self.port = free_port()
        self.log_path = log_dir / f"{server}_{target}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return f"{self.target}@{self.server}"

    def command(self) -> list[str]:
        command = [sys.executable, "serve.py", "--server", self.server, "--port", str(self.port),
                   "--workers", str(self.workers)]
        return ["taskset", "-c", self.cpus, *command] if self.cpus else command

    def start(self, timeout_s: float = 120.0) -> None:
        environment = dict(os.environ, NIMBLEAPI_BENCH_TARGET=self.target)
        if self.app_time:
            environment["NIMBLEAPI_BENCH_APP_TIME"] = "1"
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
        """User + system CPU time the server's processes (its workers included) have used so far."""
        if self.process is None:
            return 0.0
        return sum(_cpu_seconds(pid) for pid in _process_tree(self.process.pid))

    def loop_cpu_seconds(self) -> float:
        """The part of ``cpu_seconds`` spent in the processes' main threads, where the event loop
        runs the application and the server's Python code; Granian does its HTTP work in other
        (Rust) threads, uvicorn all of it in the main thread."""
        if self.process is None:
            return 0.0
        return sum(_cpu_seconds(pid, thread=pid) for pid in _process_tree(self.process.pid))

    def stop(self) -> None:
        """SIGINT (graceful), then SIGTERM, then SIGKILL, to this server's PID; then its leftover workers."""
        if self.process is None:
            return
        workers = _process_tree(self.process.pid)[1:]
        for sig, grace_s in ((signal.SIGINT, 8), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            if self.process.poll() is not None:
                break
            self.process.send_signal(sig)
            try:
                self.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                continue
        for pid in workers:  # a server killed before it stopped its workers leaves them running
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    if b"serve" not in cmdline.read():
                        continue  # gone, and the number taken by another process
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.process = None


class UvicornServer(Server):
    """uvicorn's own command line on ``serve:app``, one worker (bench_app.py swaps in its app)."""

    def __init__(self, target: str, cpus: str | None, log_dir: Path) -> None:
        super().__init__("uvicorn", target, 1, cpus, log_dir)

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "uvicorn", "serve:app", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", "1", "--http", "httptools", "--loop", "uvloop", "--no-access-log",
                   "--log-level", "warning", "--lifespan", "on"]
        return ["taskset", "-c", self.cpus, *command] if self.cpus else command


def _process_tree(pid: int) -> list[int]:
    """*pid* and its descendants (Granian, and uvicorn with workers, serve from child processes)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
        except OSError:
            continue
    return found


def _cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU time of one process (or one of its threads), or 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
