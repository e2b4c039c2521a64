"""Routes answering requests with telemetry: their steps' spans around what the route does."""

from collections.abc import Iterator
from typing import Annotated, Any

from opentelemetry import trace
from opentelemetry.trace import StatusCode
from pydantic import BaseModel

from nimbleapi import Depends, FastAPI, HTTPException, Request
from nimbleapi.telemetry import get_telemetry_data
from nimbleapi.testclient import TestClient

from .conftest import Signals


class Item(BaseModel):
    name: str


def test_the_endpoint_reads_the_body_the_route_has_read(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)

    @app.post("/items")
    async def create_item(item: Item, request: Request) -> dict[str, Any]:
        data = get_telemetry_data()
        assert data is not None and data.request is request
        return {"name": item.name, "raw": (await request.body()).decode()}

    with TestClient(app) as client:
        response = client.post("/items", content=b'{"name": "a"}', headers={"content-type": "application/json"})
    assert response.json() == {"name": "a", "raw": '{"name": "a"}'}
    assert {"fastapi.dependencies", "fastapi.endpoint", "fastapi.serialization"} <= set(signals.span_names())


def test_spans_opened_in_a_step_are_its_children(signals: Signals) -> None:
    tracer = signals.config["tracer_provider"].get_tracer("test")
    app = FastAPI(telemetry=signals.config)

    def session() -> Iterator[str]:
        with tracer.start_as_current_span("open session"):
            pass
        yield "session"

    @app.get("/sync")
    def read_sync(db: Annotated[str, Depends(session)]) -> str:
        with tracer.start_as_current_span("sync work"):
            return db

    @app.get("/async")
    async def read_async(db: Annotated[str, Depends(session)]) -> str:
        with tracer.start_as_current_span("async work"):
            return db

    with TestClient(app) as client:
        assert client.get("/sync").json() == "session"
        assert client.get("/async").json() == "session"
    spans = signals.spans.get_finished_spans()
    ids = {span.context.span_id: span.name for span in spans}
    parents = [(span.name, ids.get(span.parent.span_id) if span.parent else None) for span in spans]
    assert parents.count(("open session", "fastapi.dependencies")) == 2
    assert ("sync work", "fastapi.endpoint") in parents
    assert ("async work", "fastapi.endpoint") in parents
    assert parents.count(("fastapi.endpoint", "GET /sync")) == 1
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_an_answered_exception_does_not_fail_the_step(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)

    def current_user() -> str:
        raise HTTPException(status_code=401, detail="Not authenticated")

    @app.get("/me")
    async def read_me(user: Annotated[str, Depends(current_user)]) -> str:
        return user

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/me").status_code == 401
        assert client.get("/boom").status_code == 500
    spans = signals.spans.get_finished_spans()
    dependencies = next(span for span in spans if span.name == "fastapi.dependencies")  # GET /me's
    (endpoint,) = [span for span in spans if span.name == "fastapi.endpoint"]  # GET /boom's
    assert dependencies.status.status_code == StatusCode.UNSET
    assert endpoint.status.status_code == StatusCode.ERROR
    assert endpoint.attributes is not None and endpoint.attributes["error.type"] == "ValueError"

