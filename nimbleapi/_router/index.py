"""Narrowing the routes a request must be matched against by its first path segment.

A route whose path starts with a literal segment (``/items/{id}``, ``Mount("/static")``)
can only match requests whose path starts with that segment; routes that start with a
parameter, hosts and custom routes may match anything. Each bucket keeps declaration
order, so scanning a bucket gives exactly the result of scanning every route.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette import routing

ANYWHERE = object()


def _matches_by_path(route: Any) -> bool:
    """Whether *route* matches with the stock path-regex logic (custom ``matches`` may not)."""
    from ..routing import APIRoute, APIWebSocketRoute

    stock = (routing.Route, routing.WebSocketRoute, routing.Mount, APIRoute, APIWebSocketRoute)
    return isinstance(route, stock) and any(type(route).matches is cls.matches for cls in stock)


def first_segment(route: Any) -> Any:
    """The literal first segment *route* requires, or ``ANYWHERE``."""
    if not _matches_by_path(route):
        return ANYWHERE
    path = route.path
    if not path.startswith("/"):
        return ANYWHERE
    segment = path[1:].split("/", 1)[0]
    if "{" in segment or (isinstance(route, routing.Mount) and not segment):
        return ANYWHERE
    return segment


class FirstSegmentIndex:
    __slots__ = ("_routes", "_count", "_buckets", "_anywhere")

    def __init__(self) -> None:
        self._routes: list[Any] | None = None
        self._count = -1
        self._buckets: dict[str, list[Any]] = {}
        self._anywhere: list[Any] = []

    def _rebuild(self, routes: list[Any]) -> None:
        keys = [first_segment(route) for route in routes]
        literals = {key for key in keys if key is not ANYWHERE}
        self._buckets = {
            literal: [route for route, key in zip(routes, keys) if key is ANYWHERE or key == literal]
            for literal in literals
        }
        self._anywhere = [route for route, key in zip(routes, keys) if key is ANYWHERE]
        self._routes, self._count = routes, len(routes)

    def candidates(self, routes: list[Any], route_path: str) -> Sequence[Any]:
        """The routes, in declaration order, that could match *route_path*."""
        if routes is not self._routes or len(routes) != self._count:
            self._rebuild(routes)
        end = route_path.find("/", 1)
        return self._buckets.get(route_path[1:] if end < 0 else route_path[1:end], self._anywhere)
