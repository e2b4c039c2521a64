"""The application's error layers: Starlette's order and shape, answered without wrappers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from asgi_calls import Answer, run
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from nimbleapi import Depends, FastAPI, HTTPException, Request
from nimbleapi.exceptions import RequestValidationError
from nimbleapi.responses import PlainTextResponse, StreamingResponse
from nimbleapi.routing import APIRoute


class SeenExceptions:
    """Pure ASGI middleware recording the exceptions that pass through it."""

    def __init__(self, app: ASGIApp, seen: list[BaseException]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            self.seen.append(exc)
            raise


def make_app(**options: Any) -> FastAPI:
    app = FastAPI(**options)

    @app.get("/forbidden")
    async def forbidden() -> None:
        raise HTTPException(status_code=403, detail="no")

    @app.get("/broken")
    async def broken() -> None:
        raise KeyError("broken")

    return app


def test_stack_keeps_starlettes_shape_for_tools_that_rebuild_it() -> None:
    app = make_app()
    stack = app.build_middleware_stack()
    assert isinstance(stack, ServerErrorMiddleware)
    assert isinstance(stack.app, ExceptionMiddleware)
    assert stack.app.app is app.router


def test_stack_rebuilt_around_its_inner_layers_still_answers() -> None:
    # What OpenTelemetry's FastAPI instrumentation does: take the outer layer's ``.app``
    # and serve it through its own middleware inside a new ServerErrorMiddleware.
    app = make_app()
    seen: list[BaseException] = []
    original = app.build_middleware_stack()
    app.middleware_stack = ServerErrorMiddleware(SeenExceptions(original.app, seen), handler=original.handler)
    assert run(app, "GET", "/forbidden").status == 403
    assert run(app, "GET", "/missing").status == 404
    with pytest.raises(KeyError):
        run(app, "GET", "/broken")
    assert [type(exc) for exc in seen] == [KeyError]


def test_assigning_the_outer_layers_app_routes_requests_through_it() -> None:
    app = make_app()
    seen: list[BaseException] = []
    stack = app.build_middleware_stack()
    assert isinstance(stack, ServerErrorMiddleware)
    stack.app = SeenExceptions(stack.app, seen)
    app.middleware_stack = stack
    with pytest.raises(KeyError):
        run(app, "GET", "/broken")
    assert run(app, "GET", "/forbidden").status == 403
    assert [type(exc) for exc in seen] == [KeyError]


def test_user_middleware_sees_handled_errors_as_answers() -> None:
    seen: list[BaseException] = []
    app = make_app()
    app.add_middleware(SeenExceptions, seen=seen)
    assert run(app, "GET", "/forbidden").json() == {"detail": "no"}
    assert run(app, "GET", "/missing").json() == {"detail": "Not Found"}
    assert seen == []


@pytest.mark.parametrize("key", [Exception, 500])
@pytest.mark.parametrize("with_user_middleware", [False, True])
def test_server_error_handler_answers_unhandled_exceptions(key: Any, with_user_middleware: bool) -> None:
    app = make_app(exception_handlers={key: answer_failed})
    answer = answer_through_500_boundary(app, "/broken", KeyError, with_user_middleware)
    assert (answer.status, answer.body) == (500, b"failed: KeyError('broken')")


async def answer_failed(request: Request, exc: Exception) -> PlainTextResponse:
    return PlainTextResponse(f"failed: {exc!r}", status_code=500)


def answer_through_500_boundary(app: FastAPI, path: str, raised: type[Exception], with_user_middleware: bool) -> Answer:
    """The answer to GET *path*, whose *raised* exception passes the 500 boundary."""
    if with_user_middleware:
        app.add_middleware(SeenExceptions, seen=[])
    answer = Answer()
    with pytest.raises(raised):
        run(app, "GET", path, answer=answer)
    return answer


class Unencodable:
    """Nothing ``jsonable_encoder`` can turn into JSON."""

    __slots__ = ()


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(HTTPException(status_code=400, detail=float("nan")), id="http-exception-nan-detail"),
        pytest.param(HTTPException(status_code=400, detail=Unencodable()), id="http-exception-unencodable"),
        pytest.param(RequestValidationError([{"input": Unencodable()}]), id="validation-error-unencodable"),
    ],
)
@pytest.mark.parametrize("with_user_middleware", [False, True])
def test_server_error_handler_answers_when_the_default_answer_cannot_be_encoded(
    error: Exception, with_user_middleware: bool
) -> None:
    app = FastAPI(exception_handlers={Exception: answer_failed})

    @app.get("/")
    async def fail() -> None:
        raise error

    answer = answer_through_500_boundary(app, "/", ValueError, with_user_middleware)
    assert (answer.status, answer.body[:18]) == (500, b"failed: ValueError")


def test_debug_answers_with_a_traceback() -> None:
    answer = Answer()
    with pytest.raises(KeyError):
        run(make_app(debug=True), "GET", "/broken", answer=answer)
    assert answer.status == 500
    assert b"KeyError" in answer.body and b"Traceback" in answer.body


def test_without_handler_the_server_error_is_plain_text() -> None:
    answer = Answer()
    with pytest.raises(KeyError):
        run(make_app(), "GET", "/broken", answer=answer)
    assert (answer.status, answer.body) == (500, b"Internal Server Error")


# ---- whether the response started, learned without wrapping every send -------------------------


def _late_failures_app() -> FastAPI:
    app = FastAPI()

    def chunks() -> Iterator[bytes]:
        yield b"first,"
        raise KeyError("mid-stream")

    @app.get("/stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(chunks())

    async def session() -> AsyncIterator[str]:
        yield "s"
        raise KeyError("in cleanup")

    @app.get("/cleanup")
    async def cleanup(value: str = Depends(session)) -> dict[str, str]:
        return {"value": value}

    @app.get("/early")
    async def early(value: str = Depends(session)) -> None:
        raise KeyError("before any answer")

    async def mounted_stream(request: Any) -> StreamingResponse:
        return StreamingResponse(chunks())

    app.mount("/plain", Starlette(routes=[Route("/stream", mounted_stream)]))

    class Wrapped(APIRoute):
        def get_route_handler(self) -> Any:
            return super().get_route_handler()

    custom = FastAPI()
    custom.router.route_class = Wrapped

    @custom.get("/stream")
    def custom_stream() -> StreamingResponse:
        return StreamingResponse(chunks())

    app.mount("/custom", custom)
    return app


@pytest.mark.parametrize("path", ["/stream", "/cleanup", "/plain/stream", "/custom/stream"])
def test_a_failure_after_the_response_started_sends_no_second_answer(path: str) -> None:
    app = _late_failures_app()
    for _ in range(2):  # the first request compiles the route, later ones run it as compiled
        answer = Answer()
        with pytest.raises(KeyError):
            run(app, "GET", path, answer=answer)
        starts = [message for message in answer.messages if message["type"] == "http.response.start"]
        assert [start["status"] for start in starts] == [200]


def test_a_failure_before_the_response_started_gets_the_500() -> None:
    app = _late_failures_app()
    for _ in range(2):
        answer = Answer()
        with pytest.raises(KeyError):
            run(app, "GET", "/early", answer=answer)
        assert answer.status == 500
        assert answer.body == b"Internal Server Error"
