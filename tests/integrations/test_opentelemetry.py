"""OpenTelemetry's FastAPI instrumentation records on nimbleapi the spans it records on FastAPI.

Both ways of instrumenting run, each in a process of its own (``opentelemetry_run.py``):
``FastAPIInstrumentor.instrument_app(app)`` and ``FastAPIInstrumentor().instrument()``,
which replaces ``fastapi.FastAPI`` and only acts when a ``fastapi`` distribution is
installed (a minimal ``fastapi-0.165.0.dist-info`` on the path stands in for the one
``nimbleapi alias install`` writes). The expected spans are those FastAPI 0.165.0 produces
with opentelemetry-instrumentation-fastapi 0.66b2 for the same application and requests
(``instrumented_app.py``), recorded with real FastAPI installed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from scripts import run_script

MODES = ["instrument_app", "instrument"]


@pytest.fixture(scope="module")
def fastapi_distribution(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory whose ``fastapi-0.165.0.dist-info`` makes ``importlib.metadata`` see FastAPI."""
    root = tmp_path_factory.mktemp("site")
    dist_info = root / "fastapi-0.165.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: fastapi\nVersion: 0.165.0\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module", params=MODES)
def recorded(request: pytest.FixtureRequest, fastapi_distribution: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(fastapi_distribution), env.get("PYTHONPATH")]))
    return run_script("opentelemetry_run.py", request.param, env=env)


SCOPE = "opentelemetry.instrumentation.fastapi"


def span(name: str, kind: str, attributes: dict[str, Any], *, status: str = "UNSET", events: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "child": kind != "SERVER",
        "status": status,
        "attributes": attributes,
        "events": list(events),
        "scope": SCOPE,
    }


def request_spans(method: str, route: str | None, url: str, status_code: int, *, exception: bool = False) -> list[dict[str, Any]]:
    """The spans of one request, in the order they end: ``receive`` (a body was read), the
    two ``send`` spans, then the server span (``http.route`` when a route matched)."""
    name = f"{method} {route}" if route else method
    server_error = "ERROR" if status_code >= 500 else "UNSET"
    children = [span(f"{name} http receive", "INTERNAL", {"asgi.event.type": "http.request"})] if method == "POST" else []
    children += [
        span(f"{name} http send", "INTERNAL", {"asgi.event.type": "http.response.start", "http.status_code": status_code}, status=server_error),
        span(f"{name} http send", "INTERNAL", {"asgi.event.type": "http.response.body"}),
    ]
    attributes = {
        "http.flavor": "1.1",
        "http.host": "testserver",
        "http.method": method,
        "http.scheme": "http",
        "http.server_name": "testserver",
        "http.status_code": status_code,
        "http.target": url.split("?")[0],
        "http.url": f"http://testserver{url}",
        "http.user_agent": "testclient",
        "net.host.port": 80,
        "net.peer.port": 50000,
    }
    if route:
        attributes["http.route"] = route
    server = span(name, "SERVER", attributes, status=server_error, events=("exception",) if exception else ())
    return [*children, server]


# What FastAPI 0.165.0 records: per request, its status and the spans ended meanwhile.
ON_FASTAPI: dict[str, tuple[int, list[dict[str, Any]]]] = {
    "GET /items/3": (500, request_spans("GET", "/items/{item_id}", "/items/3", 500, exception=True)),
    "GET /items/abc": (422, request_spans("GET", "/items/{item_id}", "/items/abc", 422)),
    "GET /sync/abc": (500, request_spans("GET", "/sync/{name}", "/sync/abc", 500, exception=True)),
    "POST /items": (500, request_spans("POST", "/items", "/items", 500, exception=True)),
    "GET /hello": (200, request_spans("GET", "/hello", "/hello", 200)),
    "GET /unavailable": (503, request_spans("GET", "/unavailable", "/unavailable", 503)),
    "GET /api/users/7?q=z": (200, request_spans("GET", "/api/users/{user_id}", "/api/users/7?q=z", 200)),
    "GET /background": (
        200,
        [*request_spans("GET", "/background", "/background", 200), span("BackgroundTask record_nothing", "INTERNAL", {})],
    ),
    "GET /nope": (404, request_spans("GET", None, "/nope", 404)),
}


@pytest.mark.parametrize("request_line", list(ON_FASTAPI))
def test_request_is_traced_as_on_fastapi(recorded: dict[str, Any], request_line: str) -> None:
    status, spans = ON_FASTAPI[request_line]
    assert recorded[request_line] == {"status": status, "spans": spans}


def test_each_request_has_one_server_span_named_after_its_route(recorded: dict[str, Any]) -> None:
    for request_line in ON_FASTAPI:
        servers = [span for span in recorded[request_line]["spans"] if span["kind"] == "SERVER"]
        assert len(servers) == 1, request_line
    (server,) = [span for span in recorded["GET /api/users/7?q=z"]["spans"] if span["kind"] == "SERVER"]
    assert (server["name"], server["attributes"]["http.route"]) == ("GET /api/users/{user_id}", "/api/users/{user_id}")


def test_instrument_replaces_the_fastapi_class_applications_are_made_from(recorded: dict[str, Any]) -> None:
    expected = "_InstrumentedFastAPI" if recorded["mode"] == "instrument" else "FastAPI"
    assert (recorded["fastapi.FastAPI"], recorded["app_class"]) == (expected, expected)
