"""Running a dependency tree for one request, from closures compiled once per route.

``compile_solver(dependant)`` walks the analysed tree at start-up and returns
``solve(ctx) -> (values, errors)``: children first (FastAPI's order), then this node's
path/query/header/cookie/body values, then the framework objects it asked for.
``dependency_overrides`` are looked up as each sub-dependency is reached (so an override
installed mid-request applies at once); a replacement is analysed the first time it is
seen and its compiled form kept, never re-analysed per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

from anyio import CancelScope
from anyio.lowlevel import checkpoint_if_cancelled
from starlette.background import BackgroundTasks as StarletteBackgroundTasks
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from ..background import BackgroundTasks
from ..concurrency import contextmanager_in_threadpool
from ..dependencies.models import Dependant
from .._plan.callables import is_async_gen_callable, is_coroutine_callable, is_gen_callable
from .._plan.deps import cache_key, get_dependant
from .body import compile_body_extractor
from .params import compile_param_extractor


class RequestContext:
    """Per-request state shared by every dependency of one request."""

    __slots__ = (
        "connection",
        "body",
        "background_tasks",
        "response",
        "cache",
        "request_stack",
        "function_stack",
        "overrides",
    )

    def __init__(
        self,
        connection: Request | WebSocket,
        body: Any,
        request_stack: AsyncExitStack | None,
        function_stack: AsyncExitStack | None,
    ) -> None:
        self.connection = connection
        self.body = body
        self.background_tasks: StarletteBackgroundTasks | None = None
        self.response: Response | None = None
        self.cache: dict[Any, Any] = {}
        self.request_stack = request_stack
        self.function_stack = function_stack
        self.overrides: dict[Any, Any] | None = None

    def sub_response(self) -> Response:
        """The ``Response`` parameter object: headers, cookies and status set by endpoint code."""
        if self.response is None:
            response = Response()
            del response.headers["content-length"]
            response.status_code = None  # type: ignore[assignment]
            self.response = response
        return self.response


Solver = Callable[[RequestContext], Awaitable[tuple[dict[str, Any], list[Any]]]]
Runner = Callable[[RequestContext, dict[str, Any]], Awaitable[Any]]


@asynccontextmanager
async def _cleanup_shielded(cm: Any, cleanup_scope: CancelScope) -> Any:
    """Enter a yield dependency so that its cleanup is not interrupted by cancellation.

    The shared *cleanup_scope* was entered before any such dependency (so scopes the
    dependency opens itself stay properly nested); it is shielded only while this
    dependency runs its code after ``yield``.
    """
    shielded_before = cleanup_scope.shield
    try:
        async with cm as value:
            try:
                yield value
            finally:
                cleanup_scope.shield = True
    finally:
        cleanup_scope.shield = shielded_before
    # A task group inside the dependency may have swallowed a cancellation while shielded.
    await checkpoint_if_cancelled()


def _cleanup_scope(ctx: RequestContext) -> CancelScope:
    """The request's shared cleanup scope, entered on the request stack the first time."""
    scope = ctx.connection.scope
    request_stack = ctx.request_stack
    assert request_stack is not None
    scopes: dict[int, CancelScope] = scope.setdefault("nimbleapi.cleanup_scopes", {})
    cleanup_scope = scopes.get(id(request_stack))
    if cleanup_scope is None:
        cleanup_scope = request_stack.enter_context(CancelScope())
        scopes[id(request_stack)] = cleanup_scope
        request_stack.callback(scopes.pop, id(request_stack))
    return cleanup_scope


def compile_runner(dependant: Dependant) -> Runner:
    """How to call the node's callable: awaited, in a thread, or entered as a context manager."""
    call = dependant.call
    assert call is not None
    concurrency = dependant.concurrency
    function_scoped = dependant.scope == "function"
    if is_async_gen_callable(call) or is_gen_callable(call):
        is_async = is_async_gen_callable(call)

        async def run_generator(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
            if is_async:
                cm: Any = _cleanup_shielded(asynccontextmanager(call)(**kwargs), _cleanup_scope(ctx))
            else:
                cm = contextmanager_in_threadpool(contextmanager(call)(**kwargs))
            stack = ctx.function_stack if function_scoped else ctx.request_stack
            assert stack is not None
            if concurrency is None:
                return await stack.enter_async_context(cm)
            return await stack.enter_async_context(_limited(cm, concurrency))

        return run_generator
    if is_coroutine_callable(call):

        async def run_coroutine(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
            if concurrency is None:
                return await call(**kwargs)
            async with concurrency.get_semaphore():
                return await call(**kwargs)

        return run_coroutine

    async def run_in_thread(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
        if concurrency is None:
            return await run_in_threadpool(call, **kwargs)
        async with concurrency.get_semaphore():
            return await run_in_threadpool(call, **kwargs)

    return run_in_thread


@asynccontextmanager
async def _limited(cm: Any, concurrency: Any) -> Any:
    async with concurrency.get_semaphore():
        async with cm as value:
            yield value


class _Child:
    """A sub-dependency as compiled, plus lazily compiled replacements for its overrides."""

    __slots__ = ("dependant", "name", "call", "key", "use_cache", "solve", "run", "embed_body_fields", "_overridden")

    def __init__(self, dependant: Dependant, key: Any, embed_body_fields: bool) -> None:
        self.dependant = dependant
        self.name = dependant.name
        self.call = dependant.call
        self.key = key
        self.use_cache = dependant.use_cache
        self.embed_body_fields = embed_body_fields
        self.solve = compile_solver(dependant, embed_body_fields=embed_body_fields)
        self.run = compile_runner(dependant)
        self._overridden: dict[Any, tuple[Solver, Runner]] = {}

    def overridden(self, replacement: Callable[..., Any]) -> tuple[Solver, Runner]:
        """Solver and runner for *replacement* standing in for this dependency (analysed once)."""
        try:
            return self._overridden[replacement]
        except KeyError:
            pass
        except TypeError:  # an unhashable replacement: analyse it for this call only
            return self._compile_replacement(replacement)
        compiled = self._overridden[replacement] = self._compile_replacement(replacement)
        return compiled

    def _compile_replacement(self, replacement: Callable[..., Any]) -> tuple[Solver, Runner]:
        original = self.dependant
        dependant = get_dependant(
            path=original.path or "",
            call=replacement,
            name=original.name,
            parent_oauth_scopes=original.oauth_scopes,
            scope=original.scope,
            concurrency=original.concurrency,
        )
        return compile_solver(dependant, embed_body_fields=self.embed_body_fields), compile_runner(dependant)


def _specials(dependant: Dependant) -> Callable[[RequestContext, dict[str, Any]], None] | None:
    """Fill in Request/WebSocket/Response/BackgroundTasks/SecurityScopes parameters."""
    from ..security.oauth2 import SecurityScopes

    setters: list[Callable[[RequestContext, dict[str, Any]], None]] = []
    if dependant.http_connection_param_name:
        name_c = dependant.http_connection_param_name
        setters.append(lambda ctx, values: values.__setitem__(name_c, ctx.connection))
    if dependant.request_param_name:
        name_r = dependant.request_param_name
        setters.append(lambda ctx, values: isinstance(ctx.connection, Request) and values.__setitem__(name_r, ctx.connection))
    if dependant.websocket_param_name:
        name_w = dependant.websocket_param_name
        setters.append(
            lambda ctx, values: isinstance(ctx.connection, WebSocket) and values.__setitem__(name_w, ctx.connection)
        )
    if dependant.background_tasks_param_name:
        name_b = dependant.background_tasks_param_name

        def set_background(ctx: RequestContext, values: dict[str, Any]) -> None:
            if ctx.background_tasks is None:
                ctx.background_tasks = BackgroundTasks()
            values[name_b] = ctx.background_tasks

        setters.append(set_background)
    if dependant.response_param_name:
        name_s = dependant.response_param_name
        setters.append(lambda ctx, values: values.__setitem__(name_s, ctx.sub_response()))
    if dependant.security_scopes_param_name:
        name_o = dependant.security_scopes_param_name
        scopes = dependant.oauth_scopes
        setters.append(lambda ctx, values: values.__setitem__(name_o, SecurityScopes(scopes=list(scopes))))
    if not setters:
        return None

    def fill(ctx: RequestContext, values: dict[str, Any]) -> None:
        for setter in setters:
            setter(ctx, values)

    return fill


def compile_solver(dependant: Dependant, *, embed_body_fields: bool) -> Solver:
    """Compile the node and its subtree. ``ctx.overrides`` (``dependency_overrides``) is
    consulted for each sub-dependency as it is reached, as FastAPI does."""
    memo: dict[int, bool] = {}
    children = [_Child(sub, cache_key(sub, memo), embed_body_fields) for sub in dependant.dependencies]
    path_ex = compile_param_extractor(dependant.path_params, "path")
    query_ex = compile_param_extractor(dependant.query_params, "query")
    header_ex = compile_param_extractor(dependant.header_params, "header")
    cookie_ex = compile_param_extractor(dependant.cookie_params, "cookie")
    body_ex = compile_body_extractor(dependant.body_params, embed_body_fields) if dependant.body_params else None
    fill_specials = _specials(dependant)

    async def solve(ctx: RequestContext) -> tuple[dict[str, Any], list[Any]]:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        cache = ctx.cache
        overrides = ctx.overrides
        for child in children:
            solve_child, run_child = child.solve, child.run
            if overrides and child.call in overrides:
                solve_child, run_child = child.overridden(overrides[child.call])
            child_values, child_errors = await solve_child(ctx)
            if child_errors:
                errors.extend(child_errors)
                continue
            if child.use_cache and child.key in cache:
                value = cache[child.key]
            else:
                value = await run_child(ctx, child_values)
            if child.name is not None:
                values[child.name] = value
            if child.key not in cache:
                cache[child.key] = value
        connection = ctx.connection
        if path_ex is not None:
            _collect(path_ex(connection.path_params), values, errors)
        if query_ex is not None:
            _collect(query_ex(connection.query_params), values, errors)
        if header_ex is not None:
            _collect(header_ex(connection.headers), values, errors)
        if cookie_ex is not None:
            _collect(cookie_ex(connection.cookies), values, errors)
        if body_ex is not None:
            _collect(await body_ex(ctx.body), values, errors)
        if fill_specials is not None:
            fill_specials(ctx, values)
        return values, errors

    return solve


def _collect(result: tuple[dict[str, Any], list[Any]], values: dict[str, Any], errors: list[Any]) -> None:
    values.update(result[0])
    errors.extend(result[1])
