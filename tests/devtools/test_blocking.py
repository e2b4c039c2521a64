"""The blocking-call detector ``nimbleapi dev`` installs: it names the route and the blocking line."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest

from nimbleapi import Depends, FastAPI
from nimbleapi._devtools.blocking import install_blocking_detector
from nimbleapi.testclient import TestClient

THRESHOLD_S = 0.05


def blocking_sleep() -> None:
    time.sleep(THRESHOLD_S * 6)  # the blocking line


async def blocking_dependency() -> str:
    blocking_sleep()
    return "dep"


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/blocks")
    async def blocks() -> str:
        blocking_sleep()
        return "done"

    @app.get("/blocks-in-dependency")
    async def through_dependency(value: str = Depends(blocking_dependency)) -> str:
        return value

    @app.get("/awaits")
    async def awaits() -> str:
        await asyncio.sleep(THRESHOLD_S * 3)
        return "done"

    @app.get("/in-thread")
    def in_thread() -> str:
        time.sleep(THRESHOLD_S * 6)
        return "done"

    install_blocking_detector(app, THRESHOLD_S)
    return app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(make_app()) as client:
        yield client


def warnings_after(client: TestClient, path: str, caplog: pytest.LogCaptureFixture) -> list[str]:
    """The detector's warnings for one request (it reports when the loop beats again)."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="nimbleapi.dev"):
        assert client.get(path).status_code == 200
        client.get("/awaits")  # the loop runs on: the blocked beat is reported by now
    return [record.getMessage() for record in caplog.records if record.name == "nimbleapi.dev"]


def test_async_endpoint_blocking_the_loop_is_reported(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    [message] = warnings_after(client, "/blocks", caplog)
    assert "GET /blocks -> " in message and "blocks (" in message
    line = blocking_sleep.__code__.co_firstlineno + 1
    assert f"test_blocking.py:{line} in blocking_sleep" in message
    assert "threshold 50 ms" in message


def test_blocking_dependency_names_the_route_that_uses_it(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    [message] = warnings_after(client, "/blocks-in-dependency", caplog)
    assert "GET /blocks-in-dependency -> " in message
    assert "in blocking_sleep" in message


def test_awaiting_is_not_blocking(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    assert not [message for message in warnings_after(client, "/awaits", caplog) if "GET /awaits" in message]


def test_sync_endpoints_run_in_threads_and_do_not_block(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    assert not [message for message in warnings_after(client, "/in-thread", caplog) if "/in-thread" in message]


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        install_blocking_detector(FastAPI(), 0)
