"""The router tree: included routers as nodes, and the forms their routes are served in.

``APIRouter.include_router`` appends an ``_IncludedRouter`` to ``router.routes``; the
included router keeps its routes. For each of them the node derives, once per change of
the routers below it, an ``_EffectiveRouteContext``: the route under the include prefix,
with the settings of every inclusion on the way applied (``_RouterIncludeContext``). An
``APIRoute`` is served by an ``_IncludedAPIRoute`` holding those settings; other routes by
a prefixed copy. Requests are matched against the flat list of what the nodes serve
(``_router/tree.py``); the node's own ``matches``/``handle`` run only for a router class
that customises them, as in FastAPI.

Names follow FastAPI's (``fastapi.routing``), because extensions import them.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from starlette import routing
from starlette.datastructures import URLPath
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, NoMatchFound, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from . import params
from ._compile.forms import validate_form_limits, validate_max_body_size
from ._compile.route_steps import wrap_route_steps
from ._router.frontend import FrontendRouteGroup, merge_child_scope
from ._router.tree import (
    EFFECTIVE_CONTEXT_KEY,
    INCLUDED_ROUTER_KEY,
    ContextRoute,
    entering_context,
    fastapi_scope,
    matching_with,
)
from .datastructures import Default
from .exceptions import FastAPIError
from .routing import APIRoute, APIRouter, APIWebSocketRoute, _first_set, _limit_body, request_response
from ._plan.settings import merge_settings, settings_of
from .utils import generate_unique_id


_effective_route_context_var: ContextVar[Any] = ContextVar("nimbleapi_effective_route_context", default=None)


def _route_state(route: APIRoute) -> Any:
    """*route*, or its included form while the handler of that form is being built."""
    context = _effective_route_context_var.get()
    if context is not None and context.original_route is route:
        return context.state
    return route


@dataclass
class _RouterIncludeContext:
    """What one ``include_router`` call, and the routers around it, add to the included routes."""

    included_router: APIRouter
    prefix: str = ""
    tags: list[str | Enum] = field(default_factory=list)
    dependencies: list[params.Depends] = field(default_factory=list)
    default_response_class: Any = field(default_factory=lambda: Default(JSONResponse))
    responses: dict[int | str, dict[str, Any]] = field(default_factory=dict)
    callbacks: list[BaseRoute] = field(default_factory=list)
    deprecated: bool | None = None
    include_in_schema: bool = True
    generate_unique_id_function: Any = field(default_factory=lambda: Default(generate_unique_id))
    strict_content_type: Any = field(default_factory=lambda: Default(True))
    dependency_overrides_provider: Any | None = None
    max_body_size: int | None = None
    # Limits of the including routers and of the call; the included router's own are on its routes.
    form_limits: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_include(
        cls,
        *,
        parent_router: APIRouter,
        included_router: APIRouter,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        default_response_class: Any = Default(JSONResponse),
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Any = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: Any = None,
    ) -> _RouterIncludeContext:
        validate_max_body_size(max_body_size)
        declared = {
            "tags": tags,
            "dependencies": dependencies,
            "default_response_class": default_response_class,
            "responses": responses,
            "callbacks": callbacks,
            "deprecated": deprecated,
            "include_in_schema": include_in_schema,
            "generate_unique_id_function": generate_unique_id_function,
            "max_body_size": _first_set(included_router.max_body_size, max_body_size),
            "form_limits": validate_form_limits(form_limits),
        }
        return cls(
            included_router=included_router,
            prefix=parent_router.prefix + prefix,
            strict_content_type=parent_router.strict_content_type,
            dependency_overrides_provider=parent_router.dependency_overrides_provider,
            **merge_settings(settings_of(parent_router, tuple(declared)), declared),
        )

    def combine(self, child: _RouterIncludeContext) -> _RouterIncludeContext:
        """The settings of *child*'s inclusion as seen through this one (this one outermost)."""
        return _RouterIncludeContext(
            included_router=child.included_router,
            prefix=self.prefix + child.prefix,
            dependency_overrides_provider=self.dependency_overrides_provider,
            **merge_settings(settings_of(self, _INCLUDE_SETTINGS), settings_of(child, _INCLUDE_SETTINGS)),
        )

    def path_for(self, route: Any) -> str:
        path: str = route.path
        return self.prefix + path


# What an inclusion carries to the routes below it, and what a route of its own has.
_INCLUDE_SETTINGS = (
    "tags", "dependencies", "default_response_class", "responses", "callbacks", "deprecated", "include_in_schema",
    "generate_unique_id_function", "strict_content_type", "max_body_size", "form_limits",
)
_ROUTE_SETTINGS = (
    "tags", "dependencies", "response_class", "responses", "callbacks", "deprecated", "include_in_schema",
    "generate_unique_id_function", "strict_content_type", "max_body_size", "form_limits",
)
# The router defaults a route added to that router takes unless it sets its own.
_ROUTER_DEFAULTS = ("response_class", "generate_unique_id_function", "strict_content_type")


class _IncludedAPIRoute(APIRoute):
    """An included ``APIRoute`` with the settings of its inclusion applied.

    It is what the dispatch tables hold for the route; its app announces the declared route
    in ``scope["route"]`` and, when the declared class builds its own handler, serves that.
    """

    def __init__(self, context: _EffectiveRouteContext, include: _RouterIncludeContext) -> None:
        self._context = context
        context.state = self  # read while the declared route builds a handler below
        route: Any = context.original_route
        # The included router's defaults first (the route may have been added to it
        # directly), then the inclusion's.
        declared = settings_of(route, _ROUTE_SETTINGS)
        declared.update(
            merge_settings(
                settings_of(include.included_router, _ROUTER_DEFAULTS, response_class="default_response_class"),
                settings_of(route, _ROUTER_DEFAULTS),
            )
        )
        settings = merge_settings(settings_of(include, _ROUTE_SETTINGS, response_class="default_response_class"), declared)
        settings["form_limits"] = settings["form_limits"] or None
        super().__init__(
            include.path_for(route),
            route.endpoint,
            # A streaming route re-derives its item type from the endpoint's annotation.
            response_model=Default(None) if route.stream_item_type is not None else route.response_model,
            status_code=route.status_code,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            name=route.name,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            dependency_overrides_provider=include.dependency_overrides_provider,
            openapi_extra=route.openapi_extra,
            **settings,
        )
        if type(route).get_route_handler is not APIRoute.get_route_handler:
            self.app = self._build_app()  # built per inclusion at once, as the declared route's is

    def _build_app(self) -> ASGIApp:
        context = self._context
        original: Any = context.original_route
        if type(original).get_route_handler is APIRoute.get_route_handler:
            app = super()._build_app()
        else:  # the declared route wraps the handler: build it over these settings
            token = _effective_route_context_var.set(context)
            try:
                app = request_response(original.get_route_handler(), reads_body=self.body_field is not None)
                app = self._with_body_limit(wrap_route_steps(self.dependant, app))
            finally:
                _effective_route_context_var.reset(token)
        return entering_context(context, original, app)


# The settings of an included ``APIRoute`` that its context carries as its own attributes,
# as FastAPI's does: code that copies ``vars(context)`` onto a route gets the route as served.
_SERVED_ROUTE_ATTRIBUTES = (
    "path", "endpoint", "stream_item_type", "response_model", "summary", "response_description", "deprecated",
    "operation_id", "response_model_include", "response_model_exclude", "response_model_by_alias",
    "response_model_exclude_unset", "response_model_exclude_defaults", "response_model_exclude_none",
    "include_in_schema", "response_class", "dependency_overrides_provider", "callbacks", "openapi_extra",
    "generate_unique_id_function", "strict_content_type", "max_body_size", "tags", "responses", "name",
    "path_regex", "path_format", "param_convertors", "methods", "unique_id", "status_code", "response_field",
    "stream_item_field", "dependencies", "description", "response_fields", "dependant", "_embed_body_fields",
    "body_field", "is_sse_stream", "is_json_stream",
)


class _EffectiveRouteContext:
    """One route as one inclusion serves it: prefixed, with the include settings applied.

    For an ``APIRoute`` the settings are built on ``state`` (an ``APIRoute``) and copied into
    this object's attributes; other routes get a prefixed copy, ``starlette_route``.
    """

    # ``state`` is a slot, so ``vars(context)`` holds only what FastAPI's context holds.
    __slots__ = ("state", "__dict__")

    def __init__(
        self, original_route: BaseRoute, *, starlette_route: BaseRoute | None = None, frontend_prefix: str = ""
    ) -> None:
        self.original_route = original_route
        self.starlette_route = starlette_route
        self.frontend_prefix = frontend_prefix
        self.state: _IncludedAPIRoute | None = None

    @classmethod
    def from_api_route(
        cls, *, original_route: APIRoute, include_context: _RouterIncludeContext
    ) -> _EffectiveRouteContext:
        context = cls(original_route)
        state = _IncludedAPIRoute(context, include_context)  # becomes context.state
        context.__dict__.update((name, getattr(state, name)) for name in _SERVED_ROUTE_ATTRIBUTES if hasattr(state, name))
        return context

    @property
    def app(self) -> ASGIApp:
        if self.state is not None:
            return self.state.app
        assert self.starlette_route is not None
        return self.starlette_route.handle

    def served_route(self) -> BaseRoute:
        """What the dispatch tables hold for this route."""
        if self.state is None:
            assert self.starlette_route is not None
            return self.starlette_route
        declared = type(self.original_route)
        if declared.matches is APIRoute.matches and declared.handle is APIRoute.handle:
            return self.state
        return ContextRoute(self)  # the declared class decides matching and handling

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """A plain path and method match of the included form (whatever the declared class does)."""
        if self.state is None:
            assert self.starlette_route is not None
            return self.starlette_route.matches(scope)
        return routing.Route.matches(self.state, scope)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if self.state is not None:
            return routing.Route.url_path_for(self.state, name, **path_params)
        assert self.starlette_route is not None
        return self.starlette_route.url_path_for(name, **path_params)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        route = self.state or self.__dict__.get("starlette_route")
        if route is None:
            raise AttributeError(name)
        return getattr(route, name)

    def __repr__(self) -> str:
        return f"_EffectiveRouteContext(original_route={self.original_route!r})"


def _prefixed_route(route: BaseRoute, include: _RouterIncludeContext) -> BaseRoute | None:
    """A copy of a route that is not an ``APIRoute``, under the include prefix (None: not served).

    The copy's app enforces the inclusion's body size limit: mounted apps inherit it too.
    """
    served = _prefixed_copy(route, include)
    if served is not None:
        served.app = _limit_body(served.app, include.max_body_size)  # type: ignore[attr-defined]
    return served


def _prefixed_copy(route: BaseRoute, include: _RouterIncludeContext) -> BaseRoute | None:
    if isinstance(route, routing.Route):
        return routing.Route(
            include.path_for(route),
            endpoint=route.endpoint,
            methods=list(route.methods or []),
            name=route.name,
            include_in_schema=route.include_in_schema,
        )
    if isinstance(route, APIWebSocketRoute):
        return APIWebSocketRoute(
            include.path_for(route),
            endpoint=route.endpoint,
            name=route.name,
            dependencies=[*include.dependencies, *route.dependencies],
            dependency_overrides_provider=include.dependency_overrides_provider,
        )
    if isinstance(route, routing.WebSocketRoute):
        return routing.WebSocketRoute(include.path_for(route), route.endpoint, name=route.name)
    if isinstance(route, routing.Mount):
        mount = copy.copy(route)
        mount.path = include.path_for(route).rstrip("/")
        mount.path_regex, mount.path_format, mount.param_convertors = compile_path(mount.path + "/{path:path}")
        return mount
    if isinstance(route, routing.Host):
        app = routing.Router(routes=[routing.Mount(include.prefix, app=route.app)]) if include.prefix else route.app
        return routing.Host(route.host, app=app, name=route.name)
    return None  # FastAPI parity: other route kinds are not served through an inclusion


def _effective_context(route: BaseRoute, include: _RouterIncludeContext) -> _EffectiveRouteContext | None:
    if isinstance(route, APIRoute):
        return _EffectiveRouteContext.from_api_route(original_route=route, include_context=include)
    prefixed = _prefixed_route(route, include)
    return None if prefixed is None else _EffectiveRouteContext(route, starlette_route=prefixed)


class _IncludedRouter(BaseRoute):
    """A router included into another: one node of the including router's ``routes``.

    The routes stay in ``original_router``; routes declared there later are served too.
    """

    def __init__(self, original_router: APIRouter, include_context: _RouterIncludeContext) -> None:
        self.original_router = original_router
        self.include_context = include_context
        self._effective_routes_lock = threading.Lock()
        self._effective_candidates: list[_EffectiveRouteContext | _IncludedRouter] = []
        self._effective_candidates_version: int | None = None
        self._effective_low_priority_routes: list[BaseRoute] = []
        self._effective_low_priority_routes_version: int | None = None
        # Kept across rebuilds, so a route declared later does not recompile the others.
        self._contexts: dict[int, tuple[BaseRoute, _EffectiveRouteContext | None]] = {}
        self._branches: dict[int, tuple[_IncludedRouter, _IncludedRouter]] = {}

    def __repr__(self) -> str:
        return f"_IncludedRouter(original_router={self.original_router!r}, prefix={self.include_context.prefix!r})"

    def effective_candidates(self) -> list[_EffectiveRouteContext | _IncludedRouter]:
        """The included forms of the router's routes, in order; included routers stay nodes."""
        return self._cached("_effective_candidates", self._build_candidates)

    def effective_low_priority_routes(self) -> list[BaseRoute]:
        """The low-priority routes (frontend builds) this inclusion serves, nested ones after."""
        return self._cached("_effective_low_priority_routes", self._build_low_priority)

    def _cached(self, name: str, build: Callable[[], list[Any]]) -> list[Any]:
        version = self.original_router._get_routes_version()
        if version == getattr(self, name + "_version"):
            return getattr(self, name)  # type: ignore[no-any-return]
        with self._effective_routes_lock:
            version = self.original_router._get_routes_version()
            if version != getattr(self, name + "_version"):
                setattr(self, name, build())
                setattr(self, name + "_version", version)
            return getattr(self, name)  # type: ignore[no-any-return]

    def _build_candidates(self) -> list[_EffectiveRouteContext | _IncludedRouter]:
        candidates: list[_EffectiveRouteContext | _IncludedRouter] = []
        for route in self.original_router.routes:
            candidate = self._branch(route) if isinstance(route, _IncludedRouter) else self._context_for(route)
            if candidate is not None:
                candidates.append(candidate)
        return candidates

    def _build_low_priority(self) -> list[BaseRoute]:
        include = self.include_context
        routes: list[BaseRoute] = []
        for route in self.original_router._low_priority_routes:
            if isinstance(route, FrontendRouteGroup):
                routes.append(
                    route.included(
                        prefix=include.prefix,
                        dependencies=include.dependencies,
                        dependency_overrides_provider=include.dependency_overrides_provider,
                        max_body_size=include.max_body_size,
                    )
                )
                continue
            context = self._context_for(route)
            if context is not None:
                routes.append(context.served_route())
        for route in self.original_router.routes:
            if isinstance(route, _IncludedRouter):
                routes.extend(self._branch(route).effective_low_priority_routes())
        return routes

    def _context_for(self, route: BaseRoute) -> _EffectiveRouteContext | None:
        cached = self._contexts.get(id(route))
        if cached is None or cached[0] is not route:
            cached = self._contexts[id(route)] = (route, _effective_context(route, self.include_context))
        return cached[1]

    def _branch(self, node: _IncludedRouter) -> _IncludedRouter:
        cached = self._branches.get(id(node))
        if cached is None or cached[0] is not node:
            branch = _IncludedRouter(node.original_router, self.include_context.combine(node.include_context))
            cached = self._branches[id(node)] = (node, branch)
        return cached[1]

    def served_routes(self) -> list[BaseRoute]:
        """The flat routes dispatch matches for this node (see ``_router/tree.py``)."""
        router_class = type(self.original_router)
        if router_class.matches is not APIRouter.matches or router_class.handle is not APIRouter.handle:
            return [self]  # the router's own matching decides: go through it, as FastAPI does
        served: list[BaseRoute] = []
        for candidate in self.effective_candidates():
            if isinstance(candidate, _IncludedRouter):
                served.extend(candidate.served_routes())
            else:
                served.append(candidate.served_route())
        return served

    def effective_route_contexts(self) -> Iterator[_EffectiveRouteContext]:
        for candidate in self.effective_candidates():
            if isinstance(candidate, _IncludedRouter):
                yield from candidate.effective_route_contexts()
            else:
                yield candidate

    # -- matching through the included router (used when its class customises matching) ----------
    def _match(self, scope: Scope) -> tuple[Match, Scope, BaseRoute | None, _EffectiveRouteContext | None]:
        partial: tuple[Scope, BaseRoute, _EffectiveRouteContext | None] | None = None
        for candidate in self.effective_candidates():
            context: _EffectiveRouteContext | None = None
            if isinstance(candidate, _IncludedRouter):
                route: BaseRoute = candidate
                match, child_scope = candidate.matches(scope)
            elif isinstance(candidate.original_route, APIRoute):
                context, route = candidate, candidate.original_route
                match, child_scope = matching_with(scope, EFFECTIVE_CONTEXT_KEY, candidate, route.matches)
            else:
                context = candidate
                route = candidate.starlette_route or candidate.original_route
                match, child_scope = candidate.matches(scope)
            if match is Match.FULL:
                return match, child_scope, route, context
            if match is Match.PARTIAL and partial is None:
                partial = (child_scope, route, context)
        if partial is not None:
            return Match.PARTIAL, *partial
        return Match.NONE, {}, None, None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, _ = matching_with(scope, INCLUDED_ROUTER_KEY, self, self.original_router.matches)
        return match, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        fastapi_scope(scope)[INCLUDED_ROUTER_KEY] = self
        await self.original_router.handle(scope, receive, send)

    async def _handle_selected(self, scope: Scope, receive: Receive, send: Send) -> None:
        match, child_scope, route, context = self._match(scope)
        if match is Match.NONE or route is None:
            await self.original_router.default(scope, receive, send)
            return
        merge_child_scope(scope, child_scope)
        if context is not None and isinstance(context.original_route, APIRoute):
            fastapi_scope(scope)[EFFECTIVE_CONTEXT_KEY] = context
            scope["route"] = context.original_route
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for context in self.effective_route_contexts():
            try:
                return context.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)


def _iter_routes_with_context(routes: Sequence[BaseRoute]) -> Iterator[tuple[BaseRoute, _EffectiveRouteContext | None]]:
    for route in routes:
        if isinstance(route, _IncludedRouter):
            for context in route.effective_route_contexts():
                yield context.original_route, context
        else:
            yield route, None


def _iter_included_route_candidates(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes *routes* serve, included ones as their prefixed copies (declared ``APIRoute``s as declared)."""
    for route, context in _iter_routes_with_context(routes):
        yield context.starlette_route if context is not None and context.starlette_route is not None else route


def _reject_empty_paths(routes: Sequence[BaseRoute]) -> None:
    """Without a prefix, every route included must have a path (included ones: their served one)."""
    for route, context in _iter_routes_with_context(routes):
        served: Any = route if context is None else (context.starlette_route or context)
        path = getattr(served, "path", None)
        if path is not None and not path:
            name = getattr(served, "name", "unknown")
            raise FastAPIError(f"Prefix and path cannot be both empty (path operation: {name})")
