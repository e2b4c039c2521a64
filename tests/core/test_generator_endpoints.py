"""Generator endpoints: items streamed as JSON Lines, or as raw chunks with StreamingResponse.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test, which a postponed annotation cannot see.
"""

from collections.abc import AsyncIterable, Iterable, Iterator
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from nimbleapi import Depends, FastAPI
from nimbleapi.exceptions import ResponseValidationError
from nimbleapi.responses import StreamingResponse
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float = 1.0


def test_async_generator_with_item_annotation_streams_json_lines() -> None:
    app = FastAPI()

    @app.get("/items")
    async def items() -> AsyncIterable[Item]:
        yield Item(name="a")
        yield Item(name="b", price=2)

    response = TestClient(app).get("/items")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jsonl"
    assert response.text == '{"name":"a","price":1.0}\n{"name":"b","price":2.0}\n'


def test_sync_generator_with_item_annotation_streams_json_lines() -> None:
    app = FastAPI()

    @app.get("/items")
    def items() -> Iterable[Item]:
        yield Item(name="sync")

    response = TestClient(app).get("/items")
    assert response.headers["content-type"] == "application/jsonl"
    assert response.text == '{"name":"sync","price":1.0}\n'


def test_streamed_items_are_validated_against_the_annotation() -> None:
    app = FastAPI()

    @app.get("/items")
    async def items() -> AsyncIterable[Item]:
        yield {"name": "from dict", "price": "3", "extra": "dropped"}  # type: ignore[misc]

    assert TestClient(app).get("/items").text == '{"name":"from dict","price":3.0}\n'


def test_invalid_streamed_item_raises_response_validation_error() -> None:
    app = FastAPI()

    @app.get("/items")
    def items() -> Iterable[Item]:
        yield {"price": 1}  # type: ignore[misc]

    with pytest.raises(ResponseValidationError) as caught:
        TestClient(app).get("/items")
    assert tuple(caught.value.errors()[0]["loc"]) == ("response", "name")


def test_unannotated_generator_streams_json_lines() -> None:
    app = FastAPI()

    @app.get("/things")
    def things():  # type: ignore[no-untyped-def]
        yield {"k": 1}
        yield [1, 2]

    response = TestClient(app).get("/things")
    assert response.headers["content-type"] == "application/jsonl"
    assert [line for line in response.text.split("\n") if line] == ['{"k": 1}', "[1, 2]"]


def test_generator_with_streaming_response_class_sends_raw_chunks() -> None:
    app = FastAPI()

    @app.get("/story", response_class=StreamingResponse)
    async def story() -> AsyncIterable[str]:
        for part in ["once ", "upon ", "a time"]:
            yield part

    assert TestClient(app).get("/story").text == "once upon a time"


def test_generator_with_streaming_response_class_sends_bytes() -> None:
    app = FastAPI()

    @app.get("/bytes", response_class=StreamingResponse)
    def raw() -> Iterable[bytes]:
        yield b"\x00\x01"
        yield b"\x02"

    assert TestClient(app).get("/bytes").content == b"\x00\x01\x02"


def test_streaming_endpoint_receives_params_and_dependencies() -> None:
    def multiplier() -> int:
        return 10

    app = FastAPI()

    @app.get("/numbers")
    async def numbers(count: int, factor: Annotated[int, Depends(multiplier)]) -> AsyncIterable[int]:
        for n in range(count):
            yield n * factor

    assert TestClient(app).get("/numbers?count=3").text == "0\n10\n20\n"


def test_streaming_endpoint_param_errors_are_422() -> None:
    app = FastAPI()

    @app.get("/numbers")
    async def numbers(count: int) -> AsyncIterable[int]:
        yield count  # pragma: no cover

    response = TestClient(app).get("/numbers?count=x")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "count"]


def test_yield_dependency_stays_open_while_items_stream() -> None:
    state = {"open": False}

    def session() -> Iterator[None]:
        state["open"] = True
        yield
        state["open"] = False

    app = FastAPI()

    @app.get("/flags")
    async def flags(_: Annotated[None, Depends(session)]) -> AsyncIterable[bool]:
        yield state["open"]

    assert TestClient(app).get("/flags").text == "true\n"
    assert state["open"] is False


def test_streaming_response_status_code() -> None:
    app = FastAPI()

    @app.get("/created", status_code=201)
    async def created() -> AsyncIterable[dict[str, Any]]:
        yield {"ok": True}

    response = TestClient(app).get("/created")
    assert response.status_code == 201
    assert response.text == '{"ok":true}\n'
