"""Two server processes on loopback sharing one database and one Redis, as two workers or machines do."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from websockets.sync.client import connect

from app.config import Settings
from tests.helpers import PASSWORD, make_settings, needs_redis

if TYPE_CHECKING:
    from tests.conftest import TemplateDatabase

EXAMPLE = Path(__file__).resolve().parents[1]
START_SECONDS = 180  # generous: a busy CI machine imports slowly


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_command(port: int) -> list[str]:
    """``nimbleapi run`` where nimbleapi is installed, else uvicorn serving the same app with FastAPI."""
    if importlib.util.find_spec("nimbleapi") is not None:
        return [sys.executable, "-m", "nimbleapi", "run", str(EXAMPLE), "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]


class Server:
    def __init__(self, name: str, settings: Settings, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"{name}.log"
        environment = os.environ | {
            "ENVIRONMENT": "test", "DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url,
            "REDIS_URL": str(settings.redis_url), "REDIS_PREFIX": settings.redis_prefix,
            "SECRET_KEY": settings.secret_key, "RUN_MIGRATIONS": "false",
            "LOGIN_ATTEMPTS_PER_WINDOW": str(settings.login_attempts_per_window), "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(server_command(self.port), cwd=EXAMPLE, env=environment,
                                            stdout=log, stderr=subprocess.STDOUT)

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"server on port {self.port} did not become ready:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def shared_settings(template_database: "TemplateDatabase", tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("servers")
    return make_settings(data_dir, template_database.copy(data_dir))


@pytest.fixture(scope="module")
def servers(shared_settings: Settings) -> Iterator[tuple[Server, Server]]:
    """Started once for this module's tests (each test uses its own email addresses)."""
    started = [Server(name, shared_settings, shared_settings.data_dir) for name in ("first", "second")]
    try:
        for server in started:
            server.wait_until_ready()
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()


@needs_redis
def test_a_notification_reaches_a_client_of_the_other_server(servers: tuple[Server, Server]) -> None:
    first, second = servers
    with httpx.Client(base_url=first.url, timeout=30) as api:
        assert api.post("/auth/register", json={"email": "ws@example.com", "password": PASSWORD}).status_code == 201
        token = api.post("/auth/login", data={"username": "ws@example.com", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        ws_url = second.url.replace("http://", "ws://") + f"/ws/notifications?token={token['access_token']}"
        with connect(ws_url, open_timeout=30) as websocket:
            assert '"hello"' in websocket.recv(timeout=30)
            post = api.post("/posts", headers=headers, json={"title": "Hi", "body": "b", "published": True}).json()
            message = websocket.recv(timeout=30)
    assert json.loads(message) == {"type": "post.published", "post_id": post["id"], "author_id": post["author_id"],
                                   "title": "Hi"}


@needs_redis
def test_the_login_rate_limit_is_shared_by_both_servers(servers: tuple[Server, Server],
                                                        shared_settings: Settings) -> None:
    first, second = servers
    httpx.post(first.url + "/auth/register", json={"email": "rl@example.com", "password": PASSWORD}, timeout=30)
    for _ in range(shared_settings.login_attempts_per_window):
        wrong = httpx.post(first.url + "/auth/login", data={"username": "rl@example.com", "password": "wrong pw"},
                           timeout=30)
        assert wrong.status_code == 401
    limited = httpx.post(second.url + "/auth/login", data={"username": "rl@example.com", "password": PASSWORD},
                         timeout=30)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
