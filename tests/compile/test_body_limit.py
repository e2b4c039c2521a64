"""The application's ``max_body_size`` holds for the user's middleware as well as for routes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from asgi_calls import scope_for
from starlette.responses import PlainTextResponse
from starlette.types import Message

from nimbleapi import FastAPI, Request

CHUNK = b"x" * 500


async def post_in_chunks(app: FastAPI, chunks: int, path: str = "/") -> tuple[list[Message], int]:
    """POST *chunks* chunks of 500 bytes; the messages sent back, and how many chunks were received."""
    received = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": CHUNK, "more_body": received < chunks}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope_for("POST", path, headers=[(b"content-type", b"application/octet-stream")]), receive, send)
    return sent, received


def app_with_body_reading_middleware(max_body_size: int | None) -> tuple[FastAPI, list[int]]:
    app = FastAPI(max_body_size=max_body_size)
    read_sizes: list[int] = []

    @app.middleware("http")
    async def read_body(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        read_sizes.append(len(await request.body()))
        return await call_next(request)

    @app.post("/")
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(await request.body())

    return app, read_sizes


def test_middleware_reading_the_body_is_stopped_at_the_limit() -> None:
    app, read_sizes = app_with_body_reading_middleware(max_body_size=1000)
    sent, received = asyncio.run(post_in_chunks(app, chunks=100))
    assert sent[0]["status"] == 413
    assert received == 3  # the chunk that passed the limit is the last one taken in
    assert read_sizes == []  # the middleware never got the body


def test_middleware_reading_a_body_under_the_limit_passes_it_on() -> None:
    app, read_sizes = app_with_body_reading_middleware(max_body_size=1000)
    sent, received = asyncio.run(post_in_chunks(app, chunks=2))
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == CHUNK * 2
    assert read_sizes == [1000]


def test_mounted_application_answers_the_outer_limit_with_413() -> None:
    parent = FastAPI(max_body_size=1000)
    child, read_sizes = app_with_body_reading_middleware(max_body_size=None)  # only the parent counts
    parent.mount("/child", child)
    sent, received = asyncio.run(post_in_chunks(parent, chunks=100, path="/child/"))
    assert (sent[0]["status"], sent[1]["body"]) == (413, b'{"detail":"Content Too Large"}')
    assert received == 3
    assert read_sizes == []

