"""Rate limits declared on routes, routers and apps, on the memory store and on Redis."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

import anyio
import httpx
import pytest

from nimbleapi import APIRouter, Depends, FastAPI, Header
from nimbleapi.ratelimit import api_key, client_address, parse_limits, rate_limit
from nimbleapi.stores import RedisStore, Store, configure_stores
from nimbleapi.testclient import TestClient
from tests.serving import free_port


def current_user(x_user: Annotated[str, Header()]) -> str:
    return x_user


def app_on(make_store: Callable[[], Store]) -> FastAPI:
    app = FastAPI()
    configure_stores(app, default=make_store())
    return app


def test_admits_the_limit_then_answers_429_with_retry_after(make_store: Callable[[], Store]) -> None:
    app = app_on(make_store)

    @app.get("/", dependencies=[rate_limit("3/minute")])
    def home() -> dict[str, bool]:
        return {"ok": True}

    with TestClient(app) as client:
        answers = [client.get("/") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Policy"] == '"3-per-60s";q=3;w=60'
    assert [answer.headers["RateLimit"] for answer in answers[:3]] == [
        '"3-per-60s";r=2;t=20',
        '"3-per-60s";r=1;t=40',
        '"3-per-60s";r=0;t=60',
    ]
    assert answers[3].json() == {"detail": "Too Many Requests"}
    assert answers[3].headers["Retry-After"] == "20"


def test_every_limit_of_a_route_must_admit() -> None:
    app = FastAPI()

    @app.get("/", dependencies=[rate_limit(["5/second", "2/hour"])])
    def home() -> None: ...

    with TestClient(app) as client:
        statuses = [client.get("/").status_code for _ in range(3)]
        refused = client.get("/")
    assert statuses == [200, 200, 429]
    assert refused.headers["RateLimit-Policy"] == '"5-per-1s";q=5;w=1, "2-per-3600s";q=2;w=3600'


def test_router_and_app_limits_apply_to_their_routes() -> None:
    app = FastAPI(dependencies=[rate_limit("3/minute", name="whole-app")])
    router = APIRouter(dependencies=[rate_limit("1/minute")])

    @router.get("/limited")
    def limited() -> None: ...

    @app.get("/free")
    def free() -> None: ...

    app.include_router(router, prefix="/r")
    with TestClient(app) as client:
        assert [client.get("/r/limited").status_code for _ in range(2)] == [200, 429]
        # the app's bucket is shared by every route: /r/limited took two of its three
        assert [client.get("/free").status_code for _ in range(2)] == [200, 429]


def test_each_route_has_its_own_bucket_unless_named() -> None:
    app = FastAPI()
    per_route, shared = rate_limit("1/minute"), rate_limit("1/minute", name="pair")

    @app.get("/a", dependencies=[per_route])
    @app.get("/b", dependencies=[per_route])
    def own() -> None: ...

    @app.get("/c", dependencies=[shared])
    @app.get("/d", dependencies=[shared])
    def pair() -> None: ...

    with TestClient(app) as client:
        assert [client.get(path).status_code for path in ("/a", "/b", "/c", "/d")] == [200, 200, 200, 429]


def test_keys_by_api_key_or_by_user() -> None:
    app = FastAPI()

    @app.get("/by-key", dependencies=[rate_limit("1/minute", key=api_key())])
    def by_key() -> None: ...

    @app.get("/by-user", dependencies=[rate_limit("1/minute", key=current_user)])
    def by_user(user: Annotated[str, Depends(current_user)]) -> str:
        return user

    with TestClient(app) as client:
        assert client.get("/by-key", headers={"X-API-Key": "a"}).status_code == 200
        assert client.get("/by-key", headers={"X-API-Key": "b"}).status_code == 200
        assert client.get("/by-key", headers={"X-API-Key": "a"}).status_code == 429
        assert client.get("/by-user", headers={"X-User": "ann"}).json() == "ann"
        assert client.get("/by-user", headers={"X-User": "bob"}).status_code == 200
        assert client.get("/by-user", headers={"X-User": "ann"}).status_code == 429


def test_the_client_address_behind_a_trusted_proxy() -> None:
    app = FastAPI()

    @app.get("/", dependencies=[rate_limit("1/minute", key=client_address(trusted_proxies=["10.0.0.0/8"]))])
    def home() -> None: ...

    # A raw ASGI client: TestClient always connects from "testclient".
    async def get(client_host: str, forwarded: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(client_host, 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return (await http.get("/", headers={"X-Forwarded-For": forwarded})).status_code

    async def scenario() -> list[int]:
        return [
            await get("10.0.0.1", "203.0.113.7, 10.0.0.2"),  # proxies in front of 203.0.113.7
            await get("10.0.0.1", "203.0.113.8"),
            await get("10.0.0.3", "203.0.113.7"),  # same client, another proxy: same key
            await get("198.51.100.1", "203.0.113.9"),  # untrusted peer: its own address counts
            await get("198.51.100.1", "203.0.113.10"),
        ]

    assert anyio.run(scenario) == [200, 200, 429, 200, 429]


def test_a_limit_as_a_parameter_dependency() -> None:
    app = FastAPI()

    @app.get("/")
    def home(_: Annotated[None, rate_limit("1/minute")]) -> None: ...

    with TestClient(app) as client:
        assert [client.get("/").status_code for _ in range(2)] == [200, 429]


def test_the_429_is_in_the_openapi_document() -> None:
    app = FastAPI()

    @app.get("/", dependencies=[rate_limit("1/minute")])
    def home() -> None: ...

    @app.get("/plain")
    def plain() -> None: ...

    paths = app.openapi()["paths"]
    refused = paths["/"]["get"]["responses"]["429"]
    assert refused["description"] == "Too Many Requests"
    assert set(refused["headers"]) == {"Retry-After", "RateLimit-Policy", "RateLimit"}
    assert "429" not in paths["/plain"]["get"]["responses"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10/minute", [(10, 60)]),
        ("100 per 2 hours", [(100, 7200)]),
        ("5/s; 1000/day", [(5, 1), (1000, 86400)]),
    ],
)
def test_limit_strings(text: str, expected: list[tuple[int, int]]) -> None:
    assert [(limit.limit, limit.period) for limit in parse_limits(text)] == expected


@pytest.mark.parametrize("text", ["10", "ten/minute", "10/fortnight", "0/minute", ""])
def test_invalid_limit_strings_are_refused_with_the_format(text: str) -> None:
    with pytest.raises(ValueError, match="10/minute"):
        parse_limits(text)


def test_concurrent_requests_never_exceed_the_limit(make_store: Callable[[], Store]) -> None:
    app = app_on(make_store)

    @app.get("/", dependencies=[rate_limit("50/day")])
    async def home() -> None: ...

    async def hammer() -> list[int]:
        store: Any = app.state.nimbleapi_stores["default"]
        transport = httpx.ASGITransport(app=app)
        statuses: list[int] = []
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

            async def one() -> None:
                statuses.append((await http.get("/")).status_code)

            async with anyio.create_task_group() as tasks:
                for _ in range(300):
                    tasks.start_soon(one)
        await store.close()
        return statuses

    statuses = anyio.run(hammer)
    assert statuses.count(200) == 50
    assert statuses.count(429) == 250


def unreachable_redis_app(**options: Any) -> FastAPI:
    app = FastAPI()
    store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)

    @app.get("/", dependencies=[rate_limit("1/minute", store=store, **options)])
    def home() -> None: ...

    app.add_event_handler("shutdown", store.close)
    return app


def test_a_lost_store_fails_open_by_default_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "nimbleapi.batteries"), TestClient(unreachable_redis_app()) as client:
        assert [client.get("/").status_code for _ in range(3)] == [200, 200, 200]
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1
    assert "store unavailable, admitting requests unchecked" in warnings[0]


def test_a_lost_store_fails_closed_when_asked() -> None:
    with TestClient(unreachable_redis_app(on_store_error="deny")) as client:
        answer = client.get("/")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"


AUTHENTICATED: list[str] = []


async def authenticated_user(x_user: Annotated[str, Header()]) -> str:
    AUTHENTICATED.append(x_user)
    return x_user


def test_a_per_user_key_runs_its_authentication_once_per_request() -> None:
    app = FastAPI()
    AUTHENTICATED.clear()

    @app.get("/", dependencies=[rate_limit("2/minute", key=authenticated_user)])
    async def home(who: Annotated[str, Depends(authenticated_user)]) -> str:
        return who

    with TestClient(app) as client:
        statuses = [client.get("/", headers={"X-User": "ann"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert AUTHENTICATED == ["ann", "ann", "ann"]


def test_nested_limits_answer_with_the_innermost_headers_once() -> None:
    app = FastAPI(dependencies=[rate_limit("100/minute", name="whole-app")])

    @app.get("/", dependencies=[rate_limit("2/minute")])
    async def home() -> dict[str, bool]:
        return {"ok": True}

    with TestClient(app) as client:
        answers = [client.get("/") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[0].headers.get_list("RateLimit-Policy") == ['"2-per-60s";q=2;w=60']
    assert answers[0].headers.get_list("RateLimit") == ['"2-per-60s";r=1;t=30']
    assert answers[2].headers.get_list("RateLimit") == ['"2-per-60s";r=0;t=60']


def test_a_limit_counts_once_on_a_route_class_that_wraps_the_handler() -> None:
    from nimbleapi.routing import APIRoute

    class LoggedRoute(APIRoute):
        def get_route_handler(self) -> Callable[..., Any]:
            return super().get_route_handler()

    router = APIRouter(route_class=LoggedRoute)

    @router.get("/", dependencies=[rate_limit("2/minute")])
    async def home() -> None: ...

    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        answers = [client.get("/") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[1].headers["RateLimit"] == '"2-per-60s";r=0;t=60'


def test_headers_can_be_left_out() -> None:
    app = FastAPI()

    @app.get("/", dependencies=[rate_limit("1/minute", headers=False)])
    async def home() -> None: ...

    with TestClient(app) as client:
        admitted, refused = client.get("/"), client.get("/")
    assert "RateLimit" not in admitted.headers and "RateLimit-Policy" not in admitted.headers
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"


def test_overriding_the_limit_turns_it_off() -> None:
    app = FastAPI()
    limit = rate_limit("1/minute")

    @app.get("/", dependencies=[limit])
    async def home() -> None: ...

    app.dependency_overrides[limit.dependency] = lambda: None
    with TestClient(app) as client:
        assert [client.get("/").status_code for _ in range(2)] == [200, 200]
        app.dependency_overrides.clear()
        assert [client.get("/").status_code for _ in range(2)] == [200, 429]
