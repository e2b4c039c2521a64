"""Starting and stopping an application's lifespan-scoped dependencies.

``Depends(get_pool, scope="lifespan")`` declares a value made once per application run.
When the application starts (after the application's own lifespan has started), every
lifespan-scoped dependency its routes use is made, in dependency order: a dependency's
own dependencies first, each callable once. ``yield`` dependencies are entered on one
exit stack, so shutdown closes them in reverse order, and so does a start-up that fails
half-way (what was made is closed, then the error propagates and the server does not
start). ``app.dependency_overrides`` present at start-up are honoured: the replacement
is made instead, so a test never opens the real pool.

Requests then read the value with one dict lookup (``_compile.lifespan``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from ._plan.callables import is_async_gen_callable, is_coroutine_callable, is_gen_callable
from ._plan.deps import get_dependant
from ._plan.lifespan import LIFESPAN, check_lifespan_dependency
from .concurrency import contextmanager_in_threadpool
from .dependencies.models import Dependant


@dataclass
class LifespanDependencies:
    """The values an application's lifespan-scoped dependencies have while it runs."""

    values: dict[Callable[..., Any], Any] = field(default_factory=dict)

    @asynccontextmanager
    async def started(self, app: Any) -> AsyncIterator[None]:
        """Make every value (in dependency order); close them in reverse on the way out.

        They are closed as at a normal shutdown even when start-up fails: the error is not
        theirs, so it is not thrown into their ``yield``.
        """
        stack = AsyncExitStack()
        made: dict[Any, Any] = {}
        try:
            for dependant in lifespan_dependants(app):
                self.values[dependant.call] = await _make(dependant, app.dependency_overrides, stack, made)  # type: ignore[index]
        except BaseException:
            self.values.clear()
            await stack.aclose()
            raise
        try:
            yield
        finally:
            self.values.clear()
            await stack.aclose()


def lifespan_dependants(app: Any) -> list[Dependant]:
    """The lifespan-scoped dependencies the application's routes use, first declared first."""
    from .routing import iter_route_contexts

    found: dict[Any, Dependant] = {}
    for context in iter_route_contexts(app.routes):
        dependant = getattr(context, "dependant", None)
        stack = [dependant] if dependant is not None else []
        while stack:
            node = stack.pop(0)
            if node.scope == LIFESPAN and node.call is not None:
                found.setdefault(node.call, node)
            else:
                stack[:0] = node.dependencies
    return list(found.values())


async def _make(dependant: Dependant, overrides: dict[Any, Any], stack: AsyncExitStack, made: dict[Any, Any]) -> Any:
    """The value of *dependant* (its own dependencies first), made once per start-up."""
    call = dependant.call
    assert call is not None
    replacement = overrides.get(call)
    if replacement is not None:
        dependant = get_dependant(path=dependant.path or "", call=replacement, name=dependant.name)
        check_lifespan_dependency(dependant, path=dependant.path or "", user=call)
        call = replacement
    if call in made:
        return made[call]
    arguments: dict[str, Any] = {}
    for sub in dependant.dependencies:
        value = await _make(sub, overrides, stack, made)
        if sub.name is not None:
            arguments[sub.name] = value
    made[call] = value = await _call(call, arguments, stack)
    return value


async def _call(call: Callable[..., Any], arguments: dict[str, Any], stack: AsyncExitStack) -> Any:
    if is_async_gen_callable(call):
        return await stack.enter_async_context(asynccontextmanager(call)(**arguments))
    if is_gen_callable(call):
        return await stack.enter_async_context(contextmanager_in_threadpool(contextmanager(call)(**arguments)))
    if is_coroutine_callable(call):
        return await call(**arguments)
    return await run_in_threadpool(call, **arguments)


class LifespanWithDependencies:
    """The application's lifespan, with its lifespan-scoped dependencies started inside it
    and, once both have started, its routes compiled (``APIRouter._prepare_to_serve``)."""

    def __init__(self, lifespan: Callable[[Any], Any], app: Any) -> None:
        self.lifespan = lifespan
        self.app = app

    def __call__(self, app: Any) -> Any:
        return self._run(app)

    @asynccontextmanager
    async def _run(self, app: Any) -> AsyncIterator[Any]:
        async with self.lifespan(app) as state:
            async with self.app.lifespan_dependencies.started(self.app):
                # Started: the routes are compiled now rather than by their first requests.
                prepare = getattr(self.app.router, "_prepare_to_serve", None)
                if prepare is not None:
                    prepare()
                yield state
