"""Fixtures for calling security schemes directly on HTTP and WebSocket connections."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import pytest
from starlette.requests import HTTPConnection, Request
from starlette.types import Message
from starlette.websockets import WebSocket


class ConnectionFactory(Protocol):
    def __call__(
        self, headers: dict[str, str] | None = None, query_string: str = ""
    ) -> HTTPConnection: ...


async def _no_message() -> Message:  # pragma: no cover - schemes never read the body
    raise AssertionError("a security scheme must not read the request body")


async def _no_send(message: Message) -> None:  # pragma: no cover
    raise AssertionError("a security scheme must not send anything")


def _scope(kind: str, headers: dict[str, str], query_string: str) -> dict[str, Any]:
    return {
        "type": kind,
        "method": "GET",
        "path": "/",
        "scheme": "http" if kind == "http" else "ws",
        "query_string": query_string.encode(),
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }


@pytest.fixture(params=["http", "websocket"])
def make_connection(request: pytest.FixtureRequest) -> ConnectionFactory:
    """Build a Request or a WebSocket, so every scheme is checked on both kinds of connection."""
    kind: str = request.param

    def build(headers: dict[str, str] | None = None, query_string: str = "") -> HTTPConnection:
        scope = _scope(kind, headers or {}, query_string)
        if kind == "http":
            return Request(scope, _no_message, _no_send)
        return WebSocket(scope, _no_message, _no_send)

    return build


def run(call: Callable[[HTTPConnection], Coroutine[Any, Any, Any]], connection: HTTPConnection) -> Any:
    """Await a scheme's ``__call__`` from synchronous test code."""
    return asyncio.run(call(connection))


@pytest.fixture
def call_scheme() -> Callable[..., Any]:
    return run
