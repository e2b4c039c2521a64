"""Start-up warnings about middleware that exposes users: logged, the behaviour kept."""

from __future__ import annotations

from typing import Any

import pytest

from nimbleapi import FastAPI
from nimbleapi.middleware.cors import CORSMiddleware
from nimbleapi.testclient import TestClient

WARNING = "CORSMiddleware allows credentials for every origin"


def client_with_cors(*args: Any, **options: Any) -> TestClient:
    app = FastAPI()
    app.get("/")(lambda: "ok")
    app.add_middleware(CORSMiddleware, *args, **options)
    return TestClient(app)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"allow_origins": ["*"], "allow_credentials": True}, id="wildcard"),
        pytest.param({"allow_origin_regex": ".*", "allow_credentials": True}, id="regex-for-anything"),
        pytest.param({"allow_origin_regex": "https://.*|null", "allow_credentials": True}, id="regex-with-null"),
    ],
)
def test_credentials_for_every_origin_are_warned_about_at_start_up(
    caplog: pytest.LogCaptureFixture, options: dict[str, Any]
) -> None:
    client = client_with_cors(**options)
    assert WARNING not in caplog.text  # nothing is built before the application starts
    with client:
        pass
    assert [record.levelname for record in caplog.records if WARNING in record.getMessage()] == ["WARNING"]


def test_the_warned_configuration_still_behaves_as_starlettes(caplog: pytest.LogCaptureFixture) -> None:
    with client_with_cors(allow_origins=["*"], allow_credentials=True) as client:
        response = client.get("/", headers={"origin": "null", "cookie": "session=1"})
    assert response.headers["access-control-allow-origin"] == "null"
    assert response.headers["access-control-allow-credentials"] == "true"


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"allow_origins": ["https://app.example.com"], "allow_credentials": True}, id="listed-origins"),
        pytest.param({"allow_origins": ["*"]}, id="wildcard-without-credentials"),
        pytest.param({"allow_origin_regex": r"https://(www\.)?example\.com", "allow_credentials": True}, id="narrow-regex"),
    ],
)
def test_safe_configurations_are_not_warned_about(caplog: pytest.LogCaptureFixture, options: dict[str, Any]) -> None:
    with client_with_cors(**options):
        pass
    assert WARNING not in caplog.text
