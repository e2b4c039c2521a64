"""The state one request shares between its dependencies, and where their values come from.

``RequestContext`` wraps a ``Request``/``WebSocket`` that exists already (the
``handler(request)`` path, WebSockets, FastAPI's ``solve_dependencies``). ``ScopeContext``
is made from the bare ASGI triple by a route's own app: it builds the ``Request`` only
when something asks for it, and opens the exit stacks only when a dependency with
``yield`` is reached. Path, query, header and cookie values are read from the ASGI scope
and parsed at most once per request, on first use.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import AsyncExitStack
from typing import Any

from anyio import CancelScope
from pydantic_core import PydanticUndefined as Undefined
from starlette.background import BackgroundTasks as StarletteBackgroundTasks
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from .exits import AsyncGeneratorDependency, DependencyExitStack, cleanup_shielded, outside_cancel_scopes
from .params import parse_query_string

_UNDECIDED = object()


class RequestContext:
    """Per-request state shared by every dependency of one request.

    Sources (path, query, header and cookie values) are read from the ASGI scope and
    parsed at most once per request, on first use.
    """

    # Class-level defaults: an instance only stores what its request sets.
    background_tasks: StarletteBackgroundTasks | None = None
    response: Response | None = None
    overrides: dict[Any, Any] | None = None
    _query_params: QueryParams | None = None
    _query_values: dict[str, str] | None = None
    _headers: Headers | None = None
    _cookies: dict[str, str] | None = None

    def __init__(
        self,
        connection: Request | WebSocket,
        body: Any,
        request_stack: AsyncExitStack | None,
        function_stack: AsyncExitStack | None,
    ) -> None:
        self.connection = connection
        self.scope = connection.scope
        self.body = body
        self.cache: dict[Any, Any] = {}
        self.request_stack = request_stack
        self.function_stack = function_stack

    @property
    def path_params(self) -> dict[str, Any]:
        return self.scope.get("path_params", {})  # type: ignore[no-any-return]

    @property
    def query_params(self) -> QueryParams:
        if self._query_params is None:
            self._query_params = QueryParams(self.scope["query_string"])
        return self._query_params

    @property
    def query_values(self) -> dict[str, str]:
        """The query string as a plain dict (the last value of a repeated key, as ``get`` gives)."""
        if self._query_values is None:
            self._query_values = dict(parse_query_string(self.scope["query_string"]))
        return self._query_values

    @property
    def raw_headers(self) -> Any:
        """The ASGI scope's (name, value) byte pairs."""
        return self.scope["headers"]

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(scope=self.scope)
        return self._headers

    @property
    def cookies(self) -> dict[str, str]:
        """Every ``Cookie`` header, merged in order (HTTP/2 sends one cookie per header), as
        Starlette's ``Request.cookies`` merges them; read only by routes with cookie parameters."""
        if self._cookies is None:
            cookies: dict[str, str] = {}
            for name, value in self.scope["headers"]:
                if name == b"cookie":
                    cookies.update(cookie_parser(value.decode("latin-1")))
            self._cookies = cookies
        return self._cookies

    def exit_stack(self, function_scoped: bool) -> AsyncExitStack:
        """The exit stack a dependency with yield of that scope is entered on."""
        stack = self.function_stack if function_scoped else self.request_stack
        if stack is None:
            raise AssertionError("fastapi_inner_astack not found in request scope")
        return stack

    def cleanup_scope(self) -> CancelScope | None:
        """The cancel scope shielding cleanups of dependencies with yield (None: none needed)."""
        return _cleanup_scope(self)

    def unshielded_stack(self, function_scoped: bool) -> DependencyExitStack | None:
        """The exit stack an async generator dependency of that scope, advanced to its
        ``yield`` by the caller, is pushed on directly (``push_entered_generator``); None when
        it must be entered with ``enter_async_generator`` (its cleanup may need shielding)."""
        return None

    async def enter_async_generator(self, gen: AsyncGenerator[Any, None], function_scoped: bool) -> Any:
        """Enter an async generator dependency on its exit stack; its value."""
        stack = self.exit_stack(function_scoped)
        cm: Any = AsyncGeneratorDependency(gen)
        cleanup_scope = self.cleanup_scope()
        if cleanup_scope is not None:
            cm = cleanup_shielded(cm, cleanup_scope)
        return await stack.enter_async_context(cm)

    def sub_response(self) -> Response:
        """The ``Response`` parameter object: headers, cookies and status set by endpoint code."""
        if self.response is None:
            response = Response()
            del response.headers["content-length"]
            response.status_code = None  # type: ignore[assignment]
            self.response = response
        return self.response


def connection_context(connection: Request | WebSocket, body: Any, overrides_provider: Any | None) -> RequestContext:
    """The context of a request or WebSocket session served by a handler: the exit stacks
    the route opened in the scope, and the application's dependency overrides."""
    scope = connection.scope
    ctx = RequestContext(connection, body, scope.get("fastapi_inner_astack"), scope.get("fastapi_function_astack"))
    if overrides_provider is not None:
        ctx.overrides = overrides_provider.dependency_overrides
    return ctx


class ConnectionContext(RequestContext):
    """A ``RequestContext`` over a connection object handed in by code outside the engine.

    Query, header and cookie values come from the connection's own parsed forms, so that
    edits made to them before dependencies are solved (``request.query_params``,
    ``request.cookies``) are seen, as FastAPI's ``solve_dependencies`` sees them.
    """

    @property
    def query_params(self) -> QueryParams:
        return self.connection.query_params

    @property
    def query_values(self) -> dict[str, str]:
        if self._query_values is None:
            self._query_values = dict(self.connection.query_params.items())
        return self._query_values

    @property
    def headers(self) -> Headers:
        return self.connection.headers

    @property
    def cookies(self) -> dict[str, str]:
        return self.connection.cookies


class ScopeContext(RequestContext):
    """A ``RequestContext`` made from the bare ASGI triple; the ``Request`` is built on first use.

    ``raw_body`` (once read) is handed to that ``Request`` so that whoever reads
    ``await request.body()`` later (the endpoint, an exception handler) gets it again.
    """

    body: Any = Undefined
    raw_body: bytes | None = None
    request_stack: AsyncExitStack | None = None
    function_stack: AsyncExitStack | None = None
    started: bool = False
    _request: Request | None = None
    _cleanup_scope: object = _UNDECIDED

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: D107
        self.scope = scope
        self.receive = receive
        self.send = send
        self.cache = {}

    def exit_stack(self, function_scoped: bool) -> AsyncExitStack:
        """Opened by the first dependency with yield that needs it (``_finish_in_stacks`` closes them)."""
        if self.request_stack is None:  # opened first: it holds the cleanup scope of both
            self.scope["fastapi_inner_astack"] = self.request_stack = DependencyExitStack()
        if not function_scoped:
            return self.request_stack
        if self.function_stack is None:
            self.scope["fastapi_function_astack"] = self.function_stack = DependencyExitStack()
        return self.function_stack

    def unshielded_stack(self, function_scoped: bool) -> DependencyExitStack | None:
        stack = self.function_stack if function_scoped else self.request_stack
        if stack is None:
            if function_scoped:
                stack = self.exit_stack(True)
            else:  # the request's first dependency with yield (``exit_stack``, without its call)
                stack = self.scope["fastapi_inner_astack"] = self.request_stack = DependencyExitStack()
        cleanup_scope = self._cleanup_scope
        if cleanup_scope is _UNDECIDED:  # ``cleanup_scope()``, its usual answer without its call
            cleanup_scope = self._cleanup_scope = None if outside_cancel_scopes() else self.cleanup_scope()
        if cleanup_scope is not None:
            return None
        assert isinstance(stack, DependencyExitStack)
        return stack

    async def enter_async_generator(self, gen: AsyncGenerator[Any, None], function_scoped: bool) -> Any:
        stack = self.exit_stack(function_scoped)
        cleanup_scope = self.cleanup_scope()
        if cleanup_scope is not None:
            return await stack.enter_async_context(cleanup_shielded(AsyncGeneratorDependency(gen), cleanup_scope))
        assert isinstance(stack, DependencyExitStack)
        try:
            value = await anext(gen)
        except StopAsyncIteration:
            raise RuntimeError("generator didn't yield") from None
        stack.push_entered_generator(gen)
        return value

    def cleanup_scope(self) -> CancelScope | None:
        if self._cleanup_scope is _UNDECIDED:
            assert self.request_stack is not None
            outside = outside_cancel_scopes()
            self._cleanup_scope = None if outside else self.request_stack.enter_context(CancelScope())
        return self._cleanup_scope  # type: ignore[return-value]

    async def send_tracked(self, message: Message) -> None:
        """``send``, remembering when the response starts (an exception handler may not answer then)."""
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)

    def get_connection(self) -> Request:
        return self.connection

    @property
    def connection(self) -> Request:  # type: ignore[override]
        request = self._request
        if request is None:
            request = self._request = Request(self.scope, self.receive, self.send)
            if self.raw_body is not None:
                # Starlette keeps a read body on the request; give it the one read here.
                request._body = self.raw_body
        return request


def _cleanup_scope(ctx: RequestContext) -> CancelScope | None:
    """The request's shared cleanup scope, entered on the request stack the first time.

    None when the request runs outside any AnyIO cancel scope (decided once per request).
    """
    request_stack = ctx.request_stack
    assert request_stack is not None
    scopes: dict[int, CancelScope | None] = ctx.scope.setdefault("nimbleapi.cleanup_scopes", {})
    key = id(request_stack)
    if key in scopes:
        return scopes[key]
    cleanup_scope = None if outside_cancel_scopes() else request_stack.enter_context(CancelScope())
    scopes[key] = cleanup_scope
    request_stack.callback(scopes.pop, key)
    return cleanup_scope
