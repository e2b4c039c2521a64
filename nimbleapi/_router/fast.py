"""A dictionary of static paths in front of Starlette's ordered route scan.

A request for a static path (no ``{param}``) goes straight to its route when no route
declared before it could also match that path; everything else (parameters, mounts,
405s, redirects, 404s) falls through to the full scan, which keeps Starlette's and
FastAPI's first-declared-wins semantics exactly. The table is built over the routes the
router serves (included routers flattened, see ``tree``) and rebuilt when the route list
changes (checked by identity and length: two comparisons per request) or when a router
below it changes (``invalidate``).
"""

from __future__ import annotations

from typing import Any

from starlette import convertors, routing

from .._plan.route_classes import ROUTE_CLASSES, api_route_class
from .index import ANYWHERE, first_segment
from .tree import flatten


def _is_static_api_route(route: Any) -> bool:
    return (
        isinstance(route, api_route_class())
        and "{" not in route.path
        and type(route).matches is ROUTE_CLASSES.api_route_matches
    )


# Convertors whose values never contain "/" (path and custom convertors may).
_ONE_SEGMENT_CONVERTORS = (
    convertors.StringConvertor,
    convertors.IntegerConvertor,
    convertors.FloatConvertor,
    convertors.UUIDConvertor,
)


def _shape_key(route: Any, segment: str) -> tuple[str, int | None]:
    """First segment and number of segments of the paths *route* can match (None: any number)."""
    convertors = getattr(route, "param_convertors", {}).values()
    if isinstance(route, routing.Mount) or not all(isinstance(c, _ONE_SEGMENT_CONVERTORS) for c in convertors):
        return (segment, None)
    return (segment, route.path.count("/"))


def _may_match(route: Any, path: str) -> bool:
    """Whether *route* could claim *path* (conservative: unknown route kinds say yes)."""
    if isinstance(route, (routing.Route, routing.WebSocketRoute)):
        return route.path_regex.match(path) is not None
    if isinstance(route, routing.Mount):
        return route.path_regex.match(path) is not None or path.startswith(route.path.rstrip("/") + "/")
    return True


class StaticRouteTable:
    """``by_path[path][method]``: the route of a static path, for the routes it was built for
    (``built_for``, then ``count`` of them); the dispatcher reads these directly."""

    __slots__ = ("built_for", "count", "by_path")

    def __init__(self) -> None:
        self.built_for: list[Any] | None = None
        self.count = -1
        self.by_path: dict[str, dict[str, Any]] = {}

    def invalidate(self) -> None:
        self.built_for = None

    def _rebuild(self, routes: list[Any]) -> None:
        table: dict[str, dict[str, Any]] = {}
        # Which earlier routes could claim a static path first: never another static route
        # (its path is its only match; the same path is settled by setdefault below), and
        # only routes sharing the first segment and, without a ``:path`` parameter, the
        # number of segments -- or routes that may match anything. Keeps the rebuild close
        # to linear in the number of routes.
        earlier: dict[Any, list[Any]] = {}
        earlier_anywhere: list[Any] = []
        for route in flatten(routes):
            segment = first_segment(route)
            if _is_static_api_route(route):
                if segment is not ANYWHERE:
                    self._add_if_unclaimed(table, route, segment, earlier, earlier_anywhere)
                continue
            if segment is ANYWHERE:
                earlier_anywhere.append(route)
            else:
                earlier.setdefault(_shape_key(route, segment), []).append(route)
        self.by_path = table
        self.built_for, self.count = routes, len(routes)

    @staticmethod
    def _add_if_unclaimed(
        table: dict[str, dict[str, Any]],
        route: Any,
        segment: str,
        earlier: dict[Any, list[Any]],
        earlier_anywhere: list[Any],
    ) -> None:
        path = route.path
        blockers = (
            *earlier.get((segment, path.count("/")), ()),
            *earlier.get((segment, None), ()),
            *earlier_anywhere,
        )
        if any(_may_match(blocker, path) for blocker in blockers):
            return
        by_method = table.setdefault(path, {})
        for method in route.methods:
            by_method.setdefault(method, route)

    def prepare(self, routes: list[Any]) -> None:
        """Build the table for *routes* unless it is built for them already."""
        if routes is not self.built_for or len(routes) != self.count:
            self._rebuild(routes)
