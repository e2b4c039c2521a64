"""The "Beyond FastAPI" and "Reliability and security defaults" pages' examples."""

from __future__ import annotations

import logging

import pytest

from nimbleapi.testclient import TestClient

from .conftest import LoadExample


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
