"""``nimbleapi run`` / ``dev`` over real HTTP on loopback, on each server (Granian and uvicorn).

Every test starts the command as a process on a free port, serving tests/served_app.py,
and talks to it with real clients: httpx for HTTP, websockets for WebSockets. Every wait
is bounded; servers are stopped by their process id.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from serving import free_port
from websockets.sync.client import connect

from nimbleapi._servers import DEFAULT_FORWARDED_ALLOW_IPS, SERVERS, trusted_proxies

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
START_TIMEOUT_S = 30.0

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> str:
    """Every test that starts a server runs once on each."""
    name: str = request.param
    return name


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    url: str
    ledger: Path
    log: Path

    def events(self) -> list[str]:
        if not self.ledger.exists():
            return []
        return [line.split()[0] for line in self.ledger.read_text().splitlines() if line]

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> str:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.log.read_text(errors="replace")


Start = Callable[..., Running]
# uvicorn, once shut down, re-raises the signal it stopped on, so its exit status says SIGTERM.
CLEAN_EXITS = (0, -signal.SIGTERM)


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"{what}: not within {timeout_s} s")


@pytest.fixture
def start(server: str, tmp_path: Path) -> Iterator[Start]:
    """Start ``nimbleapi <command>`` on *server* with extra arguments; stopped after the test."""
    started: list[Running] = []

    def run(*arguments: str, command: str = "run", app: Path = TESTS_DIR / "served_app.py") -> Running:
        port = free_port()
        ledger = tmp_path / f"ledger-{len(started)}.txt"
        log = tmp_path / f"server-{len(started)}.log"
        argv = [sys.executable, "-m", "nimbleapi", command, str(app), "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--server", server, *arguments]
        environment = {**os.environ, "SERVED_APP_LEDGER": str(ledger), "PYTHONPATH": str(REPO_ROOT)}
        with log.open("wb") as output:
            process = subprocess.Popen(argv, cwd=app.parent, env=environment, stdout=output, stderr=subprocess.STDOUT)
        running = Running(process, f"http://127.0.0.1:{port}", ledger, log)
        started.append(running)
        wait_until(lambda: answers(running), START_TIMEOUT_S, f"the server answering\n{log.read_text()}")
        return running

    yield run
    for running in started:
        running.stop()


def answers(running: Running) -> bool:
    if running.process.poll() is not None:
        pytest.fail(f"the server exited with {running.process.returncode}:\n{running.log.read_text()}")
    try:
        return httpx.get(running.url + "/openapi.json", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


# ---- the command and the lifespan -------------------------------------------------------


def test_lifespan_runs_around_serving(start: Start, server: str) -> None:
    running = start()
    assert httpx.get(running.url + "/state").json()["greeting"] == "started"
    output = running.stop()
    assert running.process.returncode in CLEAN_EXITS, output
    assert running.events() == ["startup", "shutdown"]
    assert f"server: {server}" in output


def test_docs_page_and_document_are_served(start: Start) -> None:
    running = start()
    page = httpx.get(running.url + "/docs")
    assert page.status_code == 200
    assert "swagger-ui" in page.text.lower()
    assert "/upload" in httpx.get(running.url + "/openapi.json").json()["paths"]


def test_workers_serve_from_their_own_processes(start: Start) -> None:
    running = start("--workers", "2")
    pids = {httpx.get(running.url + "/state", headers={"Connection": "close"}).json()["pid"] for _ in range(20)}
    assert running.process.pid not in pids
    assert running.stop() and running.process.returncode in CLEAN_EXITS
    assert running.events().count("startup") == 2


def test_a_worker_that_dies_is_replaced(start: Start) -> None:
    running = start("--workers", "2")
    victim = httpx.get(running.url + "/state", headers={"Connection": "close"}).json()["pid"]
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: running.events().count("startup") == 3, 30, "a new worker started")
    pids = {httpx.get(running.url + "/state", headers={"Connection": "close"}).json()["pid"] for _ in range(20)}
    assert victim not in pids


SMALL_APP = "from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get('/v')\ndef v():\n    return 1\n"


def test_serves_when_started_inside_a_package_directory(start: Start, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "main.py").write_text(SMALL_APP)
    running = start(app=package / "main.py")  # the working directory is the package
    assert httpx.get(running.url + "/v").json() == 1


def test_dev_reloads_when_the_source_changes(start: Start, tmp_path: Path) -> None:
    app = tmp_path / "project" / "main.py"
    app.parent.mkdir()
    app.write_text(SMALL_APP)
    running = start(command="dev", app=app)
    assert httpx.get(running.url + "/v").json() == 1
    app.write_text(app.read_text().replace("return 1", "return 2"))

    def reloaded() -> bool:
        try:
            return bool(httpx.get(running.url + "/v", timeout=2).json() == 2)
        except httpx.TransportError:
            return False

    wait_until(reloaded, 30, "the new source served after the change")


# ---- what travels over HTTP ------------------------------------------------------------


def test_streaming_response_arrives_chunk_by_chunk(start: Start) -> None:
    running = start()
    with httpx.stream("GET", running.url + "/stream", params={"chunks": 5}) as response:
        assert response.headers["transfer-encoding"] == "chunked"
        body = b"".join(response.iter_bytes())
    assert body.decode().splitlines() == [f"chunk {index}" for index in range(5)]


def test_server_sent_events(start: Start) -> None:
    running = start()
    with httpx.stream("GET", running.url + "/events", params={"count": 3}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode()
    data = [json.loads(line[len("data: ") :]) for line in text.splitlines() if line.startswith("data: ")]
    assert data == [{"index": 0}, {"index": 1}, {"index": 2}]
    assert text.count("event: tick") == 3


def test_websocket_echo(start: Start) -> None:
    running = start()
    with connect(running.url.replace("http", "ws") + "/echo", open_timeout=5, close_timeout=5) as websocket:
        for text in ("one", "two"):
            websocket.send(text)
            assert websocket.recv(timeout=5) == f"ws:{text}"


def test_upload_of_a_large_file(start: Start) -> None:
    running = start()
    content = os.urandom(3 * 1024 * 1024)
    response = httpx.post(running.url + "/upload", files={"file": ("blob.bin", content)}, timeout=30)
    assert response.json() == {"name": "blob.bin", "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}


def test_client_disconnect_ends_the_stream(start: Start) -> None:
    running = start()
    with httpx.stream("GET", running.url + "/forever") as response:
        assert next(response.iter_lines()) == "tick"
    wait_until(lambda: "disconnected" in running.events(), 10, "the app seeing the client leave")


# ---- proxies ---------------------------------------------------------------------------


def test_client_and_server_ports_are_integers(start: Start) -> None:
    running = start()
    where = httpx.get(running.url + "/where").json()
    assert isinstance(where["client_port"], int) and where["client_port"] > 0
    assert where["server"] == ["127.0.0.1", int(running.url.rsplit(":", 1)[1])]


def test_root_path_prefixes_urls(start: Start) -> None:
    running = start("--root-path", "/api")
    where = httpx.get(running.url + "/where").json()
    assert where["url"] == running.url + "/api/where"
    assert where["root_path"] == "/api"
    assert where["docs"] == running.url + "/api/where"
    assert httpx.get(running.url + "/openapi.json").json()["servers"] == [{"url": "/api"}]


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def test_proxy_headers_from_a_trusted_address_are_applied(start: Start) -> None:
    running = start()
    where = httpx.get(running.url + "/where", headers=FORWARDED).json()
    assert (where["client"], where["scheme"]) == ("203.0.113.7", "https")
    # Each header counts on its own, and a request without either is left as it came.
    for headers, seen in (({"X-Forwarded-Proto": "https"}, ("127.0.0.1", "https")),
                          ({"X-Forwarded-For": "198.51.100.2, 127.0.0.1"}, ("198.51.100.2", "http")),
                          ({"X-Other": "1"}, ("127.0.0.1", "http"))):
        where = httpx.get(running.url + "/where", headers=headers).json()
        assert (where["client"], where["scheme"]) == seen, headers
    with connect(
        running.url.replace("http", "ws") + "/echo", additional_headers=FORWARDED, open_timeout=5, close_timeout=5
    ) as websocket:
        websocket.send("hi")
        assert websocket.recv(timeout=5) == "wss:hi"


@pytest.mark.parametrize("arguments", [("--no-proxy-headers",), ("--forwarded-allow-ips", "10.0.0.1")])
def test_proxy_headers_are_ignored_unless_trusted(start: Start, arguments: tuple[str, ...]) -> None:
    running = start(*arguments)
    where = httpx.get(running.url + "/where", headers=FORWARDED).json()
    assert (where["client"], where["scheme"]) == ("127.0.0.1", "http")


def test_forwarded_allow_ips_star_trusts_everyone(start: Start) -> None:
    running = start("--forwarded-allow-ips", "*")
    assert httpx.get(running.url + "/where", headers=FORWARDED).json()["client"] == "203.0.113.7"


# ---- stopping ----------------------------------------------------------------------------


def test_graceful_shutdown_under_load_drops_no_accepted_request(start: Start) -> None:
    """SIGTERM while slow requests are in flight and clients keep sending: every answer is whole."""
    running = start("--no-access-log")
    slow_count, load_clients = 16, 4
    stop_load = threading.Event()
    failures: list[str] = []
    answered = [0]

    def slow_request() -> str:
        try:
            return str(httpx.get(running.url + "/slow", params={"seconds": 1.5}, timeout=20).status_code)
        except httpx.HTTPError as error:
            return repr(error)

    def keep_sending() -> None:
        with httpx.Client(timeout=10) as client:
            while not stop_load.is_set():
                try:
                    response = client.get(running.url + "/sync", params={"n": 7})
                except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                    # refused, or a kept-alive connection closed between requests: nothing was accepted
                    time.sleep(0.01)
                    continue
                if response.status_code != 200 or response.json() != {"n": 7}:
                    failures.append(f"{response.status_code} {response.text[:80]}")
                answered[0] += 1

    with ThreadPoolExecutor(slow_count + load_clients) as pool:
        loaders = [pool.submit(keep_sending) for _ in range(load_clients)]
        try:
            wait_until(lambda: answered[0] > 50, 20, "the load answered")
            slow = [pool.submit(slow_request) for _ in range(slow_count)]
            in_app = lambda: running.events().count("slow-started") == slow_count  # noqa: E731
            wait_until(in_app, 20, "every slow request inside the application")
            running.process.send_signal(signal.SIGTERM)
            outcomes = [future.result(timeout=30) for future in slow]
        finally:
            stop_load.set()
        for loader in loaders:
            loader.result(timeout=30)
    running.process.wait(timeout=30)
    assert outcomes == ["200"] * slow_count
    assert failures == []
    assert running.process.returncode in CLEAN_EXITS
    assert running.events()[-1] == "shutdown"


# ---- the options' defaults -------------------------------------------------------------


def test_trusted_proxies_are_chosen_as_uvicorn_chooses_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert trusted_proxies(None) == DEFAULT_FORWARDED_ALLOW_IPS == "127.0.0.1,::1"
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.1.1.1")
    assert trusted_proxies(None) == "10.1.1.1"
    assert trusted_proxies("*") == "*"
