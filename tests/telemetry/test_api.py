"""Operation spans, telemetry data and validation logs (``nimbleapi.telemetry._api``)."""

from __future__ import annotations

from typing import Annotated, Any

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from pydantic import BaseModel

from nimbleapi import BackgroundTasks, Depends, FastAPI
from nimbleapi.telemetry import TelemetryData, get_telemetry_data
from nimbleapi.testclient import TestClient

from .conftest import Signals


class Item(BaseModel):
    name: str


def current_user() -> str:
    return "ann"


def test_steps_are_child_spans_of_the_server_span(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)

    def notify() -> None:
        return None

    @app.post("/items")
    async def create_item(item: Item, user: Annotated[str, Depends(current_user)], tasks: BackgroundTasks) -> Item:
        tasks.add_task(notify)
        return item

    with TestClient(app) as client:
        assert client.post("/items", json={"name": "a"}).json() == {"name": "a"}
    spans = {span.name: span for span in signals.spans.get_finished_spans()}
    server = spans["POST /items"]
    for step in ("fastapi.dependencies", "fastapi.endpoint", "fastapi.serialization", "fastapi.background_task"):
        assert spans[step].parent is not None
        assert spans[step].parent.span_id == server.context.span_id
    assert spans["fastapi.endpoint"].attributes == {"code.function.name": f"{__name__}.{create_item.__qualname__}"}
    assert spans["fastapi.background_task"].attributes == {"code.function.name": f"{__name__}.{notify.__qualname__}"}


def test_operation_spans_can_be_switched_off(signals: Signals) -> None:
    app = FastAPI(telemetry={**signals.config, "operation_spans": False})

    @app.get("/")
    def root() -> None:
        return None

    with TestClient(app) as client:
        client.get("/")
    assert signals.span_names() == ["GET /"]


def test_validation_failure_is_logged_with_its_error_count(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)

    @app.post("/items")
    def create_item(item: Item) -> Item:
        return item

    with TestClient(app) as client:
        assert client.post("/items", json={}).status_code == 422
    (record,) = [data.log_record for data in signals.logs.get_finished_logs()]
    assert record.event_name == "fastapi.validation.failed"
    assert record.attributes == {"fastapi.validation.error_count": 1, "http.route": "/items"}


def test_processors_read_the_request_data_while_it_is_handled(signals: Signals) -> None:
    seen: list[TelemetryData | None] = []

    class Reader(SpanProcessor):
        def on_end(self, span: ReadableSpan) -> None:
            if span.name == "fastapi.dependencies":
                data = get_telemetry_data()
                seen.append(None if data is None else TelemetryData(**vars(data)))

    signals.config["tracer_provider"].add_span_processor(Reader())
    app = FastAPI(telemetry=signals.config)

    @app.post("/items/{item_id}")
    def update_item(item_id: int, item: Item) -> dict[str, Any]:
        return {"item_id": item_id}

    with TestClient(app) as client:
        client.post("/items/3", json={"name": "b"})
    (data,) = seen
    assert data is not None
    assert data.body == {"name": "b"}
    assert data.values is not None and data.values["item_id"] == 3
    assert data.errors == []
    assert get_telemetry_data() is None
