"""The telemetry page's example: real OpenTelemetry SDK spans, read from memory."""

from __future__ import annotations

import os

import pytest

from nimbleapi.testclient import TestClient

from .conftest import LoadExample


@pytest.fixture(autouse=True)
def no_export_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("FASTAPI_OTEL_", "OTEL_")):
            monkeypatch.delenv(name)


def test_each_request_is_a_server_span_with_step_children(load_example: LoadExample) -> None:
    example = load_example("features.telemetry")
    try:
        with TestClient(example.app) as client:
            assert client.get("/items/3?full=1", headers={"X-User": "ann"}).json() == {"id": 3, "owner": "ann"}
            assert client.get("/healthz").json() == {"status": "ok"}
        finished = example.spans.get_finished_spans()
    finally:
        example.tracer_provider.shutdown()
    by_name = {span.name: span for span in finished}
    assert sorted(by_name) == ["GET /items/{item_id}", "fastapi.dependencies", "fastapi.endpoint", "fastapi.serialization"]
    server = by_name["GET /items/{item_id}"]
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/items/{item_id}"
    assert server.attributes["url.path"] == "/items/3"
    assert server.attributes["http.response.status_code"] == 200
    for step in ("fastapi.dependencies", "fastapi.endpoint", "fastapi.serialization"):
        parent = by_name[step].parent
        assert parent is not None and parent.span_id == server.context.span_id
    assert by_name["fastapi.endpoint"].attributes == {"code.function.name": "docs_src.features.telemetry.read_item"}
