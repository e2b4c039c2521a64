"""Body limits: the application's ``max_body_size`` holds for the user's middleware as well as for
routes; bodies read whole into memory are held to ``max_buffered_body_size``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import pytest
from asgi_calls import scope_for
from starlette.responses import PlainTextResponse
from starlette.types import Message

from nimbleapi import Body, FastAPI, Form, Request, UploadFile
from nimbleapi._compile.body_limit import DEFAULT_MAX_BUFFERED_BODY_SIZE
from nimbleapi.testclient import TestClient

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



# ---- bodies read whole into memory: max_buffered_body_size --------------------------------------


def app_reading_bodies(**options: Any) -> FastAPI:
    app = FastAPI(**options)

    @app.post("/json")
    async def json_body(data: Annotated[list[str], Body()]) -> int:
        return len(data)

    @app.post("/form")
    async def form_body(text: Annotated[list[str], Form()]) -> int:
        return len(text)

    @app.post("/upload")
    async def upload(file: UploadFile) -> int:
        return len(await file.read())

    return app


def json_of_size(size: int) -> bytes:
    return b'["' + b"x" * (size - 4) + b'"]'


def test_json_body_past_the_buffered_limit_is_a_413() -> None:
    client = TestClient(app_reading_bodies(max_buffered_body_size=1000))
    headers = {"content-type": "application/json"}
    assert client.post("/json", content=json_of_size(1000), headers=headers).json() == 1
    response = client.post("/json", content=json_of_size(1001), headers=headers)
    assert (response.status_code, response.json()) == (413, {"detail": "Content Too Large"})


def test_urlencoded_form_past_the_buffered_limit_is_a_413() -> None:
    client = TestClient(app_reading_bodies(max_buffered_body_size=1000))
    assert client.post("/form", data={"text": ["x" * 400, "y" * 400]}).json() == 2
    response = client.post("/form", data={"text": ["x" * 400, "y" * 400, "z" * 400]})
    assert (response.status_code, response.json()) == (413, {"detail": "Content Too Large"})


def test_multipart_uploads_are_not_held_to_the_buffered_limit() -> None:
    client = TestClient(app_reading_bodies(max_buffered_body_size=1000))
    assert client.post("/upload", files={"file": ("f", b"x" * 5000)}).json() == 5000


def test_an_explicit_max_body_size_governs_instead() -> None:
    client = TestClient(app_reading_bodies(max_buffered_body_size=1000, max_body_size=5000))
    headers = {"content-type": "application/json"}
    assert client.post("/json", content=json_of_size(4000), headers=headers).json() == 1


def test_the_default_buffered_limit_and_turning_it_off() -> None:
    assert FastAPI().max_buffered_body_size == DEFAULT_MAX_BUFFERED_BODY_SIZE == 16 * 1024 * 1024
    body = json_of_size(DEFAULT_MAX_BUFFERED_BODY_SIZE + 1)
    headers = {"content-type": "application/json"}
    assert TestClient(app_reading_bodies()).post("/json", content=body, headers=headers).status_code == 413
    unlimited = TestClient(app_reading_bodies(max_buffered_body_size=None))
    assert unlimited.post("/json", content=body, headers=headers).json() == 1


@pytest.mark.parametrize("value", [-1, True, 1.5, "10"])
def test_an_invalid_buffered_limit_is_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="max_buffered_body_size must be a non-negative integer or None"):
        FastAPI(max_buffered_body_size=value)
