"""The routes a router serves, flattened from its tree of included routers.

``include_router`` keeps the included router as one node in ``router.routes``
(FastAPI's ``_IncludedRouter``): the tree is what code walking ``app.routes`` sees.
Requests are matched against a flat list instead: each node is replaced, in place and
in order, by the routes it serves under its include settings. Flattening keeps the
first-match-wins order of the nested scan (a node matches where its first matching
route would), so the dispatch tables in ``fast`` and ``index`` work on it unchanged.

The flat list is built when first needed after a change. A router that changes marks
itself and every router that includes it stale (``ServedRoutes.invalidate``); direct
edits of ``router.routes`` are noticed the way the dispatch tables notice them, by the
list's identity and length. Per request this costs three comparisons.

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


class ServedRoutes:
    """One router's flat route list (and its low-priority routes), rebuilt after a change."""

    __slots__ = ("_source", "_count", "_routes", "_low_priority", "_has_nodes")

    def __init__(self) -> None:
        self.invalidate()

    def invalidate(self) -> None:
        self._source: list[Any] | None = None
        self._count = -1
        self._routes: list[Any] = []
        self._low_priority: list[Any] | None = None
        self._has_nodes = False

    def get(self, routes: list[Any]) -> list[Any]:
        if routes is self._source and len(routes) == self._count:
            return self._routes
        return self._rebuild(routes)

    def _rebuild(self, routes: list[Any]) -> list[Any]:
        self._has_nodes = any(hasattr(route, "served_routes") for route in routes)
        # Without nodes the router serves its own list: direct edits are seen at once.
        self._routes = flatten(routes) if self._has_nodes else routes
        self._low_priority = None
        self._source, self._count = routes, len(routes)
        return self._routes

    def low_priority(self, routes: list[Any], own: list[Any]) -> list[Any]:
        """*own* low-priority routes, then those the included routers bring, in order."""
        self.get(routes)
        if not self._has_nodes:
            return own
        if self._low_priority is None:
            included = [
                served
                for route in routes
                if hasattr(route, "effective_low_priority_routes")
                for served in route.effective_low_priority_routes()
            ]
            self._low_priority = [*own, *included]
        return self._low_priority


# -- scope["fastapi"] entries ----------------------------------------------------------------


def fastapi_scope(scope: MutableMapping[str, Any]) -> dict[str, Any]:
    state = scope.get(SCOPE_KEY)
    if state is None:
        state = scope[SCOPE_KEY] = {}
    return state  # type: ignore[no-any-return]


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
