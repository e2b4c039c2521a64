from __future__ import annotations

import json
from pathlib import Path

import pytest

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.backends import build_backends
from app.database import connect


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_database_and_redis(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_readyz_fails_when_the_database_is_unreachable(app: FastAPI, client: TestClient, tmp_path: Path) -> None:
    healthy = app.state.database
    app.state.database = connect(f"sqlite+aiosqlite:///{tmp_path / 'missing-folder' / 'app.db'}")
    try:
        response = client.get("/readyz")
    finally:
        app.state.database = healthy
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"].startswith("error: ")
    assert response.json()["checks"]["redis"] == "ok"


def test_readyz_fails_when_redis_is_unreachable(app: FastAPI, client: TestClient, unused_port: int) -> None:
    healthy = app.state.backends
    app.state.backends = unreachable = build_backends(app.state.settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{unused_port}/0"}))
    try:
        response = client.get("/readyz")
    finally:
        app.state.backends = healthy
        assert client.portal is not None
        client.portal.call(unreachable.close)
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "error: ConnectionError"}


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"


def test_request_logs_are_json_with_the_request_id(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    client.get("/healthz", headers={"X-Request-ID": "trace-me"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "app.access" and line["request_id"] == "trace-me"]
    assert access and access[0]["path"] == "/healthz" and access[0]["status"] == 200


def test_cors_allows_the_configured_origin_only(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = client.options("/posts", headers={"Origin": "https://app.example.com", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    refused = client.options("/posts", headers={"Origin": "https://evil.example", **preflight})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_docs_list_every_operation(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    operations = {(method.upper(), path) for path, item in paths.items() for method in item}
    assert operations == {
        ("GET", "/healthz"), ("GET", "/readyz"),
        ("POST", "/auth/register"), ("POST", "/auth/login"), ("POST", "/auth/refresh"), ("POST", "/auth/logout"),
        ("GET", "/users/me"), ("PATCH", "/users/me"), ("PUT", "/users/me/avatar"), ("GET", "/users/{user_id}/avatar"),
        ("POST", "/posts"), ("GET", "/posts"), ("GET", "/posts/{post_id}"), ("PATCH", "/posts/{post_id}"),
        ("DELETE", "/posts/{post_id}"),
    }
