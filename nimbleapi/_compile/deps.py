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
from operator import attrgetter
from typing import Any

from anyio import CancelScope
from pydantic_core import PydanticUndefined as Undefined
from starlette.background import BackgroundTasks as StarletteBackgroundTasks
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from ..background import BackgroundTasks
from ..concurrency import contextmanager_in_threadpool
from ..dependencies.models import Dependant
from .._plan.callables import is_async_gen_callable, is_coroutine_callable, is_gen_callable
from .._plan.deps import cache_key, get_dependant
from .body import compile_body_extractor
from .exits import AsyncGeneratorDependency, DependencyExitStack, cleanup_shielded, outside_cancel_scopes
from .params import ParamFiller, compile_param_filler, parse_query_string, reads_single_keys

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
        if self._cookies is None:
            self._cookies = cookie_parser(self.headers.get("cookie", ""))
        return self._cookies

    def open_exit_stacks(self) -> None:
        """Give the request its exit stacks (a context made from a bare scope opens them on demand)."""
        raise AssertionError("fastapi_inner_astack not found in request scope")

    def cleanup_scope(self) -> CancelScope | None:
        """The cancel scope shielding cleanups of dependencies with yield (None: none needed)."""
        return _cleanup_scope(self)

    def sub_response(self) -> Response:
        """The ``Response`` parameter object: headers, cookies and status set by endpoint code."""
        if self.response is None:
            response = Response()
            del response.headers["content-length"]
            response.status_code = None  # type: ignore[assignment]
            self.response = response
        return self.response


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

    def open_exit_stacks(self) -> None:
        """Open the exit stacks, on the first dependency with yield (``_finish_in_stacks`` closes them)."""
        self.scope["fastapi_inner_astack"] = self.request_stack = DependencyExitStack()
        self.scope["fastapi_function_astack"] = self.function_stack = DependencyExitStack()

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

    @property  # type: ignore[override]
    def connection(self) -> Request:
        request = self._request
        if request is None:
            request = self._request = Request(self.scope, self.receive, self.send)
            if self.raw_body is not None:
                # Starlette keeps a read body on the request; give it the one read here.
                request._body = self.raw_body
        return request


Solver = Callable[[RequestContext], Awaitable[tuple[dict[str, Any], list[Any]]]]
Runner = Callable[[RequestContext, dict[str, Any]], Awaitable[Any]]


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


def _generator_context(call: Callable[..., Any], is_async: bool) -> Callable[[RequestContext, dict[str, Any]], Any]:
    """How to turn a generator dependency into the context manager its exit stack enters."""
    if not is_async:
        return lambda ctx, kwargs: contextmanager_in_threadpool(contextmanager(call)(**kwargs))

    def shielded(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
        cleanup_scope = ctx.cleanup_scope()
        if cleanup_scope is None:
            return AsyncGeneratorDependency(call(**kwargs))
        return cleanup_shielded(AsyncGeneratorDependency(call(**kwargs)), cleanup_scope)

    return shielded


def _is_plain_coroutine(call: Callable[..., Any]) -> bool:
    return is_coroutine_callable(call) and not (is_async_gen_callable(call) or is_gen_callable(call))


def compile_runner(dependant: Dependant) -> Runner:
    """How to call the node's callable: awaited, in a thread, or entered as a context manager."""
    call = dependant.call
    assert call is not None
    concurrency = dependant.concurrency
    if is_async_gen_callable(call) or is_gen_callable(call):
        return _generator_runner(call, is_async_gen_callable(call), dependant.scope == "function", concurrency)
    if concurrency is not None:
        return _limited_runner(call, concurrency)
    if is_coroutine_callable(call):

        async def run_coroutine(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
            return await call(**kwargs)

        return run_coroutine

    async def run_in_thread(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
        return await run_in_threadpool(call, **kwargs)

    return run_in_thread


def _generator_runner(call: Callable[..., Any], is_async: bool, function_scoped: bool, concurrency: Any) -> Runner:
    make_context = _generator_context(call, is_async)

    async def run_generator(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
        if ctx.request_stack is None:
            ctx.open_exit_stacks()
        cm = make_context(ctx, kwargs)
        stack = ctx.function_stack if function_scoped else ctx.request_stack
        assert stack is not None
        if concurrency is None:
            return await stack.enter_async_context(cm)
        return await stack.enter_async_context(_limited(cm, concurrency))

    return run_generator


def _limited_runner(call: Callable[..., Any], concurrency: Any) -> Runner:
    is_coroutine = is_coroutine_callable(call)

    async def run_limited(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
        async with concurrency.get_semaphore():
            if is_coroutine:
                return await call(**kwargs)
            return await run_in_threadpool(call, **kwargs)

    return run_limited


@asynccontextmanager
async def _limited(cm: Any, concurrency: Any) -> Any:
    async with concurrency.get_semaphore():
        async with cm as value:
            yield value


class _Child:
    """A sub-dependency as compiled, plus lazily compiled replacements for its overrides."""

    __slots__ = ("dependant", "name", "call", "key", "use_cache", "run", "direct", "embed_body_fields", "_overridden")

    def __init__(self, dependant: Dependant, key: Any, embed_body_fields: bool) -> None:
        self.dependant = dependant
        self.name = dependant.name
        self.call = dependant.call
        self.key = key
        self.use_cache = dependant.use_cache
        self.embed_body_fields = embed_body_fields
        self.run = compile_runner(dependant)
        # A plain ``async def`` (no limit, no yield) is awaited directly: no runner frame.
        plain = self.call is not None and dependant.concurrency is None and _is_plain_coroutine(self.call)
        self.direct: Callable[..., Awaitable[Any]] | None = self.call if plain else None
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


# (Dependant attribute, location, RequestContext attribute holding that location's values)
_SOURCES = (
    ("path_params", "path", "path_params"),
    ("query_params", "query", "query_params"),
    ("header_params", "header", "headers"),
    ("cookie_params", "cookie", "cookies"),
)


# Cheaper sources where every field is read by one key (``compile_param_filler(raw=True)``).
_RAW_SOURCES = {"query": "query_values", "header": "raw_headers"}


def _param_fillers(dependant: Dependant) -> list[tuple[Callable[[RequestContext], Any], ParamFiller]]:
    """(source getter, filler) for each location the node reads, in FastAPI's order."""
    fillers = []
    for fields_attribute, location, source_attribute in _SOURCES:
        fields = getattr(dependant, fields_attribute)
        raw = location in _RAW_SOURCES and reads_single_keys(fields)
        fill = compile_param_filler(fields, location, raw=raw)
        if fill is not None:
            fillers.append((attrgetter(_RAW_SOURCES[location] if raw else source_attribute), fill))
    return fillers


def has_inputs(dependant: Dependant) -> bool:
    """Whether solving *dependant* reads anything (sub-dependencies, parameters, framework objects)."""
    return bool(
        dependant.dependencies
        or dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or _specials(dependant) is not None
    )


# What the steps of a compiled solver do (see ``compile_solver``).
_FILL, _ENTER, _EXIT, _BODY, _SPECIALS = range(5)
Step = tuple[int, Any, Any]


def compile_solver(dependant: Dependant, *, embed_body_fields: bool) -> Solver:
    """Compile the node and its subtree into one flat list of steps, run by one coroutine.

    The steps are FastAPI's order: for each sub-dependency, its own subtree, then (if that
    subtree found no errors) the call itself; then this node's path/query/header/cookie
    and body values, then the framework objects it asked for. ``ctx.overrides``
    (``dependency_overrides``) is consulted for each sub-dependency as it is reached: an
    overridden one is solved by its replacement's own solver and its steps are skipped.
    """
    steps: list[Step] = []
    _emit_steps(dependant, steps, embed_body_fields, {})
    return _flat_solver(tuple(steps))


def _emit_steps(dependant: Dependant, steps: list[Step], embed_body_fields: bool, memo: dict[int, bool]) -> None:
    for sub in dependant.dependencies:
        child = _Child(sub, cache_key(sub, memo), embed_body_fields)
        enter_at = len(steps)
        steps.append((_ENTER, child, None))
        _emit_steps(sub, steps, embed_body_fields, memo)
        steps[enter_at] = (_ENTER, child, len(steps))  # where its _EXIT step is
        steps.append((_EXIT, child, None))
    for source, fill in _param_fillers(dependant):
        steps.append((_FILL, fill, source))
    if dependant.body_params:
        steps.append((_BODY, compile_body_extractor(dependant.body_params, embed_body_fields), None))
    fill_specials = _specials(dependant)
    if fill_specials is not None:
        steps.append((_SPECIALS, fill_specials, None))


def _flat_solver(steps: tuple[Step, ...]) -> Solver:
    count = len(steps)

    async def solve(ctx: RequestContext) -> tuple[dict[str, Any], list[Any]]:
        values: dict[str, Any] = {}  # the arguments of the node being solved
        errors: list[Any] = []
        frames: list[tuple[dict[str, Any], int]] = []  # (parent's arguments, errors before this node)
        cache, overrides = ctx.cache, ctx.overrides
        index = 0
        while index < count:
            op, target, extra = steps[index]
            index += 1
            if op == _FILL:
                target(extra(ctx), values, errors)
            elif op == _ENTER:
                if overrides and target.call in overrides:
                    await _solve_overridden(target, ctx, values, errors, overrides[target.call])
                    index = extra + 1
                else:
                    frames.append((values, len(errors)))
                    values = {}
            elif op == _EXIT:
                parent, errors_before = frames.pop()
                if len(errors) == errors_before:  # nothing wrong in this dependency's subtree
                    parent_name, key = target.name, target.key
                    if target.use_cache and key in cache:
                        value = cache[key]
                    elif target.direct is not None:
                        value = await target.direct(**values)
                    else:
                        value = await target.run(ctx, values)
                    if parent_name is not None:
                        parent[parent_name] = value
                    if key not in cache:
                        cache[key] = value
                values = parent
            elif op == _BODY:
                _collect(await target(ctx.body), values, errors)
            else:
                target(ctx, values)
        return values, errors

    return solve


async def _solve_overridden(
    child: _Child, ctx: RequestContext, values: dict[str, Any], errors: list[Any], replacement: Callable[..., Any]
) -> None:
    """Solve and run *replacement* in *child*'s place (FastAPI resolves overrides per request)."""
    solve, run = child.overridden(replacement)
    child_values, child_errors = await solve(ctx)
    if child_errors:
        errors.extend(child_errors)
        return
    cache, key = ctx.cache, child.key
    value = cache[key] if child.use_cache and key in cache else await run(ctx, child_values)
    if child.name is not None:
        values[child.name] = value
    if key not in cache:
        cache[key] = value


def _collect(result: tuple[dict[str, Any], list[Any]], values: dict[str, Any], errors: list[Any]) -> None:
    values.update(result[0])
    errors.extend(result[1])
