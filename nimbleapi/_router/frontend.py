"""Frontend builds served as low-priority routes, tried after every path operation.

``APIRouter.frontend(path, directory=...)`` registers a static build (a Vite ``dist/``,
say) under *path*. A router tries its low-priority routes only when none of its routes
matched and no ``redirect_slashes`` redirect applies; among frontends the longest
matching path wins. A missing file falls back to ``404.html`` (with status 404) or, for a
browser navigation (``Accept`` names HTML), to ``index.html``, so client-side routers work.

Decided once, when a frontend is registered or included: the directory and fallback-file
checks, the path it answers under, and the solver for the dependencies guarding it. Per
request: a path prefix comparison, file lookups in a worker thread (Starlette's
``StaticFiles`` does the serving), and one compiled solver run when dependencies exist.

Private names and scope keys follow FastAPI (``router._frontend_routes``,
``router._low_priority_routes``, ``scope["fastapi"]["frontend_path"]``) because code
written against FastAPI reaches for them.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any, Literal, NamedTuple

from pydantic_core import PydanticUndefined
from .._starlette import get_route_path
from starlette.datastructures import Headers, URLPath
from starlette.exceptions import HTTPException
from starlette.middleware import body_limit
from starlette.requests import Request
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Receive, Scope, Send

from .._telemetry.observe import observe_route_template
from .._compile.deps import RequestContext, Solver, compile_solver
from .._plan.body import embeds_body_fields
from .._plan.deps import get_dependant, get_parameterless_sub_dependant
from ..exceptions import RequestValidationError
from .frontend_files import (
    PATH_KEY,
    SCOPE_KEY,
    Directory,
    Fallback,
    FrontendStaticFiles,
    missing_directory_message,
)

_FALLBACKS = ("auto", "index.html", "404.html", None)
_SPECIFICITY_KEY = "frontend_specificity"
_STACK_KEYS = ("fastapi_inner_astack", "fastapi_function_astack")
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_MISSING = object()


# -- registration-time checks --------------------------------------------------------------


def normalize_frontend_path(path: str) -> str:
    if not path:
        raise AssertionError("A frontend path cannot be empty")
    if not path.startswith("/"):
        raise AssertionError("A frontend path must start with '/'")
    return path if path == "/" else path.rstrip("/")


def resolve_check_dir(directory: Directory, check_dir: bool | Literal["auto"]) -> bool:
    """``"auto"`` checks the directory, except under ``FASTAPI_ENV=development`` where it only warns.

    In development the build is often produced after the server starts, so a missing
    directory must not stop the app from loading.
    """
    if check_dir != "auto":
        return check_dir
    if os.environ.get("FASTAPI_ENV") != "development":
        return True
    if not os.path.isdir(directory):
        warnings.warn(missing_directory_message(directory), stacklevel=_user_stacklevel())
    return False


def _user_stacklevel() -> int:
    """The ``warnings`` stacklevel of the first caller outside nimbleapi.

    ``FastAPI.frontend`` and ``APIRouter.frontend`` reach the check at different depths;
    either way the warning should point at the user's line.
    """
    level, frame = 1, sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        level, frame = level + 1, frame.f_back
    return level


# -- request-time helpers ------------------------------------------------------------------


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix if path == "/" else prefix + path


def _specificity(path: str) -> int:
    return 0 if path == "/" else len(path)


def _remainder(path: str, route_path: str) -> str | None:
    """The part of *route_path* below the frontend at *path*, or None when it lies outside."""
    if path == "/":
        return route_path.lstrip("/")
    if route_path == path:
        return ""
    if route_path.startswith(path + "/"):
        return route_path[len(path) + 1 :]
    return None


def merge_child_scope(scope: Scope, child_scope: Scope) -> None:
    """``scope.update(child_scope)``, merging rather than replacing the ``scope["fastapi"]`` dict."""
    extra = child_scope.get(SCOPE_KEY)
    if isinstance(extra, dict):
        scope.setdefault(SCOPE_KEY, {}).update(extra)
        child_scope = {key: value for key, value in child_scope.items() if key != SCOPE_KEY}
    scope.update(child_scope)


def _frontend_specificity(child_scope: Scope) -> int | None:
    specificity = child_scope.get(SCOPE_KEY, {}).get(_SPECIFICITY_KEY)
    return specificity if isinstance(specificity, int) else None


# -- routes ------------------------------------------------------------------------------------


class FrontendRoute(BaseRoute):
    """One frontend build under one path (already prefixed with its router's prefix)."""

    def __init__(self, path: str, *, directory: Directory, fallback: Fallback = "auto", check_dir: bool) -> None:
        if fallback not in _FALLBACKS:
            raise AssertionError("fallback must be 'auto', 'index.html', '404.html', or None")
        self.path = normalize_frontend_path(path)
        self.methods = {"GET", "HEAD"}
        self.app = FrontendStaticFiles(directory=directory, fallback=fallback, check_dir=check_dir)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return self.matches_with_path(scope, self.path)

    def matches_with_path(self, scope: Scope, path: str) -> tuple[Match, Scope]:
        """Match as if this build were served under *path* (its path behind include prefixes)."""
        if scope["type"] != "http":
            return Match.NONE, {}
        remainder = _remainder(path, get_route_path(scope))
        if remainder is None:
            return Match.NONE, {}
        child_scope = {SCOPE_KEY: {PATH_KEY: remainder, _SPECIFICITY_KEY: _specificity(path)}}
        # Other methods still reach the files so that they can answer 405 (file) or 404.
        return (Match.FULL if scope["method"] in self.methods else Match.PARTIAL), child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.app.respond(scope)
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)


class FrontendRouteGroup(BaseRoute):
    """A router's frontends as seen from one router: the declaring one, or one including it.

    The views ``include_router`` makes share ``routes`` with the original (frontends added
    later still show) and add the include prefix and the including routers' dependencies.
    """

    def __init__(
        self,
        *,
        dependencies: Sequence[Any] | None = None,
        dependency_overrides_provider: Any | None = None,
        prefix: str = "",
        routes: list[FrontendRoute] | None = None,
        max_body_size: int | None = None,
    ) -> None:
        self.routes: list[FrontendRoute] = [] if routes is None else routes
        self.prefix = prefix
        self.max_body_size = max_body_size
        self.dependencies = list(dependencies or [])
        self.dependency_overrides_provider = dependency_overrides_provider
        self._solve = _compile_guard(self.dependencies)

    def add_frontend_route(
        self, path: str, *, directory: Directory, fallback: Fallback = "auto", check_dir: bool
    ) -> None:
        self.routes.append(FrontendRoute(path, directory=directory, fallback=fallback, check_dir=check_dir))

    def included(
        self,
        *,
        prefix: str,
        dependencies: Sequence[Any],
        dependency_overrides_provider: Any,
        max_body_size: int | None,
    ) -> FrontendRouteGroup:
        """This group as seen from a router including it under *prefix* with *dependencies* first.

        A body size limit set closer to the frontend (an inner include) wins over *max_body_size*.
        """
        return FrontendRouteGroup(
            dependencies=[*dependencies, *self.dependencies],
            dependency_overrides_provider=dependency_overrides_provider,
            prefix=prefix + self.prefix,
            routes=self.routes,
            max_body_size=self.max_body_size if self.max_body_size is not None else max_body_size,
        )

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return self.matches_with_prefix(scope, self.prefix)

    def matches_with_prefix(self, scope: Scope, prefix: str) -> tuple[Match, Scope]:
        match, child_scope, _ = self.select(scope, prefix)
        return match, child_scope

    def select(self, scope: Scope, prefix: str | None = None) -> tuple[Match, Scope, FrontendRoute | None]:
        """The build answering *scope*: the longest matching path, preferring full matches."""
        prefix = self.prefix if prefix is None else prefix
        best: dict[Match, tuple[int, Scope, FrontendRoute]] = {}
        for route in self.routes:
            path = _join(prefix, route.path)
            match, child_scope = route.matches_with_path(scope, path)
            if match is not Match.NONE and (match not in best or _specificity(path) > best[match][0]):
                best[match] = (_specificity(path), child_scope, route)
        for match in (Match.FULL, Match.PARTIAL):
            if match in best:
                return match, best[match][1], best[match][2]
        return Match.NONE, {}, None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        match, child_scope, route = self.select(scope)
        if route is None:
            raise HTTPException(status_code=404)
        merge_child_scope(scope, child_scope)
        await self.serve(scope, receive, send, route, full=match is Match.FULL)

    async def serve(self, scope: Scope, receive: Receive, send: Send, route: FrontendRoute, *, full: bool) -> None:
        """Serve through *route*; dependencies guard only full matches (others end in 404/405)."""
        observe_route_template(scope, _join(self.prefix, route.path).rstrip("/") + "/{path}")
        solve = self._solve if full else None

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if solve is None:
                await route.handle(scope, receive, send)
            else:
                await self._serve_guarded(scope, receive, send, route, solve)

        if self.max_body_size is None:
            await app(scope, receive, send)
        else:  # an inclusion's limit applies to frontends too (a GET may carry a body)
            await _limit_body(app, self.max_body_size)(scope, receive, send)

    async def _serve_guarded(
        self, scope: Scope, receive: Receive, send: Send, route: FrontendRoute, solve: Solver
    ) -> None:
        provider = self.dependency_overrides_provider
        # A caller's exit stacks (an enclosing handler) must survive this request's own.
        saved = {key: scope.get(key, _MISSING) for key in _STACK_KEYS}
        try:
            async with AsyncExitStack() as request_stack:
                scope["fastapi_inner_astack"] = request_stack
                async with AsyncExitStack() as function_stack:
                    scope["fastapi_function_astack"] = function_stack
                    ctx = RequestContext(Request(scope, receive, send), PydanticUndefined, request_stack, function_stack)
                    if provider is not None:
                        ctx.overrides = provider.dependency_overrides
                    _, errors = await solve(ctx)
                    if errors:
                        raise RequestValidationError(errors)
                    response = await route.app.respond(scope)
                    if response.background is None:
                        response.background = ctx.background_tasks
                    if ctx.response is not None:
                        response.headers.raw.extend(ctx.response.headers.raw)
                    await response(scope, receive, send)
        finally:
            for key, value in saved.items():
                if value is _MISSING:
                    scope.pop(key, None)
                else:
                    scope[key] = value

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)


def _limit_body(app: ASGIApp, max_body_size: int) -> ASGIApp:
    """Starlette's body limiter around *app*, refusing an oversized declared body up front.

    A file response reads the request body only to notice a disconnect, concurrently with
    sending the file; left to that race the 413 could come after the file had started.
    """

    async def check_declared_length(scope: Scope, receive: Receive, send: Send) -> None:
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > max_body_size:
            raise body_limit._RequestBodyTooLarge()  # the limiter's own signal: it answers 413
        await app(scope, receive, send)

    return body_limit.RequestBodyLimitMiddleware(check_declared_length, max_body_size)


def _frontend_guard() -> None:
    """Stand-in endpoint whose dependant carries the dependencies guarding a frontend."""


def _compile_guard(dependencies: list[Any]) -> Solver | None:
    if not dependencies:
        return None
    dependant = get_dependant(path="", call=_frontend_guard, scope="function")
    for depends in reversed(dependencies):
        dependant.dependencies.insert(0, get_parameterless_sub_dependant(depends=depends, path=""))
    return compile_solver(dependant, embed_body_fields=embeds_body_fields(dependant))


# -- one router's low-priority routes ------------------------------------------------------------


class _Selection(NamedTuple):
    match: Match
    route: BaseRoute
    child_scope: Scope
    frontend: FrontendRoute | None  # the build chosen inside a FrontendRouteGroup


class FrontendRoutes:
    """The low-priority routes one router tries after all its routes: its own, then included ones."""

    def __init__(self, router: Any) -> None:
        self.router = router
        self.routes: list[BaseRoute] = []  # FastAPI's ``router._low_priority_routes``
        self.group: FrontendRouteGroup | None = None  # FastAPI's ``router._frontend_routes``

    def add(
        self,
        path: str,
        *,
        directory: Directory,
        fallback: Fallback = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Register a frontend build; see ``APIRouter.frontend``."""
        resolved_check_dir = resolve_check_dir(directory, check_dir)
        normalized = normalize_frontend_path(path)
        if self.group is None:
            self.group = FrontendRouteGroup(
                dependencies=self.router.dependencies,
                dependency_overrides_provider=self.router.dependency_overrides_provider,
            )
            self.routes.append(self.group)
        self.group.add_frontend_route(
            _join(self.router.prefix, normalized), directory=directory, fallback=fallback, check_dir=resolved_check_dir
        )

    def effective_routes(self) -> list[BaseRoute]:
        """Own low-priority routes in declaration order, then those of included routers."""
        return self.router._included_low_priority.after(self.routes, self.router.routes)  # type: ignore[no-any-return]

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Serve *scope* from a low-priority route; False when none matches it."""
        routes = self.effective_routes()
        if not routes:
            return False
        selection = self._select(routes, scope)
        if selection is None:
            return False
        merge_child_scope(scope, selection.child_scope)
        route = selection.route
        if isinstance(route, FrontendRouteGroup) and selection.frontend is not None:
            await route.serve(scope, receive, send, selection.frontend, full=selection.match is Match.FULL)
        else:
            await route.handle(scope, receive, send)
        return True

    def _select(self, routes: list[BaseRoute], scope: Scope) -> _Selection | None:
        """First full match, else first partial; a later frontend wins over an earlier one with a longer path."""
        best: dict[Match, _Selection] = {}
        for route in routes:
            frontend = None
            if isinstance(route, FrontendRouteGroup):
                match, child_scope, frontend = route.select(scope)
            else:
                match, child_scope = route.matches(scope)
            if match is Match.NONE:
                continue
            candidate = _Selection(match, route, child_scope, frontend)
            if match not in best or _more_specific(candidate, best[match]):
                best[match] = candidate
        return best.get(Match.FULL) or best.get(Match.PARTIAL)


def _more_specific(candidate: _Selection, current: _Selection) -> bool:
    new, old = _frontend_specificity(candidate.child_scope), _frontend_specificity(current.child_scope)
    return new is not None and old is not None and new > old
