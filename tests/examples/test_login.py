"""The login example in ``examples/login.py``: password hashing, token issue and the JWT attacks it refuses."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import jwt
import pytest

from nimbleapi.testclient import TestClient

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "examples" / "login.py"
PASSWORD = "correct horse battery"


@pytest.fixture
def client(example: ModuleType) -> Iterator[TestClient]:
    """A client on a store holding one user, ``alice``."""
    users = example.UserStore()
    users.add(example.NewUser(username="alice", password=PASSWORD, full_name="Alice"))
    example.app.dependency_overrides[example.get_store] = lambda: users
    with TestClient(example.app) as test_client:
        yield test_client
    example.app.dependency_overrides.clear()


def login(client: TestClient, username: str = "alice", password: str = PASSWORD) -> str:
    response = client.post("/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"
    token: str = response.json()["access_token"]
    return token


def me(client: TestClient, token: str) -> tuple[int, dict[str, object], str | None]:
    response = client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json(), response.headers.get("www-authenticate")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_login_then_read_own_profile(client: TestClient) -> None:
    status, body, _ = me(client, login(client))
    assert status == 200
    assert body == {"username": "alice", "full_name": "Alice", "disabled": False}


def test_registered_user_can_log_in(client: TestClient) -> None:
    created = client.post("/users", json={"username": "bob", "password": "s3cret-enough"})
    assert created.status_code == 201
    assert created.json() == {"username": "bob", "full_name": None, "disabled": False}
    assert me(client, login(client, "bob", "s3cret-enough"))[1]["username"] == "bob"


def test_duplicate_username_is_refused(client: TestClient) -> None:
    response = client.post("/users", json={"username": "alice", "password": "another-one"})
    assert response.status_code == 409


def test_password_is_stored_as_an_argon2_hash(example: ModuleType) -> None:
    users = example.UserStore()
    user = users.add(example.NewUser(username="carol", password=PASSWORD))
    assert user.hashed_password.startswith("$argon2id$")
    assert PASSWORD not in user.hashed_password
    assert "hashed_password" not in example.User.model_fields


@pytest.mark.parametrize(
    ("username", "password"),
    [pytest.param("alice", "wrong password", id="wrong-password"), pytest.param("nobody", PASSWORD, id="unknown-user")],
)
def test_bad_credentials_get_the_same_401(client: TestClient, username: str, password: str) -> None:
    response = client.post("/token", data={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect username or password"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_token_expires_after_its_lifetime(example: ModuleType, client: TestClient) -> None:
    claims = jwt.decode(login(client), example.SECRET_KEY, algorithms=["HS256"])
    assert claims["sub"] == "alice"
    assert claims["exp"] - claims["iat"] == int(example.ACCESS_TOKEN_LIFETIME.total_seconds())


def test_missing_token_is_refused(client: TestClient) -> None:
    response = client.get("/users/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_unsigned_alg_none_token_is_refused(client: TestClient) -> None:
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    later = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
    payload = b64url(json.dumps({"sub": "alice", "iat": later - 300, "exp": later}).encode())
    for token in (f"{header}.{payload}.", f"{header}.{payload}"):
        status, body, challenge = me(client, token)
        assert (status, body, challenge) == (401, {"detail": "Could not validate credentials"}, "Bearer")


def test_expired_token_is_refused(example: ModuleType, client: TestClient) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    status, body, challenge = me(client, example.create_access_token("alice", now=long_ago))
    assert (status, body, challenge) == (401, {"detail": "Token has expired"}, "Bearer")


def test_tampered_payload_is_refused(client: TestClient) -> None:
    header, payload, signature = login(client).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "mallory"
    forged = f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"
    assert me(client, forged)[:2] == (401, {"detail": "Could not validate credentials"})


def test_tampered_signature_is_refused(client: TestClient) -> None:
    header, payload, signature = login(client).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert me(client, f"{header}.{payload}.{flipped}")[0] == 401


def test_token_signed_with_another_key_is_refused(example: ModuleType, client: TestClient) -> None:
    now = datetime.now(UTC)
    claims = {"sub": "alice", "iat": now, "exp": now + timedelta(minutes=5)}
    assert me(client, jwt.encode(claims, "not-the-server-key-" * 3, algorithm="HS256"))[0] == 401


def test_token_without_expiry_is_refused(example: ModuleType, client: TestClient) -> None:
    token = jwt.encode({"sub": "alice", "iat": datetime.now(UTC)}, example.SECRET_KEY, algorithm="HS256")
    assert me(client, token)[0] == 401


def test_token_of_a_removed_user_is_refused(example: ModuleType, client: TestClient) -> None:
    token = login(client)
    example.app.dependency_overrides[example.get_store] = example.UserStore  # a store without alice
    assert me(client, token)[:2] == (401, {"detail": "Could not validate credentials"})


def test_openapi_declares_the_password_flow(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme == {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "token"}}}
    assert document["paths"]["/users/me"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]
