"""Generator endpoints: JSON Lines streams (the default) and raw streaming responses."""

from __future__ import annotations

import json
import typing
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
)
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from nimbleapi import Depends, FastAPI, Response
from nimbleapi._compile.streaming import stream_item_type
from nimbleapi.exceptions import ResponseValidationError
from nimbleapi.responses import StreamingResponse
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float | None = None


class NaNAsString(BaseModel):
    model_config = ConfigDict(ser_json_inf_nan="strings")
    value: float


class Session:
    open = True


def json_lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines()]


# ---------------------------------------------------------------- item type of a return annotation


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        pytest.param(AsyncIterable[Item], Item, id="AsyncIterable"),
        pytest.param(AsyncIterator[int], int, id="AsyncIterator"),
        pytest.param(Iterable[str], str, id="Iterable"),
        pytest.param(Iterator[bytes], bytes, id="Iterator"),
        pytest.param(Generator[Item, None, None], Item, id="Generator"),
        pytest.param(typing.AsyncIterable, Any, id="bare-typing-alias"),
        pytest.param(list[Item], None, id="list-is-not-a-stream"),
        pytest.param(Item, None, id="model"),
    ],
)
def test_stream_item_type(annotation: Any, expected: Any) -> None:
    assert stream_item_type(annotation) is expected


# ---------------------------------------------------------------- JSON Lines


def make_jsonl_app() -> FastAPI:
    app = FastAPI()

    @app.get("/async")
    async def typed_async() -> AsyncIterable[Item]:
        yield Item(name="a", price=1)
        yield {"name": "b"}  # type: ignore[misc]  # validated and converted

    @app.get("/sync")
    def typed_sync() -> Iterable[Item]:
        yield Item(name="a", price=1)
        yield {"name": "b"}  # type: ignore[misc]

    @app.get("/untyped")
    async def untyped():  # type: ignore[no-untyped-def]
        yield {"name": "a"}
        yield [1, "two"]

    @app.get("/bare")
    def bare() -> typing.Iterable:  # type: ignore[type-arg]
        yield {"name": "a"}

    @app.get("/invalid-async")
    async def invalid_async() -> AsyncIterable[Item]:
        yield {"name": "a", "price": "free"}  # type: ignore[misc]

    @app.get("/invalid-sync")
    def invalid_sync() -> Iterable[Item]:
        yield {"name": "a", "price": "free"}  # type: ignore[misc]

    @app.get("/exclude-none", response_model_exclude_none=True)
    async def exclude_none() -> AsyncIterable[Item]:
        yield Item(name="a")

    @app.get("/non-finite")
    async def non_finite():  # type: ignore[no-untyped-def]
        yield float("nan")
        yield {"values": [float("inf"), -float("inf"), 1.5], float("inf"): "key kept"}
        yield Item(name="a", price=float("nan"))

    @app.get("/model-settings")
    async def model_settings() -> AsyncIterable[NaNAsString]:
        yield NaNAsString(value=float("nan"))

    return app


@pytest.fixture(scope="module")
def jsonl_client() -> Iterator[TestClient]:
    with TestClient(make_jsonl_app()) as client:
        yield client


@pytest.mark.parametrize("path", ["/async", "/sync"])
def test_jsonl_one_validated_item_per_line(jsonl_client: TestClient, path: str) -> None:
    response = jsonl_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jsonl"
    assert response.text == '{"name":"a","price":1.0}\n{"name":"b","price":null}\n'


def test_jsonl_untyped_items(jsonl_client: TestClient) -> None:
    assert json_lines(jsonl_client.get("/untyped").text) == [{"name": "a"}, [1, "two"]]


def test_jsonl_bare_iterable_annotation(jsonl_client: TestClient) -> None:
    response = jsonl_client.get("/bare")
    assert response.headers["content-type"] == "application/jsonl"
    assert json_lines(response.text) == [{"name": "a"}]


@pytest.mark.parametrize("path", ["/invalid-async", "/invalid-sync"])
def test_jsonl_invalid_item_raises_response_validation_error(jsonl_client: TestClient, path: str) -> None:
    with pytest.raises(ResponseValidationError) as exc_info:
        jsonl_client.get(path)
    assert [error["loc"] for error in exc_info.value.errors()] == [("response", "price")]


def test_jsonl_response_model_options_apply(jsonl_client: TestClient) -> None:
    assert jsonl_client.get("/exclude-none").text == '{"name":"a"}\n'


def test_jsonl_non_finite_floats_become_null(jsonl_client: TestClient) -> None:
    assert json_lines(jsonl_client.get("/non-finite").text) == [
        None,
        {"values": [None, None, 1.5], "Infinity": "key kept"},
        {"name": "a", "price": None},
    ]


def test_jsonl_model_serialization_settings_are_kept(jsonl_client: TestClient) -> None:
    assert jsonl_client.get("/model-settings").text == '{"value":"NaN"}\n'


# ---------------------------------------------------------------- raw streaming


def make_raw_app() -> FastAPI:
    app = FastAPI()

    class PNGStream(StreamingResponse):
        media_type = "image/png"

    @app.get("/text", response_class=StreamingResponse)
    async def text() -> AsyncIterable[str]:
        yield "one "
        yield "two"

    @app.get("/bytes-sync", response_class=StreamingResponse)
    def bytes_sync() -> Iterable[bytes]:
        yield b"\x89PNG"
        yield b"\x00"

    @app.get("/png", response_class=PNGStream)
    def png():  # type: ignore[no-untyped-def]
        yield b"\x89PNG"

    return app


def test_raw_stream_sends_chunks_as_they_are() -> None:
    client = TestClient(make_raw_app())
    assert client.get("/text").text == "one two"
    assert client.get("/bytes-sync").content == b"\x89PNG\x00"


def test_raw_stream_uses_the_route_response_class() -> None:
    response = TestClient(make_raw_app()).get("/png")
    assert response.headers["content-type"] == "image/png"
    assert response.content == b"\x89PNG"


# ---------------------------------------------------------------- status codes and headers


def accept(response: Response) -> None:
    response.status_code = 202
    response.headers["x-accepted"] = "yes"


def make_status_app() -> FastAPI:
    app = FastAPI()

    @app.post("/jsonl", status_code=201)
    async def jsonl() -> AsyncIterable[int]:
        yield 1

    @app.post("/raw", response_class=StreamingResponse, status_code=201)
    async def raw() -> AsyncIterable[str]:
        yield "x"

    @app.post("/jsonl-accepted", status_code=201, dependencies=[Depends(accept)])
    async def jsonl_accepted() -> AsyncIterable[int]:
        yield 1

    @app.post("/raw-accepted", response_class=StreamingResponse, dependencies=[Depends(accept)])
    def raw_accepted() -> Iterable[str]:
        yield "x"

    return app


@pytest.mark.parametrize(
    ("path", "status_code"),
    [
        pytest.param("/jsonl", 201, id="jsonl-route-status"),
        pytest.param("/raw", 201, id="raw-route-status"),
        pytest.param("/jsonl-accepted", 202, id="jsonl-response-parameter-wins"),
        pytest.param("/raw-accepted", 202, id="raw-response-parameter"),
    ],
)
def test_stream_status_code(path: str, status_code: int) -> None:
    assert TestClient(make_status_app()).post(path).status_code == status_code


@pytest.mark.parametrize("path", ["/jsonl-accepted", "/raw-accepted"])
def test_headers_of_the_response_parameter_are_sent(path: str) -> None:
    assert TestClient(make_status_app()).post(path).headers["x-accepted"] == "yes"


# ---------------------------------------------------------------- dependencies with yield


def test_yield_dependency_stays_open_until_the_stream_ends() -> None:
    app = FastAPI()
    log: list[str] = []

    def get_session() -> Iterator[Session]:
        session = Session()
        yield session
        session.open = False
        log.append("session closed")

    @app.get("/jsonl")
    def jsonl(session: Session = Depends(get_session)) -> Iterable[dict[str, bool]]:
        for _ in range(2):
            yield {"open": session.open}
        log.append("stream done")

    @app.get("/raw", response_class=StreamingResponse)
    async def raw(session: Session = Depends(get_session)) -> AsyncIterable[str]:
        yield "open " if session.open else "closed "
        log.append("stream done")

    client = TestClient(app)
    assert client.get("/jsonl").text == '{"open":true}\n{"open":true}\n'
    assert client.get("/raw").text == "open "
    assert log == ["stream done", "session closed"] * 2


# ---------------------------------------------------------------- cancellation


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/raw", "/jsonl"])
async def test_disconnect_stops_a_generator_that_never_awaits(
    path: str, serve_until_disconnect: Callable[[FastAPI, str], Awaitable[list[bytes]]]
) -> None:
    # Without a checkpoint per chunk, such a generator would never let the disconnect in.
    app = FastAPI()

    @app.get("/raw", response_class=StreamingResponse)
    async def raw() -> AsyncIterable[str]:
        while True:
            yield "chunk\n"

    @app.get("/jsonl")
    async def jsonl() -> AsyncIterable[int]:
        while True:
            yield 0

    chunks = await serve_until_disconnect(app, path)
    assert chunks[0] in (b"chunk\n", b"0\n")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
