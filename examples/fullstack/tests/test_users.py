from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_me(client: TestClient, alice: dict[str, Any]) -> None:
    assert client.get("/users/me", headers=alice["headers"]).json() == alice["profile"]


def test_me_needs_a_token(client: TestClient) -> None:
    response = client.get("/users/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_patch_changes_only_the_fields_sent(client: TestClient, alice: dict[str, Any]) -> None:
    response = client.patch("/users/me", headers=alice["headers"], json={"bio": "Writes things."})
    assert response.status_code == 200
    assert response.json()["bio"] == "Writes things."
    assert response.json()["full_name"] == "Alice"  # not sent, so not cleared
    cleared = client.patch("/users/me", headers=alice["headers"], json={"full_name": None}).json()
    assert cleared["full_name"] is None and cleared["bio"] == "Writes things."
    assert client.get("/users/me", headers=alice["headers"]).json() == cleared


@pytest.mark.parametrize("body", [{"bio": "x" * 2001}, {"full_name": 12}])
def test_patch_rejects_invalid_fields(client: TestClient, alice: dict[str, Any], body: dict[str, Any]) -> None:
    response = client.patch("/users/me", headers=alice["headers"], json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_patch_needs_a_token(client: TestClient) -> None:
    assert client.patch("/users/me", json={"bio": "x"}).status_code == 401


def test_avatar_upload_and_download(client: TestClient, alice: dict[str, Any], settings: Settings) -> None:
    response = client.put("/users/me/avatar", headers=alice["headers"], files={"file": ("me.png", PNG, "image/png")})
    assert response.status_code == 200
    assert response.json()["has_avatar"] is True
    user_id = alice["profile"]["id"]
    download = client.get(f"/users/{user_id}/avatar")
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    # A new avatar replaces the old file.
    client.put("/users/me/avatar", headers=alice["headers"], files={"file": ("me.jpg", b"\xff\xd8jpeg", "image/jpeg")})
    assert [path.suffix for path in (settings.data_dir / "avatars").iterdir()] == [".jpg"]
    assert client.get(f"/users/{user_id}/avatar").content == b"\xff\xd8jpeg"


@pytest.mark.parametrize("settings_overrides", [{"avatar_max_bytes": 100}])
def test_avatar_too_large(client: TestClient, alice: dict[str, Any]) -> None:
    response = client.put("/users/me/avatar", headers=alice["headers"],
                          files={"file": ("big.png", b"\x89PNG" + b"\x00" * 200, "image/png")})
    assert response.status_code == 413
    assert response.json() == {"detail": "Avatar must be at most 100 bytes"}
    assert client.get("/users/me", headers=alice["headers"]).json()["has_avatar"] is False


def test_avatar_of_another_type(client: TestClient, alice: dict[str, Any]) -> None:
    response = client.put("/users/me/avatar", headers=alice["headers"],
                          files={"file": ("me.svg", b"<svg/>", "image/svg+xml")})
    assert response.status_code == 415
    assert response.json() == {"detail": "Avatar must be one of: image/png, image/jpeg, image/webp"}


def test_avatar_needs_a_file_and_a_token(client: TestClient, alice: dict[str, Any]) -> None:
    missing = client.put("/users/me/avatar", headers=alice["headers"])
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "file"]
    assert client.put("/users/me/avatar", files={"file": ("me.png", PNG, "image/png")}).status_code == 401


def test_avatar_download_of_a_user_without_one(client: TestClient, alice: dict[str, Any]) -> None:
    assert client.get(f"/users/{alice['profile']['id']}/avatar").json() == {"detail": "No avatar"}
    assert client.get("/users/999/avatar").status_code == 404
    assert client.get("/users/abc/avatar").status_code == 422
