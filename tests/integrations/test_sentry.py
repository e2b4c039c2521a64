"""Sentry's Starlette and FastAPI integrations record on nimbleapi what they record on FastAPI.

``sentry_sdk.init()`` with its default integrations patches Starlette and FastAPI globally,
so each run happens in a process of its own (``sentry_run.py``). The expected events and
transactions are those FastAPI 0.165.0 produces with sentry-sdk 2.75.0 for the same
application and requests (``instrumented_app.py``), recorded with real FastAPI installed.
"""

from __future__ import annotations

from typing import Any

import pytest
from scripts import run_script

ROUTE, URL = "route", "url"


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return run_script("sentry_run.py")


@pytest.fixture(scope="module")
def recorded_with_personal_data() -> dict[str, Any]:
    return run_script("sentry_run.py", "--pii")


def transaction(name: str, status: str, status_code: int, source: str = ROUTE) -> dict[str, Any]:
    return {
        "transaction": name,
        "source": source,
        "op": "http.server",
        "origin": "auto.http.starlette",
        "status": status,
        "status_code": status_code,
    }


def error_event(exception: str, name: str, path: str, *, handled: bool = False, **request: Any) -> dict[str, Any]:
    return {
        "exceptions": [[exception, "starlette", handled]],
        "transaction": name,
        "source": ROUTE,
        "request": {"method": request.pop("method", "GET"), "query_string": None, "url": f"http://testserver{path}", **request},
        "user": None,
    }


# What FastAPI 0.165.0 sends: per request, its status, the error events, the transactions.
ON_FASTAPI: dict[str, tuple[int, list[dict[str, Any]], list[dict[str, Any]]]] = {
    "GET /items/3": (
        500,
        [error_event("ZeroDivisionError", "/items/{item_id}", "/items/3")],
        [transaction("/items/{item_id}", "internal_error", 500)],
    ),
    "GET /items/abc": (422, [], [transaction("/items/{item_id}", "invalid_argument", 422)]),
    "GET /sync/abc": (
        500,
        [error_event("ValueError", "/sync/{name}", "/sync/abc")],
        [transaction("/sync/{name}", "internal_error", 500)],
    ),
    "POST /items": (
        500,
        [error_event("RuntimeError", "/items", "/items", method="POST", data={"name": "x", "price": 1.5})],
        [transaction("/items", "internal_error", 500)],
    ),
    "GET /hello": (200, [], [transaction("/hello", "ok", 200)]),
    "GET /unavailable": (
        503,
        [error_event("HTTPException", "/unavailable", "/unavailable", handled=True)],
        [transaction("/unavailable", "unavailable", 503)],
    ),
    "GET /api/users/7?q=z": (200, [], [transaction("/api/users/{user_id}", "ok", 200)]),
    "GET /background": (200, [], [transaction("/background", "ok", 200)]),
    "GET /nope": (404, [], [transaction("http://testserver/nope", "not_found", 404, source=URL)]),
}


@pytest.mark.parametrize("request_line", list(ON_FASTAPI))
def test_request_is_recorded_as_on_fastapi(recorded: dict[str, Any], request_line: str) -> None:
    status, events, transactions = ON_FASTAPI[request_line]
    assert recorded[request_line] == {"status": status, "events": events, "transactions": transactions}


def test_unhandled_error_is_named_after_the_route_template(recorded: dict[str, Any]) -> None:
    (event,) = recorded["GET /items/3"]["events"]
    assert (event["transaction"], event["source"]) == ("/items/{item_id}", "route")


def test_json_body_is_attached_to_the_error_event(recorded: dict[str, Any]) -> None:
    (event,) = recorded["POST /items"]["events"]
    assert event["request"]["data"] == {"name": "x", "price": 1.5}


def test_server_error_http_exception_is_reported_as_handled(recorded: dict[str, Any]) -> None:
    (event,) = recorded["GET /unavailable"]["events"]
    assert event["exceptions"] == [["HTTPException", "starlette", True]]


@pytest.mark.parametrize("request_line", ["GET /items/3", "GET /sync/abc", "POST /items", "GET /unavailable"])
def test_personal_data_and_user_are_attached_as_on_fastapi(
    recorded_with_personal_data: dict[str, Any], request_line: str
) -> None:
    (event,) = recorded_with_personal_data[request_line]["events"]
    assert event["user"] == {"username": "alice"}
    assert event["request"]["cookies"] == {"theme": "dark"}
    assert event["request"]["env"] == {"REMOTE_ADDR": "testclient"}
