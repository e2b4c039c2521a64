"""Application lifespan: lifespan context managers, startup/shutdown events, state, and the
TestClient used as a context manager.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test, which a postponed annotation cannot see.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from nimbleapi import APIRouter, Depends, FastAPI, HTTPException, Request
from nimbleapi.dependencies.utils import get_parameterless_sub_dependant
from nimbleapi.testclient import TestClient

ON_EVENT_DEPRECATED = "on_event is deprecated, use lifespan event handlers instead"


def recording_lifespan(events: list[str], name: str = "app") -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append(f"{name} startup")
        yield
        events.append(f"{name} shutdown")

    return lifespan


def test_lifespan_runs_around_test_client_context() -> None:
    events: list[str] = []
    app = FastAPI(lifespan=recording_lifespan(events))
    app.get("/")(lambda: events.append("request"))

    with TestClient(app) as client:
        assert events == ["app startup"]
        client.get("/")
        assert events == ["app startup", "request"]
    assert events == ["app startup", "request", "app shutdown"]


def test_lifespan_does_not_run_without_context_manager() -> None:
    events: list[str] = []
    app = FastAPI(lifespan=recording_lifespan(events))
    app.get("/")(lambda: "ok")

    assert TestClient(app).get("/").json() == "ok"
    assert events == []


def test_lifespan_receives_the_application() -> None:
    received: list[Any] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        received.append(app)
        yield

    app = FastAPI(lifespan=lifespan)
    with TestClient(app):
        pass
    assert received == [app]


def test_lifespan_state_is_available_on_request_state() -> None:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {"pool": "connection-pool"}

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    def endpoint(request: Request) -> str:
        return request.state.pool

    with TestClient(app) as client:
        assert client.get("/").json() == "connection-pool"


def test_lifespan_state_is_copied_per_request() -> None:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {"counter": 0}

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    def endpoint(request: Request) -> int:
        request.state.counter += 1
        return request.state.counter

    with TestClient(app) as client:
        assert client.get("/").json() == 1
        assert client.get("/").json() == 1


def test_app_state_is_shared_across_requests() -> None:
    app = FastAPI()
    app.state.visits = 0

    @app.get("/")
    def endpoint(request: Request) -> int:
        request.app.state.visits += 1
        return request.app.state.visits

    client = TestClient(app)
    assert client.get("/").json() == 1
    assert client.get("/").json() == 2
    assert app.state.visits == 2


def test_lifespan_can_set_app_state() -> None:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.model = "loaded"
        yield
        app.state.model = "unloaded"

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    def endpoint(request: Request) -> str:
        return request.app.state.model

    with TestClient(app) as client:
        assert client.get("/").json() == "loaded"
    assert app.state.model == "unloaded"


def test_router_lifespan_is_merged_into_app_lifespan() -> None:
    events: list[str] = []
    router = APIRouter(lifespan=recording_lifespan(events, "router"))
    app = FastAPI(lifespan=recording_lifespan(events, "app"))
    app.include_router(router)

    with TestClient(app):
        assert events == ["app startup", "router startup"]
    assert events == ["app startup", "router startup", "router shutdown", "app shutdown"]


def test_router_lifespan_state_is_merged() -> None:
    @asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {"from_app": 1}

    @asynccontextmanager
    async def router_lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {"from_router": 2}

    router = APIRouter(lifespan=router_lifespan)
    app = FastAPI(lifespan=app_lifespan)
    app.include_router(router)

    @app.get("/")
    def endpoint(request: Request) -> list[int]:
        return [request.state.from_app, request.state.from_router]

    with TestClient(app) as client:
        assert client.get("/").json() == [1, 2]


def test_startup_failure_propagates_from_test_client() -> None:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        raise RuntimeError("cannot start")
        yield  # pragma: no cover

    app = FastAPI(lifespan=lifespan)
    with pytest.raises(RuntimeError, match="cannot start"):
        with TestClient(app):
            pass  # pragma: no cover


def test_on_event_handlers_run_and_are_deprecated() -> None:
    events: list[str] = []
    app = FastAPI()

    with pytest.warns(DeprecationWarning, match=ON_EVENT_DEPRECATED):

        @app.on_event("startup")
        def startup() -> None:
            events.append("sync startup")

    with pytest.warns(DeprecationWarning, match=ON_EVENT_DEPRECATED):

        @app.on_event("shutdown")
        async def shutdown() -> None:
            events.append("async shutdown")

    with TestClient(app):
        assert events == ["sync startup"]
    assert events == ["sync startup", "async shutdown"]


def test_router_on_event_handlers_run_when_included() -> None:
    events: list[str] = []
    router = APIRouter()

    with pytest.warns(DeprecationWarning, match=ON_EVENT_DEPRECATED):

        @router.on_event("startup")
        def startup() -> None:
            events.append("router startup")

    app = FastAPI()
    app.include_router(router)
    with TestClient(app):
        assert events
        assert set(events) == {"router startup"}


def test_on_startup_and_on_shutdown_arguments() -> None:
    events: list[str] = []
    app = FastAPI(on_startup=[lambda: events.append("up")], on_shutdown=[lambda: events.append("down")])

    with TestClient(app):
        assert events == ["up"]
    assert events == ["up", "down"]


def test_test_client_context_keeps_one_lifespan_for_many_requests() -> None:
    events: list[str] = []
    app = FastAPI(lifespan=recording_lifespan(events))
    app.get("/")(lambda: "ok")

    with TestClient(app) as client:
        for _ in range(3):
            client.get("/")
    assert events == ["app startup", "app shutdown"]


# ---- routes compiled as the application starts -----------------------------------------------


def test_routes_are_ready_when_start_up_completes() -> None:
    app = FastAPI()

    @app.get("/")
    async def endpoint() -> str:
        return "ok"

    route: Any = app.routes[-1]
    with TestClient(app) as client:
        app_after_start_up = route.app
        assert client.get("/").json() == "ok"
        assert route.app is app_after_start_up  # the first request found it compiled


def test_an_included_route_is_served_after_start_up() -> None:
    app = FastAPI()
    router = APIRouter()

    @router.get("/items")
    def items() -> list[int]:
        return [1, 2]

    app.include_router(router, prefix="/api")
    with TestClient(app) as client:
        assert client.get("/api/items").json() == [1, 2]


def test_a_dependency_added_during_start_up_is_served() -> None:
    def forbidden() -> None:
        raise HTTPException(status_code=403, detail="added at start-up")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        route: Any = app.routes[-1]
        route.dependant.dependencies.append(get_parameterless_sub_dependant(depends=Depends(forbidden), path=route.path_format))
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    async def endpoint() -> str:
        return "ok"

    with TestClient(app) as client:
        response = client.get("/")
    assert response.status_code == 403
    assert response.json() == {"detail": "added at start-up"}
