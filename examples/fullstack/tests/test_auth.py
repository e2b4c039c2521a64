from __future__ import annotations

import email
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from tests.helpers import PASSWORD, bearer, login, published_events, register


def test_register_answers_the_profile_without_the_password(client: TestClient) -> None:
    profile = register(client, "New.User@Example.com", full_name="New User")
    assert profile["email"] == "new.user@example.com"
    assert profile["full_name"] == "New User"
    assert profile["has_avatar"] is False
    assert "password" not in str(profile) and "hashed" not in str(profile)


def test_register_sends_a_welcome_email_after_the_response(client: TestClient, settings: Settings) -> None:
    register(client, "carol@example.com", full_name="Carol")
    [path] = (settings.data_dir / "mail").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes())
    assert message["To"] == "carol@example.com"
    assert "Hello Carol" in message.get_payload()


@pytest.mark.parametrize(("body", "field"), [
    ({"email": "not-an-email", "password": PASSWORD}, "email"),
    ({"email": "x@example.com", "password": "short"}, "password"),
    ({"email": "x@example.com"}, "password"),
])
def test_register_rejects_invalid_input(client: TestClient, body: dict[str, Any], field: str) -> None:
    response = client.post("/auth/register", json=body)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]


def test_register_refuses_an_email_taken_in_any_case(client: TestClient) -> None:
    register(client, "dave@example.com")
    response = client.post("/auth/register", json={"email": "DAVE@example.com", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json() == {"detail": "Email already registered"}


def test_login_issues_an_access_and_a_refresh_token(client: TestClient, settings: Settings) -> None:
    register(client, "erin@example.com")
    tokens = login(client, "erin@example.com")
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == settings.access_token_minutes * 60
    claims = jwt.decode(tokens["access_token"], settings.secret_key, algorithms=["HS256"])
    assert claims["type"] == "access" and claims["sub"].isdigit()
    assert client.get("/users/me", headers=bearer(tokens)).json()["email"] == "erin@example.com"


@pytest.mark.parametrize(("username", "password"), [("frank@example.com", "wrong password"),
                                                    ("nobody@example.com", PASSWORD)])
def test_login_refuses_bad_credentials(client: TestClient, username: str, password: str) -> None:
    register(client, "frank@example.com")
    response = client.post("/auth/login", data={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect email or password"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_login_needs_the_form_fields(client: TestClient) -> None:
    response = client.post("/auth/login", data={"username": "x@example.com"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


def test_login_is_rate_limited_per_user(client: TestClient, settings: Settings) -> None:
    register(client, "gina@example.com")
    for _ in range(settings.login_attempts_per_window):
        client.post("/auth/login", data={"username": "gina@example.com", "password": "wrong password"})
    response = client.post("/auth/login", data={"username": "GINA@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many login attempts"}
    assert 1 <= int(response.headers["retry-after"]) <= settings.login_window_seconds
    # Another user is not affected.
    register(client, "hank@example.com")
    login(client, "hank@example.com")


@pytest.mark.parametrize("settings_overrides", [{"login_window_seconds": 1}])
def test_login_rate_limit_resets_after_the_window(client: TestClient, settings: Settings) -> None:
    register(client, "ivan@example.com")
    for _ in range(settings.login_attempts_per_window):
        login(client, "ivan@example.com")
    assert client.post("/auth/login", data={"username": "ivan@example.com", "password": PASSWORD}).status_code == 429
    time.sleep(1.1)
    login(client, "ivan@example.com")


def test_refresh_rotates_the_pair(client: TestClient, alice: dict[str, Any]) -> None:
    old_refresh = alice["tokens"]["refresh_token"]
    response = client.post("/auth/refresh", json={"refresh_token": old_refresh})
    assert response.status_code == 200
    new = response.json()
    assert new["refresh_token"] != old_refresh
    assert client.get("/users/me", headers=bearer(new)).status_code == 200
    reused = client.post("/auth/refresh", json={"refresh_token": old_refresh})
    assert reused.status_code == 401
    assert reused.json() == {"detail": "Refresh token revoked"}


@pytest.mark.parametrize("which", ["access_token", "garbage"])
def test_refresh_refuses_anything_but_a_refresh_token(client: TestClient, alice: dict[str, Any], which: str) -> None:
    token = alice["tokens"].get(which, "not.a.token")
    response = client.post("/auth/refresh", json={"refresh_token": token})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid refresh token"}


def test_refresh_needs_a_body(client: TestClient) -> None:
    assert client.post("/auth/refresh", json={}).status_code == 422


def test_logout_revokes_the_access_and_refresh_tokens(client: TestClient, alice: dict[str, Any]) -> None:
    response = client.post("/auth/logout", headers=alice["headers"],
                           json={"refresh_token": alice["tokens"]["refresh_token"]})
    assert response.status_code == 204
    assert response.content == b""
    assert client.get("/users/me", headers=alice["headers"]).status_code == 401
    refreshed = client.post("/auth/refresh", json={"refresh_token": alice["tokens"]["refresh_token"]})
    assert refreshed.status_code == 401


def test_logout_without_a_body_revokes_the_access_token(client: TestClient, alice: dict[str, Any]) -> None:
    assert client.post("/auth/logout", headers=alice["headers"]).status_code == 204
    assert client.get("/users/me", headers=alice["headers"]).json() == {"detail": "Could not validate credentials"}
    # A new login works.
    assert client.get("/users/me", headers=bearer(login(client, "alice@example.com"))).status_code == 200


def test_logout_needs_a_token(client: TestClient) -> None:
    response = client.post("/auth/logout")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}


def test_logout_refuses_someone_elses_refresh_token(client: TestClient, alice: dict[str, Any],
                                                   bob: dict[str, Any]) -> None:
    response = client.post("/auth/logout", headers=alice["headers"],
                           json={"refresh_token": bob["tokens"]["refresh_token"]})
    assert response.status_code == 401
    assert client.post("/auth/refresh", json={"refresh_token": bob["tokens"]["refresh_token"]}).status_code == 200


def forged(settings: Settings, key: str | None = None, **claims: Any) -> dict[str, str]:
    now = datetime.now(UTC)
    payload = {"sub": "1", "type": "access", "jti": "x", "iat": now, "exp": now + timedelta(minutes=5)} | claims
    token = jwt.encode(payload, key or settings.secret_key, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("case", ["expired", "foreign key", "refresh as access", "unsigned", "unknown user"])
def test_protected_routes_refuse_bad_tokens(client: TestClient, alice: dict[str, Any], settings: Settings,
                                            case: str) -> None:
    headers = {
        "expired": lambda: forged(settings, exp=datetime.now(UTC) - timedelta(seconds=1)),
        "foreign key": lambda: forged(settings, key="another-key-of-thirty-two-characters!"),
        "refresh as access": lambda: bearer({"access_token": alice["tokens"]["refresh_token"]}),
        "unsigned": lambda: {"Authorization": "Bearer " + jwt.encode(
            {"sub": "1", "type": "access", "jti": "x", "exp": 9_999_999_999}, None, algorithm="none")},
        "unknown user": lambda: forged(settings, sub="999"),
    }[case]()
    response = client.get("/users/me", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_registration_is_published_as_an_event(client: TestClient, settings: Settings) -> None:
    """Through the outbox and its relay: to Redis Streams when configured, else the local event log."""
    profile = register(client, "jill@example.com")
    events = published_events(settings, "user.registered")
    assert [event["payload"] for event in events] == [{"user_id": profile["id"], "email": "jill@example.com"}]
