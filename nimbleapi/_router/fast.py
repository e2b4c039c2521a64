"""A dictionary of static paths in front of Starlette's ordered route scan.

A request for a static path (no ``{param}``) goes straight to its route when no route
declared before it could also match that path; everything else (parameters, mounts,
405s, redirects, 404s) falls through to the full scan, which keeps Starlette's and
FastAPI's first-declared-wins semantics exactly. The table is rebuilt when the route
list changes (checked by identity and length: two comparisons per request).
"""

from __future__ import annotations

from typing import Any

from starlette import routing
from starlette._utils import get_route_path
from starlette.types import Scope


def _is_static_api_route(route: Any) -> bool:
    from ..routing import APIRoute

    return (
        isinstance(route, APIRoute)
        and "{" not in route.path
        and type(route).matches is APIRoute.matches
    )


def _may_match(route: Any, path: str) -> bool:
    """Whether *route* could claim *path* (conservative: unknown route kinds say yes)."""
    if isinstance(route, (routing.Route, routing.WebSocketRoute)):
        return route.path_regex.match(path) is not None
    if isinstance(route, routing.Mount):
        return route.path_regex.match(path) is not None or path.startswith(route.path.rstrip("/") + "/")
    return True


class StaticRouteTable:
    __slots__ = ("_routes", "_count", "_table")

    def __init__(self) -> None:
        self._routes: list[Any] | None = None
        self._count = -1
        self._table: dict[str, dict[str, Any]] = {}

    def _rebuild(self, routes: list[Any]) -> None:
        table: dict[str, dict[str, Any]] = {}
        for index, route in enumerate(routes):
            if not _is_static_api_route(route):
                continue
            path = route.path
            blockers = (
                earlier for earlier in routes[:index] if not (_is_static_api_route(earlier) and earlier.path == path)
            )
            # A same-path static route before this one only claims its own methods (setdefault below).
            if any(_may_match(earlier, path) for earlier in blockers):
                continue
            by_method = table.setdefault(path, {})
            for method in route.methods:
                by_method.setdefault(method, route)
        self._table = table
        self._routes, self._count = routes, len(routes)

    def lookup(self, routes: list[Any], scope: Scope) -> Any:
        """The route that a full scan would pick for this HTTP request, or None to do the scan."""
        if scope["type"] != "http":
            return None
        if routes is not self._routes or len(routes) != self._count:
            self._rebuild(routes)
        by_method = self._table.get(get_route_path(scope) if scope.get("root_path") else scope["path"])
        if by_method is None:
            return None
        return by_method.get(scope["method"])
