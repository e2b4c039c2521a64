"""``scope["fastapi_middleware_astack"]``: one exit stack per request, left before the
exception handlers answer, with and without user middleware."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse, Response

from nimbleapi import FastAPI, Request, UploadFile, WebSocket
from nimbleapi.testclient import TestClient

STACK_KEY = "fastapi_middleware_astack"


async def passthrough(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    return await call_next(request)


def make_app(with_user_middleware: bool, events: list[str]) -> FastAPI:
    app = FastAPI()
    if with_user_middleware:
        app.add_middleware(BaseHTTPMiddleware, dispatch=passthrough)

    @app.exception_handler(KeyError)
    async def on_key_error(request: Request, exc: KeyError) -> JSONResponse:
        events.append(f"handler {exc}")
        return JSONResponse({"error": str(exc)}, status_code=409)

    @asynccontextmanager
    async def transaction(replace_error: bool) -> AsyncIterator[None]:
        try:
            yield
        except ValueError as exc:
            events.append(f"exit saw {exc}")
            if replace_error:
                raise KeyError("replaced") from None
            raise
        else:
            events.append("exit saw success")

    @app.get("/items")
    async def items(request: Request, fail: bool = False, replace: bool = False) -> dict[str, bool]:
        stack = request.scope[STACK_KEY]
        assert isinstance(stack, AsyncExitStack)
        await stack.enter_async_context(transaction(replace))

        async def closed() -> None:
            events.append("callback")

        stack.push_async_callback(closed)
        if fail:
            raise ValueError("endpoint failed")
        return {"ok": True}

    return app


@pytest.mark.parametrize("with_user_middleware", [False, True])
def test_callbacks_run_after_the_response_in_reverse_order(with_user_middleware: bool) -> None:
    events: list[str] = []
    response = TestClient(make_app(with_user_middleware, events)).get("/items")
    assert response.json() == {"ok": True}
    assert events == ["callback", "exit saw success"]


@pytest.mark.parametrize("with_user_middleware", [False, True])
def test_the_stack_is_left_with_the_endpoint_error_before_a_handler_answers(with_user_middleware: bool) -> None:
    events: list[str] = []
    client = TestClient(make_app(with_user_middleware, events))
    response = client.get("/items", params={"fail": True, "replace": True})
    assert (response.status_code, response.json()) == (409, {"error": "'replaced'"})
    assert events == ["callback", "exit saw endpoint failed", "handler 'replaced'"]


def test_an_error_the_stack_does_not_replace_reaches_the_server_error_boundary() -> None:
    events: list[str] = []
    client = TestClient(make_app(False, events), raise_server_exceptions=False)
    assert client.get("/items", params={"fail": True}).status_code == 500
    assert events == ["callback", "exit saw endpoint failed"]


def test_each_request_gets_its_own_stack() -> None:
    app = FastAPI()
    seen: list[AsyncExitStack] = []

    @app.get("/")
    async def index(request: Request) -> None:
        seen.append(request.scope[STACK_KEY])

    client = TestClient(app)
    client.get("/")
    client.get("/")
    assert len(seen) == 2 and seen[0] is not seen[1]


def test_websockets_get_a_stack_closed_after_the_session() -> None:
    app = FastAPI()
    events: list[str] = []

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        async def closed() -> None:
            events.append("closed")

        websocket.scope[STACK_KEY].push_async_callback(closed)
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    with TestClient(app).websocket_connect("/ws") as session:
        assert session.receive_text() == "hi"
    assert events == ["closed"]


def test_pop_all_moves_the_callbacks_to_a_stack_of_the_same_kind() -> None:
    app = FastAPI()
    events: list[str] = []

    @app.get("/")
    async def index(request: Request) -> None:
        stack = request.scope[STACK_KEY]
        stack.callback(events.append, "moved")
        moved = stack.pop_all()
        assert type(moved) is type(stack)
        await moved.aclose()

    TestClient(app).get("/")
    assert events == ["moved"]


def test_uploads_of_a_form_are_closed_with_the_file_stack() -> None:
    app = FastAPI()

    @app.post("/upload")
    async def upload(request: Request, file: UploadFile) -> dict[str, bool]:
        # What code that leaves the stack early (before the response is sent) closes.
        early = request.scope[STACK_KEY].pop_all()
        open_before = not file.file.closed
        await early.aclose()
        return {"open_before": open_before, "closed_after": file.file.closed}

    response = TestClient(app).post("/upload", files={"file": ("a.txt", b"content")})
    assert response.json() == {"open_before": True, "closed_after": True}
