"""Start a real server process on loopback for one application and stop it again.

Every wait here is bounded: a server that does not accept connections within
``START_TIMEOUT`` seconds fails the caller, and one that does not stop within
``STOP_TIMEOUT`` seconds of SIGTERM is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# A virtualenv with FastAPI 0.165.0 and no nimbleapi, made by `bash reliability/setup_fastapi_venv.sh`.
FASTAPI_PYTHON_VARIABLE = "RELIABILITY_FASTAPI_PYTHON"


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def python_for(framework: str) -> str:
    if framework == "nimbleapi":
        return sys.executable
    python = os.environ.get(FASTAPI_PYTHON_VARIABLE)
    if not python:
        raise RuntimeError(f"set {FASTAPI_PYTHON_VARIABLE} to the python of a FastAPI 0.165.0 virtualenv")
    return python


def server_command(python: str, port: int, server: str, workers: int) -> list[str]:
    if server == "uvicorn":
        command = [python, "-m", "uvicorn", "serve:app", "--app-dir", str(HERE), "--host", HOST]
        command += ["--port", str(port), "--log-level", "warning", "--workers", str(workers)]
        return command
    if server == "hypercorn":
        command = [python, "-m", "hypercorn", "serve:app", "--bind", f"{HOST}:{port}"]
        return command + ["--workers", str(workers), "--log-level", "warning"]
    raise ValueError(f"unknown server {server!r}")


def wait_until_accepting(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server did not accept connections within {START_TIMEOUT}s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(STOP_TIMEOUT)


@contextlib.contextmanager
def running(
    app: str,
    framework: str = "nimbleapi",
    *,
    server: str = "uvicorn",
    workers: int = 1,
    log_dir: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Serve ``app`` (see targets.py) on a free loopback port for the duration of the block.

    The server's output goes to ``Server.log``, in ``log_dir`` or else in a temporary
    directory removed afterwards.
    """
    with contextlib.ExitStack() as cleanup:
        directory = log_dir or Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        yield cleanup.enter_context(_running(app, framework, server, workers, directory / f"{app}.log", extra_env))


@contextlib.contextmanager
def _running(
    app: str, framework: str, server: str, workers: int, log: Path, extra_env: dict[str, str] | None
) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "RELIABILITY_APP": app, "RELIABILITY_FRAMEWORK": framework, **(extra_env or {})}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH", "")]))
    with log.open("wb") as output:
        process = subprocess.Popen(
            server_command(python_for(framework), port, server, workers),
            cwd=HERE,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so workers stop with it
        )
    try:
        wait_until_accepting(process, port, log)
        yield Server(process, port, log)
    finally:
        stop(process)


@contextlib.contextmanager
def in_thread(app: object, **config: object) -> Iterator[int]:
    """Serve ``app`` with uvicorn in a thread of this process (so a test can see its state); yields the port."""
    port = free_port()
    settings = {"host": HOST, "port": port, "log_level": "warning", "lifespan": "off", "loop": "asyncio", **config}
    uvicorn_server = uvicorn.Server(uvicorn.Config(app, **settings))  # type: ignore[arg-type]
    thread = threading.Thread(target=uvicorn_server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not uvicorn_server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the in-thread server did not start")
        time.sleep(0.02)
    try:
        yield port
    finally:
        uvicorn_server.should_exit = True
        thread.join(STOP_TIMEOUT)
