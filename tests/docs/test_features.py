"""The "Beyond FastAPI" and "Reliability and security defaults" pages' examples."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
from typing import Any
from pathlib import Path

import pytest

from nimbleapi.testclient import TestClient

from .conftest import REPO_ROOT, LoadExample


def test_offline_docs_serve_their_own_assets(load_example: LoadExample) -> None:
    client = TestClient(load_example("features.offline_docs").app)
    page = client.get("/docs").text
    assert "cdn.jsdelivr.net" not in page
    script = next(part.split('"')[0] for part in page.split('src="')[1:] if "swagger-ui-bundle" in part)
    assert script.startswith("/_nimbleapi/docs/")
    bundle = client.get(script)
    assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]


def test_upload_limits_per_application_and_per_route(load_example: LoadExample) -> None:
    example = load_example("features.upload_limits")
    client = TestClient(example.app)
    small = client.post("/documents", files={"document": ("a.pdf", b"%PDF" * 10)})
    assert small.json() == {"name": "a.pdf", "size": 40}
    over_app_limit = b"0" * (5 * 1024 * 1024 + 1)
    assert client.post("/documents", files={"document": ("big.pdf", over_app_limit)}).status_code == 413
    assert client.post("/videos/", files={"video": ("clip.mp4", over_app_limit)}).json()["size"] == len(over_app_limit)


def test_definition_errors_name_the_route_and_function(load_example: LoadExample) -> None:
    example = load_example("features.definition_errors")
    with pytest.raises(AssertionError) as error:
        example.declare_broken_route()
    message = str(error.value)
    assert message.startswith("Path params must be of one of the supported types")
    assert "while analysing GET /items/{item_id} -> docs_src.features.definition_errors:" in message
    assert "definition_errors.py:" in message


def test_safe_cors_configuration_starts_without_a_warning(
    load_example: LoadExample, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="fastapi"), TestClient(load_example("features.cors").app) as client:
        allowed = client.get("/me", headers={"Origin": "https://app.example.com"})
        other = client.get("/me", headers={"Origin": "https://evil.example.net"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in other.headers
    assert caplog.records == []


def test_cors_that_trusts_every_origin_with_credentials_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    from nimbleapi import FastAPI
    from nimbleapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    with caplog.at_level(logging.WARNING, logger="fastapi"), TestClient(app):
        pass
    assert [record.levelno for record in caplog.records] == [logging.WARNING]


def test_body_limits_default_and_per_route(load_example: LoadExample) -> None:
    client = TestClient(load_example("features.body_limits").app)
    assert client.post("/notes", json={"text": "hi"}).json() == {"text": "hi"}
    big_note = {"text": "x" * (64 * 1024)}
    refused = client.post("/notes", json=big_note)
    assert (refused.status_code, refused.json()) == (413, {"detail": "Content Too Large"})
    assert client.post("/bulk", json=[big_note, big_note]).json() == {"imported": 2}
    assert client.post("/bulk", json=[big_note] * 70).status_code == 413


def test_health_probes_report_each_check(
    load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = load_example("features.health")
    monkeypatch.setattr(example, "DATABASE", str(tmp_path / "app.db"))
    client = TestClient(example.app)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.headers["cache-control"] == "no-store"
    assert {name: check["status"] for name, check in ready.json()["checks"].items()} == {"database": "ok", "cache": "ok"}

    monkeypatch.setattr(example, "DATABASE", str(tmp_path / "no-such-directory" / "app.db"))
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json()["status"] == "fail"
    checks = not_ready.json()["checks"]
    assert checks["cache"]["status"] == "ok"
    assert checks["database"]["status"] == "fail"
    assert checks["database"]["error"].startswith("OperationalError: unable to open database file")
    verbose = client.get("/readyz?verbose").text.splitlines()
    assert verbose[0] == "[-]database failed: OperationalError: unable to open database file"
    assert verbose[1:] == ["[+]cache ok", "readyz check failed"]
    assert "/readyz" not in client.get("/openapi.json").json()["paths"]


def test_errors_are_problem_details(load_example: LoadExample) -> None:
    client = TestClient(load_example("features.problem_details").app)
    missing = client.get("/items/7")
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
    assert missing.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Item not found",
        "instance": "/items/7",
    }
    invalid = client.post("/items", json={"name": "lamp"}).json()
    assert (invalid["status"], invalid["title"], invalid["instance"]) == (422, "Unprocessable Content", "/items")
    assert invalid["detail"] == "The request is not valid: 1 error, listed in 'errors'."
    assert [(error["type"], error["loc"]) for error in invalid["errors"]] == [("missing", ["body", "price"])]
    typed = client.post("/orders/A1")
    assert typed.status_code == 409
    assert typed.json() == {
        "type": "https://example.com/probs/out-of-stock",
        "title": "Out of stock",
        "status": 409,
        "sku": "A1",
        "instance": "/orders/A1",
    }
    assert client.post("/orders/B2").json() == {"ordered": "B2"}
    schema = client.get("/openapi.json").json()
    answers = schema["paths"]["/items"]["post"]["responses"]
    assert "application/problem+json" in answers["422"]["content"] and "default" in answers


def test_lifespan_dependency_is_made_once_and_closed_at_shutdown(
    load_example: LoadExample, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = load_example("features.lifespan_dependencies")
    made: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def counting_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        made.append(connect(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(sqlite3, "connect", counting_connect)
    with TestClient(example.app) as client:
        assert client.get("/users/1").json() == {"id": 1, "name": "Ada"}
        assert client.get("/users").json() == {"count": 1}
        assert client.get("/users/1").status_code == 200
        assert len(made) == 1
    with pytest.raises(sqlite3.ProgrammingError):  # closed at shutdown
        made[0].execute("SELECT 1")


def test_lifespan_dependency_needs_the_lifespan(load_example: LoadExample) -> None:
    with pytest.raises(RuntimeError, match="lifespan") as error:
        TestClient(load_example("features.lifespan_dependencies").app).get("/users")
    assert type(error.value).__name__ == "LifespanDependencyNotStarted"


def test_route_lint_reports_the_shadowed_route(load_example: LoadExample) -> None:
    assert load_example("features.route_lint").read_me() == {"user_id": "the current user"}
    command = [sys.executable, "-m", "nimbleapi", "routes", "docs_src/features/route_lint.py"]
    listed = subprocess.run([*command, "--json"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True)
    document = json.loads(listed.stdout)
    assert [route["path"] for route in document["routes"]][-2:] == ["/users/{user_id}", "/users/me"]
    [finding] = document["findings"]
    assert (finding["kind"], finding["route"]["name"], finding["other"]["name"]) == ("shadowed", "read_me", "read_user")
    checked = subprocess.run([*command, "--check"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 1 and "[shadowed] GET /users/me" in checked.stdout


def test_lifespan_dependency_override_page_test_passes(
    load_example: LoadExample, monkeypatch: pytest.MonkeyPatch
) -> None:
    testing = load_example("features.test_lifespan_dependencies")
    opened: list[object] = []
    monkeypatch.setattr(sqlite3, "connect", lambda *args, **kwargs: opened.append(args))
    testing.test_read_user()
    assert opened == []  # the override was made instead of the real connection
    assert testing.app.dependency_overrides == {}


def test_server_timing_names_each_step(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> None:
    from nimbleapi import routing
    from nimbleapi._devtools.timing import install_server_timing

    # The timing hooks replace these module functions for the whole process; put them back after.
    for name in ("run_endpoint_function", "serialize_response"):
        monkeypatch.setattr(routing, name, getattr(routing, name))
    app = load_example("features.server_timing").app
    install_server_timing(app)
    with TestClient(app) as client:
        response = client.get("/items/1", headers={"X-User": "eve"})
        rejected = client.get("/items/one")
    assert response.json() == {"id": 1, "owner": "ann"}
    found = timing_descriptions(response.headers["server-timing"])
    assert list(found) == ["validation", "dep-1", "dep-2", "endpoint", "serialize", "total"]
    assert {found["dep-1"], found["dep-2"]} == {"get_db", "current_user"}
    assert found["endpoint"] == "read_item"
    assert "endpoint" not in timing_descriptions(rejected.headers["server-timing"])  # a 422 shows what ran


def timing_descriptions(header: str) -> dict[str, str]:
    """``{metric: desc}`` from a Server-Timing header (desc empty when absent)."""
    found: dict[str, str] = {}
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        found[name] = next((param[len("desc=") :].strip('"') for param in params if param.startswith("desc=")), "")
    return found


def test_blocking_call_is_reported_with_its_line(load_example: LoadExample, caplog: pytest.LogCaptureFixture) -> None:
    from nimbleapi._devtools.blocking import install_blocking_detector

    example = load_example("features.blocking_calls")
    install_blocking_detector(example.app, 0.1)
    with TestClient(example.app) as client, caplog.at_level(logging.WARNING, logger="nimbleapi.dev"):
        assert client.get("/report").json() == "report"
        client.get("/report/fixed")  # the loop beats again: the blocked stretch is reported by now
        blocked = [record.getMessage() for record in caplog.records if record.name == "nimbleapi.dev"]
        caplog.clear()
        assert client.get("/report/fixed").json() == "report"
        client.get("/report/fixed")
        fixed = [record.getMessage() for record in caplog.records if record.name == "nimbleapi.dev"]
    [message] = blocked
    line = example.build_report.__code__.co_firstlineno + 1
    assert "GET /report -> docs_src.features.blocking_calls:report" in message
    assert f"blocking_calls.py:{line} in build_report" in message
    assert "threshold 100 ms" in message
    assert fixed == []
