"""The "Rate limits, caching, channels" page's examples."""

from __future__ import annotations

import json
import time

import anyio

from nimbleapi.stores import MemoryStore, get_store
from nimbleapi.testclient import TestClient

from .conftest import LoadExample


def test_named_stores_are_configured(load_example: LoadExample) -> None:
    app = load_example("batteries.stores").app
    default, shared = get_store(app, "default"), get_store(app, "shared")
    assert isinstance(default, MemoryStore) and default.max_entries == 10_000
    assert isinstance(shared, MemoryStore) and shared is not default

    async def round_trip() -> bytes | None:
        await shared.set("greeting", b"hello", ttl=10)
        return await shared.get("greeting")

    with TestClient(app):
        assert anyio.run(round_trip) == b"hello"


def test_rate_limits_answer_429_with_retry_after(load_example: LoadExample) -> None:
    with TestClient(load_example("batteries.rate_limits").app) as client:
        by_key = [client.get("/data", headers={"X-API-Key": "alice"}) for _ in range(6)]
        other_key = client.get("/data", headers={"X-API-Key": "bob"})
        search = client.get("/search", params={"q": "lamp"})
        me = client.get("/me", headers={"Authorization": "Bearer ada"})
        report = client.get("/admin/report")
        schema = client.get("/openapi.json").json()
    assert [answer.status_code for answer in by_key] == [200] * 5 + [429]
    refused = by_key[-1]
    assert refused.json() == {"detail": "Too Many Requests"}
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["RateLimit-Policy"] == '"5-per-60s";q=5;w=60'
    assert other_key.status_code == 200  # each API key has its own budget
    # the headers describe the route's own limits, the most specific ones
    assert search.headers["RateLimit-Policy"] == '"10-per-1s";q=10;w=1, "200-per-3600s";q=200;w=3600'
    assert me.json() == {"user": "ada"} and me.headers["RateLimit-Policy"] == '"30-per-60s";q=30;w=60'
    assert report.headers["RateLimit-Policy"] == '"100-per-60s";q=100;w=60'  # the router's limit
    assert "429" in schema["paths"]["/data"]["get"]["responses"]


def test_cached_answers_hit_revalidate_and_invalidate(load_example: LoadExample) -> None:
    with TestClient(load_example("batteries.caching").app) as client:
        first, second = client.get("/items/1"), client.get("/items/1")
        revalidated = client.get("/items/1", headers={"If-None-Match": first.headers["etag"]})
        client.put("/items/1", json={"name": "floor lamp"})
        after_update = client.get("/items/1")
        other_item = client.get("/items/2")
    assert first.json() == second.json() == {"id": 1, "name": "lamp"}
    assert "x-cache" not in first.headers and second.headers["x-cache"] == "HIT"
    assert first.headers["cache-control"] == "max-age=60"
    assert (revalidated.status_code, revalidated.content) == (304, b"")
    assert after_update.json() == {"id": 1, "name": "floor lamp"} and "x-cache" not in after_update.headers
    assert other_item.json() == {"id": 2, "name": "desk"}


def test_channels_reach_every_websocket_of_the_room(load_example: LoadExample) -> None:
    example = load_example("batteries.channels")
    with TestClient(example.app) as client:
        with client.websocket_connect("/rooms/a/ws") as ann, client.websocket_connect("/rooms/a/ws") as bob:
            deadline = time.monotonic() + 5  # a safety net against a hang, not a timing assertion
            while example.channels.subscriber_count < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            posted = client.post("/rooms/a/messages", json={"author": "eve", "text": "hi"})
            client.post("/rooms/b/messages", json={"author": "eve", "text": "other room"})
            assert posted.json() == {"published": True}
            assert json.loads(ann.receive_text()) == json.loads(bob.receive_text()) == {"author": "eve", "text": "hi"}
