"""Choosing the route for a request: Starlette's matching rules with a static fast path.

Order, as in Starlette and FastAPI: the first route that fully matches wins; else the
first partial match (a known path with another method: 405); else a ``redirect_slashes``
redirect to a route; else low-priority routes (frontend builds, FastAPI 0.165 order: a
route's slash redirect beats a frontend file); else the router's default (404).
"""

from __future__ import annotations

from typing import Any

from starlette._utils import get_route_path
from starlette.datastructures import URL
from starlette.responses import RedirectResponse
from starlette.routing import Match
from starlette.types import Receive, Scope, Send


async def dispatch(router: Any, scope: Scope, receive: Receive, send: Send) -> None:
    if "router" not in scope:
        scope["router"] = router
    if scope["type"] == "lifespan":
        await router.lifespan(scope, receive, send)
        return
    route = router._static_table.lookup(router.routes, scope)
    if route is not None:
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = {**scope.get("path_params", {})}
        await route.handle(scope, receive, send)
        return
    partial = partial_scope = None
    for route in router._segment_index.candidates(router.routes, get_route_path(scope)):
        match, child_scope = route.matches(scope)
        if match is Match.FULL:
            scope["route"] = route
            scope.update(child_scope)
            await route.handle(scope, receive, send)
            return
        if match is Match.PARTIAL and partial is None:
            partial, partial_scope = route, child_scope
    if partial is not None:
        scope["route"] = partial
        scope.update(partial_scope)
        await partial.handle(scope, receive, send)
        return
    if await _redirect_slashes(router, scope, receive, send):
        return
    if await router.handle_low_priority(scope, receive, send):
        return
    await router.default(scope, receive, send)


async def _redirect_slashes(router: Any, scope: Scope, receive: Receive, send: Send) -> bool:
    route_path = get_route_path(scope)
    if scope["type"] != "http" or not router.redirect_slashes or route_path == "/":
        return False
    toggled = route_path.rstrip("/") if route_path.endswith("/") else route_path + "/"
    candidates = router._segment_index.candidates(router.routes, toggled or "/")
    if not candidates:  # most 404s: nothing could match the other spelling either
        return False
    redirect_scope = dict(scope)
    if route_path.endswith("/"):
        redirect_scope["path"] = redirect_scope["path"].rstrip("/")
    else:
        redirect_scope["path"] = redirect_scope["path"] + "/"
    for route in candidates:
        match, _ = route.matches(redirect_scope)
        if match is not Match.NONE:
            await RedirectResponse(url=str(URL(scope=redirect_scope)))(scope, receive, send)
            return True
    return False
