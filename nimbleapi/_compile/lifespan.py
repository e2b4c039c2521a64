"""The request side of a lifespan-scoped dependency: one lookup of the value made at start-up.

The value lives on the application serving the request (``scope["app"]``), in the
``lifespan_dependencies`` registry its start-up filled (``nimbleapi._lifespan``). Its
subtree was solved at start-up too, so a request runs none of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .context import RequestContext

Runner = Callable[[RequestContext, dict[str, Any]], Awaitable[Any]]


class LifespanDependencyNotStarted(RuntimeError):
    """A request needs a lifespan-scoped dependency its application has not started."""


def compile_lifespan_lookup(call: Callable[..., Any]) -> Runner:
    """``run(ctx, kwargs)`` answering the value started for *call*: a dict lookup."""

    async def lifespan_value(ctx: RequestContext, kwargs: dict[str, Any]) -> Any:
        try:
            return ctx.scope["app"].lifespan_dependencies.values[call]
        except (KeyError, AttributeError):
            raise LifespanDependencyNotStarted(_not_started_message(call)) from None

    return lifespan_value


async def solve_nothing(ctx: RequestContext) -> tuple[dict[str, Any], list[Any]]:
    """The subtree of a lifespan-scoped dependency, per request: already solved at start-up."""
    return {}, []


def _not_started_message(call: Callable[..., Any]) -> str:
    name = getattr(call, "__qualname__", repr(call))
    return (
        f'The lifespan-scoped dependency {name} has no value: the application serving this request has not '
        "run its lifespan (start-up). Serve it with a server that runs the lifespan, and in tests use "
        "'with TestClient(app) as client:'."
    )
