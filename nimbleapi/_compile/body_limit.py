"""Request body limits: the application's ``max_body_size``, and the default for buffered bodies.

``ApplicationBodyLimit(app, max_body_size)`` sits directly inside the 500 boundary, so a
middleware that reads the body (``await request.body()``) is stopped once the limit is
passed, instead of buffering the whole body before a route refuses it. Routes and routers
with their own ``max_body_size`` narrow or widen it further in (Starlette's limiter
shares one byte counter per request).

Two things Starlette's limiter leaves to its caller are done here:

* a middleware that reads in a task group (``BaseHTTPMiddleware``) raises the limit's
  signal inside an exception group; a group made only of such signals is unwrapped;
* an application mounted in another one that counts the bytes already sees the outer
  limit's signal pass through its own 500 boundary; it answers the 413 itself instead.

Bodies that nimbleapi reads whole into memory (JSON, urlencoded forms, other non-multipart
bodies of body parameters) are refused with 413 past ``max_buffered_body_size`` (an
application setting, ``DEFAULT_MAX_BUFFERED_BODY_SIZE`` by default, None: no limit) unless
a ``max_body_size`` applies to the request, which then governs alone. Multipart bodies are
streamed, each file to a spooled file, and keep their own limits (``form_limits``).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.middleware import body_limit as starlette_body_limit
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY, RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BUFFERED_BODY_SIZE = 16 * 1024 * 1024

from .errors import answer_http_exception, send_json

# Starlette names its two signals privately: a body past the limit (an HTTPException 413),
# and "the 413 has been sent already". Any other exception keeps its usual handling.
_ALREADY_SENT: type[Exception] | None = getattr(starlette_body_limit, "_RequestBodyLimitResponseSent", None)
_SIGNALS: tuple[type[Exception], ...] = tuple(
    cls
    for cls in (getattr(starlette_body_limit, "_RequestBodyTooLarge", None), _ALREADY_SENT)
    if isinstance(cls, type)
)


def body_limit_signal(exc: BaseException) -> BaseException | None:
    """The limiter's signal that *exc* is (or that a group of nothing but signals holds)."""
    if not _SIGNALS:
        return None
    if isinstance(exc, BaseExceptionGroup):
        signals, others = exc.split(_SIGNALS)
        if signals is None or others is not None:
            return None
        # When the 413 went out already, that is the signal to honour: nothing more to send.
        found: BaseException = (signals.subgroup(_ALREADY_SENT) if _ALREADY_SENT else None) or signals
        while isinstance(found, BaseExceptionGroup):
            found = found.exceptions[0]
        return found
    return exc if isinstance(exc, _SIGNALS) else None


class _UngroupedSignals:
    """Re-raises the limiter's signal alone when it comes wrapped in an exception group."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except BaseExceptionGroup as group:
            signal = body_limit_signal(group)
            if signal is None:
                raise
            raise signal from group


class ApplicationBodyLimit:
    """The application-wide ``max_body_size`` (None: no limit of its own), outside the user's middleware."""

    def __init__(self, app: ASGIApp, max_body_size: int | None) -> None:
        self.app = app
        ungrouped = _UngroupedSignals(app)
        if max_body_size is None:
            # Outside any other limit there is nothing to count or catch; inside one, its signals.
            self._outermost: ASGIApp = app
            self._nested: ASGIApp = ungrouped
        else:
            self._outermost = self._nested = RequestBodyLimitMiddleware(ungrouped, max_body_size=max_body_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif MAX_BODY_SIZE_SCOPE_KEY not in scope:
            await self._outermost(scope, receive, send)
        else:
            await self._inside_another_limit(scope, receive, send)

    async def _inside_another_limit(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Mounted in an application that limits the body: its 413 is answered here, not as a 500."""
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._nested(scope, receive, tracked)
        except Exception as exc:
            signal = body_limit_signal(exc)
            answer = answer_http_exception(signal) if isinstance(signal, HTTPException) else None
            if started or answer is None:
                raise
            await send_json(send, *answer)


def unreadable_body(exc: Exception, scope: Scope) -> Exception:
    """What a failed body read raises: the limit's 413 when a limiter's signal came wrapped
    in an exception group (a middleware read in a task group), else FastAPI's 400."""
    if MAX_BODY_SIZE_SCOPE_KEY in scope:
        signal = body_limit_signal(exc)
        if isinstance(signal, Exception):
            return signal
    return HTTPException(status_code=400, detail=BODY_PARSE_ERROR)


BODY_PARSE_ERROR = "There was an error parsing the body"


def buffered_body_limit(scope: Scope) -> int | None:
    """The size past which a body read whole into memory is refused (None: no such limit).

    An explicit ``max_body_size`` in effect for the request (Starlette's limiter marks the
    scope) is the only limit then; otherwise the application's ``max_buffered_body_size``.
    """
    if MAX_BODY_SIZE_SCOPE_KEY in scope:
        return None
    return getattr(scope.get("app"), "max_buffered_body_size", DEFAULT_MAX_BUFFERED_BODY_SIZE)


class BufferedBodyTooLarge(HTTPException):
    """A body read whole into memory passed ``max_buffered_body_size``: 413, as past ``max_body_size``."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Content Too Large")


def receive_within(receive: Receive, limit: int) -> Receive:
    """*receive*, raising ``BufferedBodyTooLarge`` once the body passes *limit* bytes."""
    received = 0

    async def receive_counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BufferedBodyTooLarge()
        return message

    return receive_counted


def buffering_receive(scope: Scope, receive: Receive) -> Receive:
    """*receive* as a route that reads its body whole should use it: limited, unless multipart."""
    limit = buffered_body_limit(scope)
    if limit is None:
        return receive
    for name, value in scope["headers"]:
        if name == b"content-type":
            if value.split(b";", 1)[0].strip().lower() == b"multipart/form-data":
                return receive  # streamed to spooled files, under the form limits
            break
    return receive_within(receive, limit)
