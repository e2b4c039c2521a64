from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.models import Post


def create(client: TestClient, user: dict[str, Any], **fields: Any) -> dict[str, Any]:
    response = client.post("/posts", headers=user["headers"], json={"title": "Hello", "body": "Text", **fields})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def change_behind_the_apps_back(client: TestClient, settings: Settings, post_id: int, title: str) -> None:
    async def run() -> None:
        engine = create_async_engine(settings.database_url, poolclass=NullPool)
        async with engine.begin() as connection:
            await connection.execute(update(Post).where(Post.id == post_id).values(title=title))
        await engine.dispose()

    assert client.portal is not None
    client.portal.call(run)


def test_create(client: TestClient, alice: dict[str, Any]) -> None:
    post = create(client, alice, title="First", body="Body", published=True)
    assert post["author_id"] == alice["profile"]["id"]
    assert (post["title"], post["body"], post["published"]) == ("First", "Body", True)
    assert client.get(f"/posts/{post['id']}").json() == post


@pytest.mark.parametrize("body", [{"title": "", "body": "x"}, {"body": "x"}, {"title": "t", "body": "x",
                                                                              "published": "maybe"}])
def test_create_rejects_invalid_posts(client: TestClient, alice: dict[str, Any], body: dict[str, Any]) -> None:
    response = client.post("/posts", headers=alice["headers"], json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_create_needs_a_token(client: TestClient) -> None:
    assert client.post("/posts", json={"title": "t", "body": "b"}).status_code == 401


def test_list_pages_with_a_total(client: TestClient, alice: dict[str, Any]) -> None:
    ids = [create(client, alice, title=f"Post {n}")["id"] for n in range(5)]
    first = client.get("/posts", params={"limit": 2}).json()
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [post["id"] for post in first["items"]] == ids[::-1][:2]  # newest first
    last = client.get("/posts", params={"limit": 2, "offset": 4}).json()
    assert [post["id"] for post in last["items"]] == [ids[0]]
    assert client.get("/posts", params={"offset": 10}).json() == {"items": [], "total": 5, "limit": 20, "offset": 10}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "many"}])
def test_list_rejects_bad_paging(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get("/posts", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]


def test_read_missing_post(client: TestClient) -> None:
    assert client.get("/posts/999").json() == {"detail": "Post not found"}
    assert client.get("/posts/999").status_code == 404
    assert client.get("/posts/abc").status_code == 422


def test_reads_come_from_the_cache_until_a_change(client: TestClient, alice: dict[str, Any],
                                                  settings: Settings) -> None:
    post = create(client, alice, title="Cached")
    assert client.get(f"/posts/{post['id']}").json()["title"] == "Cached"  # now cached
    change_behind_the_apps_back(client, settings, post["id"], "Changed in the database")
    assert client.get(f"/posts/{post['id']}").json()["title"] == "Cached"
    client.patch(f"/posts/{post['id']}", headers=alice["headers"], json={"body": "New body"})
    fresh = client.get(f"/posts/{post['id']}").json()
    assert (fresh["title"], fresh["body"]) == ("Changed in the database", "New body")


@pytest.mark.parametrize("settings_overrides", [{"cache_ttl_seconds": 1}])
def test_cached_reads_expire(client: TestClient, alice: dict[str, Any], settings: Settings) -> None:
    post = create(client, alice, title="Cached")
    client.get(f"/posts/{post['id']}")
    change_behind_the_apps_back(client, settings, post["id"], "Later")
    time.sleep(1.1)
    assert client.get(f"/posts/{post['id']}").json()["title"] == "Later"


@pytest.mark.parametrize("settings_overrides", [{"cache_ttl_seconds": 0}])
def test_cache_can_be_turned_off(client: TestClient, alice: dict[str, Any], settings: Settings) -> None:
    post = create(client, alice, title="Uncached")
    client.get(f"/posts/{post['id']}")
    change_behind_the_apps_back(client, settings, post["id"], "Direct")
    assert client.get(f"/posts/{post['id']}").json()["title"] == "Direct"


def test_patch_changes_only_the_fields_sent(client: TestClient, alice: dict[str, Any]) -> None:
    post = create(client, alice, title="Old", body="Kept")
    response = client.patch(f"/posts/{post['id']}", headers=alice["headers"], json={"title": "New"})
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["body"]) == ("New", "Kept")
    assert client.get(f"/posts/{post['id']}").json() == response.json()


@pytest.mark.parametrize("body", [{"title": None}, {"title": ""}, {"published": "maybe"}])
def test_patch_rejects_invalid_changes(client: TestClient, alice: dict[str, Any], body: dict[str, Any]) -> None:
    post = create(client, alice)
    assert client.patch(f"/posts/{post['id']}", headers=alice["headers"], json=body).status_code == 422


def test_only_the_author_changes_or_deletes_a_post(client: TestClient, alice: dict[str, Any],
                                                   bob: dict[str, Any]) -> None:
    post = create(client, alice)
    for response in (client.patch(f"/posts/{post['id']}", headers=bob["headers"], json={"title": "Mine"}),
                     client.delete(f"/posts/{post['id']}", headers=bob["headers"])):
        assert response.status_code == 403
        assert response.json() == {"detail": "Not the author of this post"}
    assert client.get(f"/posts/{post['id']}").json() == post


def test_patch_and_delete_of_a_missing_post(client: TestClient, alice: dict[str, Any]) -> None:
    assert client.patch("/posts/999", headers=alice["headers"], json={"title": "x"}).status_code == 404
    assert client.delete("/posts/999", headers=alice["headers"]).json() == {"detail": "Post not found"}


def test_patch_and_delete_need_a_token(client: TestClient, alice: dict[str, Any]) -> None:
    post = create(client, alice)
    assert client.patch(f"/posts/{post['id']}", json={"title": "x"}).status_code == 401
    assert client.delete(f"/posts/{post['id']}").status_code == 401


def test_delete(client: TestClient, alice: dict[str, Any]) -> None:
    post = create(client, alice)
    client.get(f"/posts/{post['id']}")  # cached
    response = client.delete(f"/posts/{post['id']}", headers=alice["headers"])
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"/posts/{post['id']}").status_code == 404
    assert client.get("/posts").json()["total"] == 0
