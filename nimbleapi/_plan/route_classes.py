"""FastAPI's route classes as the engine sees them, told by ``nimbleapi.routing`` at import.

Imports go down only, so the engine does not import ``nimbleapi.routing``; yet dispatch,
the route indexes and the OpenAPI generator treat its classes specially (``APIRoute``'s
own ``matches`` is matched by the router itself, only ``APIRoute`` is documented), and
the generator walks included routers with its ``iter_route_contexts``.
``routing`` registers them once, when it is imported, before any application exists:
every module reading them runs after that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any


class RouteClasses:
    """The registered classes (None until ``nimbleapi.routing`` is imported)."""

    __slots__ = ("api_route", "api_websocket_route", "api_route_matches", "iter_route_contexts")

    def __init__(self) -> None:
        self.api_route: type[Any] | None = None
        self.api_websocket_route: type[Any] | None = None
        # APIRoute's own ``matches``: a route whose class still has it is matched by the router.
        self.api_route_matches: object = None
        # ``routing.iter_route_contexts``: the served routes, included routers walked into.
        self.iter_route_contexts: Callable[[Sequence[Any]], Iterator[Any]] | None = None


ROUTE_CLASSES = RouteClasses()


def register_route_classes(
    api_route: type[Any],
    api_websocket_route: type[Any],
    api_route_matches: object,
    iter_route_contexts: Callable[[Sequence[Any]], Iterator[Any]],
) -> None:
    ROUTE_CLASSES.api_route = api_route
    ROUTE_CLASSES.api_websocket_route = api_websocket_route
    ROUTE_CLASSES.api_route_matches = api_route_matches
    ROUTE_CLASSES.iter_route_contexts = iter_route_contexts


def api_route_class() -> type[Any]:
    """``nimbleapi.routing.APIRoute`` (registered at its import)."""
    cls = ROUTE_CLASSES.api_route
    assert cls is not None, "nimbleapi.routing registers its route classes when imported"
    return cls


def route_contexts(routes: Sequence[Any]) -> Iterator[Any]:
    """``nimbleapi.routing.iter_route_contexts(routes)`` (registered at its import)."""
    iterate = ROUTE_CLASSES.iter_route_contexts
    assert iterate is not None, "nimbleapi.routing registers its route classes when imported"
    return iterate(routes)
