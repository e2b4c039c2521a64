"""The route's own ASGI app, called the way an ASGI server calls it (a plain asyncio task,
no AnyIO cancel scope around the request) and through the test client (inside one).

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Annotated, Any

import pytest
from asgi_calls import run, scope_for
from pydantic import BaseModel
from starlette.types import Message

from nimbleapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response
from nimbleapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from nimbleapi.exceptions import FastAPIError, RequestValidationError
from nimbleapi.responses import JSONResponse, StreamingResponse
from nimbleapi.routing import APIRoute
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float


class PublicItem(BaseModel):
    name: str


JSON_HEADERS = [(b"content-type", b"application/json")]


def header(answer: Any, name: bytes) -> list[bytes]:
    return [value for key, value in answer.headers if key == name]


# ---------------------------------------------------------------- plain JSON answers


def test_untyped_answer_has_json_response_headers_and_body() -> None:
    app = FastAPI()

    @app.get("/")
    async def hello() -> Any:
        return {"message": "Hello, World!", "ratio": 0.5}

    answer = run(app, "GET", "/")
    expected = JSONResponse({"message": "Hello, World!", "ratio": 0.5})
    assert answer.status == 200
    assert answer.headers == expected.raw_headers
    assert answer.body == expected.body


def test_response_model_answer_drops_undeclared_fields_with_the_declared_status() -> None:
    app = FastAPI()

    @app.post("/items", response_model=PublicItem, status_code=201)
    async def create(item: Item) -> Any:
        return item

    answer = run(app, "POST", "/items", b'{"name": "chair", "price": 2.5}', headers=JSON_HEADERS)
    assert answer.status == 201
    assert answer.body == b'{"name":"chair"}'
    assert header(answer, b"content-length") == [b"16"]


def test_sub_response_status_and_headers_apply_to_a_plain_answer() -> None:
    app = FastAPI()

    @app.get("/")
    async def endpoint(response: Response) -> Any:
        response.status_code = 202
        response.headers["x-extra"] = "1"
        return {"ok": True}

    answer = run(app, "GET", "/")
    assert (answer.status, answer.json(), header(answer, b"x-extra")) == (202, {"ok": True}, [b"1"])


def test_query_values_with_escapes_repeats_and_blanks() -> None:
    app = FastAPI()

    @app.get("/")
    async def endpoint(q: str, n: int = 1, empty: str | None = None) -> Any:
        return {"q": q, "n": n, "empty": empty}

    answer = run(app, "GET", "/", query=b"q=a%20b+c&n=1&n=7&empty=")
    assert answer.json() == {"q": "a b c", "n": 7, "empty": ""}


def test_header_parameter_reads_the_first_header_of_that_name() -> None:
    app = FastAPI()

    @app.get("/")
    async def endpoint(x_token: Annotated[str, Header()]) -> Any:
        return {"token": x_token}

    answer = run(app, "GET", "/", headers=[(b"x-token", b"first"), (b"x-token", b"second")])
    assert answer.json() == {"token": "first"}


# ---------------------------------------------------------------- errors and their handlers


def test_default_validation_answer_matches_the_default_handler() -> None:
    def build(wrap: bool) -> FastAPI:
        app = FastAPI()
        if wrap:  # a handler of the user's own that delegates: the slow path, for comparison

            @app.exception_handler(RequestValidationError)
            async def delegate(request: Request, exc: RequestValidationError) -> Response:
                return await request_validation_exception_handler(request, exc)

        @app.get("/items/{item_id}")
        async def read(item_id: int, limit: Annotated[int, Query(ge=1)] = 10) -> Any:
            return item_id

        return app

    fast, slow = (run(build(wrap), "GET", "/items/abc", query=b"limit=0") for wrap in (False, True))
    assert fast.status == slow.status == 422
    assert (fast.headers, fast.body) == (slow.headers, slow.body)
    assert [error["loc"] for error in fast.json()["detail"]] == [["path", "item_id"], ["query", "limit"]]


@pytest.mark.parametrize("headers", [None, {"WWW-Authenticate": "Bearer"}])
def test_default_http_exception_answer_matches_the_default_handler(headers: dict[str, str] | None) -> None:
    def build(wrap: bool) -> FastAPI:
        app = FastAPI()
        if wrap:

            @app.exception_handler(HTTPException)
            async def delegate(request: Request, exc: HTTPException) -> Response:
                return await http_exception_handler(request, exc)

        @app.get("/")
        async def endpoint() -> Any:
            raise HTTPException(status_code=403, detail={"reason": "no"}, headers=headers)

        return app

    fast, slow = (run(build(wrap), "GET", "/") for wrap in (False, True))
    assert fast.status == slow.status == 403
    assert (fast.headers, fast.body) == (slow.headers, slow.body)
    assert run(build(False), "GET", "/missing").body == b'{"detail":"Not Found"}'


def test_exception_handler_reads_the_body_the_endpoint_read() -> None:
    app = FastAPI()

    @app.exception_handler(RequestValidationError)
    async def echo_body(request: Request, exc: RequestValidationError) -> Response:
        return Response(b"got " + await request.body(), status_code=418)

    @app.post("/")
    async def endpoint(item: Item) -> Any:
        return item

    answer = run(app, "POST", "/", b'{"name": "x"}', headers=JSON_HEADERS)
    assert (answer.status, answer.body) == (418, b'got {"name": "x"}')


def test_endpoint_request_sees_the_body_read_for_its_parameters() -> None:
    app = FastAPI()

    @app.post("/")
    async def endpoint(item: Item, request: Request) -> Any:
        return {"name": item.name, "raw": (await request.body()).decode()}

    answer = run(app, "POST", "/", b'{"name":"x","price":1}', headers=JSON_HEADERS)
    assert answer.json() == {"name": "x", "raw": '{"name":"x","price":1}'}


def test_unhandled_exception_is_answered_500_and_raised_to_the_server() -> None:
    app = FastAPI()

    @app.get("/")
    async def endpoint() -> Any:
        raise KeyError("boom")

    messages: list[Message] = []
    with pytest.raises(KeyError):
        run_logging(app, messages)
    assert messages[0]["status"] == 500


def test_handled_exception_after_the_response_started_is_not_answered_again() -> None:
    app = FastAPI()

    @app.exception_handler(ValueError)
    async def on_value_error(request: Request, exc: ValueError) -> Response:
        return JSONResponse({"handled": True}, status_code=400)

    @app.get("/")
    async def endpoint() -> Any:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first"
            raise ValueError("mid-stream")

        return StreamingResponse(chunks())

    messages: list[Message] = []
    with pytest.raises(RuntimeError, match="response already started"):
        run_logging(app, messages)
    assert [message.get("status") for message in messages if message["type"] == "http.response.start"] == [200]


def run_logging(app: FastAPI, messages: list[Message]) -> None:
    """``GET /`` from a plain asyncio task, keeping every message sent even when it raises."""

    async def request() -> None:
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(3600)  # the client stays connected
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            messages.append(message)

        await app(scope_for("GET", "/"), receive, send)

    asyncio.run(request())


# ---------------------------------------------------------------- dependencies with yield


def yield_app(log: list[str], *, scope: str | None = None, fail: bool = False) -> FastAPI:
    app = FastAPI()

    async def session() -> AsyncIterator[str]:
        log.append("open")
        try:
            yield "db"
        except ValueError:
            log.append("saw error")
            raise
        finally:
            log.append("close")

    @app.get("/")
    async def endpoint(db: Annotated[str, Depends(session, scope=scope)]) -> Any:  # type: ignore[arg-type]
        if fail:
            raise ValueError("endpoint failed")
        return {"db": db}

    return app


@pytest.mark.parametrize("via", ["server", "test client"])
def test_request_scoped_yield_dependency_closes_after_the_response(via: str) -> None:
    log: list[str] = []
    app = yield_app(log)
    if via == "server":
        assert run(app, "GET", "/", log=log).json() == {"db": "db"}
    else:
        assert TestClient(app).get("/").json() == {"db": "db"}
        log[log.index("close") :] = ["body", "close"]  # the test client does not log sends
    assert log[-2:] == ["body", "close"]


def test_function_scoped_yield_dependency_closes_before_the_response() -> None:
    log: list[str] = []
    assert run(yield_app(log, scope="function"), "GET", "/", log=log).status == 200
    assert log == ["open", "close", "start", "body"]


@pytest.mark.parametrize("via", ["server", "test client"])
def test_endpoint_exception_is_thrown_into_the_yield_dependency(via: str) -> None:
    log: list[str] = []
    app = yield_app(log, fail=True)
    with pytest.raises(ValueError, match="endpoint failed"):
        if via == "server":
            run(app, "GET", "/")
        else:
            TestClient(app).get("/")
    assert log == ["open", "saw error", "close"]


def test_yield_dependency_swallowing_the_exception_is_reported() -> None:
    app = FastAPI()

    async def swallowing() -> AsyncIterator[None]:
        try:
            yield
        except ValueError:
            pass

    @app.get("/")
    async def endpoint(_: Annotated[None, Depends(swallowing)]) -> Any:
        raise ValueError("lost")

    with pytest.raises(FastAPIError, match="Response not awaited"):
        run(app, "GET", "/")


def test_override_installed_mid_request_may_bring_a_yield_dependency() -> None:
    app = FastAPI()
    log: list[str] = []

    def original() -> str:
        return "original"

    async def replacement() -> AsyncIterator[str]:
        log.append("open")
        yield "replacement"
        log.append("close")

    def configure() -> None:
        app.dependency_overrides[original] = replacement

    @app.get("/")
    async def endpoint(_: Annotated[None, Depends(configure)], value: Annotated[str, Depends(original)]) -> Any:
        return {"value": value}

    answer = run(app, "GET", "/", log=log)
    assert answer.json() == {"value": "replacement"}
    assert log == ["open", "start", "body", "close"]


def test_override_of_a_sub_dependency_set_before_the_request() -> None:
    app = FastAPI()

    def token(x_token: Annotated[str, Header()]) -> str:
        return x_token

    def user(t: Annotated[str, Depends(token)]) -> str:
        return "user:" + t

    @app.get("/")
    async def endpoint(u: Annotated[str, Depends(user)]) -> Any:
        return u

    app.dependency_overrides[token] = lambda: "fixed"
    assert run(app, "GET", "/").json() == "user:fixed"
    app.dependency_overrides.clear()
    assert run(app, "GET", "/", headers=[(b"x-token", b"t")]).json() == "user:t"
    assert run(app, "GET", "/").status == 422


def test_sync_generator_dependency_runs_in_the_server_path() -> None:
    app = FastAPI()
    log: list[str] = []

    def session() -> Iterator[str]:
        log.append("open")
        yield "s"
        log.append("close")

    @app.get("/")
    def endpoint(s: Annotated[str, Depends(session)]) -> Any:
        return s

    assert run(app, "GET", "/").json() == "s"
    assert log == ["open", "close"]


# ---------------------------------------------------------------- extension points


def test_custom_route_class_handler_wraps_the_request() -> None:
    class TimedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
                response = await original(request)
                response.headers["x-wrapped"] = "yes"
                return response

            return handler

    router = APIRouter(route_class=TimedRoute)

    @router.get("/")
    async def endpoint() -> Any:
        return {"ok": True}

    app = FastAPI()
    app.include_router(router)
    answer = run(app, "GET", "/")
    assert (answer.json(), header(answer, b"x-wrapped")) == ({"ok": True}, [b"yes"])


def test_patched_request_body_reader_is_used() -> None:
    app = FastAPI()

    @app.post("/")
    async def endpoint(item: Item) -> Any:
        return item.name

    async def read_other(self: Request) -> bytes:
        return json.dumps({"name": "patched", "price": 1}).encode()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Request, "body", read_other)
        answer = run(app, "POST", "/", b"ignored", headers=JSON_HEADERS)
    assert answer.json() == "patched"


class IndentedJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, indent=2).encode()


def test_app_default_response_class_renders_typed_and_untyped_answers() -> None:
    app = FastAPI(default_response_class=IndentedJSON)

    @app.get("/typed", response_model=PublicItem)
    async def typed() -> Any:
        return {"name": "x", "price": 1.0}

    @app.get("/untyped")
    async def untyped() -> Any:
        return {"ratio": 1e16}

    assert run(app, "GET", "/typed").body == IndentedJSON({"name": "x"}).body
    assert run(app, "GET", "/untyped").body == IndentedJSON({"ratio": 1e16}).body


@pytest.mark.parametrize("via", ["server", "test client"])
def test_yield_dependency_yielding_twice_is_an_error(via: str) -> None:
    app = FastAPI()
    log: list[str] = []

    async def twice() -> AsyncIterator[None]:
        yield
        log.append("after first")
        yield
        log.append("never")

    @app.get("/")
    async def endpoint(_: Annotated[None, Depends(twice)]) -> Any:
        return "ok"

    with pytest.raises(RuntimeError, match="generator didn't stop"):
        if via == "server":
            run(app, "GET", "/")
        else:
            TestClient(app).get("/")
    assert log == ["after first"]
