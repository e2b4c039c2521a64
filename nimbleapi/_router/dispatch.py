"""Choosing the route for a request: Starlette's matching rules with a static fast path.

Order, as in Starlette and FastAPI: the first route that fully matches wins; else the
first partial match (a known path with another method: 405); else a ``redirect_slashes``
redirect to a route; else low-priority routes (frontend builds, FastAPI 0.165 order: a
route's slash redirect beats a frontend file); else the router's default (404).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from .._starlette import get_route_path
from starlette.datastructures import URL
from starlette.responses import RedirectResponse
from starlette.routing import Match, Route, Router
from starlette.types import Receive, Scope, Send

from .._patch_points import PatchPoint
from .._plan.route_classes import ROUTE_CLASSES
from .._telemetry.observe import observe_redirect_route
from .tree import SCOPE_KEY, fastapi_scope
from .._compile.forms import pass_on_form_limits
from .._compile.errors import (
    RECORDS_RESPONSE_START,
    UNTRACKED_SEND_KEY,
    answer_not_found,
    records_response_start,
    recording_send,
)


def merged_into_fastapi_scope(scope: Scope, child_scope: dict[str, Any]) -> dict[str, Any]:
    """*child_scope* without its ``scope["fastapi"]`` entries, which are added to the request's
    own (a route's match keeps what routers put there, such as inherited form limits)."""
    child_scope = dict(child_scope)
    entries = child_scope.pop(SCOPE_KEY)
    if isinstance(entries, dict):
        fastapi_scope(scope).update(entries)
    return child_scope


def dispatch(router: Any, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
    """The router's ASGI app. A static path's route is handed the request directly (its
    app's coroutine is returned, so the request runs one frame less); anything else is
    matched by ``_dispatch_by_scan``."""
    if "router" not in scope:
        scope["router"] = router
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            return router.lifespan(scope, receive, send)  # type: ignore[no-any-return]
        return _dispatch_by_scan(router, scope, receive, send)
    if router.form_limits:
        pass_on_form_limits(scope, router.form_limits)
    # The static table (``StaticRouteTable.lookup``), read here without its call.
    routes, table = router.routes, router._static_table
    if routes is not table.built_for or len(routes) != table.count:
        table.prepare(routes)
    by_method = table.by_path.get(get_route_path(scope) if scope.get("root_path") else scope["path"])
    route = None if by_method is None else by_method.get(scope["method"])
    if route is None:
        return _dispatch_by_scan(router, scope, receive, send)
    scope["route"] = route
    scope["endpoint"] = route.endpoint
    outer = scope.get("path_params")
    scope["path_params"] = {**outer} if outer else {}
    # ``_handle_matched``, without its call, for the usual route.
    if type(route).handle is _API_ROUTE_HANDLE and Route.handle is _ROUTE_HANDLE:
        app = route.app
        if getattr(app, RECORDS_RESPONSE_START, False):
            return app(scope, receive, send)  # type: ignore[no-any-return]
    return _handle_matched(route, scope, receive, send)


async def _dispatch_by_scan(router: Any, scope: Scope, receive: Receive, send: Send) -> None:
    route_path = get_route_path(scope)
    partial: Any = None
    partial_scope: dict[str, Any] = {}
    candidates = router._segment_index.candidates(router.routes, route_path)
    for route in candidates:
        if type(route).matches is ROUTE_CLASSES.api_route_matches and scope["type"] == "http":
            regex_match = route.path_regex.match(route_path)
            if regex_match is None:
                continue
            child_scope = {"endpoint": route.endpoint, "path_params": _path_params(route, regex_match, scope)}
            match = Match.FULL if scope["method"] in route.methods else Match.PARTIAL
        else:
            match, child_scope = route.matches(scope)
            if SCOPE_KEY in child_scope:
                child_scope = merged_into_fastapi_scope(scope, child_scope)
        if match is Match.FULL:
            scope["route"] = route
            scope.update(child_scope)
            await _handle_matched(route, scope, receive, send)
            return
        if match is Match.PARTIAL and partial is None:
            partial, partial_scope = route, child_scope
    recorded_send = _recorded(scope, send)  # for what follows: none of it records the response start
    if partial is not None:
        scope["route"] = partial
        scope.update(partial_scope)
        await partial.handle(scope, receive, recorded_send)
        return
    # The other spelling has the same first segment, so the same candidates.
    if candidates and await _redirect_slashes(router, candidates, route_path, scope, receive, recorded_send):
        return
    if await router.handle_low_priority(scope, receive, recorded_send):
        return
    if _raises_not_found(router, scope) and await answer_not_found(scope, send):  # records it itself
        return
    await router.default(scope, receive, recorded_send)


# Whatever the router hands a request to, the error boundary around it learns whether the
# response started (see ``RECORDS_RESPONSE_START``): compiled route apps record it themselves.
records_response_start(dispatch)


def _recorded(scope: Scope, send: Send) -> Send:
    """*send*, recording the response start when the boundary's ``send`` does not."""
    return recording_send(scope, send) if UNTRACKED_SEND_KEY in scope else send


def _path_params(route: Any, regex_match: Any, scope: Scope) -> dict[str, Any]:
    """The path parameters ``Route.matches`` puts in the child scope (converted, over the parent's)."""
    params = regex_match.groupdict()
    convertors = route.param_convertors
    for key, value in params.items():
        params[key] = convertors[key].convert(value)
    outer = scope.get("path_params")
    return {**outer, **params} if outer else params


def _handle_matched(route: Any, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
    """``route.handle`` for a route whose methods include the request's: its app, one frame less."""
    handle = type(route).handle
    # APIRoute.handle defers to Route.handle for a route matched directly, so it is stock
    # only while Route.handle is.
    if (handle is _API_ROUTE_HANDLE and Route.handle is _ROUTE_HANDLE) or handle is _ROUTE_HANDLE:
        app = route.app
        if not getattr(app, RECORDS_RESPONSE_START, False):
            send = _recorded(scope, send)
        return app(scope, receive, send)  # type: ignore[no-any-return]
    return route.handle(scope, receive, _recorded(scope, send))  # type: ignore[no-any-return]


# Starlette's own ``Route.handle``: a replacement (or one already in place when nimbleapi was
# imported) is called, never skipped.
_ROUTE_HANDLE = PatchPoint(Route, "handle").original
_API_ROUTE_HANDLE: Any = _ROUTE_HANDLE  # set by ``serves_like_route`` once APIRoute exists


def serves_like_route(handle: Any) -> None:
    """Declare *handle* (``APIRoute.handle``) equivalent to ``Route.handle`` for the routes the
    dispatch tables hold: it differs only for a route served as included, which announces that
    in the scope itself."""
    global _API_ROUTE_HANDLE
    _API_ROUTE_HANDLE = handle


def _raises_not_found(router: Any, scope: Scope) -> bool:
    """Whether the router's default would raise ``HTTPException(404)`` straight to the
    application's exception handlers (nothing between this router and them could see it)."""
    return (
        getattr(router.default, "__func__", None) is Router.not_found
        and scope["type"] == "http"
        and getattr(scope.get("app"), "router", None) is router
    )


async def _redirect_slashes(
    router: Any, candidates: Sequence[Any], route_path: str, scope: Scope, receive: Receive, send: Send
) -> bool:
    if scope["type"] != "http" or not router.redirect_slashes or route_path == "/":
        return False
    redirect_scope = dict(scope)
    if route_path.endswith("/"):
        redirect_scope["path"] = redirect_scope["path"].rstrip("/")
    else:
        redirect_scope["path"] = redirect_scope["path"] + "/"
    for route in candidates:
        match, _ = route.matches(redirect_scope)
        if match is not Match.NONE:
            observe_redirect_route(scope, route)
            await RedirectResponse(url=str(URL(scope=redirect_scope)))(scope, receive, send)
            return True
    return False
