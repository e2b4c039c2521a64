"""Running a dependency tree for one request, from closures compiled once per route.

``compile_solver(dependant)`` walks the analysed tree at start-up and returns
``solve(ctx) -> (values, errors)``: children first (FastAPI's order), then this node's
path/query/header/cookie/body values, then the framework objects it asked for.
``dependency_overrides`` are honoured by compiling a second solver per distinct
overrides mapping (cached), never by re-analysing per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

from anyio import CancelScope
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

    __slots__ = ("connection", "body", "background_tasks", "response", "cache", "request_stack", "function_stack")

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
async def _shielded_exit(cm: Any) -> Any:
    """Enter an async context manager whose exit (a yield dependency's cleanup) survives cancellation."""
    value = await cm.__aenter__()
    try:
        yield value
    except BaseException as exc:
        with CancelScope(shield=True):
            suppressed = await cm.__aexit__(type(exc), exc, exc.__traceback__)
        if not suppressed:
            raise
    else:
        with CancelScope(shield=True):
            await cm.__aexit__(None, None, None)


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
                cm: Any = _shielded_exit(asynccontextmanager(call)(**kwargs))
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
    __slots__ = ("name", "key", "use_cache", "solve", "run")

    def __init__(self, name: str | None, key: Any, use_cache: bool, solve: Solver, run: Runner) -> None:
        self.name = name
        self.key = key
        self.use_cache = use_cache
        self.solve = solve
        self.run = run


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


def compile_solver(
    dependant: Dependant, *, embed_body_fields: bool, overrides: dict[Any, Any] | None = None
) -> Solver:
    """Compile the node and its subtree; *overrides* replaces callables as ``dependency_overrides`` does."""
    memo: dict[int, bool] = {}
    children = []
    for sub in dependant.dependencies:
        used = sub
        if overrides and sub.call in overrides:
            used = get_dependant(
                path=sub.path or "",
                call=overrides[sub.call],
                name=sub.name,
                parent_oauth_scopes=sub.oauth_scopes,
                scope=sub.scope,
                concurrency=sub.concurrency,
            )
        children.append(
            _Child(
                sub.name,
                cache_key(sub, memo),
                sub.use_cache,
                compile_solver(used, embed_body_fields=embed_body_fields, overrides=overrides),
                compile_runner(used),
            )
        )
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
        for child in children:
            child_values, child_errors = await child.solve(ctx)
            if child_errors:
                errors.extend(child_errors)
                continue
            if child.use_cache and child.key in cache:
                value = cache[child.key]
            else:
                value = await child.run(ctx, child_values)
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


class SolverCache:
    """The compiled solver for the current ``dependency_overrides`` mapping of a route."""

    __slots__ = ("dependant", "embed_body_fields", "base", "by_overrides")

    def __init__(self, dependant: Dependant, embed_body_fields: bool) -> None:
        self.dependant = dependant
        self.embed_body_fields = embed_body_fields
        self.base = compile_solver(dependant, embed_body_fields=embed_body_fields)
        self.by_overrides: dict[Any, Solver] = {}

    def get(self, overrides: dict[Any, Any] | None) -> Solver:
        if not overrides:
            return self.base
        try:
            key: Any = frozenset(overrides.items())
        except TypeError:  # an unhashable override: compile without caching
            return compile_solver(self.dependant, embed_body_fields=self.embed_body_fields, overrides=dict(overrides))
        solver = self.by_overrides.get(key)
        if solver is None:
            if len(self.by_overrides) > 64:
                self.by_overrides.clear()
            solver = compile_solver(self.dependant, embed_body_fields=self.embed_body_fields, overrides=dict(overrides))
            self.by_overrides[key] = solver
        return solver
