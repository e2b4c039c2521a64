"""``Depends(..., scope="lifespan")``: made once at start-up in dependency order, closed in reverse."""



from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from nimbleapi import APIRouter, Depends, FastAPI, Request
from nimbleapi.exceptions import DependencyScopeError
from nimbleapi.testclient import TestClient


class Pool:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.closed = False


def make_app(events: list[str], fail_in: str | None = None) -> FastAPI:
    def get_settings() -> dict[str, str]:
        events.append("settings")
        return {"dsn": "postgres://db"}

    async def get_pool(settings: Annotated[dict[str, str], Depends(get_settings)]) -> AsyncIterator[Pool]:
        events.append("pool open")
        pool = Pool(settings["dsn"])
        yield pool
        pool.closed = True
        events.append("pool close")

    def get_client(pool: Annotated[Pool, Depends(get_pool, scope="lifespan")]) -> Iterator[tuple[str, Pool]]:
        if fail_in == "client":
            raise ConnectionError("client failed to start")
        events.append("client open")
        yield ("client", pool)
        events.append("client close")

    app = FastAPI()

    @app.get("/")
    async def read(
        client: Annotated[tuple[str, Pool], Depends(get_client, scope="lifespan")],
        pool: Annotated[Pool, Depends(get_pool, scope="lifespan")],
    ) -> dict[str, Any]:
        return {"client": client[0], "same_pool": client[1] is pool, "pool_id": id(pool), "dsn": pool.dsn}

    app.state.get_pool = get_pool
    return app


def test_made_once_at_start_up_and_closed_in_reverse_at_shutdown() -> None:
    events: list[str] = []
    with TestClient(make_app(events)) as client:
        assert events == ["settings", "pool open", "client open"]
        first, second = client.get("/").json(), client.get("/").json()
        assert first["same_pool"] is True and first["dsn"] == "postgres://db"
        assert first["pool_id"] == second["pool_id"]
        assert events == ["settings", "pool open", "client open"]  # requests made nothing
    assert events[3:] == ["client close", "pool close"]


def test_start_up_failing_half_way_closes_what_was_made() -> None:
    events: list[str] = []
    with pytest.raises(ConnectionError, match="client failed to start"):
        with TestClient(make_app(events, fail_in="client")):
            pass
    assert events == ["settings", "pool open", "pool close"]


def test_dependency_overrides_at_start_up_replace_the_real_one() -> None:
    events: list[str] = []
    app = make_app(events)
    fake = Pool("sqlite://")

    def fake_pool() -> Pool:
        events.append("fake pool")
        return fake

    app.dependency_overrides[app.state.get_pool] = fake_pool
    with TestClient(app) as client:
        body = client.get("/").json()
    assert body["dsn"] == "sqlite://" and body["same_pool"] is True
    assert "pool open" not in events and "settings" not in events
    assert events[0] == "fake pool"


def test_reading_request_data_is_rejected_at_declaration() -> None:
    def get_pool(region: str) -> str:
        return region

    app = FastAPI()
    with pytest.raises(DependencyScopeError) as error:

        @app.get("/items")
        def read_items(pool: Annotated[str, Depends(get_pool, scope="lifespan")]) -> None: ...

    message = str(error.value)
    assert "Route /items" in message and "read_items" in message and "get_pool" in message
    assert f"test_lifespan_dependencies.py:{get_pool.__code__.co_firstlineno}" in message
    assert "query parameter 'region'" in message


def test_reading_the_request_through_a_sub_dependency_is_rejected() -> None:
    def client_ip(request: Request) -> str:
        return request.client.host if request.client else ""

    def get_pool(ip: Annotated[str, Depends(client_ip)]) -> str:
        return ip

    router = APIRouter()
    with pytest.raises(DependencyScopeError, match="through .*client_ip.* which reads the Request"):

        @router.get("/items", dependencies=[Depends(get_pool, scope="lifespan")])
        def read_items() -> None: ...


def test_route_dependencies_and_included_routers_are_started() -> None:
    events: list[str] = []

    async def warm_cache() -> AsyncIterator[None]:
        events.append("warm")
        yield
        events.append("cool")

    router = APIRouter()

    @router.get("/ping", dependencies=[Depends(warm_cache, scope="lifespan")])
    def ping() -> str:
        return "pong"

    app = FastAPI()
    app.include_router(router, prefix="/v1")
    with TestClient(app) as client:
        assert client.get("/v1/ping").json() == "pong"
        assert events == ["warm"]
    assert events == ["warm", "cool"]


def test_a_request_before_start_up_is_told_why() -> None:
    from nimbleapi._compile.lifespan import LifespanDependencyNotStarted

    client = TestClient(make_app([]))  # no 'with': the lifespan never runs
    with pytest.raises(LifespanDependencyNotStarted, match="with TestClient\\(app\\) as client"):
        client.get("/")


def test_the_application_lifespan_runs_around_the_dependencies() -> None:
    from contextlib import asynccontextmanager

    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("app start")
        yield
        events.append("app stop")

    async def resource() -> AsyncIterator[str]:
        events.append("resource open")
        yield "r"
        events.append("resource close")

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    def read(value: Annotated[str, Depends(resource, scope="lifespan")]) -> str:
        return value

    with TestClient(app) as client:
        assert client.get("/").json() == "r"
    assert events == ["app start", "resource open", "resource close", "app stop"]
