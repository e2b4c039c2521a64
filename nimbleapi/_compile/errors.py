"""Answering exceptions with the application's handlers, without per-request wrappers.

Starlette's rules, kept exactly: an ``HTTPException`` first looks for a handler of its
status code, then every exception looks for a handler of its class along its MRO; with
none, it propagates; with one, the handler's response is sent unless the response has
already started (then ``RuntimeError``). Unhandled exceptions reach the server-error
boundary, which sends a 500 (if nothing was sent yet) and re-raises.

What is not paid per request here: no ``Request`` object unless a handler runs, no
closures around the application, and one ``send`` wrapper for both layers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .._starlette import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from .._plan.http import is_body_allowed_for_status_code
from .._telemetry.observe import observe_unhandled_exception
from .file_stack import FILE_STACK_KEY, RequestExitStack, leave_file_stack, serve_with_file_stack
from .jsonio import encode_error_detail, encode_untyped

HANDLERS_SCOPE_KEY = "starlette.exception_handlers"
_NO_HANDLERS: tuple[dict[Any, Any], dict[int, Any]] = ({}, {})


def find_handler(scope: Scope, exc: Exception) -> Any:
    """The handler Starlette would pick for *exc* from the handlers in *scope* (or None)."""
    return handler_for(scope, type(exc), exc.status_code if isinstance(exc, HTTPException) else None)


def handler_for(scope: Scope, exc_type: type[Exception], status_code: int | None = None) -> Any:
    """The handler for an exception of *exc_type* (an ``HTTPException`` with *status_code*)."""
    exception_handlers, status_handlers = scope.get(HANDLERS_SCOPE_KEY, _NO_HANDLERS)
    if status_code is not None:
        handler = status_handlers.get(status_code)
        if handler is not None:
            return handler
    for cls in exc_type.__mro__:
        if cls in exception_handlers:
            return exception_handlers[cls]
    return None


# An answer that does what a known handler does, without its Request and Response objects:
# ``answer(exc) -> (status, JSON body)``, or None to leave the exception to the handler itself.
# It only encodes: if encoding fails, nothing was sent, and the 500 handler can still answer.
FastAnswer = Callable[[Any], "tuple[int, bytes] | None"]
FAST_ANSWERS: dict[Any, FastAnswer] = {}


def register_fast_answer(handler: Any, answer: FastAnswer) -> None:
    """Let *answer* stand in for *handler* (whose output it reproduces byte for byte)."""
    FAST_ANSWERS[handler] = answer


async def answer_exception(
    exc: Exception,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    started: bool,
    connect: Any = None,
    record_start: bool = False,
) -> bool:
    """Send the handler's response for *exc*; False when no handler takes it (called inside
    ``except``, whose bare ``raise`` then re-raises it: raising it here would keep this frame,
    which holds *exc*, in its traceback, a reference cycle only the garbage collector frees).

    *connect* gives the ``Request`` a handler receives (the one the endpoint saw, if any);
    by default a new one over *scope*. *record_start*: note the response start in the scope
    for the error boundary (``RESPONSE_STARTED_KEY``).
    """
    handler = find_handler(scope, exc)
    if handler is None:
        return False
    if started:
        raise RuntimeError("Caught handled exception, but response already started.") from exc
    answer = FAST_ANSWERS.get(handler)
    if answer is not None and scope["type"] == "http":
        answered = answer(exc)
        if answered is not None:
            if record_start:  # marked before sending, as Starlette's ServerErrorMiddleware marks it
                scope[RESPONSE_STARTED_KEY] = True
            await send_json(send, *answered)
            exc.__traceback__ = None
            return True
    if record_start:
        send = recording_send(scope, send)
    if connect is not None:
        connection = connect()
    else:
        connection = Request(scope, receive, send) if scope["type"] == "http" else WebSocket(scope, receive, send)
    if is_async_callable(handler):
        response = await handler(connection, exc)
    else:
        response = await run_in_threadpool(handler, connection, exc)
    if response is not None:
        await response(scope, receive, send)
    # A reused exception instance would otherwise collect tracebacks across requests.
    exc.__traceback__ = None
    return True


# How an error boundary learns whether the response started without wrapping every ``send``:
# an ASGI callable marked ``RECORDS_RESPONSE_START`` sets ``RESPONSE_STARTED_KEY`` in the
# scope before any exception leaves it (a compiled route app: from what it sent itself; the
# router: by handing anything else a recording ``send``). ``UNTRACKED_SEND_KEY`` in the scope
# tells the router that the ``send`` it was given records nothing.
RECORDS_RESPONSE_START = "records_response_start"
RESPONSE_STARTED_KEY = "nimbleapi.response_started"
UNTRACKED_SEND_KEY = "nimbleapi.untracked_send"


_App = TypeVar("_App")


def records_response_start(app: _App) -> _App:
    """Mark *app* as recording in the scope whether the response started (see above)."""
    setattr(app, RECORDS_RESPONSE_START, True)
    return app


def recording_send(scope: Scope, send: Send) -> Send:
    """A ``send`` that records in *scope* when the response starts."""

    def recorded(message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            scope[RESPONSE_STARTED_KEY] = True
        return send(message)

    return recorded


async def answer_in_route(
    exc: Exception, scope: Scope, receive: Receive, send: Send, *, started: bool, connect: Any = None
) -> bool:
    """``answer_exception`` for a route app that sent through *send* itself: records whether the
    response started (before and while answering) for the error boundary around it."""
    scope[RESPONSE_STARTED_KEY] = started
    return await answer_exception(exc, scope, receive, send, started=started, connect=connect, record_start=True)


class HandledExceptions(ExceptionMiddleware):
    """Starlette's ``ExceptionMiddleware`` (same handler tables and registration rules),
    answering from ``answer_exception`` instead of wrapping every request."""

    def __init__(self, app: ASGIApp, handlers: Any = None, debug: bool = False) -> None:
        super().__init__(app, handlers=handlers, debug=debug)
        self._tables = (self._exception_handlers, self._status_handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope[HANDLERS_SCOPE_KEY] = self._tables
        scope[RESPONSE_STARTED_KEY] = False  # nothing is sent before this layer is entered
        tracked = recording_send(scope, send)
        try:
            await serve_with_file_stack(self.app, scope, receive, tracked)
        except Exception as exc:
            if not await answer_exception(exc, scope, receive, tracked, started=scope[RESPONSE_STARTED_KEY]):
                raise


_ROUTER_CALL = Router.__call__


class ErrorBoundary(ServerErrorMiddleware):
    """``ServerErrorMiddleware`` around ``HandledExceptions``, answering as one layer.

    ``.app`` is the ``HandledExceptions`` layer, as in Starlette's stack, so tools that
    rebuild the stack around it (OpenTelemetry's FastAPI instrumentation reads ``.app``,
    ``.handler`` and ``.debug``) see what they expect. Requests skip that layer's own call,
    and its router records the response start itself (no ``send`` wrapper at all). Assigning
    another ``.app`` makes this a plain ``ServerErrorMiddleware`` around it.
    """

    _handled: HandledExceptions | None = None

    @property
    def app(self) -> ASGIApp:
        return self._app

    @app.setter
    def app(self, app: ASGIApp) -> None:
        self._app = app
        self._handled = app if isinstance(app, HandledExceptions) else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handled = self._handled
        if handled is None or scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        scope[HANDLERS_SCOPE_KEY] = handled._tables
        inner = handled.app
        if type(inner).__call__ is _ROUTER_CALL:  # what ``Router.__call__`` would call, one frame less
            inner = inner.middleware_stack  # type: ignore[attr-defined]
        if getattr(inner, RECORDS_RESPONSE_START, False):
            scope[UNTRACKED_SEND_KEY] = True  # the router hands a recording send to what needs one
            inner_send = send
        else:
            inner_send = recording_send(scope, send)
        # The request's file stack, entered as ``serve_with_file_stack`` enters it, one frame less.
        files = scope[FILE_STACK_KEY] = RequestExitStack()
        try:
            try:
                try:
                    await inner(scope, receive, inner_send)
                except BaseException as exc:
                    if not files.registered or not await leave_file_stack(files, exc):
                        raise
                else:
                    if files.registered:
                        await files.aclose()
            except Exception as exc:
                started = scope.get(RESPONSE_STARTED_KEY, False)
                if not await answer_exception(exc, scope, receive, recording_send(scope, send), started=started):
                    raise
        except Exception as exc:
            await send_server_error(self, exc, scope, receive, send, started=scope.get(RESPONSE_STARTED_KEY, False))
            raise


async def send_server_error(
    errors: ServerErrorMiddleware, exc: Exception, scope: Scope, receive: Receive, send: Send, *, started: bool
) -> None:
    """``ServerErrorMiddleware``'s answer to an unhandled exception: a 500 (the caller re-raises)."""
    observe_unhandled_exception(scope, exc)
    request = Request(scope)
    response: Any
    if errors.debug:
        response = await run_in_threadpool(errors.debug_response, request, exc)
    elif errors.handler is None:
        response = errors.error_response(request, exc)
    elif is_async_callable(errors.handler):
        response = await errors.handler(request, exc)  # type: ignore[arg-type]
    else:
        response = await run_in_threadpool(errors.handler, request, exc)
    if not started:
        await response(scope, receive, send)


# ---- the default handlers' answers ----------------------------------------------------------------


async def send_json(send: Send, status: int, body: bytes) -> None:
    """What ``JSONResponse(content, status_code=status)`` sends, for an already encoded body."""
    headers = [(b"content-length", str(len(body)).encode("latin-1")), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def answer_validation_error(exc: Any) -> tuple[int, bytes]:
    """The default ``RequestValidationError`` handler's 422."""
    return 422, encode_error_detail(exc.errors())


_NOT_FOUND_BODY = b'{"detail":"Not Found"}'


async def answer_not_found(scope: Scope, send: Send) -> bool:
    """The 404 of Starlette's ``HTTPException(404)`` for a path no route takes, sent without
    raising it when the application's handler for it is the default one (False otherwise)."""
    if FAST_ANSWERS.get(handler_for(scope, HTTPException, 404)) is not answer_http_exception:
        return False
    scope[RESPONSE_STARTED_KEY] = True  # for the error boundary, marked before sending as it would
    await send_json(send, 404, _NOT_FOUND_BODY)
    return True


def answer_http_exception(exc: Any) -> tuple[int, bytes] | None:
    """The default ``HTTPException`` handler's answer, when it carries no headers."""
    if getattr(exc, "headers", None) is not None or not is_body_allowed_for_status_code(exc.status_code):
        return None
    return exc.status_code, encode_untyped({"detail": exc.detail})
