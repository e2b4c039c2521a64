"""Dependency injection: kinds of dependencies, sub-dependencies, caching, yield dependencies
and their scopes, router/app dependencies, overrides, security scopes, background tasks and
the threadpool.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test, which a postponed annotation cannot see.
"""

import asyncio
import functools
import threading
import typing
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import anyio
import httpx
import pytest
from starlette.background import BackgroundTask
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nimbleapi import (
    APIRouter,
    BackgroundTasks,
    Body,
    Depends,
    FastAPI,
    Header,
    HTTPException,
    Request,
    Response,
    Security,
)
from nimbleapi.exceptions import FastAPIError
from nimbleapi.responses import JSONResponse, StreamingResponse
from nimbleapi.security import SecurityScopes
from nimbleapi.testclient import TestClient


class MessageLog:
    """Pure ASGI middleware recording when the response leaves the application."""

    def __init__(self, app: ASGIApp, events: list[str]) -> None:
        self.app = app
        self.events = events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.events.append("response started")
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                self.events.append("response finished")
            await send(message)

        await self.app(scope, receive, logged_send)
        if scope["type"] == "http":
            self.events.append("app returned")


# --- kinds of dependencies -----------------------------------------------------------------


def test_function_dependency_result_is_injected() -> None:
    def pagination(skip: int = 0, limit: int = 10) -> dict[str, int]:
        return {"skip": skip, "limit": limit}

    app = FastAPI()

    @app.get("/")
    def endpoint(page: Annotated[dict[str, int], Depends(pagination)]) -> dict[str, int]:
        return page

    assert TestClient(app).get("/?skip=2").json() == {"skip": 2, "limit": 10}


def test_dependency_as_default_value() -> None:
    def token(x_token: Annotated[str, Header()]) -> str:
        return x_token.upper()

    app = FastAPI()

    @app.get("/")
    def endpoint(value: str = Depends(token)) -> str:
        return value

    assert TestClient(app).get("/", headers={"x-token": "abc"}).json() == "ABC"


def test_async_dependency() -> None:
    async def answer() -> int:
        return 42

    app = FastAPI()

    @app.get("/")
    async def endpoint(value: Annotated[int, Depends(answer)]) -> int:
        return value

    assert TestClient(app).get("/").json() == 42


def test_class_dependency_is_instantiated_with_request_values() -> None:
    class Paging:
        def __init__(self, q: str | None = None, limit: int = 5) -> None:
            self.q = q
            self.limit = limit

    app = FastAPI()

    @app.get("/")
    def endpoint(paging: Annotated[Paging, Depends(Paging)]) -> dict[str, Any]:
        return {"q": paging.q, "limit": paging.limit, "type": type(paging).__name__}

    assert TestClient(app).get("/?q=x").json() == {"q": "x", "limit": 5, "type": "Paging"}


def test_class_dependency_shortcut_depends_without_argument() -> None:
    class Paging:
        def __init__(self, limit: int = 5) -> None:
            self.limit = limit

    app = FastAPI()

    @app.get("/")
    def endpoint(paging: Annotated[Paging, Depends()]) -> int:
        return paging.limit

    assert TestClient(app).get("/?limit=7").json() == 7


def test_class_dependency_shortcut_in_default_style() -> None:
    class Paging:
        def __init__(self, limit: int = 5) -> None:
            self.limit = limit

    app = FastAPI()

    @app.get("/")
    def endpoint(paging: Paging = Depends()) -> int:
        return paging.limit

    assert TestClient(app).get("/?limit=8").json() == 8


def test_callable_instance_dependency_uses_call_signature() -> None:
    class Contains:
        def __init__(self, needle: str) -> None:
            self.needle = needle

        def __call__(self, q: str = "") -> bool:
            return self.needle in q

    app = FastAPI()

    @app.get("/")
    def endpoint(found: Annotated[bool, Depends(Contains("bar"))]) -> bool:
        return found

    client = TestClient(app)
    assert client.get("/?q=foobar").json() is True
    assert client.get("/?q=foo").json() is False


def test_async_callable_instance_dependency() -> None:
    class Doubler:
        async def __call__(self, n: int) -> int:
            return n * 2

    app = FastAPI()

    @app.get("/")
    async def endpoint(value: Annotated[int, Depends(Doubler())]) -> int:
        return value

    assert TestClient(app).get("/?n=4").json() == 8


def test_dependency_can_receive_request() -> None:
    def client_path(request: Request) -> str:
        return request.url.path

    app = FastAPI()

    @app.get("/where")
    def endpoint(path: Annotated[str, Depends(client_path)]) -> str:
        return path

    assert TestClient(app).get("/where").json() == "/where"


def test_dependency_errors_are_reported_like_endpoint_errors() -> None:
    def needs(x_key: Annotated[str, Header()], count: int) -> None:
        pass

    app = FastAPI()
    app.get("/", dependencies=[Depends(needs)])(lambda: "ok")

    response = TestClient(app).get("/?count=x")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", "count"], ["header", "x-key"]]


def test_dependency_errors_come_before_endpoint_errors() -> None:
    def needs(dep_value: int) -> None:
        pass

    app = FastAPI()

    @app.get("/{item_id}")
    def endpoint(item_id: int, _: Annotated[None, Depends(needs)]) -> None:
        pass

    response = TestClient(app).get("/x?dep_value=y")
    assert [e["loc"] for e in response.json()["detail"]] == [["query", "dep_value"], ["path", "item_id"]]


def test_dependency_params_appear_in_openapi() -> None:
    def needs(limit: int = 1) -> None:
        pass

    app = FastAPI()
    app.get("/", dependencies=[Depends(needs)])(lambda: None)

    parameters = app.openapi()["paths"]["/"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == ["limit"]


def test_dependency_and_endpoint_can_both_read_the_body() -> None:
    async def raw_body(request: Request) -> dict[str, Any]:
        return await request.json()

    app = FastAPI()

    @app.post("/")
    def endpoint(raw: Annotated[dict[str, Any], Depends(raw_body)], value: Annotated[int, Body(embed=True)]) -> Any:
        return {"raw": raw, "value": value}

    assert TestClient(app).post("/", json={"value": 3}).json() == {"raw": {"value": 3}, "value": 3}


def test_reusable_annotated_dependency_alias() -> None:
    def current_user(x_user: Annotated[str, Header()]) -> str:
        return x_user

    CurrentUser = Annotated[str, Depends(current_user)]
    app = FastAPI()

    @app.get("/a")
    def a(user: CurrentUser) -> str:
        return f"a:{user}"

    @app.get("/b")
    async def b(user: CurrentUser) -> str:
        return f"b:{user}"

    client = TestClient(app)
    assert client.get("/a", headers={"x-user": "u"}).json() == "a:u"
    assert client.get("/b", headers={"x-user": "u"}).json() == "b:u"


def test_dependency_and_endpoint_share_a_query_param() -> None:
    def check(q: int) -> int:
        return q * 2

    app = FastAPI()

    @app.get("/")
    def endpoint(q: int, doubled: Annotated[int, Depends(check)]) -> list[int]:
        return [q, doubled]

    assert TestClient(app).get("/?q=4").json() == [4, 8]
    parameters = app.openapi()["paths"]["/"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == ["q"]


def test_dependency_reads_path_param_of_route() -> None:
    def load(item_id: int) -> dict[str, int]:
        return {"loaded": item_id}

    app = FastAPI()

    @app.get("/items/{item_id}")
    def endpoint(item: Annotated[dict[str, int], Depends(load)]) -> dict[str, int]:
        return item

    assert TestClient(app).get("/items/9").json() == {"loaded": 9}


# --- sub-dependencies and caching --------------------------------------------------------------


def test_sub_dependency_chain() -> None:
    def base(q: str = "x") -> str:
        return q

    def middle(value: Annotated[str, Depends(base)], suffix: str = "!") -> str:
        return value + suffix

    app = FastAPI()

    @app.get("/")
    def endpoint(result: Annotated[str, Depends(middle)]) -> str:
        return result

    assert TestClient(app).get("/?q=hi&suffix=?").json() == "hi?"


def test_shared_dependency_runs_once_per_request() -> None:
    calls: list[int] = []

    def counted() -> int:
        calls.append(1)
        return len(calls)

    def first(v: Annotated[int, Depends(counted)]) -> int:
        return v

    def second(v: Annotated[int, Depends(counted)]) -> int:
        return v

    app = FastAPI()

    @app.get("/")
    def endpoint(
        a: Annotated[int, Depends(first)], b: Annotated[int, Depends(second)], c: Annotated[int, Depends(counted)]
    ) -> list[int]:
        return [a, b, c]

    client = TestClient(app)
    assert client.get("/").json() == [1, 1, 1]
    assert client.get("/").json() == [2, 2, 2]


def test_use_cache_false_runs_dependency_each_time() -> None:
    calls: list[int] = []

    def counted() -> int:
        calls.append(1)
        return len(calls)

    app = FastAPI()

    @app.get("/")
    def endpoint(
        a: Annotated[int, Depends(counted)], b: Annotated[int, Depends(counted, use_cache=False)]
    ) -> list[int]:
        return [a, b]

    assert TestClient(app).get("/").json() == [1, 2]


def test_path_dependencies_share_cache_with_parameters() -> None:
    calls: list[str] = []

    def counted() -> str:
        calls.append("call")
        return "v"

    app = FastAPI()

    @app.get("/", dependencies=[Depends(counted)])
    def endpoint(v: Annotated[str, Depends(counted)]) -> str:
        return v

    TestClient(app).get("/")
    assert calls == ["call"]


def test_dependencies_run_in_declaration_order() -> None:
    order: list[str] = []

    def make(name: str) -> Any:
        def dep() -> None:
            order.append(name)

        return dep

    app = FastAPI()

    @app.get("/", dependencies=[Depends(make("decorator"))])
    def endpoint(a: Annotated[None, Depends(make("first"))], b: Annotated[None, Depends(make("second"))]) -> None:
        order.append("endpoint")

    TestClient(app).get("/")
    assert order == ["decorator", "first", "second", "endpoint"]


def test_sub_dependencies_run_before_their_dependant() -> None:
    order: list[str] = []

    def inner() -> None:
        order.append("inner")

    def outer(_: Annotated[None, Depends(inner)]) -> None:
        order.append("outer")

    app = FastAPI()
    app.get("/")(lambda _=Depends(outer): order.append("endpoint"))

    TestClient(app).get("/")
    assert order == ["inner", "outer", "endpoint"]


def test_class_dependency_with_its_own_sub_dependency() -> None:
    def settings() -> dict[str, str]:
        return {"prefix": "db:"}

    class Repository:
        def __init__(self, config: Annotated[dict[str, str], Depends(settings)], table: str = "users") -> None:
            self.name = config["prefix"] + table

    app = FastAPI()

    @app.get("/")
    def endpoint(repo: Annotated[Repository, Depends()]) -> str:
        return repo.name

    assert TestClient(app).get("/?table=items").json() == "db:items"


# --- yield dependencies ------------------------------------------------------------------------


def test_yield_dependency_value_is_injected_and_cleaned_up() -> None:
    events: list[str] = []

    def resource() -> Iterator[str]:
        events.append("open")
        yield "handle"
        events.append("close")

    app = FastAPI()

    @app.get("/")
    def endpoint(r: Annotated[str, Depends(resource)]) -> str:
        events.append(f"use {r}")
        return r

    assert TestClient(app).get("/").json() == "handle"
    assert events == ["open", "use handle", "close"]


def test_async_yield_dependency_is_cleaned_up() -> None:
    events: list[str] = []

    async def resource() -> AsyncIterator[str]:
        events.append("open")
        yield "async handle"
        events.append("close")

    app = FastAPI()

    @app.get("/")
    async def endpoint(r: Annotated[str, Depends(resource)]) -> str:
        return r

    assert TestClient(app).get("/").json() == "async handle"
    assert events == ["open", "close"]


def test_yield_dependencies_exit_in_reverse_order() -> None:
    events: list[str] = []

    def dep_a() -> Iterator[None]:
        events.append("enter a")
        yield
        events.append("exit a")

    def dep_b(_: Annotated[None, Depends(dep_a)]) -> Iterator[None]:
        events.append("enter b")
        yield
        events.append("exit b")

    async def dep_c() -> AsyncIterator[None]:
        events.append("enter c")
        yield
        events.append("exit c")

    app = FastAPI()

    @app.get("/")
    def endpoint(b: Annotated[None, Depends(dep_b)], c: Annotated[None, Depends(dep_c)]) -> None:
        events.append("endpoint")

    TestClient(app).get("/")
    assert events == ["enter a", "enter b", "enter c", "endpoint", "exit c", "exit b", "exit a"]


def test_yield_dependency_sees_http_exception_from_endpoint() -> None:
    seen: list[str] = []

    def guarded() -> Iterator[None]:
        try:
            yield
        except HTTPException as exc:
            seen.append(f"saw {exc.status_code}")
            raise

    app = FastAPI()

    @app.get("/")
    def endpoint(_: Annotated[None, Depends(guarded)]) -> None:
        raise HTTPException(status_code=404, detail="nothing")

    response = TestClient(app).get("/")
    assert response.status_code == 404
    assert response.json() == {"detail": "nothing"}
    assert seen == ["saw 404"]


def test_yield_dependency_finally_runs_after_unhandled_error() -> None:
    events: list[str] = []

    def resource() -> Iterator[None]:
        try:
            yield
        finally:
            events.append("cleaned")

    app = FastAPI()

    @app.get("/")
    def endpoint(_: Annotated[None, Depends(resource)]) -> None:
        raise RuntimeError("endpoint failed")

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert events == ["cleaned"]


def test_yield_dependency_can_translate_exception_into_http_error() -> None:
    class DatabaseError(Exception):
        pass

    def session() -> Iterator[None]:
        try:
            yield
        except DatabaseError:
            raise HTTPException(status_code=503, detail="database unavailable") from None

    app = FastAPI()

    @app.get("/")
    def endpoint(_: Annotated[None, Depends(session)]) -> None:
        raise DatabaseError()

    response = TestClient(app).get("/")
    assert response.status_code == 503
    assert response.json() == {"detail": "database unavailable"}


def test_yield_dependency_swallowing_exception_is_an_error() -> None:
    class Oops(Exception):
        pass

    def swallow() -> Iterator[None]:
        try:
            yield
        except Oops:
            pass

    app = FastAPI()

    @app.get("/")
    def endpoint(_: Annotated[None, Depends(swallow)]) -> None:
        raise Oops()

    with pytest.raises(FastAPIError, match="dependency with yield"):
        TestClient(app).get("/")


def test_yield_dependency_setup_http_exception_skips_endpoint() -> None:
    events: list[str] = []

    def check() -> Iterator[None]:
        raise HTTPException(status_code=401, detail="denied")
        yield  # pragma: no cover

    app = FastAPI()

    @app.get("/")
    def endpoint(_: Annotated[None, Depends(check)]) -> None:  # pragma: no cover
        events.append("endpoint")

    response = TestClient(app).get("/")
    assert response.status_code == 401
    assert events == []


def test_yield_dependency_cleanup_runs_when_validation_fails() -> None:
    events: list[str] = []

    def resource() -> Iterator[None]:
        events.append("open")
        try:
            yield
        finally:
            events.append("close")

    app = FastAPI()

    @app.get("/")
    def endpoint(_: Annotated[None, Depends(resource)], n: int) -> None:  # pragma: no cover
        events.append("endpoint")

    assert TestClient(app).get("/?n=bad").status_code == 422
    assert events == ["open", "close"]


def test_default_yield_scope_exits_after_response_is_sent() -> None:
    events: list[str] = []

    def resource() -> Iterator[None]:
        yield
        events.append("dependency exited")

    app = FastAPI()
    app.add_middleware(MessageLog, events=events)
    app.get("/")(lambda _=Depends(resource): "ok")

    TestClient(app).get("/")
    assert events == ["response started", "response finished", "dependency exited", "app returned"]


def test_request_scope_yield_exits_after_response_is_sent() -> None:
    events: list[str] = []

    def resource() -> Iterator[None]:
        yield
        events.append("dependency exited")

    app = FastAPI()
    app.add_middleware(MessageLog, events=events)
    app.get("/")(lambda _=Depends(resource, scope="request"): "ok")

    TestClient(app).get("/")
    assert events.index("dependency exited") > events.index("response finished")


def test_function_scope_yield_exits_before_response_is_sent() -> None:
    events: list[str] = []

    def resource() -> Iterator[None]:
        yield
        events.append("dependency exited")

    app = FastAPI()
    app.add_middleware(MessageLog, events=events)
    app.get("/")(lambda _=Depends(resource, scope="function"): "ok")

    TestClient(app).get("/")
    assert events == ["dependency exited", "response started", "response finished", "app returned"]


class Connection:
    def __init__(self) -> None:
        self.open = True

    def report(self) -> Iterator[str]:
        """Stream the connection state as it is while the body is being sent."""
        yield f"open={self.open}"


def open_connection() -> Iterator[Connection]:
    connection = Connection()
    yield connection
    connection.open = False


def test_streaming_response_sees_request_scope_dependency_still_open() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint(conn: Annotated[Connection, Depends(open_connection, scope="request")]) -> StreamingResponse:
        return StreamingResponse(conn.report())

    assert TestClient(app).get("/").text == "open=True"


def test_streaming_response_sees_function_scope_dependency_closed() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint(conn: Annotated[Connection, Depends(open_connection, scope="function")]) -> StreamingResponse:
        return StreamingResponse(conn.report())

    assert TestClient(app).get("/").text == "open=False"


def test_function_scope_error_after_yield_becomes_the_response() -> None:
    def fails_on_exit() -> Iterator[None]:
        yield
        raise HTTPException(status_code=503, detail="exit failed")

    app = FastAPI()
    app.get("/", dependencies=[Depends(fails_on_exit, scope="function")])(lambda: "ok")

    response = TestClient(app).get("/")
    assert response.status_code == 503
    assert response.json() == {"detail": "exit failed"}


def test_request_scope_dependency_cannot_depend_on_function_scope() -> None:
    def inner() -> Iterator[None]:  # pragma: no cover
        yield

    def outer(_: Annotated[None, Depends(inner, scope="function")]) -> Iterator[None]:  # pragma: no cover
        yield

    app = FastAPI()
    with pytest.raises(FastAPIError, match='The dependency "outer" has a scope of "request"'):
        app.get("/")(lambda _=Depends(outer): None)


def test_cached_yield_dependency_is_entered_and_exited_once() -> None:
    events: list[str] = []

    def resource() -> Iterator[str]:
        events.append("enter")
        yield "shared"
        events.append("exit")

    def user(r: Annotated[str, Depends(resource)]) -> str:
        return r

    app = FastAPI()

    @app.get("/")
    def endpoint(a: Annotated[str, Depends(resource)], b: Annotated[str, Depends(user)]) -> list[str]:
        return [a, b]

    assert TestClient(app).get("/").json() == ["shared", "shared"]
    assert events == ["enter", "exit"]


def test_uncached_yield_dependency_is_entered_each_time() -> None:
    events: list[str] = []
    counter = iter(range(100))

    def resource() -> Iterator[int]:
        number = next(counter)
        events.append(f"enter {number}")
        yield number
        events.append(f"exit {number}")

    app = FastAPI()

    @app.get("/")
    def endpoint(
        a: Annotated[int, Depends(resource)], b: Annotated[int, Depends(resource, use_cache=False)]
    ) -> list[int]:
        return [a, b]

    assert TestClient(app).get("/").json() == [0, 1]
    assert events == ["enter 0", "enter 1", "exit 1", "exit 0"]


def test_request_scope_error_after_yield_leaves_sent_response_intact() -> None:
    def fails_on_exit() -> Iterator[None]:
        yield
        raise HTTPException(status_code=503, detail="too late")

    app = FastAPI()
    app.get("/", dependencies=[Depends(fails_on_exit, scope="request")])(lambda: {"status": "ok"})

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_error_after_yield_is_raised_to_the_server() -> None:
    def broken() -> Iterator[None]:
        yield
        raise ValueError("broken after yield")

    app = FastAPI()
    app.get("/", dependencies=[Depends(broken)])(lambda: "sent")

    with pytest.raises(ValueError, match="broken after yield"):
        TestClient(app).get("/")


def test_async_generator_dependency_with_sync_endpoint() -> None:
    events: list[str] = []

    async def resource() -> AsyncIterator[str]:
        events.append("enter")
        yield "value"
        events.append("exit")

    app = FastAPI()

    @app.get("/")
    def endpoint(v: Annotated[str, Depends(resource)]) -> str:
        return v

    assert TestClient(app).get("/").json() == "value"
    assert events == ["enter", "exit"]


def test_yield_dependency_exception_handled_by_custom_handler() -> None:
    class Boom(Exception):
        pass

    events: list[str] = []

    def resource() -> Iterator[None]:
        try:
            yield
        except Boom:
            events.append("dependency saw boom")
            raise

    app = FastAPI()
    app.add_exception_handler(Boom, lambda request, exc: JSONResponse({"handled": True}, status_code=409))

    @app.get("/")
    def endpoint(_: Annotated[None, Depends(resource)]) -> None:
        raise Boom()

    response = TestClient(app).get("/")
    assert response.status_code == 409
    assert response.json() == {"handled": True}
    assert events == ["dependency saw boom"]


def test_earlier_yield_dependency_sees_error_from_later_dependency_setup() -> None:
    events: list[str] = []

    def outer() -> Iterator[None]:
        try:
            yield
        except HTTPException as exc:
            events.append(f"outer saw {exc.status_code}")
            raise

    def failing() -> None:
        raise HTTPException(status_code=403, detail="no")

    app = FastAPI()

    @app.get("/")
    def endpoint(a: Annotated[None, Depends(outer)], b: Annotated[None, Depends(failing)]) -> None:  # pragma: no cover
        events.append("endpoint")

    assert TestClient(app).get("/").status_code == 403
    assert events == ["outer saw 403"]


def recording_dependency(events: list[str], name: str) -> Any:
    def dependency() -> Iterator[str]:
        events.append(f"enter {name}")
        try:
            yield name
        except Exception as exc:
            events.append(f"{name} saw {type(exc).__name__}")
            raise
        finally:
            events.append(f"exit {name}")

    return dependency


def test_function_scope_dependencies_exit_before_request_scope_ones() -> None:
    events: list[str] = []
    app = FastAPI()

    @app.get("/")
    def endpoint(
        a: Annotated[str, Depends(recording_dependency(events, "function"), scope="function")],
        b: Annotated[str, Depends(recording_dependency(events, "request"), scope="request")],
        c: Annotated[str, Depends(recording_dependency(events, "default"))],
    ) -> list[str]:
        events.append("endpoint")
        return [a, b, c]

    assert TestClient(app).get("/").json() == ["function", "request", "default"]
    assert events == [
        "enter function",
        "enter request",
        "enter default",
        "endpoint",
        "exit function",
        "exit default",
        "exit request",
    ]


def test_endpoint_error_reaches_function_scope_before_request_scope() -> None:
    events: list[str] = []
    app = FastAPI()

    @app.get("/")
    def endpoint(
        a: Annotated[str, Depends(recording_dependency(events, "function"), scope="function")],
        b: Annotated[str, Depends(recording_dependency(events, "request"), scope="request")],
    ) -> None:
        raise HTTPException(status_code=418, detail="teapot")

    assert TestClient(app).get("/").status_code == 418
    assert events == [
        "enter function",
        "enter request",
        "function saw HTTPException",
        "exit function",
        "request saw HTTPException",
        "exit request",
    ]


def test_background_tasks_run_between_function_and_request_scope_exits() -> None:
    events: list[str] = []
    app = FastAPI()

    @app.get("/")
    def endpoint(
        tasks: BackgroundTasks,
        a: Annotated[str, Depends(recording_dependency(events, "function"), scope="function")],
        b: Annotated[str, Depends(recording_dependency(events, "request"), scope="request")],
    ) -> None:
        tasks.add_task(events.append, "task")

    TestClient(app).get("/")
    assert events == ["enter function", "enter request", "exit function", "task", "exit request"]


def test_plain_dependency_may_use_a_function_scope_dependency() -> None:
    events: list[str] = []

    def uses_it(value: Annotated[str, Depends(recording_dependency(events, "inner"), scope="function")]) -> str:
        return value + "+plain"

    app = FastAPI()

    @app.get("/")
    def endpoint(value: Annotated[str, Depends(uses_it)]) -> str:
        events.append("endpoint")
        return value

    assert TestClient(app).get("/").json() == "inner+plain"
    assert events == ["enter inner", "endpoint", "exit inner"]


# --- router / app dependencies ------------------------------------------------------------


def test_app_dependencies_apply_to_every_route() -> None:
    def require_key(x_key: Annotated[str, Header()]) -> None:
        if x_key != "secret":
            raise HTTPException(status_code=403, detail="bad key")

    app = FastAPI(dependencies=[Depends(require_key)])
    app.get("/a")(lambda: "a")
    router = APIRouter()
    router.get("/b")(lambda: "b")
    app.include_router(router)
    client = TestClient(app)

    assert client.get("/a", headers={"x-key": "secret"}).json() == "a"
    assert client.get("/b", headers={"x-key": "secret"}).json() == "b"
    assert client.get("/a", headers={"x-key": "wrong"}).status_code == 403
    assert client.get("/b").status_code == 422


def test_decorator_dependencies_value_is_not_passed_to_endpoint() -> None:
    app = FastAPI()

    @app.get("/", dependencies=[Depends(lambda: "ignored")])
    def endpoint() -> str:
        return "no args"

    assert TestClient(app).get("/").json() == "no args"


def test_router_yield_dependency_wraps_route() -> None:
    events: list[str] = []

    def session() -> Iterator[None]:
        events.append("start")
        yield
        events.append("end")

    router = APIRouter(dependencies=[Depends(session)])
    router.get("/")(lambda: events.append("endpoint"))
    app = FastAPI()
    app.include_router(router)

    TestClient(app).get("/")
    assert events == ["start", "endpoint", "end"]


# --- dependency_overrides ------------------------------------------------------------------


def real_user() -> str:
    return "real"


def test_dependency_override_replaces_dependency() -> None:
    app = FastAPI()
    app.get("/")(lambda user=Depends(real_user): user)
    client = TestClient(app)

    assert client.get("/").json() == "real"
    app.dependency_overrides[real_user] = lambda: "fake"
    assert client.get("/").json() == "fake"
    app.dependency_overrides.clear()
    assert client.get("/").json() == "real"


def test_dependency_override_changed_between_requests() -> None:
    app = FastAPI()
    app.get("/")(lambda user=Depends(real_user): user)
    client = TestClient(app)

    app.dependency_overrides[real_user] = lambda: "first"
    assert client.get("/").json() == "first"
    app.dependency_overrides[real_user] = lambda: "second"
    assert client.get("/").json() == "second"


def test_dependency_override_uses_its_own_parameters() -> None:
    def needs_nothing() -> str:
        return "original"

    def override(q: str) -> str:
        return f"override {q}"

    app = FastAPI()
    app.get("/")(lambda v=Depends(needs_nothing): v)
    app.dependency_overrides[needs_nothing] = override
    client = TestClient(app)

    assert client.get("/?q=x").json() == "override x"
    error = client.get("/").json()["detail"][0]
    assert error["loc"] == ["query", "q"]


def test_dependency_override_applies_to_sub_dependencies() -> None:
    def inner() -> str:
        return "inner"

    def outer(v: Annotated[str, Depends(inner)]) -> str:
        return f"outer({v})"

    app = FastAPI()
    app.get("/")(lambda v=Depends(outer): v)
    app.dependency_overrides[inner] = lambda: "replaced"

    assert TestClient(app).get("/").json() == "outer(replaced)"


def test_dependency_override_applies_to_router_dependencies() -> None:
    calls: list[str] = []

    def guard() -> None:
        raise HTTPException(status_code=403)

    router = APIRouter(dependencies=[Depends(guard)])
    router.get("/")(lambda: "passed")
    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)

    assert client.get("/").status_code == 403
    app.dependency_overrides[guard] = lambda: calls.append("override")
    assert client.get("/").json() == "passed"
    assert calls == ["override"]


def test_dependency_override_with_yield_override() -> None:
    events: list[str] = []

    def override() -> Iterator[str]:
        events.append("setup")
        yield "yielded override"
        events.append("teardown")

    app = FastAPI()
    app.get("/")(lambda v=Depends(real_user): v)
    app.dependency_overrides[real_user] = override

    assert TestClient(app).get("/").json() == "yielded override"
    assert events == ["setup", "teardown"]


def test_dependency_override_of_included_router_route() -> None:
    router = APIRouter()
    router.get("/r")(lambda v=Depends(real_user): v)
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[real_user] = lambda: "overridden in router"

    assert TestClient(app).get("/r").json() == "overridden in router"


def test_replacing_the_overrides_dict_takes_effect() -> None:
    app = FastAPI()
    app.get("/")(lambda user=Depends(real_user): user)
    client = TestClient(app)

    assert client.get("/").json() == "real"
    app.dependency_overrides = {real_user: lambda: "new dict"}
    assert client.get("/").json() == "new dict"


def test_overrides_are_per_application_for_a_shared_router() -> None:
    router = APIRouter()
    router.get("/who")(lambda user=Depends(real_user): user)
    first, second = FastAPI(), FastAPI()
    first.include_router(router)
    second.include_router(router)
    first.dependency_overrides[real_user] = lambda: "first app override"

    assert TestClient(first).get("/who").json() == "first app override"
    assert TestClient(second).get("/who").json() == "real"


# --- Security and SecurityScopes -------------------------------------------------------------


def test_security_scopes_collect_scopes_from_dependants() -> None:
    def current_scopes(security_scopes: SecurityScopes) -> list[str]:
        return security_scopes.scopes

    def user(scopes: Annotated[list[str], Security(current_scopes, scopes=["me"])]) -> list[str]:
        return scopes

    app = FastAPI()

    @app.get("/")
    def endpoint(scopes: Annotated[list[str], Security(user, scopes=["items"])]) -> list[str]:
        return scopes

    assert TestClient(app).get("/").json() == ["items", "me"]


def test_security_scopes_scope_str_is_space_separated() -> None:
    def scope_str(security_scopes: SecurityScopes) -> str:
        return security_scopes.scope_str

    app = FastAPI()

    @app.get("/")
    def endpoint(value: Annotated[str, Security(scope_str, scopes=["read", "write"])]) -> str:
        return value

    assert TestClient(app).get("/").json() == "read write"


def test_security_scopes_empty_without_security() -> None:
    def scopes(security_scopes: SecurityScopes) -> list[str]:
        return security_scopes.scopes

    app = FastAPI()
    app.get("/")(lambda s=Depends(scopes): s)

    assert TestClient(app).get("/").json() == []


def test_security_with_different_scopes_is_not_shared_from_cache() -> None:
    calls: list[list[str]] = []

    def check(security_scopes: SecurityScopes) -> list[str]:
        calls.append(security_scopes.scopes)
        return security_scopes.scopes

    app = FastAPI()

    @app.get("/")
    def endpoint(
        a: Annotated[list[str], Security(check, scopes=["a"])], b: Annotated[list[str], Security(check, scopes=["b"])]
    ) -> list[list[str]]:
        return [a, b]

    assert TestClient(app).get("/").json() == [["a"], ["b"]]
    assert calls == [["a"], ["b"]]


def test_security_scopes_of_router_dependencies() -> None:
    seen: list[list[str]] = []

    def check(security_scopes: SecurityScopes) -> None:
        seen.append(security_scopes.scopes)

    router = APIRouter(dependencies=[Security(check, scopes=["admin"])])
    router.get("/")(lambda: "ok")
    app = FastAPI()
    app.include_router(router)

    TestClient(app).get("/")
    assert seen == [["admin"]]


def test_plain_sub_dependency_of_security_sees_parent_scopes() -> None:
    def scopes(security_scopes: SecurityScopes) -> list[str]:
        return security_scopes.scopes

    def middle(
        own: Annotated[list[str], Security(scopes, scopes=["inner"])], inherited: Annotated[list[str], Depends(scopes)]
    ) -> dict[str, list[str]]:
        return {"own": own, "inherited": inherited}

    app = FastAPI()

    @app.get("/")
    def endpoint(value: Annotated[dict[str, list[str]], Security(middle, scopes=["outer"])]) -> Any:
        return value

    assert TestClient(app).get("/").json() == {"own": ["outer", "inner"], "inherited": ["outer"]}


def test_dependency_used_by_many_routes_reads_each_routes_path_parameters() -> None:
    def item(item_id: int) -> int:
        return item_id

    app = FastAPI()
    app.get("/items/{item_id}")(lambda value=Depends(item): {"value": value})
    app.get("/items")(lambda value=Depends(item): {"value": value})
    client = TestClient(app)

    assert client.get("/items/3").json() == {"value": 3}
    assert client.get("/items", params={"item_id": 4}).json() == {"value": 4}
    operations = app.openapi()["paths"]
    assert operations["/items/{item_id}"]["get"]["parameters"][0]["in"] == "path"
    assert operations["/items"]["get"]["parameters"][0]["in"] == "query"


def test_dependency_used_with_different_security_scopes_sees_each_routes_scopes() -> None:
    def scopes(security_scopes: SecurityScopes) -> list[str]:
        return security_scopes.scopes

    def user(value: Annotated[list[str], Depends(scopes)]) -> list[str]:
        return value

    router = APIRouter()
    router.get("/read")(lambda value=Security(user, scopes=["read"]): value)
    router.get("/write")(lambda value=Security(user, scopes=["write"]): value)
    app = FastAPI()
    app.include_router(router, prefix="/a")
    app.include_router(router, prefix="/b", dependencies=[Security(user, scopes=["admin"])])
    client = TestClient(app)

    assert client.get("/a/read").json() == ["read"]
    assert client.get("/b/write").json() == ["write"]


# --- background tasks ------------------------------------------------------------------------


def test_background_task_runs_after_response() -> None:
    events: list[str] = []

    app = FastAPI()
    app.add_middleware(MessageLog, events=events)

    @app.post("/")
    def endpoint(tasks: BackgroundTasks) -> str:
        tasks.add_task(events.append, "task ran")
        return "queued"

    assert TestClient(app).post("/").json() == "queued"
    assert events == ["response started", "response finished", "task ran", "app returned"]


def test_background_tasks_receive_arguments_and_run_in_order() -> None:
    log: list[str] = []

    async def async_task(message: str, *, suffix: str) -> None:
        log.append(message + suffix)

    app = FastAPI()

    @app.post("/")
    async def endpoint(tasks: BackgroundTasks) -> None:
        tasks.add_task(log.append, "sync")
        tasks.add_task(async_task, "async", suffix="!")

    TestClient(app).post("/")
    assert log == ["sync", "async!"]


def test_background_tasks_from_dependency_and_endpoint_share_one_queue() -> None:
    log: list[str] = []

    def audit(tasks: BackgroundTasks, q: str = "none") -> str:
        tasks.add_task(log.append, f"audit {q}")
        return q

    app = FastAPI()

    @app.get("/")
    def endpoint(tasks: BackgroundTasks, q: Annotated[str, Depends(audit)]) -> str:
        tasks.add_task(log.append, "endpoint")
        return q

    TestClient(app).get("/?q=x")
    assert log == ["audit x", "endpoint"]


def test_background_tasks_run_before_request_scope_yield_dependency_exits() -> None:
    log: list[str] = []

    def resource() -> Iterator[None]:
        yield
        log.append("dependency exit")

    app = FastAPI()

    @app.get("/")
    def endpoint(tasks: BackgroundTasks, _: Annotated[None, Depends(resource)]) -> None:
        tasks.add_task(log.append, "task")

    TestClient(app).get("/")
    assert log == ["task", "dependency exit"]


def test_background_tasks_not_run_when_response_returned_with_own_background() -> None:
    log: list[str] = []
    app = FastAPI()

    @app.get("/")
    def endpoint(tasks: BackgroundTasks) -> JSONResponse:
        tasks.add_task(log.append, "injected")
        return JSONResponse({}, background=BackgroundTask(log.append, "own"))

    TestClient(app).get("/")
    assert log == ["own"]


# --- threadpool ------------------------------------------------------------------------------


def test_sync_endpoint_runs_outside_event_loop_thread() -> None:
    async def on_loop() -> int:
        return threading.get_ident()

    app = FastAPI()

    @app.get("/")
    def endpoint(loop_ident: Annotated[int, Depends(on_loop)]) -> bool:
        return threading.get_ident() != loop_ident

    assert TestClient(app).get("/").json() is True


def test_sync_dependency_runs_outside_event_loop_thread() -> None:
    def sync_dep() -> int:
        return threading.get_ident()

    app = FastAPI()

    @app.get("/")
    async def endpoint(dep_ident: Annotated[int, Depends(sync_dep)]) -> bool:
        return threading.get_ident() != dep_ident

    assert TestClient(app).get("/").json() is True


def test_async_endpoint_runs_on_event_loop_thread() -> None:
    async def on_loop() -> int:
        return threading.get_ident()

    app = FastAPI()

    @app.get("/")
    async def endpoint(loop_ident: Annotated[int, Depends(on_loop)]) -> bool:
        return threading.get_ident() == loop_ident

    assert TestClient(app).get("/").json() is True


def test_sync_generator_dependency_runs_outside_event_loop_thread() -> None:
    async def on_loop() -> int:
        return threading.get_ident()

    def sync_gen() -> Iterator[int]:
        yield threading.get_ident()

    app = FastAPI()

    @app.get("/")
    async def endpoint(
        loop_ident: Annotated[int, Depends(on_loop)], gen_ident: Annotated[int, Depends(sync_gen)]
    ) -> bool:
        return gen_ident != loop_ident

    assert TestClient(app).get("/").json() is True


# --- per-request isolation ----------------------------------------------------------------


def test_concurrent_requests_keep_their_own_dependency_values() -> None:
    async def slow_echo(value: int) -> int:
        await anyio.sleep(0.001 * (value % 3))
        return value

    app = FastAPI()

    @app.get("/")
    async def endpoint(
        response: Response,
        tasks: BackgroundTasks,
        echoed: Annotated[int, Depends(slow_echo)],
        value: int,
    ) -> list[int]:
        await anyio.sleep(0)
        response.headers["x-value"] = str(value)
        return [echoed, value]

    async def run_all() -> list[Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            responses = await asyncio.gather(*(client.get(f"/?value={n}") for n in range(30)))
        return [(r.json(), r.headers["x-value"]) for r in responses]

    results = asyncio.run(run_all())
    assert results == [([n, n], str(n)) for n in range(30)]



def annotated(*args: Any) -> Any:
    """``Annotated[args]`` made anew: ``typing`` hands back an earlier equal ``Annotated`` from
    its cache, which libraries that rewrite annotations avoid by building them this way."""
    return typing._AnnotatedAlias(args[0], args[1:])  # type: ignore[attr-defined]


class EqualToWhatItWraps:
    """A dependency wrapper that compares equal to the callable it wraps (so that an override
    of the original also applies to it) but declares a different parameter."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def __call__(self, limit: int) -> int:
        return limit

    def __eq__(self, other: object) -> bool:
        return other is self.wrapped or other is self

    def __hash__(self) -> int:
        return hash(self.wrapped)


def test_annotated_dependency_equal_to_another_is_still_the_one_called() -> None:
    def original(name: str = "default") -> str:
        return name

    app = FastAPI()

    def by_original(value: Any) -> Any:
        return value

    def by_wrapper(value: Any) -> Any:
        return value

    by_original.__annotations__["value"] = annotated(Any, Depends(original))
    by_wrapper.__annotations__["value"] = annotated(Any, Depends(EqualToWhatItWraps(original)))
    assert by_original.__annotations__ == by_wrapper.__annotations__
    app.get("/original")(by_original)
    app.get("/wrapped")(by_wrapper)

    client = TestClient(app)
    assert client.get("/original").json() == "default"
    assert client.get("/wrapped", params={"limit": "3"}).json() == 3
    assert client.get("/wrapped").status_code == 422


class MetadataWhoseEqualityRaises:
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("not comparable")

    def __hash__(self) -> int:
        return 1


def test_annotated_metadata_that_cannot_be_compared_is_accepted_on_many_endpoints() -> None:
    def get_value(value: int = 1) -> int:
        return value

    app = FastAPI()
    for path in ("/a", "/b"):

        def endpoint(value: int) -> int:
            return value

        endpoint.__annotations__["value"] = annotated(int, Depends(get_value), MetadataWhoseEqualityRaises())
        app.get(path)(endpoint)

    client = TestClient(app)
    assert [client.get(path, params={"value": "5"}).json() for path in ("/a", "/b")] == [5, 5]


# A module written with postponed annotations: every annotation is a string, evaluated in
# this module's globals only, and Decimal exists there only for type checkers.
POSTPONED_MODULE = '''
from __future__ import annotations
import functools
from typing import TYPE_CHECKING
from pydantic import BaseModel
if TYPE_CHECKING:
    from decimal import Decimal

class Payload(BaseModel):
    foo: str

def get_body(body: Payload) -> Payload:
    return body

def get_body_quoted_twice(body: "Payload") -> Payload:
    return body

def get_limit_typed_for_checkers(limit: int) -> Decimal:
    return limit

def get_body_typed_for_checkers(body: Payload) -> Decimal:
    return body

def get_amount(amount: Decimal) -> str:
    return str(amount)
'''


def postponed_module() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "postponed"}
    exec(POSTPONED_MODULE, namespace)  # noqa: S102
    return namespace


class FunctionLike:
    """A duck type of a function (as compiled functions are), carrying another module's globals."""

    def __init__(self, function: Any) -> None:
        self.function = function
        for name in ("__name__", "__code__", "__defaults__", "__kwdefaults__", "__annotations__", "__globals__"):
            setattr(self, name, getattr(function, name))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


def postponed_app() -> TestClient:
    module = postponed_module()
    app = FastAPI()

    @app.get("/limit")
    def limit(value: Annotated[Any, Depends(module["get_limit_typed_for_checkers"])]) -> Any:
        return value

    @app.get("/amount")
    def amount(value: Annotated[Any, Depends(module["get_amount"])]) -> Any:
        return value

    @app.post("/function-like")
    def function_like(value: Annotated[Any, Depends(FunctionLike(module["get_body"]))]) -> Any:
        return value

    @app.post("/quoted-twice")
    def quoted_twice(value: Annotated[Any, Depends(module["get_body_quoted_twice"])]) -> Any:
        return value

    @app.post("/partial")
    def partial(value: Annotated[Any, Depends(functools.partial(module["get_body"]))]) -> Any:
        return value

    @app.post("/partial-typed-for-checkers")
    def partial_typed(value: Annotated[Any, Depends(functools.partial(module["get_body_typed_for_checkers"]))]) -> Any:
        return value

    return TestClient(app)


def test_a_return_annotation_only_for_type_checkers_leaves_the_parameters_resolved() -> None:
    client = postponed_app()
    assert client.get("/limit", params={"limit": "5"}).json() == 5
    assert client.get("/limit", params={"limit": "five"}).status_code == 422


def test_a_parameter_typed_only_for_type_checkers_is_declared_and_read_from_the_query() -> None:
    response = postponed_app().get("/amount")
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", "amount"]]


def test_string_annotations_resolve_where_the_callable_says_its_globals_are() -> None:
    client = postponed_app()
    for path in ("/function-like", "/quoted-twice", "/partial"):
        assert client.post(path, json={"foo": "bar"}).json() == {"foo": "bar"}, path


def test_a_partial_whose_function_names_a_type_checker_import_keeps_its_models_unresolved() -> None:
    # The partial carries no globals of its own, so "Payload" cannot be looked up once the
    # annotations cannot all be evaluated together: the parameter is read as a query value.
    response = postponed_app().post("/partial-typed-for-checkers", json={"foo": "bar"})
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", "body"]]
