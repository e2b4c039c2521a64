"""The routes a router serves, flattened from its tree of included routers.

``include_router`` keeps the included router as one node in ``router.routes``
(FastAPI's ``_IncludedRouter``): the tree is what code walking ``app.routes`` sees.
Requests are matched against a flat list instead: each node is replaced, in place and
in order, by the routes it serves under its include settings. Flattening keeps the
first-match-wins order of the nested scan (a node matches where its first matching
route would), so the dispatch tables in ``fast`` and ``index`` work on it unchanged.

The dispatch tables flatten when they are (re)built: after a direct edit of
``router.routes`` (noticed by the list's identity and length, as before), or when a
router below changes: every ``add_*`` marks its router and the routers including it
stale (their tables' ``invalidate``). Per request this costs nothing.

A node expands through its ``served_routes()`` method; anything else is served as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from .._compile.errors import RECORDS_RESPONSE_START, records_response_start

# FastAPI parity: per-request framework state lives under scope["fastapi"].
SCOPE_KEY = "fastapi"
EFFECTIVE_CONTEXT_KEY = "effective_route_context"
INCLUDED_ROUTER_KEY = "included_router"
MISSING = object()


def flatten(routes: Iterable[Any]) -> list[Any]:
    """*routes* with every node replaced by the routes it serves."""
    flat: list[Any] = []
    for route in routes:
        expand: Callable[[], list[Any]] | None = getattr(route, "served_routes", None)
        if expand is None:
            flat.append(route)
        else:
            flat.extend(expand())
    return flat


class IncludedLowPriorityRoutes:
    """The low-priority routes (frontend builds) a router's included routers bring, in order."""

    __slots__ = ("_source", "_count", "_routes")

    def __init__(self) -> None:
        self._source: list[Any] | None = None
        self._count = -1
        self._routes: list[Any] = []

    def invalidate(self) -> None:
        self._source = None

    def after(self, own: list[Any], routes: list[Any]) -> list[Any]:
        """*own* low-priority routes, then those of the included routers among *routes*."""
        if routes is not self._source or len(routes) != self._count:
            self._routes = [
                served
                for route in routes
                if hasattr(route, "effective_low_priority_routes")
                for served in route.effective_low_priority_routes()
            ]
            self._source, self._count = routes, len(routes)
        return [*own, *self._routes] if self._routes else own


# -- scope["fastapi"] entries ----------------------------------------------------------------


def fastapi_scope(scope: MutableMapping[str, Any]) -> dict[str, Any]:
    state = scope.get(SCOPE_KEY)
    if state is None:
        state = scope[SCOPE_KEY] = {}
    return state


def scope_entry(scope: Scope, key: str) -> Any:
    state = scope.get(SCOPE_KEY)
    return state.get(key) if isinstance(state, dict) else None


def restore_entry(scope: Scope, key: str, previous: Any) -> None:
    """Put back what *key* held before a tentative match set it."""
    state = scope.get(SCOPE_KEY)
    if not isinstance(state, dict):
        return
    if previous is MISSING:
        state.pop(key, None)
    else:
        state[key] = previous


def matching_with(scope: Scope, key: str, value: Any, matches: Callable[[Scope], tuple[Match, Scope]]) -> tuple[Match, Scope]:
    """``matches(scope)`` with ``scope["fastapi"][key]`` set to *value* meanwhile."""
    state = fastapi_scope(scope)
    previous = state.get(key, MISSING)
    state[key] = value
    try:
        return matches(scope)
    finally:
        restore_entry(scope, key, previous)


def entering_context(context: Any, route: Any, app: ASGIApp) -> ASGIApp:
    """*app*, announcing the served route as FastAPI does: ``scope["route"]`` is the route
    as declared, ``scope["fastapi"]["effective_route_context"]`` its included form."""

    async def enter(scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = route
        fastapi_scope(scope)[EFFECTIVE_CONTEXT_KEY] = context
        await app(scope, receive, send)

    if getattr(app, RECORDS_RESPONSE_START, False):
        records_response_start(enter)
    return enter


class ContextRoute(BaseRoute):
    """Serves an included route whose class has its own ``matches`` or ``handle``.

    The declared route's methods run, with its included form in the scope, as in FastAPI.
    """

    def __init__(self, context: Any) -> None:
        self.context = context
        self.route = context.original_route

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return matching_with(scope, EFFECTIVE_CONTEXT_KEY, self.context, self.route.matches)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        fastapi_scope(scope)[EFFECTIVE_CONTEXT_KEY] = self.context
        scope["route"] = self.route
        await self.route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        return self.context.url_path_for(name, **path_params)
