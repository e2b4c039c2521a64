"""Routing: ``APIRouter``, ``APIRoute`` and ``APIWebSocketRoute`` with FastAPI's behaviour.

An ``APIRoute`` is analysed (``nimbleapi._plan``) and compiled (``nimbleapi._compile``)
when it is created; nothing about its signature is inspected per request.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from re import Pattern
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from starlette import routing
from ._starlette import wrap_app_handling_exceptions
from starlette.concurrency import iterate_in_threadpool as iterate_in_threadpool
from starlette.concurrency import run_in_threadpool as run_in_threadpool
from starlette.datastructures import URL as URL
from starlette.datastructures import URLPath as URLPath
from starlette.middleware import Middleware as Middleware
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY as MAX_BODY_SIZE_SCOPE_KEY
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.responses import PlainTextResponse as PlainTextResponse
from starlette.responses import RedirectResponse as RedirectResponse
from starlette.responses import StreamingResponse as StreamingResponse
from starlette.routing import BaseRoute, Match, compile_path, get_name
from starlette.routing import Mount as Mount
from starlette.routing import NoMatchFound as NoMatchFound
from starlette.staticfiles import StaticFiles as StaticFiles
from starlette.types import AppType, ASGIApp, Lifespan, Receive, Scope, Send
from starlette.websockets import WebSocket
from typing_extensions import deprecated

from . import _lazy, params
from ._patch_points import LazyPatchPoint, PatchPoint, replaced_points
from ._compile.context import connection_context
from ._compile.forms import FormLimits, validate_form_limits, validate_max_body_size
from ._compile.handler import build_request_handler, compile_parts, endpoint_context, handler_arguments, route_parts
from ._compile.handler import request_response as request_response
from ._compile.handler import websocket_solver
from ._compile.hooks import DependenciesSolver
from ._compile.hooks import run_endpoint_function as run_endpoint_function
from ._compile.route_app import compile_route_app
from ._compile.route_steps import wrap_route_steps
from ._telemetry.switch import with_handler_telemetry, with_route_telemetry, with_websocket_telemetry
from ._compile.respond import serialize_response as serialize_response
from ._compile.jsonio import normalize_non_finite_floats
from ._compile.streaming import is_event_stream_class, is_server_sent_event, stream_item_type
from ._plan.annotations import lenient_issubclass
from ._plan.body import build_body_field, embeds_body_fields, flat_body_params, should_embed_body_fields
from ._plan.callables import is_async_gen_callable, is_gen_callable
from ._plan.deps import analyze_endpoint, analyze_route_dependency
from ._plan.deps import get_parameterless_sub_dependant as get_parameterless_sub_dependant
from ._plan.deps import get_dependant as get_dependant
from ._plan.edits import report_edits
from ._plan.route_classes import register_route_classes
from ._plan.settings import merge_settings, settings_of
from ._plan.describe import describe_endpoint, located
from ._plan.fields import ModelField, create_model_field
from ._plan.signature import typed_return_annotation
from ._router.dispatch import dispatch, serves_like_route
from ._router.fast import StaticRouteTable
from ._router.index import FirstSegmentIndex
from ._router.frontend import FrontendRouteGroup, FrontendRoutes, merge_child_scope
from ._router.tree import flatten as flatten_routes
from ._router.tree import EFFECTIVE_CONTEXT_KEY, INCLUDED_ROUTER_KEY, MISSING, SCOPE_KEY, IncludedLowPriorityRoutes, fastapi_scope, scope_entry
from ._router.tree import restore_entry as _restore_fastapi_scope_key  # noqa: F401 (FastAPI name)

# FastAPI's names for its per-request entries under scope["fastapi"].
_FASTAPI_SCOPE_KEY = SCOPE_KEY
_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY = EFFECTIVE_CONTEXT_KEY
_FASTAPI_INCLUDED_ROUTER_KEY = INCLUDED_ROUTER_KEY
_SCOPE_MISSING = MISSING
from .datastructures import Default, DefaultPlaceholder
from .dependencies.models import Dependant as Dependant
from .encoders import jsonable_encoder as jsonable_encoder
from .exceptions import EndpointContext as EndpointContext
from .exceptions import FastAPIError as FastAPIError
from .exceptions import WebSocketRequestValidationError
from .exceptions import HTTPException as HTTPException
from .exceptions import RequestValidationError as RequestValidationError
from .exceptions import ResponseValidationError as ResponseValidationError
from .types import DecoratedCallable, IncEx
from .utils import generate_unique_id, get_value_or_default, is_body_allowed_for_status_code

if TYPE_CHECKING:
    from .dependencies.utils import SolvedDependency as SolvedDependency
    from .dependencies.utils import get_stream_item_type as get_stream_item_type
    from .dependencies.utils import get_typed_return_annotation as get_typed_return_annotation
    from .dependencies.utils import solve_dependencies as solve_dependencies
    from .sse import KEEPALIVE_COMMENT as KEEPALIVE_COMMENT
    from .sse import EventSourceResponse as EventSourceResponse
    from .sse import ServerSentEvent as ServerSentEvent
    from .sse import format_sse_event as format_sse_event

_T = TypeVar("_T")


def websocket_session(func: Callable[[WebSocket], Awaitable[None]]) -> ASGIApp:
    """An ASGI app calling ``func(websocket)`` with the exit stacks ``yield`` dependencies need."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        session = WebSocket(scope, receive=receive, send=send)

        async def run(scope: Scope, receive: Receive, send: Send) -> None:
            async with AsyncExitStack() as request_stack:
                scope["fastapi_inner_astack"] = request_stack
                async with AsyncExitStack() as function_stack:
                    scope["fastapi_function_astack"] = function_stack
                    await func(session)

        await wrap_app_handling_exceptions(run, session)(scope, receive, send)

    return app


class _DefaultLifespan:
    """Runs a router's ``on_startup``/``on_shutdown`` handlers (Starlette 1.x dropped them)."""

    def __init__(self, router: APIRouter) -> None:
        self._router = router

    async def __aenter__(self) -> None:
        await self._router._startup()

    async def __aexit__(self, *exc_info: object) -> None:
        await self._router._shutdown()

    def __call__(self: _T, app: object) -> _T:
        return self


def _merge_lifespan_context(original: Lifespan[Any], nested: Lifespan[Any]) -> Lifespan[Any]:
    @asynccontextmanager
    async def merged_lifespan(app: AppType) -> AsyncIterator[Mapping[str, Any] | None]:
        async with original(app) as original_state:
            async with nested(app) as nested_state:
                if nested_state is None and original_state is None:
                    yield None
                else:
                    yield {**(nested_state or {}), **(original_state or {})}

    return merged_lifespan  # type: ignore[return-value]


def _wrap_lifespan(lifespan: Any) -> Any:
    if inspect.isasyncgenfunction(lifespan):
        return asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        return _wrap_gen_lifespan_context(lifespan)
    return lifespan


def get_websocket_app(
    dependant: Dependant,
    dependency_overrides_provider: Any | None = None,
    embed_body_fields: bool = False,
    *,
    path: str = "",
    solve_dependencies: DependenciesSolver | None = None,
) -> Callable[[WebSocket], Awaitable[None]]:
    """The ``handler(websocket)`` of a WebSocket endpoint: solve dependencies (through
    *solve_dependencies*, a replacement of FastAPI's, when given), then call it."""
    call = dependant.call
    assert call is not None
    solve = websocket_solver(dependant, dependency_overrides_provider, embed_body_fields, path, solve_dependencies)
    static_ctx = endpoint_context(call)

    async def handler(websocket: WebSocket) -> None:
        scope = websocket.scope
        ctx = connection_context(websocket, None, dependency_overrides_provider)
        values, errors = await solve(ctx)
        if errors:
            endpoint_ctx: Any = {**static_ctx, "path": f"WS {scope.get('root_path', '').rstrip('/')}{path}"}
            raise WebSocketRequestValidationError(errors, endpoint_ctx=endpoint_ctx)
        await call(**values)

    return handler


class APIWebSocketRoute(routing.WebSocketRoute):
    """A WebSocket endpoint with dependency injection."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        dependency_overrides_provider: Any | None = None,
    ) -> None:
        self.path = path
        self.endpoint = endpoint
        self.name = get_name(endpoint) if name is None else name
        self.dependencies = list(dependencies or [])
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)
        with located(lambda: describe_endpoint(None, self.path, self.endpoint)):
            self.dependant = analyze_endpoint(path=self.path_format, call=self.endpoint)
            for depends in self.dependencies[::-1]:
                self.dependant.dependencies.insert(
                    0, analyze_route_dependency(depends=depends, path=self.path_format)
                )
        self._embed_body_fields = embeds_body_fields(self.dependant)
        self.dependency_overrides_provider = dependency_overrides_provider
        self.app = self._built_app = self._build_app()
        report_edits(self.dependant, self._rebuild_app)

    def _build_app(self) -> ASGIApp:
        return websocket_session(
            with_websocket_telemetry(
                get_websocket_app,
                dependant=self.dependant,
                dependency_overrides_provider=self.dependency_overrides_provider,
                embed_body_fields=self._embed_body_fields,
                path=self.path_format,
                # Decided as the route is built: FastAPI's handler calls ``solve_dependencies`` by name.
                solve_dependencies=_SOLVE_DEPENDENCIES.replacement(),
            )
        )

    def _rebuild_app(self) -> None:
        """``route.dependant`` was edited in place: serve the edit, as FastAPI would."""
        if self.app is self._built_app:
            self.app = self._built_app = self._build_app()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match != Match.NONE:
            child_scope["route"] = self
        return match, child_scope


class APIRoute(routing.Route):
    """An HTTP path operation: the endpoint plus everything declared about it."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        name: str | None = None,
        methods: set[str] | list[str] | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] | DefaultPlaceholder = Default(JSONResponse),
        dependency_overrides_provider: Any | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | DefaultPlaceholder = Default(generate_unique_id),
        strict_content_type: bool | DefaultPlaceholder = Default(True),
        max_body_size: int | None = None,
        form_limits: Any = None,
    ) -> None:
        if not callable(endpoint):
            raise AssertionError("An endpoint must be a callable")
        self.path = path
        self.endpoint = endpoint
        self.is_generator = is_async_gen_callable(endpoint) or is_gen_callable(endpoint)
        self.is_sse_stream = self.is_generator and is_event_stream_class(response_class)
        self.is_json_stream = self.is_generator and isinstance(response_class, DefaultPlaceholder)
        self.stream_item_type: Any = None
        if isinstance(response_model, DefaultPlaceholder):
            response_model = self._response_model_from_annotation(response_class)
        self.response_model = response_model
        self.summary = summary
        self.response_description = response_description
        self.deprecated = deprecated
        self.operation_id = operation_id
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        self.include_in_schema = include_in_schema
        self.response_class = response_class
        self.dependency_overrides_provider = dependency_overrides_provider
        self.callbacks = callbacks
        self.openapi_extra = openapi_extra
        self.generate_unique_id_function = generate_unique_id_function
        self.strict_content_type = strict_content_type
        self.max_body_size = validate_max_body_size(max_body_size)
        self.form_limits = validate_form_limits(form_limits) if form_limits is not None else None
        self.tags = tags or []
        self.responses = responses or {}
        self.name = get_name(endpoint) if name is None else name
        self._set_path_patterns(path)
        self.methods: set[str] = {method.upper() for method in (methods if methods is not None else ["GET"])}
        unique_id_function = (
            generate_unique_id_function.value
            if isinstance(generate_unique_id_function, DefaultPlaceholder)
            else generate_unique_id_function
        )
        self.unique_id = self.operation_id or unique_id_function(self)
        if isinstance(status_code, IntEnum):
            status_code = int(status_code)
        self.status_code = status_code
        self.response_field = self._response_field()
        self.stream_item_field = (
            create_model_field(name="StreamItem_" + self.unique_id, type_=self.stream_item_type, mode="serialization")
            if self.stream_item_type
            else None
        )
        self.dependencies = list(dependencies or [])
        self.description = (description or inspect.cleandoc(self.endpoint.__doc__ or "")).split("\f")[0].strip()
        self.response_fields = self._additional_response_fields()
        with located(lambda: describe_endpoint(self.methods, self.path, self.endpoint)):
            self.dependant = analyze_endpoint(path=self.path_format, call=self.endpoint)
            for depends in self.dependencies[::-1]:
                self.dependant.dependencies.insert(
                    0, analyze_route_dependency(depends=depends, path=self.path_format)
                )
        body_params = flat_body_params(self.dependant)
        self._embed_body_fields = should_embed_body_fields(body_params)
        self.body_field = build_body_field(body_params=body_params, name=self.unique_id, embed_body_fields=self._embed_body_fields)
        self._built_app: ASGIApp | None = None
        if type(self).get_route_handler is _GET_ROUTE_HANDLER.original:
            # Compiled on its first request: a route that is only ever served through the
            # copy include_router makes of it is never compiled, and start-up stays short.
            self.app = self._compile_and_handle
        else:  # a subclass may rely on get_route_handler() running at declaration, as in FastAPI
            self.app = self._built_app = self._build_app()

    def _set_path_patterns(self, path: str) -> None:
        self._regex_source = path
        if "{" in path:
            self.path_regex, self.path_format, self.param_convertors = compile_path(path)
            return
        # Without parameters the format is the path itself and there are no convertors;
        # the regex is compiled when something first matches against it (the static-path
        # table answers most requests for such a route without it).
        self._path_regex: Pattern[str] | None = None
        self.path_format, self.param_convertors = path, {}

    @property
    def path_regex(self) -> Pattern[str]:
        regex = self._path_regex
        if regex is None:
            regex = self._path_regex = compile_path(self._regex_source)[0]
        return regex

    @path_regex.setter
    def path_regex(self, regex: Pattern[str]) -> None:
        self._path_regex = regex

    def _response_model_from_annotation(self, response_class: Any) -> Any:
        """The return annotation as response model; for generators, the streamed item type."""
        return_annotation = typed_return_annotation(self.endpoint)
        if lenient_issubclass(return_annotation, Response):
            return None
        item_type = stream_item_type(return_annotation)
        if item_type is None or not self.is_generator:
            return return_annotation
        if (isinstance(response_class, DefaultPlaceholder) or is_event_stream_class(response_class)) and not is_server_sent_event(item_type):
            self.stream_item_type = item_type
        return None

    def _response_field(self) -> ModelField | None:
        if not self.response_model:
            return None
        if not is_body_allowed_for_status_code(self.status_code):
            raise AssertionError(f"Status code {self.status_code} must not have a response body")
        return create_model_field(name="Response_" + self.unique_id, type_=self.response_model, mode="serialization")

    def _additional_response_fields(self) -> dict[int | str, ModelField]:
        fields: dict[int | str, ModelField] = {}
        for status, response in self.responses.items():
            if not isinstance(response, dict):
                raise AssertionError("An additional response must be a dict")
            model = response.get("model")
            if model:
                if not is_body_allowed_for_status_code(status):
                    raise AssertionError(f"Status code {status} must not have a response body")
                fields[status] = create_model_field(
                    name=f"Response_{status}_{self.unique_id}", type_=model, mode="serialization"
                )
        return fields

    def _build_app(self) -> ASGIApp:
        report_edits(self.dependant, self._forget_built_app)
        if self._compiles_handling():
            app = with_route_telemetry(route_parts(self), compile_route_app)
        else:  # a subclass or an extension wraps the handler: serve what it returns, as FastAPI does
            app = request_response(self.get_route_handler(), reads_body=self.body_field is not None)
            return self._with_body_limit(wrap_route_steps(self.dependant, app))
        return self._with_body_limit(wrap_route_steps(self.dependant, app, compiled=True))

    def _with_body_limit(self, app: ASGIApp) -> ASGIApp:
        return _limit_body(app, self.max_body_size)

    async def _compile_and_handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.app = self._built_app = self._build_app()
        await self.app(scope, receive, send)

    def _compile_if_deferred(self) -> None:
        """Compile now what this route's first request would compile. A route that fails to
        compile is left as it was, to fail on its own first request as it would have."""
        if getattr(self.app, "__func__", None) is APIRoute._compile_and_handle:
            try:
                self.app = self._built_app = self._build_app()
            except Exception:
                pass

    def _forget_built_app(self) -> None:
        """``route.dependant`` was edited in place: compile it again on the next request, as
        FastAPI, which walks the tree per request, would serve the edit. An app someone
        else put in ``route.app`` is theirs and stays."""
        if self.app is self._built_app:
            self.app = self._compile_and_handle

    def _compiles_handling(self) -> bool:
        """Whether the compiled app may serve this route: none of the functions it stands in
        for (see ``_ROUTE_HANDLING``) is overridden by a subclass or replaced by an extension."""
        if type(self).get_route_handler is not _GET_ROUTE_HANDLER.original:
            return False
        return not replaced_points(_ROUTE_HANDLING, f"route {self.path}")

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        """The ``handler(request) -> Response`` of this route (or of its included form while
        that form is built); subclasses may wrap it. ``get_request_handler`` is called by its
        module name, as FastAPI does, so a replacement of it is what runs."""
        return get_request_handler(**handler_arguments(_route_state(self)))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        context = scope_entry(scope, EFFECTIVE_CONTEXT_KEY)
        if context is not None and context.original_route is self:  # matched as included
            match, child_scope = context.matches(scope)
        else:
            match, child_scope = super().matches(scope)
        if match != Match.NONE:
            child_scope["route"] = self
        return match, child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = scope_entry(scope, EFFECTIVE_CONTEXT_KEY)
        if context is None or context.original_route is not self:
            await super().handle(scope, receive, send)
            return
        methods = context.methods  # served as included: the included form answers
        if methods and scope["method"] not in methods:
            headers = {"Allow": ", ".join(methods)}
            if "app" in scope:
                raise HTTPException(status_code=405, headers=headers)
            await PlainTextResponse("Method Not Allowed", status_code=405, headers=headers)(scope, receive, send)
            return
        await context.app(scope, receive, send)


serves_like_route(APIRoute.handle)



class APIRouter(routing.Router):
    """A group of path operations sharing a prefix, tags, dependencies and responses."""

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        default_response_class: type[Response] = Default(JSONResponse),
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        routes: list[BaseRoute] | None = None,
        redirect_slashes: bool = True,
        default: ASGIApp | None = None,
        dependency_overrides_provider: Any | None = None,
        route_class: type[APIRoute] = APIRoute,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Lifespan[Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        strict_content_type: bool = Default(True),
        max_body_size: int | None = None,
        form_limits: Any = None,
    ) -> None:
        super().__init__(routes=routes, redirect_slashes=redirect_slashes, default=default)
        self.on_startup: list[Callable[[], Any]] = list(on_startup or [])
        self.on_shutdown: list[Callable[[], Any]] = list(on_shutdown or [])
        self.lifespan_context: Lifespan[Any] = _DefaultLifespan(self) if lifespan is None else _wrap_lifespan(lifespan)
        if prefix:
            if not prefix.startswith("/"):
                raise AssertionError("A path prefix must start with '/'")
            if prefix.endswith("/"):
                raise AssertionError("A path prefix must not end with '/', as the routes will start with '/'")
        self.prefix = prefix
        self.tags: list[str | Enum] = tags or []
        self.dependencies = list(dependencies or [])
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.responses = responses or {}
        self.callbacks = callbacks or []
        self.dependency_overrides_provider = dependency_overrides_provider
        self.route_class = route_class
        self.default_response_class = default_response_class
        self.generate_unique_id_function = generate_unique_id_function
        self.strict_content_type = strict_content_type
        self.max_body_size = validate_max_body_size(max_body_size)
        self.form_limits = validate_form_limits(form_limits) if form_limits is not None else None
        self._static_table = StaticRouteTable()
        self._segment_index = FirstSegmentIndex()
        self._included_low_priority = IncludedLowPriorityRoutes()
        self._routes_version = 0
        # Routers including this one: a change here makes their served routes stale too.
        self._included_into: list[APIRouter] = []
        self._frontends = FrontendRoutes(self)

    # The router's ASGI app: ``dispatch(router, scope, receive, send)``, which returns the
    # matched route's own coroutine (an awaitable, where Starlette declares a coroutine).
    app = dispatch  # type: ignore[assignment]

    def _prepare_to_serve(self) -> None:
        """Build the dispatch tables and compile every route they hold, as the application
        starts: its first request then finds them ready. Run when start-up has finished
        (``lifespan.startup.complete``), so what extensions changed until then is compiled."""
        routes = self.routes
        self._static_table.prepare(routes)
        self._segment_index.prepare(routes)
        for route in flatten_routes(routes):
            if isinstance(route, APIRoute):
                route._compile_if_deferred()

    @property
    def _low_priority_routes(self) -> list[BaseRoute]:
        """FastAPI parity: routes tried after all others (``frontend()`` builds among them)."""
        return self._frontends.routes

    @property
    def _frontend_routes(self) -> FrontendRouteGroup | None:
        return self._frontends.group

    def _mark_routes_changed(self) -> None:
        """Note a change of this router's routes (FastAPI's hook, called by every ``add_*``)."""
        self._routes_version += 1
        self._served_routes_changed()

    def _served_routes_changed(self) -> None:
        for compiled in (self._static_table, self._segment_index, self._included_low_priority):
            compiled.invalidate()
        for parent in self._included_into:
            parent._served_routes_changed()

    def _get_routes_version(self, seen: set[int] | None = None) -> int:
        """A number that changes when a route is added here or in any router included here."""
        seen = set() if seen is None else seen
        if id(self) in seen:
            return self._routes_version
        seen.add(id(self))
        version = self._routes_version + len(self.routes)
        for route in self.routes:
            if isinstance(route, _IncludedRouter):
                version += route.original_router._get_routes_version(seen)
        return version

    def _contains_router(self, router: APIRouter, seen: set[int] | None = None) -> bool:
        """Whether *router* is included here, directly or further down."""
        seen = set() if seen is None else seen
        if id(self) in seen:
            return False
        seen.add(id(self))
        return any(
            isinstance(route, _IncludedRouter)
            and (route.original_router is router or route.original_router._contains_router(router, seen))
            for route in self.routes
        )

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Matched as an included router: through the inclusion the scope names (FastAPI parity)."""
        included = scope_entry(scope, INCLUDED_ROUTER_KEY)
        if isinstance(included, _IncludedRouter) and included.original_router is self:
            match, child_scope, _, _ = included._match(scope)
            return match, child_scope
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        included = scope_entry(scope, INCLUDED_ROUTER_KEY)
        if isinstance(included, _IncludedRouter) and included.original_router is self:
            await included._handle_selected(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def handle_low_priority(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Serve the request from a frontend build when no path operation matched it."""
        return await self._frontends.handle(scope, receive, send)

    def frontend(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Literal["auto", "index.html", "404.html"] | None = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Serve a static frontend build (e.g. ``dist/``) under *path*, after all path operations."""
        self._frontends.add(path, directory=directory, fallback=fallback, check_dir=check_dir)
        self._mark_routes_changed()

    # -- lifespan ---------------------------------------------------------------------------
    async def _startup(self) -> None:
        for handler in self.on_startup:
            if inspect.iscoroutinefunction(handler):
                await handler()
            else:
                handler()

    async def _shutdown(self) -> None:
        for handler in self.on_shutdown:
            if inspect.iscoroutinefunction(handler):
                await handler()
            else:
                handler()

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        assert event_type in ("startup", "shutdown")
        (self.on_startup if event_type == "startup" else self.on_shutdown).append(func)

    @deprecated(
        "on_event is deprecated, use lifespan event handlers instead. Read more about it in the "
        "[FastAPI docs for Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)."
    )
    def on_event(self, event_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Register a startup/shutdown handler (prefer ``lifespan``)."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_event_handler(event_type, func)
            return func

        return decorator

    # -- plain Starlette routes ---------------------------------------------------------------
    def route(
        self, path: str, methods: Sequence[str] | None = None, name: str | None = None, include_in_schema: bool = True
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_route(path, func, methods=methods, name=name, include_in_schema=include_in_schema)
            return func

        return decorator

    def add_route(
        self,
        path: str,
        endpoint: Callable[[Request], Awaitable[Response] | Response],
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        route = routing.Route(path, endpoint=endpoint, methods=methods, name=name, include_in_schema=include_in_schema)
        self.routes.append(route)
        self._mark_routes_changed()

    def add_websocket_route(self, path: str, endpoint: Callable[..., Any], name: str | None = None) -> None:
        route = routing.WebSocketRoute(path, endpoint=endpoint, name=name)
        self.routes.append(route)
        self._mark_routes_changed()

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[DecoratedCallable], DecoratedCallable]:
        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_websocket_route(path, func, name=name)
            return func

        return decorator

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        self.routes.append(routing.Mount(path, app=app, name=name))
        self._mark_routes_changed()

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        self.routes.append(routing.Host(host, app=app, name=name))
        self._mark_routes_changed()

    # -- path operations ----------------------------------------------------------------------
    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        methods: set[str] | list[str] | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] | DefaultPlaceholder = Default(JSONResponse),
        name: str | None = None,
        route_class_override: type[APIRoute] | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | DefaultPlaceholder = Default(generate_unique_id),
        strict_content_type: bool | DefaultPlaceholder = Default(True),
        max_body_size: int | None = None,
        form_limits: Any = None,
    ) -> None:
        route_class = route_class_override or self.route_class
        declared = {
            "tags": tags,
            "dependencies": dependencies,
            "responses": responses,
            "deprecated": deprecated,
            "include_in_schema": include_in_schema,
            "response_class": response_class,
            "callbacks": callbacks,
            "generate_unique_id_function": generate_unique_id_function,
            "strict_content_type": strict_content_type,
            "max_body_size": max_body_size,
            "form_limits": form_limits,
        }
        settings = merge_settings(settings_of(self, tuple(declared), response_class="default_response_class"), declared)
        if settings["form_limits"] is None:  # not passed: a route class with FastAPI's signature has no such argument
            del settings["form_limits"]
        route = route_class(
            self.prefix + path,
            endpoint=endpoint,
            response_model=response_model,
            status_code=status_code,
            summary=summary,
            description=description,
            response_description=response_description,
            methods=methods,
            operation_id=operation_id,
            response_model_include=response_model_include,
            response_model_exclude=response_model_exclude,
            response_model_by_alias=response_model_by_alias,
            response_model_exclude_unset=response_model_exclude_unset,
            response_model_exclude_defaults=response_model_exclude_defaults,
            response_model_exclude_none=response_model_exclude_none,
            name=name,
            dependency_overrides_provider=self.dependency_overrides_provider,
            openapi_extra=openapi_extra,
            **settings,
        )
        self.routes.append(route)
        self._mark_routes_changed()

    def api_route(
        self,
        path: str,
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        methods: list[str] | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] = Default(JSONResponse),
        name: str | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of ``add_api_route``."""
        options = _options(locals())

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_route(path, func, **options)
            return func

        return decorator

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[params.Depends] | None = None,
    ) -> None:
        route = APIWebSocketRoute(
            self.prefix + path,
            endpoint=endpoint,
            name=name,
            dependencies=[*self.dependencies, *(dependencies or [])],
            dependency_overrides_provider=self.dependency_overrides_provider,
        )
        self.routes.append(route)
        self._mark_routes_changed()

    def websocket(
        self, path: str, name: str | None = None, *, dependencies: Sequence[params.Depends] | None = None
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a WebSocket endpoint."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_websocket_route(path, func, name=name, dependencies=dependencies)
            return func

        return decorator

    def get(
        self,
        path: str,
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] = Default(JSONResponse),
        name: str | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a GET path operation."""
        return self.api_route(path, methods=["GET"], **_options(locals()))

    def put(
        self,
        path: str,
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] = Default(JSONResponse),
        name: str | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a PUT path operation."""
        return self.api_route(path, methods=["PUT"], **_options(locals()))

    def post(
        self,
        path: str,
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] = Default(JSONResponse),
        name: str | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a POST path operation."""
        return self.api_route(path, methods=["POST"], **_options(locals()))

    def delete(
        self,
        path: str,
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] = Default(JSONResponse),
        name: str | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a DELETE path operation."""
        return self.api_route(path, methods=["DELETE"], **_options(locals()))

    def options(
        self,
        path: str,
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] = Default(JSONResponse),
        name: str | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a OPTIONS path operation."""
        return self.api_route(path, methods=["OPTIONS"], **_options(locals()))

    def head(
        self,
        path: str,
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] = Default(JSONResponse),
        name: str | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a HEAD path operation."""
        return self.api_route(path, methods=["HEAD"], **_options(locals()))

    def patch(
        self,
        path: str,
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] = Default(JSONResponse),
        name: str | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a PATCH path operation."""
        return self.api_route(path, methods=["PATCH"], **_options(locals()))

    def trace(
        self,
        path: str,
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        response_model_include: IncEx | None = None,
        response_model_exclude: IncEx | None = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] = Default(JSONResponse),
        name: str | None = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a TRACE path operation."""
        return self.api_route(path, methods=["TRACE"], **_options(locals()))

    # -- composition --------------------------------------------------------------------------
    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        default_response_class: type[Response] = Default(JSONResponse),
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: Any = None,
    ) -> None:
        """Serve *router*'s routes here, under *prefix* and with the given settings.

        *router* stays one node of ``self.routes`` (FastAPI 0.137+): routes declared on it
        later are served too.
        """
        if self is router:
            raise AssertionError(
                "Cannot include the same APIRouter instance into itself. Did you mean to include a different router?"
            )
        if router._contains_router(self):
            raise AssertionError(
                "Cannot include an APIRouter instance that already includes this router. "
                "Did you mean to include a different router?"
            )
        if prefix:
            if not prefix.startswith("/"):
                raise AssertionError("A path prefix must start with '/'")
            if prefix.endswith("/"):
                raise AssertionError("A path prefix must not end with '/', as the routes will start with '/'")
        else:
            _reject_empty_paths(router.routes)
        include_context = _RouterIncludeContext.for_include(
            parent_router=self,
            included_router=router,
            prefix=prefix,
            tags=tags,
            dependencies=dependencies,
            default_response_class=default_response_class,
            responses=responses,
            callbacks=callbacks,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            generate_unique_id_function=generate_unique_id_function,
            max_body_size=max_body_size,
            form_limits=form_limits,
        )
        self.routes.append(_IncludedRouter(router, include_context))
        router._included_into.append(self)
        self._mark_routes_changed()
        for handler in router.on_startup:
            self.add_event_handler("startup", handler)
        for handler in router.on_shutdown:
            self.add_event_handler("shutdown", handler)
        self.lifespan_context = _merge_lifespan_context(self.lifespan_context, router.lifespan_context)


def _limit_body(app: ASGIApp, max_body_size: int | None) -> ASGIApp:
    if max_body_size is None:
        return app
    from starlette.middleware.body_limit import RequestBodyLimitMiddleware

    return RequestBodyLimitMiddleware(app, max_body_size=max_body_size)


def _options(scope: dict[str, Any], *positional: str) -> dict[str, Any]:
    """The keyword options of a declaration method, from its ``locals()``."""
    skipped = {"self", "path", *positional}
    return {name: value for name, value in scope.items() if name not in skipped}


def _first_set(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def get_request_handler(
    dependant: Any,
    body_field: ModelField | None = None,
    status_code: int | None = None,
    response_class: type[Response] | DefaultPlaceholder = Default(JSONResponse),
    response_field: ModelField | None = None,
    response_model_include: IncEx | None = None,
    response_model_exclude: IncEx | None = None,
    response_model_by_alias: bool = True,
    response_model_exclude_unset: bool = False,
    response_model_exclude_defaults: bool = False,
    response_model_exclude_none: bool = False,
    dependency_overrides_provider: Any | None = None,
    embed_body_fields: bool = False,
    strict_content_type: bool | DefaultPlaceholder = Default(True),
    stream_item_field: ModelField | None = None,
    is_json_stream: bool = False,
    form_limits: FormLimits | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """FastAPI's handler factory: ``handler(request) -> Response`` for a route's parts.

    ``APIRoute.get_route_handler`` calls it by its module name, as FastAPI does, so a
    replacement of it (or of ``run_endpoint_function``/``serialize_response``) is used.
    """
    parts = compile_parts(
        locals(),
        # Looked up by name, as FastAPI's handler does: a replacement is what runs.
        run_endpoint=_RUN_ENDPOINT.replacement(),
        serialize=_SERIALIZE_RESPONSE.replacement(),
        solve_dependencies=_SOLVE_DEPENDENCIES.replacement(),
    )
    # Once telemetry is on, with FastAPI's step spans: extensions that wrap this handler keep them.
    handler: Callable[[Request], Awaitable[Response]] = with_handler_telemetry(parts, build_request_handler)
    return handler

# -- the router tree (FastAPI 0.137+): nodes and served forms live in ``_route_tree`` ---------------

from ._route_tree import _effective_route_context_var as _effective_route_context_var  # noqa: E402
from ._route_tree import (  # noqa: E402
    _EffectiveRouteContext,
    _IncludedRouter,
    _iter_included_route_candidates as _iter_included_route_candidates,
    _iter_routes_with_context,
    _reject_empty_paths,
    _route_state,
    _RouterIncludeContext,
)


@dataclass(frozen=True)
class RouteContext:
    """A route of ``app.routes`` as the application serves it, for code walking the routes.

    ``original_route`` is the route as declared; ``path``, ``name``, ``methods``,
    ``endpoint`` and any other attribute are read from its served (included) form.
    """

    route: BaseRoute
    _route_context: _EffectiveRouteContext | None = field(default=None, repr=False)

    @property
    def original_route(self) -> BaseRoute:
        return self._route_context.original_route if self._route_context is not None else self.route

    @property
    def _effective_route(self) -> Any:
        context = self._route_context
        if context is None:
            return self.route
        return context.starlette_route if context.starlette_route is not None else context

    @property
    def path(self) -> str | None:
        return getattr(self._effective_route, "path", None)

    @property
    def path_format(self) -> str | None:
        return getattr(self._effective_route, "path_format", None)

    @property
    def name(self) -> str | None:
        return getattr(self._effective_route, "name", None)

    @property
    def methods(self) -> set[str] | None:
        return getattr(self._effective_route, "methods", None)

    @property
    def endpoint(self) -> Callable[..., Any] | None:
        return getattr(self._effective_route, "endpoint", None)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._effective_route, name)


def iter_route_contexts(routes: Sequence[BaseRoute | RouteContext]) -> Iterator[RouteContext]:
    """One ``RouteContext`` per route served by *routes*, walking into included routers."""
    for route in routes:
        if isinstance(route, RouteContext):
            yield route
            continue
        for original_route, context in _iter_routes_with_context([route]):
            yield RouteContext(original_route, context)


# ---- FastAPI's private module-level helpers -----------------------------------------------
# Names code written for FastAPI imports from ``fastapi.routing`` beyond its documented API.
# FastAPI parity: fastapi/routing.py


class _AsyncLiftContextManager(AbstractAsyncContextManager[_T]):
    """A synchronous context manager used with ``async with`` (a generator lifespan)."""

    def __init__(self, cm: AbstractContextManager[_T]) -> None:
        self._cm = cm

    async def __aenter__(self) -> _T:
        return self._cm.__enter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        return self._cm.__exit__(*exc_info)


def _wrap_gen_lifespan_context(lifespan_context: Callable[[Any], Iterator[Any]]) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """A ``def lifespan(app): yield`` generator as the async context manager Starlette expects."""
    factory = contextlib.contextmanager(lifespan_context)

    @functools.wraps(factory)
    def lifespan(app: Any) -> _AsyncLiftContextManager[Any]:
        return _AsyncLiftContextManager(factory(app))

    return lifespan


# FastAPI remembers each endpoint's context by ``id``; nimbleapi's routes keep their own.
_endpoint_context_cache: dict[int, EndpointContext] = {}


def _extract_endpoint_context(func: Any) -> EndpointContext:
    """Where *func* is defined (function, file, line), worked out once per function."""
    context = _endpoint_context_cache.get(id(func))
    if context is None:
        context = _endpoint_context_cache[id(func)] = endpoint_context(func)
    return context


_normalize_non_finite_floats = normalize_non_finite_floats


# FastAPI's accessors for its per-request entries under ``scope["fastapi"]``.
_get_fastapi_scope = fastapi_scope
_update_scope = merge_child_scope


def _get_scope_effective_route_context(scope: Scope) -> Any | None:
    """The served (prefixed) form of the route that matched, when it came through an inclusion."""
    return scope_entry(scope, EFFECTIVE_CONTEXT_KEY)


def _get_scope_included_router(scope: Scope) -> Any | None:
    """The ``_IncludedRouter`` node the matched route was reached through, if any."""
    return scope_entry(scope, INCLUDED_ROUTER_KEY)


def _build_dependant_with_parameterless_dependencies(
    *, path: str, call: Callable[..., Any], dependencies: Sequence[params.Depends]
) -> tuple[Dependant, list[ModelField], bool]:
    """A route's dependant with *dependencies* first, its flat body fields, and whether they embed."""
    from .dependencies.utils import _get_flat_body_params, _should_embed_body_fields

    dependant = get_dependant(path=path, call=call, scope="function")
    dependant.dependencies[0:0] = [get_parameterless_sub_dependant(depends=depends, path=path) for depends in dependencies]
    body_params = _get_flat_body_params(dependant)
    return dependant, body_params, _should_embed_body_fields(body_params)


class _RouteWithPath(Protocol):
    """Anything routed by a path (FastAPI's typing helper)."""

    path: str


# Patch points (see nimbleapi._patch_points): what a route's compiled app stands in for.
# While each holds its original the route is compiled; else it is served as FastAPI serves
# it, ``request_response(route.get_route_handler())``, and that handler calls the helpers.
_GET_ROUTE_HANDLER = PatchPoint(APIRoute, "get_route_handler")
_RUN_ENDPOINT = PatchPoint(sys.modules[__name__], "run_endpoint_function")
_SERIALIZE_RESPONSE = PatchPoint(sys.modules[__name__], "serialize_response")
# FastAPI's handler solves a route's dependencies through this module's ``solve_dependencies``
# (loaded on first use): tracers replace it to record the arguments an endpoint receives.
_SOLVE_DEPENDENCIES = LazyPatchPoint(sys.modules[__name__], "solve_dependencies", "nimbleapi.dependencies.utils")
# APIRoute's own ``matches``: the router matches such routes itself; others it asks.
_STOCK_API_ROUTE_MATCHES = PatchPoint(APIRoute, "matches").original
register_route_classes(APIRoute, APIWebSocketRoute, _STOCK_API_ROUTE_MATCHES, iter_route_contexts)
_ROUTE_HANDLING = (
    PatchPoint(sys.modules[__name__], "get_request_handler"),
    PatchPoint(sys.modules[__name__], "request_response"),
    _RUN_ENDPOINT,
    _SERIALIZE_RESPONSE,
    _SOLVE_DEPENDENCIES,
)


# Server-Sent Events and FastAPI's request-time dependency helpers load on first use.
_lazy.export_lazily(
    globals(),
    {
        "SolvedDependency": "nimbleapi.dependencies.utils",
        # OpenTelemetry loads with these, so only when asked for.
        "_operation": "nimbleapi.telemetry._api",
        "_route_selected": "nimbleapi.telemetry._api",
        "_run_sync_endpoint": "nimbleapi.telemetry._api",
        "_validation_failed": "nimbleapi.telemetry._api",
        "get_telemetry_data": "nimbleapi.telemetry._api",
        "get_stream_item_type": "nimbleapi.dependencies.utils",
        "get_typed_return_annotation": "nimbleapi.dependencies.utils",
        "solve_dependencies": "nimbleapi.dependencies.utils",
        "Undefined": "nimbleapi._compat",
        "_FormLimits": "nimbleapi._form_limits",
        "_validate_form_limits": "nimbleapi._form_limits",
        "_get_body_field": "nimbleapi.dependencies.utils",
        "_get_flat_body_params": "nimbleapi.dependencies.utils",
        "_should_embed_body_fields": "nimbleapi.dependencies.utils",
        "_is_async_gen_callable": "nimbleapi.dependencies.models",
        "_is_coroutine_callable": "nimbleapi.dependencies.models",
        "_is_gen_callable": "nimbleapi.dependencies.models",
        "_PING_INTERVAL": "nimbleapi.sse",
        "KEEPALIVE_COMMENT": "nimbleapi.sse",
        "EventSourceResponse": "nimbleapi.sse",
        "ServerSentEvent": "nimbleapi.sse",
        "format_sse_event": "nimbleapi.sse",
    },
)
