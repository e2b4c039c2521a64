"""Response caching declared on routes, on the memory store and on Redis."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import anyio
import httpx
import pytest

from nimbleapi import FastAPI, HTTPException, Request, Response
from nimbleapi.responses import StreamingResponse
from nimbleapi.caching import cache, invalidate
from nimbleapi.stores import RedisStore, Store, configure_stores
from nimbleapi.testclient import TestClient
from tests.serving import free_port


def counting_app(make_store: Callable[[], Store] | None = None, **options: Any) -> tuple[FastAPI, list[str]]:
    """An app whose ``/items/{item_id}`` is cached with *options*; the list records computations."""
    app = FastAPI()
    if make_store is not None:
        configure_stores(app, default=make_store())
    computed: list[str] = []

    @app.get("/items/{item_id}", dependencies=[cache(**options)])
    def read_item(item_id: int, request: Request) -> dict[str, Any]:
        computed.append(str(request.url.include_query_params()))
        return {"id": item_id, "query": str(request.query_params)}

    return app, computed


def test_a_second_request_is_served_from_the_cache(make_store: Callable[[], Store]) -> None:
    app, computed = counting_app(make_store, ttl=60)
    with TestClient(app) as client:
        first, second = client.get("/items/1"), client.get("/items/1")
    assert len(computed) == 1
    assert first.json() == second.json() == {"id": 1, "query": ""}
    assert "x-cache" not in first.headers and second.headers["x-cache"] == "HIT"
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["cache-control"] == "max-age=60"
    assert first.headers["last-modified"].endswith(" GMT")


def test_entries_expire_after_the_ttl() -> None:
    app, computed = counting_app(ttl=0.1)
    with TestClient(app) as client:
        client.get("/items/1")
        time.sleep(0.2)
        client.get("/items/1")
    assert len(computed) == 2


def test_conditional_requests_are_answered_304() -> None:
    app, _ = counting_app(ttl=60)
    with TestClient(app) as client:
        first = client.get("/items/1")
        by_etag = client.get("/items/1", headers={"If-None-Match": first.headers["etag"]})
        by_date = client.get("/items/1", headers={"If-Modified-Since": formatdate(time.time() + 5, usegmt=True)})
        changed = client.get("/items/1", headers={"If-None-Match": '"other"'})
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_etag.headers["etag"] == first.headers["etag"]
    assert by_date.status_code == 304
    assert changed.status_code == 200


def test_the_key_uses_only_the_named_query_parameters() -> None:
    app, computed = counting_app(ttl=60, query=["page"])
    with TestClient(app) as client:
        client.get("/items/1?page=2&utm=a")
        client.get("/items/1?utm=b&page=2")
        client.get("/items/1?page=3")
    assert len(computed) == 2


def test_each_authorization_has_its_own_private_entry() -> None:
    app, computed = counting_app(ttl=60)
    with TestClient(app) as client:
        ann = client.get("/items/1", headers={"Authorization": "Bearer ann"})
        client.get("/items/1", headers={"Authorization": "Bearer bob"})
        again = client.get("/items/1", headers={"Authorization": "Bearer ann"})
    assert len(computed) == 2
    assert again.headers["x-cache"] == "HIT"
    assert ann.headers["cache-control"] == "private, max-age=60"


def test_a_key_function_replaces_the_default_key() -> None:
    app, computed = counting_app(ttl=60, key=lambda request: request.headers.get("x-tenant", ""))
    with TestClient(app) as client:
        client.get("/items/1", headers={"X-Tenant": "a"})
        same = client.get("/items/2", headers={"X-Tenant": "a"})
    assert len(computed) == 1
    assert same.json()["id"] == 1


def test_invalidation_by_key_prefix_and_tag(make_store: Callable[[], Store]) -> None:
    app, computed = counting_app(make_store, ttl=60, tags=["items", "item:{item_id}"])

    @app.delete("/cache")
    async def drop(request: Request, key: str | None = None, prefix: str | None = None, tag: str | None = None) -> None:
        await invalidate(request, key=key, prefix=prefix, tags=[tag] if tag else [])

    with TestClient(app) as client:

        def refill() -> int:
            before = len(computed)
            for path in ("/items/1", "/items/2", "/items/1?x=1"):
                client.get(path)
            return len(computed) - before

        assert refill() == 3
        client.delete("/cache", params={"key": "GET /items/1"})
        assert refill() == 1
        client.delete("/cache", params={"prefix": "GET /items/1"})
        assert refill() == 2
        client.delete("/cache", params={"tag": "item:2"})
        assert refill() == 1
        client.delete("/cache", params={"tag": "items"})
        assert refill() == 3


def test_errors_and_cookies_are_not_cached_unless_asked() -> None:
    app = FastAPI()
    computed: list[str] = []

    @app.get("/missing", dependencies=[cache(ttl=60)])
    @app.get("/missing-cached", dependencies=[cache(ttl=60, cache_errors=True)])
    def missing(request: Request) -> None:
        computed.append(request.url.path)
        raise HTTPException(404)

    @app.get("/cookie", dependencies=[cache(ttl=60)])
    @app.get("/cookie-cached", dependencies=[cache(ttl=60, cache_cookies=True)])
    def cookie(request: Request, response: Response) -> None:
        computed.append(request.url.path)
        response.set_cookie("session", "abc")

    with TestClient(app) as client:
        for path in ("/missing", "/missing-cached", "/cookie", "/cookie-cached"):
            answers = [client.get(path) for _ in range(2)]
            assert answers[0].status_code == answers[1].status_code
    assert computed == ["/missing", "/missing", "/missing-cached", "/cookie", "/cookie", "/cookie-cached"]


def test_event_streams_are_never_cached() -> None:
    app = FastAPI()
    computed: list[int] = []

    @app.get("/events", dependencies=[cache(ttl=60)])
    def events() -> StreamingResponse:
        computed.append(1)
        return StreamingResponse(iter([b"data: one\n\n"]), media_type="text/event-stream")

    with TestClient(app) as client:
        bodies = [client.get("/events").text for _ in range(2)]
    assert bodies == ["data: one\n\n"] * 2
    assert computed == [1, 1]


def test_an_answers_own_cache_control_is_kept(make_store: Callable[[], Store]) -> None:
    app = FastAPI()
    configure_stores(app, default=make_store())

    @app.get("/", dependencies=[cache(ttl=60)])
    def home(response: Response) -> dict[str, bool]:
        response.headers["Cache-Control"] = "no-transform"
        return {"ok": True}

    with TestClient(app) as client:
        first, second = client.get("/"), client.get("/")
    assert first.headers.get_list("cache-control") == second.headers.get_list("cache-control") == ["no-transform"]
    assert second.headers["x-cache"] == "HIT" and second.json() == {"ok": True}


def test_only_get_fills_and_head_reads_the_cache() -> None:
    app = FastAPI()
    computed: list[str] = []

    @app.api_route("/thing", methods=["GET", "HEAD", "POST"], dependencies=[cache(ttl=60)])
    def thing(request: Request) -> dict[str, str]:
        computed.append(request.method)
        return {"thing": "yes"}

    with TestClient(app) as client:
        client.post("/thing")
        client.post("/thing")
        client.get("/thing")
        head = client.head("/thing")
    assert computed == ["POST", "POST", "GET"]
    assert head.headers["x-cache"] == "HIT" and head.content == b""


def test_concurrent_misses_compute_once(make_store: Callable[[], Store]) -> None:
    """Two apps on one store stand for two workers: each protects its own process, the
    store's lock protects across them."""
    computed: list[int] = []

    def worker() -> FastAPI:
        app = FastAPI()
        configure_stores(app, default=store)

        @app.get("/slow", dependencies=[cache(ttl=60)])
        async def slow() -> dict[str, int]:
            computed.append(1)
            await anyio.sleep(0.3)
            return {"value": 42}

        return app

    store = make_store()
    apps = [worker(), worker()] if isinstance(store, RedisStore) else [worker()]

    async def burst() -> list[Any]:
        bodies: list[Any] = []

        async def one(app: FastAPI) -> None:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
                bodies.append((await http.get("/slow")).json())

        async with anyio.create_task_group() as tasks:
            for index in range(20):
                tasks.start_soon(one, apps[index % len(apps)])
        await store.close()
        return bodies

    assert anyio.run(burst) == [{"value": 42}] * 20
    assert len(computed) == 1


def test_a_lost_store_makes_the_cache_a_pass_through(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    app, computed = counting_app(ttl=60, store=store)
    app.add_event_handler("shutdown", store.close)
    with caplog.at_level(logging.WARNING, "nimbleapi.batteries"), TestClient(app) as client:
        answers = [client.get("/items/1") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert len(computed) == 3
    assert [record.getMessage().split(":")[0] for record in caplog.records] == ["response cache"]
