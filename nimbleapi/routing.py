"""Routing: ``APIRouter``, ``APIRoute`` and ``APIWebSocketRoute`` with FastAPI's behaviour.

An ``APIRoute`` is analysed (``nimbleapi._plan``) and compiled (``nimbleapi._compile``)
when it is created; nothing about its signature is inspected per request.
"""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from enum import Enum, IntEnum
from re import Pattern
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from starlette import routing
from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.concurrency import iterate_in_threadpool as iterate_in_threadpool
from starlette.concurrency import run_in_threadpool
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
from ._compile.deps import RequestContext, compile_solver
from ._compile.forms import FormLimits, validate_form_limits, validate_max_body_size
from ._compile.handler import build_request_handler, endpoint_context, route_parts
from ._compile.handler import request_response as request_response
from ._compile.respond import ResponseOptions, compile_responder
from ._compile.route_app import compile_route_app
from ._compile.respond import serialize_response as serialize_response
from ._compile.streaming import is_event_stream_class, is_server_sent_event, stream_item_type
from ._plan.annotations import lenient_issubclass
from ._plan.body import build_body_field, flat_body_params, should_embed_body_fields
from ._plan.callables import is_async_gen_callable, is_gen_callable
from ._plan.deps import analyze_endpoint, analyze_route_dependency
from ._plan.deps import get_parameterless_sub_dependant as get_parameterless_sub_dependant
from ._plan.deps import get_dependant as get_dependant
from ._plan.describe import describe_endpoint, located
from ._plan.fields import ModelField, create_model_field
from ._plan.signature import typed_return_annotation
from ._router.dispatch import dispatch
from ._router.fast import StaticRouteTable
from ._router.index import FirstSegmentIndex
from ._router.frontend import FrontendRouteGroup, FrontendRoutes, IncludedLowPriorityRoutes
from .datastructures import Default, DefaultPlaceholder
from .dependencies.models import Dependant as Dependant
from .encoders import jsonable_encoder as jsonable_encoder
from .exceptions import EndpointContext as EndpointContext
from .exceptions import FastAPIError, WebSocketRequestValidationError
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
        cm_factory = contextlib.contextmanager(lifespan)

        @asynccontextmanager
        async def lifted(app: Any) -> AsyncIterator[Any]:
            with cm_factory(app) as state:
                yield state

        return lifted
    return lifespan


def get_websocket_app(
    dependant: Dependant,
    dependency_overrides_provider: Any | None = None,
    embed_body_fields: bool = False,
    *,
    path: str = "",
) -> Callable[[WebSocket], Awaitable[None]]:
    """The ``handler(websocket)`` of a WebSocket endpoint: solve dependencies, then call it."""
    solve = compile_solver(dependant, embed_body_fields=embed_body_fields)
    call = dependant.call
    assert call is not None
    static_ctx = endpoint_context(call)

    async def handler(websocket: WebSocket) -> None:
        scope = websocket.scope
        ctx = RequestContext(websocket, None, scope.get("fastapi_inner_astack"), scope.get("fastapi_function_astack"))
        if dependency_overrides_provider is not None:
            ctx.overrides = dependency_overrides_provider.dependency_overrides
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
        self._flat_body_params = flat_body_params(self.dependant)
        self._embed_body_fields = should_embed_body_fields(self._flat_body_params)
        self.dependency_overrides_provider = dependency_overrides_provider
        self.app = websocket_session(
            get_websocket_app(
                dependant=self.dependant,
                dependency_overrides_provider=dependency_overrides_provider,
                embed_body_fields=self._embed_body_fields,
                path=self.path_format,
            )
        )

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
        if type(self).get_route_handler is APIRoute.get_route_handler:
            # Compiled on its first request: a route that is only ever served through the
            # copy include_router makes of it is never compiled, and start-up stays short.
            self.app = self._compile_and_handle
        else:  # a subclass may rely on get_route_handler() running at declaration, as in FastAPI
            self.app = self._build_app()

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
        if type(self).get_route_handler is APIRoute.get_route_handler:
            app = compile_route_app(route_parts(self))
        else:  # a subclass wraps the handler: serve what it returns
            app = request_response(self.get_route_handler(), reads_body=self.body_field is not None)
        if self.max_body_size is None:
            return app
        from starlette.middleware.body_limit import RequestBodyLimitMiddleware

        return RequestBodyLimitMiddleware(app, max_body_size=self.max_body_size)

    async def _compile_and_handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.app = self._build_app()
        await self.app(scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        """The ``handler(request) -> Response`` of this route; subclasses may wrap it."""
        return route_parts(self).request_handler()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match != Match.NONE:
            child_scope["route"] = self
        return match, child_scope



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
        # Routers this one was included into, so routes declared later reach them too.
        self._included_into: list[tuple[APIRouter, str, dict[str, Any]]] = []
        self._frontends = FrontendRoutes(self)

    app = dispatch  # the router's ASGI app: ``dispatch(router, scope, receive, send)``, one frame

    @property
    def _low_priority_routes(self) -> list[BaseRoute]:
        """FastAPI parity: routes tried after all others (``frontend()`` builds among them)."""
        return self._frontends.routes

    @property
    def _frontend_routes(self) -> FrontendRouteGroup | None:
        return self._frontends.group

    def _mark_routes_changed(self) -> None:
        """FastAPI parity hook; route lists are read live here, so there is nothing to invalidate."""

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
        methods: Sequence[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        route = routing.Route(path, endpoint=endpoint, methods=methods, name=name, include_in_schema=include_in_schema)
        self.routes.append(route)
        self._route_added(route)

    def add_websocket_route(self, path: str, endpoint: Callable[..., Any], name: str | None = None) -> None:
        route = routing.WebSocketRoute(path, endpoint=endpoint, name=name)
        self.routes.append(route)
        self._route_added(route)

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[DecoratedCallable], DecoratedCallable]:
        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_websocket_route(path, func, name=name)
            return func

        return decorator

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        self.routes.append(routing.Mount(path, app=app, name=name))

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        self.routes.append(routing.Host(host, app=app, name=name))

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
        route_options: dict[str, Any] = {}
        if form_limits is not None or self.form_limits is not None:
            route_options["form_limits"] = {**(self.form_limits or {}), **(form_limits or {})}
        route = route_class(
            self.prefix + path,
            endpoint=endpoint,
            response_model=response_model,
            status_code=status_code,
            tags=[*self.tags, *(tags or [])],
            dependencies=[*self.dependencies, *(dependencies or [])],
            summary=summary,
            description=description,
            response_description=response_description,
            responses={**self.responses, **(responses or {})},
            deprecated=deprecated or self.deprecated,
            methods=methods,
            operation_id=operation_id,
            response_model_include=response_model_include,
            response_model_exclude=response_model_exclude,
            response_model_by_alias=response_model_by_alias,
            response_model_exclude_unset=response_model_exclude_unset,
            response_model_exclude_defaults=response_model_exclude_defaults,
            response_model_exclude_none=response_model_exclude_none,
            include_in_schema=include_in_schema and self.include_in_schema,
            response_class=get_value_or_default(response_class, self.default_response_class),
            name=name,
            dependency_overrides_provider=self.dependency_overrides_provider,
            callbacks=[*self.callbacks, *(callbacks or [])],
            openapi_extra=openapi_extra,
            generate_unique_id_function=get_value_or_default(generate_unique_id_function, self.generate_unique_id_function),
            strict_content_type=get_value_or_default(strict_content_type, self.strict_content_type),
            max_body_size=max_body_size if max_body_size is not None else self.max_body_size,
            **route_options,
        )
        self.routes.append(route)
        self._route_added(route)

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
        self._route_added(route)

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
        """Copy *router*'s routes into this router, under *prefix* and with the given settings."""
        if self is router:
            raise AssertionError(
                "Cannot include the same APIRouter instance into itself. Did you mean to include a different router?"
            )
        if prefix:
            if not prefix.startswith("/"):
                raise AssertionError("A path prefix must start with '/'")
            if prefix.endswith("/"):
                raise AssertionError("A path prefix must not end with '/', as the routes will start with '/'")
        else:
            for route in router.routes:
                path = getattr(route, "path", None)
                if path is not None and not path:
                    name = getattr(route, "name", "unknown")
                    raise FastAPIError(f"Prefix and path cannot be both empty (path operation: {name})")
        validate_max_body_size(max_body_size)
        if form_limits is not None:
            form_limits = validate_form_limits(form_limits)
        include: dict[str, Any] = dict(
            tags=tags,
            dependencies=dependencies,
            default_response_class=default_response_class,
            responses=responses or {},
            callbacks=callbacks,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            generate_unique_id_function=generate_unique_id_function,
            max_body_size=max_body_size,
            form_limits=form_limits,
        )
        for route in router.routes:
            self._include_route(route, router, prefix=prefix, **include)
        router._included_into.append((self, prefix, include))
        self._frontends.include(
            router._frontends,
            prefix=prefix,
            dependencies=dependencies,
            max_body_size=max_body_size,
            copy_route=lambda route: self._include_route(route, router, prefix=prefix, **include),
        )
        for handler in router.on_startup:
            self.add_event_handler("startup", handler)
        for handler in router.on_shutdown:
            self.add_event_handler("shutdown", handler)
        self.lifespan_context = _merge_lifespan_context(self.lifespan_context, router.lifespan_context)

    def _route_added(self, route: BaseRoute) -> None:
        """Carry a route declared after ``include_router`` into the routers that include this one."""
        for parent, prefix, include in self._included_into:
            parent._include_route(route, self, prefix=prefix, **include)

    def _include_route(self, route: BaseRoute, router: APIRouter, *, prefix: str, **include: Any) -> None:
        dependencies = list(include["dependencies"] or [])
        if isinstance(route, APIRoute):
            self.add_api_route(
                prefix + route.path,
                route.endpoint,
                # A streaming route re-derives its item type from the endpoint's annotation.
                response_model=Default(None) if route.stream_item_type is not None else route.response_model,
                status_code=route.status_code,
                tags=[*(include["tags"] or []), *route.tags],
                dependencies=[*dependencies, *route.dependencies],
                summary=route.summary,
                description=route.description,
                response_description=route.response_description,
                responses={**include["responses"], **route.responses},
                deprecated=route.deprecated or include["deprecated"] or self.deprecated,
                methods=route.methods,
                operation_id=route.operation_id,
                response_model_include=route.response_model_include,
                response_model_exclude=route.response_model_exclude,
                response_model_by_alias=route.response_model_by_alias,
                response_model_exclude_unset=route.response_model_exclude_unset,
                response_model_exclude_defaults=route.response_model_exclude_defaults,
                response_model_exclude_none=route.response_model_exclude_none,
                include_in_schema=route.include_in_schema and self.include_in_schema and include["include_in_schema"],
                response_class=get_value_or_default(
                    route.response_class,
                    router.default_response_class,
                    include["default_response_class"],
                    self.default_response_class,
                ),
                name=route.name,
                route_class_override=type(route),
                callbacks=[*(include["callbacks"] or []), *(route.callbacks or [])],
                openapi_extra=route.openapi_extra,
                generate_unique_id_function=get_value_or_default(
                    route.generate_unique_id_function,
                    router.generate_unique_id_function,
                    include["generate_unique_id_function"],
                    self.generate_unique_id_function,
                ),
                strict_content_type=get_value_or_default(
                    route.strict_content_type, router.strict_content_type, self.strict_content_type
                ),
                max_body_size=_first_set(route.max_body_size, include["max_body_size"], router.max_body_size),
                form_limits=_merged_limits(router.form_limits, include["form_limits"], route.form_limits),
            )
        elif isinstance(route, routing.Route):
            self.add_route(
                prefix + route.path,
                route.endpoint,
                methods=list(route.methods or []),
                include_in_schema=route.include_in_schema,
                name=route.name,
            )
        elif isinstance(route, APIWebSocketRoute):
            self.add_api_websocket_route(
                prefix + route.path, route.endpoint, dependencies=[*dependencies, *route.dependencies], name=route.name
            )
        elif isinstance(route, routing.WebSocketRoute):
            self.add_websocket_route(prefix + route.path, route.endpoint, name=route.name)
        elif isinstance(route, IncludedLowPriorityRoutes):
            pass  # carried over, re-prefixed, by self._frontends.include()
        else:
            # Mounts, hosts and custom routes are shared as they are (FastAPI does the same).
            self.routes.append(route)


def _options(scope: dict[str, Any], *positional: str) -> dict[str, Any]:
    """The keyword options of a declaration method, from its ``locals()``."""
    skipped = {"self", "path", *positional}
    return {name: value for name, value in scope.items() if name not in skipped}


def _first_set(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def _merged_limits(*limits: Any) -> Any:
    present = [limit for limit in limits if limit]
    if not present:
        return None
    merged: dict[str, Any] = {}
    for limit in present:
        merged.update(limit)
    return merged


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
) -> Callable[[Request], Awaitable[Response]]:
    """FastAPI's handler factory, for code that builds handlers by hand."""
    respond = compile_responder(
        response_field=response_field,
        response_class=response_class,
        options=ResponseOptions(
            include=response_model_include,
            exclude=response_model_exclude,
            by_alias=response_model_by_alias,
            exclude_unset=response_model_exclude_unset,
            exclude_defaults=response_model_exclude_defaults,
            exclude_none=response_model_exclude_none,
        ),
        status_code=status_code,
    )
    strict = strict_content_type.value if isinstance(strict_content_type, DefaultPlaceholder) else strict_content_type
    return build_request_handler(
        dependant=dependant,
        body_field=body_field,
        embed_body_fields=embed_body_fields,
        respond=respond,
        overrides_provider=dependency_overrides_provider,
        strict_content_type=strict,
    )


async def run_endpoint_function(*, dependant: Any, values: dict[str, Any], is_coroutine: bool) -> Any:
    assert dependant.call is not None, "dependant.call must be a function"
    if is_coroutine:
        return await dependant.call(**values)
    return await run_in_threadpool(dependant.call, **values)



class RouteContext:
    """A route as the application serves it (FastAPI's view for extensions walking ``app.routes``).

    Included routes are copied into the including router, so the served route is the route.
    """

    def __init__(self, original_route: BaseRoute) -> None:
        self.original_route = original_route
        self.route = original_route

    @property
    def path(self) -> str | None:
        return getattr(self.original_route, "path", None)

    @property
    def path_format(self) -> str | None:
        return getattr(self.original_route, "path_format", None)

    @property
    def name(self) -> str | None:
        return getattr(self.original_route, "name", None)

    @property
    def methods(self) -> set[str] | None:
        return getattr(self.original_route, "methods", None)

    @property
    def endpoint(self) -> Any:
        return getattr(self.original_route, "endpoint", None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original_route, name)


def iter_route_contexts(routes: Sequence[BaseRoute | RouteContext]) -> Iterator[RouteContext]:
    """One ``RouteContext`` per route of *routes*."""
    for route in routes:
        yield route if isinstance(route, RouteContext) else RouteContext(route)


# Server-Sent Events and FastAPI's request-time dependency helpers load on first use.
_lazy.export_lazily(
    globals(),
    {
        "SolvedDependency": "nimbleapi.dependencies.utils",
        "get_stream_item_type": "nimbleapi.dependencies.utils",
        "get_typed_return_annotation": "nimbleapi.dependencies.utils",
        "solve_dependencies": "nimbleapi.dependencies.utils",
        "_PING_INTERVAL": "nimbleapi.sse",
        "KEEPALIVE_COMMENT": "nimbleapi.sse",
        "EventSourceResponse": "nimbleapi.sse",
        "ServerSentEvent": "nimbleapi.sse",
        "format_sse_event": "nimbleapi.sse",
    },
)
