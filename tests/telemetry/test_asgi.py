"""Server spans, metrics and exception logs per request (``nimbleapi.telemetry._asgi``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from nimbleapi import APIRouter, FastAPI, WebSocket
from nimbleapi.testclient import TestClient

from .conftest import Signals


def test_server_span_is_named_after_the_route_template(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    with TestClient(app) as client:
        assert client.get("/items/5?q=1").json() == {"item_id": 5}
    (server,) = [span for span in signals.spans.get_finished_spans() if span.kind == SpanKind.SERVER]
    assert server.name == "GET /items/{item_id}"
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/items/{item_id}"
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["url.path"] == "/items/5"
    assert server.attributes["url.query"] == "q=1"
    assert server.attributes["http.request.method"] == "GET"


def test_included_router_routes_report_their_full_template(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)
    router = APIRouter()

    @router.get("/users/{user_id}")
    def read_user(user_id: int) -> dict[str, int]:
        return {"user_id": user_id}

    app.include_router(router, prefix="/v1")
    with TestClient(app) as client:
        client.get("/v1/users/7")
    assert "GET /v1/users/{user_id}" in signals.span_names()


def test_credentials_in_the_query_are_redacted(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)

    @app.get("/")
    def root() -> None:
        return None

    with TestClient(app) as client:
        client.get("/?sig=secret&page=2")
    (server,) = [span for span in signals.spans.get_finished_spans() if span.kind == SpanKind.SERVER]
    assert server.attributes is not None
    assert server.attributes["url.query"] == "sig=REDACTED&page=2"


def test_duration_and_active_requests_are_measured(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    with TestClient(app) as client:
        client.get("/ping")
        client.get("/ping")
    (duration,) = signals.metric_points("http.server.request.duration")
    assert duration.count == 2
    assert duration.attributes["http.route"] == "/ping"
    (active,) = signals.metric_points("http.server.active_requests")
    assert active.value == 0


def test_unhandled_exception_fails_the_span_and_is_logged(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)

    @app.get("/boom")
    def boom() -> None:
        raise ValueError("broken")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/boom").status_code == 500
    (server,) = [span for span in signals.spans.get_finished_spans() if span.kind == SpanKind.SERVER]
    assert server.status.status_code == StatusCode.ERROR
    assert server.attributes is not None
    assert server.attributes["error.type"] == "ValueError"
    (record,) = [data.log_record for data in signals.logs.get_finished_logs()]
    assert record.event_name == "http.server.request.exception"
    assert record.attributes is not None
    assert record.attributes["http.route"] == "/boom"


def test_excluded_requests_record_nothing(signals: Signals) -> None:
    app = FastAPI(telemetry={**signals.config, "exclude": lambda scope: scope["path"] == "/health"})

    @app.get("/health")
    def health() -> str:
        return "ok"

    with TestClient(app) as client:
        client.get("/health")
    assert signals.spans.get_finished_spans() == ()


def test_websocket_session_has_its_span(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())

    with TestClient(app) as client, client.websocket_connect("/ws") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"
    names = signals.span_names()
    assert "WS /ws" in names
    assert "fastapi.endpoint" in names


@pytest.mark.parametrize("setting", ["tracing", "metrics"])
def test_each_signal_can_be_switched_off(signals: Signals, setting: str) -> None:
    app = FastAPI(telemetry={**signals.config, setting: False})

    @app.get("/")
    def root() -> None:
        return None

    with TestClient(app) as client:
        client.get("/")
    traced = bool(signals.spans.get_finished_spans())
    measured = bool(signals.metric_points("http.server.request.duration"))
    assert (traced, measured) == ((False, True) if setting == "tracing" else (True, False))


def test_mounted_application_routes_keep_the_mount_template(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)
    tenant_app = FastAPI()

    @tenant_app.get("/items/{item_id}")
    def read_item(item_id: int) -> int:
        return item_id

    app.mount("/tenants/{tenant}", tenant_app)
    with TestClient(app) as client:
        assert client.get("/tenants/acme/items/3").json() == 3
        assert client.get("/tenants/acme/elsewhere").status_code == 404
    assert signals.span_names() == [
        "fastapi.dependencies",
        "fastapi.endpoint",
        "fastapi.serialization",
        "GET /tenants/{tenant}/items/{item_id}",
        "GET /tenants/{tenant}/{path}",
    ]


def test_slash_redirect_reports_the_route_it_redirects_to(signals: Signals) -> None:
    app = FastAPI(telemetry=signals.config)

    @app.get("/ok")
    def ok() -> str:
        return "ok"

    with TestClient(app) as client:
        assert client.get("/ok/", follow_redirects=False).status_code == 307
    (server,) = signals.spans.get_finished_spans()
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/ok"


def test_frontend_builds_report_their_template(signals: Signals, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("index")
    app = FastAPI(telemetry=signals.config)
    router = APIRouter()
    router.frontend("/ui", directory=tmp_path, fallback="index.html")
    app.include_router(router, prefix="/app")
    with TestClient(app) as client:
        assert client.get("/app/ui/some/page", headers={"accept": "text/html"}).text == "index"
    assert signals.span_names() == ["GET /app/ui/{path}"]
