"""Narrowing the routes a request must be matched against by its first path segment.

A route whose path starts with a literal segment (``/items/{id}``, ``Mount("/static")``)
can only match requests whose path starts with that segment; routes that start with a
parameter, hosts and custom routes may match anything. Each bucket keeps declaration
order, so scanning a bucket gives exactly the result of scanning every route. The index
covers the routes the router serves (included routers flattened, see ``tree``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from starlette import routing

from .._patch_points import PatchPoint
from .._plan.route_classes import ROUTE_CLASSES, api_route_class
from .tree import flatten

ANYWHERE = object()


@functools.cache
def _stock_route_classes() -> tuple[type[Any], ...]:
    websocket_route = ROUTE_CLASSES.api_websocket_route
    assert websocket_route is not None
    # The most common class first: the check below stops at the first class that matches.
    return (api_route_class(), websocket_route, routing.Route, routing.WebSocketRoute, routing.Mount)


@functools.cache
def _stock_matches() -> tuple[Any, ...]:
    """The route classes' own ``matches`` (an override or a replacement of one is not)."""
    return tuple(PatchPoint(cls, "matches").original for cls in _stock_route_classes())


def _matches_by_path(route: Any) -> bool:
    """Whether *route* matches with the stock path-regex logic (custom ``matches`` may not)."""
    return isinstance(route, _stock_route_classes()) and type(route).matches in _stock_matches()


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

    def invalidate(self) -> None:
        self._routes = None

    def _rebuild(self, routes: list[Any]) -> None:
        # One pass: a bucket starts with the routes that may match anywhere declared
        # before its first route, and every later such route joins every bucket.
        buckets: dict[str, list[Any]] = {}
        anywhere: list[Any] = []
        for route in flatten(routes):
            key = first_segment(route)
            if key is ANYWHERE:
                anywhere.append(route)
                for bucket in buckets.values():
                    bucket.append(route)
            else:
                found = buckets.get(key)
                if found is None:
                    found = buckets[key] = list(anywhere)
                found.append(route)
        self._buckets, self._anywhere = buckets, anywhere
        self._routes, self._count = routes, len(routes)

    def prepare(self, routes: list[Any]) -> None:
        """Build the index for *routes* unless it is built for them already."""
        if routes is not self._routes or len(routes) != self._count:
            self._rebuild(routes)

    def candidates(self, routes: list[Any], route_path: str) -> Sequence[Any]:
        """The routes, in declaration order, that could match *route_path*."""
        if routes is not self._routes or len(routes) != self._count:  # ``prepare``, without its call
            self._rebuild(routes)
        end = route_path.find("/", 1)
        bucket: Sequence[Any] = self._buckets.get(route_path[1:] if end < 0 else route_path[1:end], self._anywhere)
        return bucket
