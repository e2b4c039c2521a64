"""Running a dependency tree for one request, from steps compiled once per route.

``compile_solver(dependant)`` flattens the analysed tree at start-up into one list of
steps and returns ``solve(ctx) -> (values, errors)``, run by a single coroutine:
children first (FastAPI's order), then each node's path/query/header/cookie/body values,
then the framework objects it asked for. ``dependency_overrides`` are looked up as each
sub-dependency is reached (so an override installed mid-request applies at once); a
replacement is analysed the first time it is seen and its compiled form kept, never
re-analysed per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager, contextmanager
from operator import attrgetter
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.websockets import WebSocket

from .._plan.callables import is_async_gen_callable, is_coroutine_callable, is_gen_callable
from .._plan.deps import cache_key, get_dependant
from ..background import BackgroundTasks
from ..dependencies.models import Dependant
from .._plan.route_plan import NodePlan, plan_node
from .._plan.scopes import SecurityScopes
from .body import compile_node_body_extractor
from .codegen import Writer, generate_solver, solver_title, write_solver_steps
from .context import RequestContext as RequestContext
from .context import ScopeContext as ScopeContext
from .._plan.lifespan import LIFESPAN
from .exits import AsyncGeneratorDependency, cleanup_shielded
from .lifespan import compile_lifespan_lookup, solve_nothing
from .params import ParamFiller, compile_plans_filler
from .threads import contextmanager_in_threadpool, release_thread_result, run_sync

Solver = Callable[[RequestContext], Awaitable[tuple[dict[str, Any], list[Any]]]]
Runner = Callable[[RequestContext, dict[str, Any]], Awaitable[Any]]


def _is_plain_coroutine(call: Callable[..., Any]) -> bool:
    return is_coroutine_callable(call) and not (is_async_gen_callable(call) or is_gen_callable(call))


def compile_runner(dependant: Dependant) -> Runner:
    """How to call the node's callable: awaited, in a thread, or entered as a context manager."""
    call = dependant.call
    assert call is not None
    if dependant.scope == LIFESPAN:
        return compile_lifespan_lookup(call)
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
        try:
            return await run_sync(call, **kwargs)
        except BaseException as exc:
            release_thread_result(exc)
            raise

    return run_in_thread


def _generator_runner(call: Callable[..., Any], is_async: bool, function_scoped: bool, concurrency: Any) -> Runner:
    if is_async and concurrency is None:

        async def run_async_generator(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
            return await ctx.enter_async_generator(call(**kwargs), function_scoped)

        return run_async_generator

    async def run_generator(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
        stack = ctx.exit_stack(function_scoped)
        if is_async:
            cm: Any = AsyncGeneratorDependency(call(**kwargs))
            cleanup_scope = ctx.cleanup_scope()
            if cleanup_scope is not None:
                cm = cleanup_shielded(cm, cleanup_scope)
        else:
            cm = contextmanager_in_threadpool(contextmanager(call)(**kwargs))
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
            try:
                return await run_in_threadpool(call, **kwargs)
            except BaseException as exc:
                release_thread_result(exc)
                raise

    return run_limited


@asynccontextmanager
async def _limited(cm: Any, concurrency: Any) -> Any:
    async with concurrency.get_semaphore():
        async with cm as value:
            yield value


class _Child:
    """A sub-dependency as compiled, plus lazily compiled replacements for its overrides."""

    __slots__ = (
        "dependant", "name", "call", "key", "use_cache", "run", "direct", "entered", "function_scoped",
        "embed_body_fields", "_overridden",
    )

    def __init__(self, dependant: Dependant, key: Any, embed_body_fields: bool) -> None:
        self.dependant = dependant
        self.name = dependant.name
        self.call = dependant.call
        self.key = key
        self.use_cache = dependant.use_cache
        self.embed_body_fields = embed_body_fields
        self.run = compile_runner(dependant)
        # Started with the application, a lifespan-scoped value is only looked up (by ``run``).
        call = self.call if dependant.concurrency is None and dependant.scope != LIFESPAN else None
        # A plain ``async def`` (no limit, no yield) is awaited directly: no runner frame.
        plain = call is not None and _is_plain_coroutine(call)
        self.direct: Callable[..., Awaitable[Any]] | None = self.call if plain else None
        # An async generator (no limit) is entered on the request's exit stack directly: no runner frame.
        entered = call is not None and is_async_gen_callable(call)
        self.entered: Callable[..., Any] | None = self.call if entered else None
        self.function_scoped = dependant.scope == "function"
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
        if original.scope == LIFESPAN:  # the replacement was started in its place (``_lifespan``)
            return solve_nothing, self.run
        dependant = get_dependant(
            path=original.path or "",
            call=replacement,
            name=original.name,
            parent_oauth_scopes=original.oauth_scopes,
            scope=original.scope,
            concurrency=original.concurrency,
        )
        return compile_solver(dependant, embed_body_fields=self.embed_body_fields), compile_runner(dependant)


def _connection_setter(name: str, kind: type[Any]) -> Callable[[RequestContext, dict[str, Any]], None]:
    """Pass the connection as *name* when it is a *kind* (a Request parameter gets no WebSocket)."""

    def set_connection(ctx: RequestContext, values: dict[str, Any]) -> None:
        connection = ctx.connection
        if isinstance(connection, kind):
            values[name] = connection

    return set_connection


def _specials(dependant: Dependant) -> Callable[[RequestContext, dict[str, Any]], None] | None:
    """Fill in Request/WebSocket/Response/BackgroundTasks/SecurityScopes parameters."""
    setters: list[Callable[[RequestContext, dict[str, Any]], None]] = []
    if dependant.http_connection_param_name:
        name_c = dependant.http_connection_param_name
        setters.append(lambda ctx, values: values.__setitem__(name_c, ctx.connection))
    if dependant.request_param_name:
        setters.append(_connection_setter(dependant.request_param_name, Request))
    if dependant.websocket_param_name:
        setters.append(_connection_setter(dependant.websocket_param_name, WebSocket))
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


# The RequestContext attribute holding each location's values.
_SOURCES = {"path": "path_params", "query": "query_params", "header": "headers", "cookie": "cookies"}


# Cheaper sources where every field is read by one key (see ``compile_param_filler``).
_RAW_SOURCES = {"query": "query_values", "header": "raw_headers"}

# One getter per RequestContext attribute, shared (generated solvers name each one once).
_GETTERS = {name: attrgetter(name) for name in (*_SOURCES.values(), *_RAW_SOURCES.values())}


def _param_fillers(node: NodePlan) -> list[tuple[Callable[[RequestContext], Any], ParamFiller]]:
    """(source getter, filler) for each location the node reads, in FastAPI's order."""
    fillers: list[tuple[Callable[[RequestContext], Any], ParamFiller]] = []
    for location, plans in node.params:
        compiled = compile_plans_filler(plans, raw_source=location in _RAW_SOURCES)
        if compiled is not None:
            fill, raw = compiled
            fillers.append((_GETTERS[_RAW_SOURCES[location] if raw else _SOURCES[location]], fill))
    return fillers


def has_specials(dependant: Dependant) -> bool:
    """Whether *dependant* asks for framework objects (Request, Response, BackgroundTasks...)."""
    return _specials(dependant) is not None


def has_inputs(dependant: Dependant) -> bool:
    """Whether solving *dependant* reads anything (sub-dependencies, parameters, framework objects)."""
    return bool(
        dependant.dependencies
        or dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or has_specials(dependant)
    )


# What the steps of a compiled solver do (see ``compile_solver``).
_FILL, _ENTER, _EXIT, _BODY, _SPECIALS = range(5)
Step = tuple[int, Any, Any]


def compile_solver(dependant: Dependant, *, embed_body_fields: bool, title: str | None = None) -> Solver:
    """Compile the node and its subtree into one flat list of steps, run by one coroutine.

    The steps are FastAPI's order: for each sub-dependency, its own subtree, then (if that
    subtree found no errors) the call itself; then this node's path/query/header/cookie
    and body values, then the framework objects it asked for. ``ctx.overrides``
    (``dependency_overrides``) is consulted for each sub-dependency as it is reached: an
    overridden one is solved by its replacement's own solver and its steps are skipped.
    *title* names the generated code in tracebacks (``solver_title``: the route's methods,
    path and endpoint); by default the dependant's path and callable.
    """
    steps = solver_steps(dependant, embed_body_fields)
    if not dependant.dependencies:  # a few reads: the loop is as quick, and costs no compiling
        return _flat_solver(steps)
    if title is None:
        title = solver_title(None, dependant.path or "", dependant.call)
    generated = generate_solver(steps, _KINDS, _GENERATED_HELPERS, title)
    return generated if generated is not None else _flat_solver(steps)


def solver_steps(dependant: Dependant, embed_body_fields: bool) -> tuple[Step, ...]:
    """The node and its subtree as one flat list of steps (see ``compile_solver``)."""
    steps: list[Step] = []
    _emit_steps(dependant, steps, embed_body_fields, {})
    return tuple(steps)


def write_solver(writer: Writer, dependant: Dependant, embed_body_fields: bool) -> bool:
    """Write the code solving *dependant* (see ``codegen.write_solver_steps``) with the
    helpers it calls; False when the tree is too deep for generated code."""
    for name, helper in _GENERATED_HELPERS.items():
        writer.names[name] = helper
    return write_solver_steps(writer, solver_steps(dependant, embed_body_fields), _KINDS)


_KINDS = (_FILL, _ENTER, _EXIT, _BODY, _SPECIALS)


def compile_reader(dependant: Dependant) -> Callable[[RequestContext], tuple[dict[str, Any], list[Any]]] | None:
    """``read(ctx) -> (values, errors)`` without a coroutine, for a node that only reads
    parameters (and framework objects): no sub-dependencies, no body. None otherwise."""
    if dependant.dependencies or dependant.body_params:
        return None
    fillers = tuple(_param_fillers(plan_node(dependant, embed_body_fields=False)))  # a node without a body
    fill_specials = _specials(dependant)

    def read(ctx: RequestContext) -> tuple[dict[str, Any], list[Any]]:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for source, fill in fillers:
            fill(source(ctx), values, errors)
        if fill_specials is not None:
            fill_specials(ctx, values)
        return values, errors

    return read


def _emit_steps(dependant: Dependant, steps: list[Step], embed_body_fields: bool, memo: dict[int, bool]) -> None:
    for sub in dependant.dependencies:
        child = _Child(sub, cache_key(sub, memo), embed_body_fields)
        enter_at = len(steps)
        steps.append((_ENTER, child, None))
        if sub.scope != LIFESPAN:  # a lifespan-scoped subtree was solved at start-up
            _emit_steps(sub, steps, embed_body_fields, memo)
        steps[enter_at] = (_ENTER, child, len(steps))  # where its _EXIT step is
        steps.append((_EXIT, child, None))
    node = plan_node(dependant, embed_body_fields)
    for source, fill in _param_fillers(node):
        steps.append((_FILL, fill, source))
    if node.body is not None:
        steps.append((_BODY, compile_node_body_extractor(node.body), None))
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


_GENERATED_HELPERS = {"solve_overridden": _solve_overridden, "collect": _collect}
