"""Fixtures shared by test modules in different folders."""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import pytest
from starlette.types import ASGIApp, Message

ServeUntilDisconnect = Callable[[ASGIApp, str], Awaitable[list[bytes]]]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--dependency-solver",
        choices=("generated", "loop"),
        default="generated",
        help="how routes solve dependency trees: generated code (nimbleapi's choice) or the step "
        "loop it is written from, which deeper trees use; .ci/run runs the dependency tests in both",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--dependency-solver") == "loop":
        from nimbleapi._compile import codegen

        codegen.MAX_DEPTH = 0  # every tree is "too deep" for generated code


@pytest.fixture
def generated_solver(request: pytest.FixtureRequest) -> None:
    """For tests about the generated code itself: skipped when the run uses the step loop."""
    if request.config.getoption("--dependency-solver") == "loop":
        pytest.skip("this run solves dependencies with the step loop (--dependency-solver=loop)")


async def _serve_until_disconnect(app: ASGIApp, path: str) -> list[bytes]:
    """Serve ``GET path``; the client leaves as soon as the first body chunk arrived."""
    first_chunk = anyio.Event()
    chunks: list[bytes] = []

    async def receive() -> Message:
        await first_chunk.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            chunks.append(message["body"])
            first_chunk.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "server": ("test", 80),
        "client": ("test", 1234),
    }
    with anyio.fail_after(10):  # a safety net against a hang, not a timing assertion
        await app(scope, receive, send)
    return chunks


@pytest.fixture
def serve_until_disconnect() -> ServeUntilDisconnect:
    """``await serve_until_disconnect(app, path)``: the chunks sent before the client left."""
    return _serve_until_disconnect


REDIS_SKIP_REASON = "NIMBLEAPI_TEST_REDIS_URL is not set: start a redis-server with .ci/services (.ci/run does)"


@pytest.fixture
def redis_url() -> str:
    """The test Redis server's URL; the test skips when there is none."""
    url = os.environ.get("NIMBLEAPI_TEST_REDIS_URL")
    if not url:
        pytest.skip(REDIS_SKIP_REASON)
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test alone; its keys are deleted afterwards."""
    import redis

    prefix = f"nimbleapi-test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest) -> Callable[[], Any]:
    """Builds the store under test: a ``MemoryStore``, or a ``RedisStore`` on the test Redis.
    The Redis store is built on the event loop that uses it (redis-py binds to one)."""
    from nimbleapi.stores import MemoryStore

    if request.param == "memory":
        return MemoryStore
    url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
    from nimbleapi.stores import RedisStore

    # A generous timeout: a loaded machine may take seconds to open the pool's connections
    # under a burst, and a timeout would let the store fail open (an unchecked admission).
    return lambda: RedisStore.from_url(url, prefix=prefix, timeout=15.0)
