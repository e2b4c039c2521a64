"""``nimbleapi dev --timing``: a Server-Timing header splitting each request's time."""

from collections.abc import Iterator
from typing import Annotated

import pytest
from pydantic import BaseModel

from nimbleapi import Depends, FastAPI, routing
from nimbleapi._devtools.timing import install_server_timing
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str


def metrics(header: str) -> dict[str, str]:
    """``name -> desc`` (or "" without one) for each metric of a Server-Timing header."""
    found: dict[str, str] = {}
    for metric in header.split(", "):
        name, *params = metric.split(";")
        values = dict(param.split("=", 1) for param in params)
        assert float(values["dur"]) >= 0
        found[name] = values.get("desc", "").strip('"')
    return found


@pytest.fixture(autouse=True)
def restore_routing_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The timing hooks replace module functions for the whole process; put them back after."""
    for name in ("run_endpoint_function", "serialize_response"):
        monkeypatch.setattr(routing, name, getattr(routing, name))


@pytest.fixture
def client() -> Iterator[TestClient]:
    events: list[str] = []

    def get_db() -> Iterator[str]:
        events.append("open")
        try:
            yield "db"
        finally:
            events.append("close")

    async def current_user(db: Annotated[str, Depends(get_db)]) -> str:
        return f"user of {db}"

    app = FastAPI()

    @app.post("/items")
    async def create_item(item: Item, user: Annotated[str, Depends(current_user)]) -> Item:
        return item

    @app.get("/plain")
    def plain() -> dict[str, str]:
        return {"a": "b"}

    install_server_timing(app)
    with TestClient(app) as client:
        yield client
    assert events.count("open") == events.count("close")  # yield dependencies still close


def test_breakdown_names_validation_each_dependency_endpoint_and_serialisation(client: TestClient) -> None:
    response = client.post("/items", json={"name": "lamp"})
    assert response.json() == {"name": "lamp"}
    found = metrics(response.headers["server-timing"])
    assert list(found) == ["validation", "dep-1", "dep-2", "endpoint", "serialize", "total"]
    assert found["validation"] == "routing / parsing / validation"
    assert {found["dep-1"], found["dep-2"]} == {"client.<locals>.get_db", "client.<locals>.current_user"}
    assert found["endpoint"] == "client.<locals>.create_item"


def test_a_route_without_dependencies(client: TestClient) -> None:
    found = metrics(client.get("/plain").headers["server-timing"])
    assert list(found) == ["validation", "endpoint", "serialize", "total"]


def test_a_validation_error_has_no_endpoint_time(client: TestClient) -> None:
    response = client.post("/items", json={})
    assert response.status_code == 422
    assert "endpoint" not in metrics(response.headers["server-timing"])


def test_not_found_answers_carry_the_header_too(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert list(metrics(response.headers["server-timing"])) == ["validation", "total"]


def test_without_it_there_is_no_header() -> None:
    app = FastAPI()

    @app.get("/plain")
    def plain() -> str:
        return "x"

    assert "server-timing" not in TestClient(app).get("/plain").headers


def test_the_hooks_are_the_ones_profilers_use() -> None:
    original = routing.run_endpoint_function
    install_server_timing(FastAPI())
    assert routing.run_endpoint_function is not original
    install_server_timing(FastAPI())  # a second application does not wrap the wrapper
    assert routing.run_endpoint_function.__wrapped__ is original  # type: ignore[attr-defined]


def test_timing_and_telemetry_both_see_each_step(monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    for name in ("FASTAPI_OTEL_AUTO_CONFIGURE", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    spans = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(spans))
    app = FastAPI(telemetry={"tracer_provider": provider, "metrics": False, "logs": False})

    @app.post("/items")
    async def create_item(item: Item) -> Item:
        return item

    @app.get("/sync")
    def read_sync() -> str:
        return "ok"

    install_server_timing(app)
    with TestClient(app) as client:
        response = client.post("/items", json={"name": "lamp"})
        assert client.get("/sync").json() == "ok"
    assert list(metrics(response.headers["server-timing"])) == ["validation", "endpoint", "serialize", "total"]
    names = [span.name for span in spans.get_finished_spans()]
    for step in ("fastapi.dependencies", "fastapi.endpoint", "fastapi.serialization"):
        assert names.count(step) == 2
    provider.shutdown()
