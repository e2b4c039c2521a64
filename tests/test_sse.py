"""Server-Sent Events: the ``ServerSentEvent`` model, the wire format and SSE endpoints."""

from __future__ import annotations

import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
)
from typing import Any

import anyio
import pytest
from pydantic import BaseModel, ValidationError

import nimbleapi.routing
import nimbleapi.sse
from nimbleapi import APIRouter, Depends, FastAPI, Response
from nimbleapi.exceptions import ResponseValidationError
from nimbleapi.sse import (
    KEEPALIVE_COMMENT,
    EventSourceResponse,
    ServerSentEvent,
    format_sse_event,
)
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str
    note: str | None = None


def data_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith("data: ")]


# ---------------------------------------------------------------- ServerSentEvent


@pytest.mark.parametrize("field_name", ["event", "id"])
@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\r\nb"])
def test_event_and_id_must_be_single_lines(field_name: str, value: str) -> None:
    with pytest.raises(ValidationError, match=f"SSE '{field_name}' must be a single line"):
        ServerSentEvent(data=1, **{field_name: value})


def test_id_with_null_character_is_rejected() -> None:
    with pytest.raises(ValidationError, match="SSE 'id' must not contain null characters"):
        ServerSentEvent(id="a\0b")


@pytest.mark.parametrize("retry", [-1, 1.5, "soon"])
def test_retry_must_be_a_non_negative_integer(retry: Any) -> None:
    with pytest.raises(ValidationError):
        ServerSentEvent(retry=retry)


def test_data_and_raw_data_are_mutually_exclusive() -> None:
    with pytest.raises(ValidationError, match="Cannot set both 'data' and 'raw_data'"):
        ServerSentEvent(data="x", raw_data="x")


def test_all_fields_default_to_none() -> None:
    event = ServerSentEvent()
    assert event.model_dump() == {"data": None, "raw_data": None, "event": None, "id": None, "retry": None, "comment": None}


# ---------------------------------------------------------------- format_sse_event


def test_fields_are_written_in_wire_order() -> None:
    encoded = format_sse_event(data_str='{"a": 1}', event="update", id="7", retry=1000, comment="note")
    assert encoded == b': note\nevent: update\ndata: {"a": 1}\nid: 7\nretry: 1000\n\n'


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param("one\ntwo", b"data: one\ndata: two\n\n", id="lf"),
        pytest.param("one\r\ntwo", b"data: one\ndata: two\n\n", id="crlf"),
        pytest.param("one\rtwo", b"data: one\ndata: two\n\n", id="cr"),
        pytest.param("end\n", b"data: end\ndata: \n\n", id="trailing-terminator"),
        pytest.param("", b"data: \n\n", id="empty"),
        pytest.param("a\u2028b\vc", "data: a\u2028b\vc\n\n".encode(), id="other-separators-kept"),
    ],
)
def test_data_is_split_on_sse_line_terminators_only(data: str, expected: bytes) -> None:
    assert format_sse_event(data_str=data) == expected


def test_multi_line_comment_becomes_several_comment_lines() -> None:
    assert format_sse_event(comment="first\nsecond") == b": first\n: second\n\n"


def test_event_without_fields_is_a_blank_line() -> None:
    assert format_sse_event() == b"\n"


# ---------------------------------------------------------------- endpoints

ITEMS = [Item(name="Plumbus"), Item(name="Portal Gun", note="handle with care")]


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/async", response_class=EventSourceResponse)
    async def typed_async() -> AsyncIterable[Item]:
        for item in ITEMS:
            yield item

    @app.get("/sync", response_class=EventSourceResponse)
    def typed_sync() -> Iterable[Item]:
        yield from ITEMS

    @app.post("/untyped", response_class=EventSourceResponse)
    async def untyped():  # type: ignore[no-untyped-def]
        yield {"text": "a\nb"}
        yield "plain"

    @app.get("/events", response_class=EventSourceResponse)
    async def events() -> AsyncIterable[ServerSentEvent]:
        yield ServerSentEvent(comment="starting")
        yield ServerSentEvent(data="hello", event="greeting", id="1", retry=5000)
        yield ServerSentEvent(data={"key": "value"})
        yield ServerSentEvent(data=Item(name="Plumbus"))
        yield ServerSentEvent(raw_data="<b>raw</b>", event="html")

    @app.get("/mixed", response_class=EventSourceResponse)
    async def mixed() -> AsyncIterable[Item]:
        yield Item(name="Plumbus")
        yield ServerSentEvent(data={"not": "an item"}, event="other")  # type: ignore[misc]

    @app.get("/invalid", response_class=EventSourceResponse)
    async def invalid() -> AsyncIterable[Item]:
        yield {"name": "valid"}  # type: ignore[misc]
        yield {"title": "missing name"}  # type: ignore[misc]

    @app.get("/failing", response_class=EventSourceResponse)
    async def failing() -> AsyncIterator[int]:
        yield 1
        raise LookupError("generator failed")

    @app.get("/exclude-none", response_class=EventSourceResponse, response_model_exclude_none=True)
    async def exclude_none() -> AsyncIterable[Item]:
        yield Item(name="Plumbus")

    return app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(make_app()) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/async", "/sync"])
def test_yielded_models_become_json_data_events(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.text == (
        'data: {"name":"Plumbus","note":null}\n\n'
        'data: {"name":"Portal Gun","note":"handle with care"}\n\n'
    )


def test_event_stream_headers(client: TestClient) -> None:
    response = client.get("/async")
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"


def test_untyped_items_are_json_encoded_on_one_line(client: TestClient) -> None:
    response = client.post("/untyped")
    assert response.status_code == 200
    assert response.text == 'data: {"text": "a\\nb"}\n\ndata: "plain"\n\n'


def test_server_sent_events_are_written_as_given(client: TestClient) -> None:
    response = client.get("/events")
    assert response.text == (
        ": starting\n\n"
        'event: greeting\ndata: "hello"\nid: 1\nretry: 5000\n\n'
        'data: {"key": "value"}\n\n'
        'data: {"name":"Plumbus","note":null}\n\n'
        "event: html\ndata: <b>raw</b>\n\n"
    )


def test_server_sent_events_skip_item_validation(client: TestClient) -> None:
    response = client.get("/mixed")
    assert response.status_code == 200
    assert data_lines(response.text) == ['data: {"name":"Plumbus","note":null}', 'data: {"not": "an item"}']


def test_items_are_validated_against_the_item_type(client: TestClient) -> None:
    with pytest.raises(ResponseValidationError) as exc_info:
        client.get("/invalid")
    assert [error["loc"] for error in exc_info.value.errors()] == [("response", "name")]


def test_error_in_generator_propagates_unwrapped(client: TestClient) -> None:
    with pytest.raises(LookupError, match="generator failed"):
        client.get("/failing")


def test_response_model_options_apply_to_items(client: TestClient) -> None:
    assert client.get("/exclude-none").text == 'data: {"name":"Plumbus"}\n\n'


def test_status_code_and_headers_of_the_response_parameter() -> None:
    app = FastAPI()

    def accept(response: Response) -> None:
        response.status_code = 202
        response.headers["x-stream"] = "yes"

    @app.post("/created", response_class=EventSourceResponse, status_code=201)
    async def created() -> AsyncIterable[int]:
        yield 1

    @app.post("/accepted", response_class=EventSourceResponse, status_code=201, dependencies=[Depends(accept)])
    async def accepted() -> AsyncIterable[int]:
        yield 1

    client = TestClient(app)
    assert client.post("/created").status_code == 201
    response = client.post("/accepted")
    assert response.status_code == 202
    assert response.headers["x-stream"] == "yes"
    assert response.text == "data: 1\n\n"


def test_default_response_class_makes_generators_event_streams() -> None:
    app = FastAPI(default_response_class=EventSourceResponse)
    router = APIRouter()

    @router.get("/stream")
    async def stream() -> AsyncIterable[Item]:
        yield Item(name="Plumbus")

    app.include_router(router, prefix="/api")
    response = TestClient(app).get("/api/stream")
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.text == 'data: {"name":"Plumbus","note":null}\n\n'


def test_custom_event_source_subclass_is_used() -> None:
    class TaggedEvents(EventSourceResponse):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["x-tagged"] = "1"

    app = FastAPI()

    @app.get("/tagged", response_class=TaggedEvents)
    async def tagged() -> AsyncIterable[int]:
        yield 1

    response = TestClient(app).get("/tagged")
    assert response.headers["x-tagged"] == "1"
    assert response.text == "data: 1\n\n"


# ---------------------------------------------------------------- dependencies with yield


class Session:
    open = True


def test_yield_dependency_is_closed_after_the_stream_ends() -> None:
    app = FastAPI()
    log: list[str] = []

    def get_session() -> Iterator[Session]:
        session = Session()
        yield session
        session.open = False
        log.append("session closed")

    @app.get("/stream", response_class=EventSourceResponse)
    async def stream(session: Session = Depends(get_session)) -> AsyncIterable[dict[str, bool]]:
        for _ in range(3):
            yield {"open": session.open}
        log.append("stream done")

    response = TestClient(app).get("/stream")
    assert data_lines(response.text) == ['data: {"open":true}'] * 3
    assert log == ["stream done", "session closed"]


# ---------------------------------------------------------------- keep-alive


def slow_app() -> FastAPI:
    app = FastAPI()

    @app.get("/slow-async", response_class=EventSourceResponse)
    async def slow_async() -> AsyncIterable[int]:
        yield 1
        await anyio.sleep(0.3)
        yield 2

    @app.get("/slow-sync", response_class=EventSourceResponse)
    def slow_sync() -> Iterable[int]:
        yield 1
        time.sleep(0.3)
        yield 2

    return app


@pytest.mark.parametrize("path", ["/slow-async", "/slow-sync"])
def test_keepalive_comment_while_generator_is_idle(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.setattr(nimbleapi.sse, "_PING_INTERVAL", 0.05)
    text = TestClient(slow_app()).get(path).text
    assert KEEPALIVE_COMMENT.decode() in text
    assert data_lines(text) == ["data: 1", "data: 2"]
    assert set(text.split("\n\n")) == {"data: 1", "data: 2", ": ping", ""}


def test_keepalive_interval_patched_on_routing_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    # FastAPI applications patch the interval where FastAPI reads it: its routing module.
    monkeypatch.setattr(nimbleapi.routing, "_PING_INTERVAL", 0.05, raising=False)
    assert ": ping\n\n" in TestClient(slow_app()).get("/slow-async").text


def test_no_keepalive_when_items_keep_coming(client: TestClient) -> None:
    assert ": ping" not in client.get("/async").text


# ---------------------------------------------------------------- client disconnect


@pytest.mark.anyio
async def test_client_disconnect_stops_async_generator(serve_until_disconnect: Callable[[FastAPI, str], Awaitable[list[bytes]]]) -> None:
    app = FastAPI()
    log: list[str] = []

    def resource() -> Iterator[None]:
        yield
        log.append("dependency closed")

    @app.get("/forever", response_class=EventSourceResponse, dependencies=[Depends(resource)])
    async def forever() -> AsyncIterable[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            log.append("generator closed")

    chunks = await serve_until_disconnect(app, "/forever")
    assert chunks[0] == b"data: 0\n\n"
    assert log == ["generator closed", "dependency closed"]


@pytest.mark.anyio
async def test_client_disconnect_stops_sync_generator(serve_until_disconnect: Callable[[FastAPI, str], Awaitable[list[bytes]]]) -> None:
    app = FastAPI()
    log: list[str] = []

    @app.get("/forever", response_class=EventSourceResponse)
    def forever() -> Iterable[int]:
        try:
            while True:
                yield 1
        finally:
            log.append("generator closed")

    chunks = await serve_until_disconnect(app, "/forever")
    assert chunks[0] == b"data: 1\n\n"
    assert log == ["generator closed"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
