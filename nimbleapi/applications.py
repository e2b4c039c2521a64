"""``FastAPI`` (also exported as ``NimbleAPI``): the application object.

It keeps FastAPI's constructor and decorators; routes are analysed and compiled as they
are declared, and the OpenAPI document is generated from the same analysed routes.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from enum import Enum
from types import MethodType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware as ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse as HTMLResponse
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Lifespan, Receive, Scope, Send
from starlette.types import ExceptionHandler as ExceptionHandler
from typing_extensions import deprecated

from . import _lazy, params, routing
from ._compile.body_limit import DEFAULT_MAX_BUFFERED_BODY_SIZE, ApplicationBodyLimit
from ._compile.errors import (
    ErrorBoundary,
    HandledExceptions,
    answer_http_exception,
    answer_validation_error,
    register_fast_answer,
)
from ._compile.forms import FormLimits, validate_max_body_size
from ._compile.forms import FormLimits as _FormLimits  # noqa: F401  (FastAPI's name here)
from ._lifespan import LifespanDependencies, LifespanWithDependencies
from ._patch_points import PatchPoint, replaced_points
from ._telemetry.config import resolve_telemetry_config
from ._telemetry.switch import with_app_telemetry
from .datastructures import Default
from .datastructures import DefaultPlaceholder as DefaultPlaceholder
from .exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
    websocket_request_validation_exception_handler,
)
from .exceptions import FastAPIDeprecationWarning, RequestValidationError, WebSocketRequestValidationError
from .middleware._checks import warn_about_unsafe_middleware
from .middleware.asyncexitstack import AsyncExitStackMiddleware as AsyncExitStackMiddleware
from .params import Depends
from .routing import APIRoute, APIRouter, _options
from .types import DecoratedCallable
from .types import IncEx as IncEx
from .utils import generate_unique_id

# At run time, not only for type checkers: ``health_checks`` is a class annotation, which
# ``typing.get_type_hints()`` of the class (and of its subclasses) resolves.
from .health import HealthCheck, HealthChecks

if TYPE_CHECKING:
    from .telemetry._api import TelemetryConfig as TelemetryConfig
    from .openapi.docs import get_redoc_html as get_redoc_html
    from .openapi.docs import get_swagger_ui_html as get_swagger_ui_html
    from .openapi.docs import get_swagger_ui_oauth2_redirect_html as get_swagger_ui_oauth2_redirect_html
    from .openapi.utils import get_openapi as get_openapi

AppType = TypeVar("AppType", bound="FastAPI")


class FastAPI(Starlette):
    """An API application: declare path operations on it and serve it with any ASGI server."""

    def __init__(
        self: AppType,
        *,
        telemetry: TelemetryConfig | None = None,
        debug: bool = False,
        routes: list[BaseRoute] | None = None,
        title: str = "FastAPI",
        summary: str | None = None,
        description: str = "",
        version: str = "0.1.0",
        openapi_url: str | None = "/openapi.json",
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, str | Any]] | None = None,
        dependencies: Sequence[Depends] | None = None,
        default_response_class: type[Response] = Default(JSONResponse),
        redirect_slashes: bool = True,
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect",
        swagger_ui_init_oauth: dict[str, Any] | None = None,
        middleware: Sequence[Middleware] | None = None,
        exception_handlers: dict[int | type[Exception], Callable[[Request, Any], Coroutine[Any, Any, Response]]] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Lifespan[AppType] | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, str | Any] | None = None,
        license_info: dict[str, str | Any] | None = None,
        root_path: str = "",
        root_path_in_servers: bool = True,
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        webhooks: routing.APIRouter | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        swagger_ui_parameters: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[routing.APIRoute], str] = Default(generate_unique_id),
        separate_input_output_schemas: bool = True,
        openapi_external_docs: dict[str, Any] | None = None,
        strict_content_type: bool = True,
        max_body_size: int | None = None,
        max_buffered_body_size: int | None = DEFAULT_MAX_BUFFERED_BODY_SIZE,
        form_limits: Any = None,
        docs_assets: Literal["cdn", "local"] | None = None,
        docs_assets_url: str = "/_nimbleapi/docs",
        errors: Literal["fastapi", "problem+json"] = "fastapi",
        **extra: Any,
    ) -> None:
        self.max_body_size = validate_max_body_size(max_body_size)
        self.max_buffered_body_size = validate_max_body_size(max_buffered_body_size, "max_buffered_body_size")
        self.debug = debug
        self.title = title
        self.summary = summary
        self.description = description
        self.version = version
        self.terms_of_service = terms_of_service
        self.contact = contact
        self.license_info = license_info
        self.openapi_url = openapi_url
        self.openapi_tags = openapi_tags
        self.root_path_in_servers = root_path_in_servers
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.swagger_ui_oauth2_redirect_url = swagger_ui_oauth2_redirect_url
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.swagger_ui_parameters = swagger_ui_parameters
        self.servers = servers or []
        self.separate_input_output_schemas = separate_input_output_schemas
        self.openapi_external_docs = openapi_external_docs
        self.extra = extra
        self.docs_assets = docs_assets
        self.docs_assets_url = docs_assets_url
        self.openapi_version = "3.1.0"
        self.openapi_schema: dict[str, Any] | None = None
        self._openapi_routes_version: int | None = None
        if self.openapi_url:
            if not self.title:
                raise AssertionError("A title must be provided for OpenAPI, e.g.: 'My API'")
            if not self.version:
                raise AssertionError("A version must be provided for OpenAPI, e.g.: '2.1.0'")
        if root_path:
            warnings.warn(
                "The `root_path` parameter is deprecated. Configure the server's root path instead, "
                "for example with `fastapi run --root-path /api/v1`.",
                category=FastAPIDeprecationWarning,
                stacklevel=2,
            )
        self.root_path = root_path
        self.state: State = State()
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.router: routing.APIRouter = routing.APIRouter(
            routes=routes,
            redirect_slashes=redirect_slashes,
            dependency_overrides_provider=self,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            lifespan=lifespan,
            default_response_class=default_response_class,
            dependencies=dependencies,
            callbacks=callbacks,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            responses=responses,
            generate_unique_id_function=generate_unique_id_function,
            strict_content_type=strict_content_type,
            form_limits=form_limits,
        )
        # ``Depends(..., scope="lifespan")`` values: made inside the lifespan, read per request.
        self.lifespan_dependencies = LifespanDependencies()
        self.router.lifespan_context = LifespanWithDependencies(self.router.lifespan_context, self)
        self.exception_handlers: dict[Any, Callable[[Request, Any], Response | Awaitable[Response]]] = (
            {} if exception_handlers is None else dict(exception_handlers)
        )
        self.errors = errors
        if errors != "fastapi":
            from .problem_details import check_error_style, install_problem_handlers

            if check_error_style(errors):
                install_problem_handlers(self.exception_handlers)
        self.exception_handlers.setdefault(HTTPException, http_exception_handler)
        self.exception_handlers.setdefault(RequestValidationError, request_validation_exception_handler)
        self.exception_handlers.setdefault(
            WebSocketRequestValidationError, websocket_request_validation_exception_handler  # type: ignore[arg-type]
        )
        self._telemetry: TelemetryConfig = resolve_telemetry_config(telemetry)  # type: ignore[assignment]
        self._telemetry_requested = telemetry is not None
        self.user_middleware: list[Middleware] = [] if middleware is None else list(middleware)
        self.middleware_stack = None
        self.webhooks = webhooks or routing.APIRouter()
        self.setup()

    # What requests enter: the middleware stack, or a replaced ``Starlette.__call__`` (see
    # ``_enter``). Chosen on the first request, again whenever the stack is replaced.
    _entry: ASGIApp | None = None
    _middleware_stack: ASGIApp | None = None

    @property
    def middleware_stack(self) -> ASGIApp | None:
        return self._middleware_stack

    @middleware_stack.setter
    def middleware_stack(self, stack: ASGIApp | None) -> None:
        self._middleware_stack = stack
        self._entry = None

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's error handling around the body limit around the user's middleware around the router.

        The 500 boundary is outermost and the exception handlers innermost, as in FastAPI;
        both answer without per-request wrappers, as one layer when no user middleware
        sits between them. Where an extension replaced Starlette's error layers (or how
        they are declared), the stack is FastAPI's, made of those layers.
        """
        error_handler = None
        exception_handlers: dict[Any, Any] = {}
        for key, value in self.exception_handlers.items():
            if key in (500, Exception):
                error_handler = value
            else:
                exception_handlers[key] = value
        register_fast_answer(request_validation_exception_handler, answer_validation_error)
        register_fast_answer(http_exception_handler, answer_http_exception)
        warn_about_unsafe_middleware(self.user_middleware)
        if replaced_points(_ERROR_LAYERS, "the middleware stack"):
            return _declared_stack(
                self.router,
                [
                    Middleware(ServerErrorMiddleware, handler=error_handler, debug=self.debug),
                    Middleware(ApplicationBodyLimit, self.max_body_size),
                    *self.user_middleware,
                    Middleware(ExceptionMiddleware, handlers=exception_handlers, debug=self.debug),
                    Middleware(AsyncExitStackMiddleware),
                ],
            )
        app: ASGIApp = HandledExceptions(self.router, handlers=exception_handlers, debug=self.debug)
        if not self.user_middleware and self.max_body_size is None:
            return ErrorBoundary(app, handler=error_handler, debug=self.debug)
        app = _declared_stack(app, self.user_middleware)
        # Outside the user's middleware, so that one reading the body is stopped at the limit too.
        app = ApplicationBodyLimit(app, self.max_body_size)
        return ServerErrorMiddleware(app, handler=error_handler, debug=self.debug)

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document of this application (generated once, then cached)."""
        routes_version = self.router._get_routes_version()
        if not self.openapi_schema or self._openapi_routes_version != routes_version:
            from .openapi.utils import get_openapi

            self.openapi_schema = get_openapi(
                title=self.title,
                version=self.version,
                openapi_version=self.openapi_version,
                summary=self.summary,
                description=self.description,
                terms_of_service=self.terms_of_service,
                contact=self.contact,
                license_info=self.license_info,
                routes=self.routes,
                webhooks=self.webhooks.routes,
                tags=self.openapi_tags,
                servers=self.servers,
                separate_input_output_schemas=self.separate_input_output_schemas,
                external_docs=self.openapi_external_docs,
            )
            if self.errors == "problem+json":
                from .problem_details import describe_problems

                describe_problems(self.openapi_schema)
            self._openapi_routes_version = routes_version
        return self.openapi_schema

    def setup(self) -> None:
        """Add the OpenAPI and documentation routes."""
        from ._openapi.setup import install_docs_routes

        install_docs_routes(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.root_path:
            scope["root_path"] = self.root_path
        scope["app"] = self
        entry = self._entry
        if entry is None:
            entry = self._enter(scope)
        await entry(scope, receive, send)

    def _enter(self, scope: Scope) -> ASGIApp:
        """What requests enter, decided once: the middleware stack (built now if needed), or,
        where an extension replaced ``Starlette.__call__``, that replacement (which FastAPI's
        ``__call__`` reaches through ``super()``), ending in the stack.

        The lifespan does not fix the choice, so an extension set up at start-up still counts.
        """
        stack = self._middleware_stack
        if stack is None:
            stack = self.middleware_stack = self.build_middleware_stack()
        entry: ASGIApp = stack
        if replaced_points((_STARLETTE_ENTRY,), "the application's entry"):
            entry = MethodType(Starlette.__call__, self)
        entry = with_app_telemetry(self, entry, scope)
        if scope["type"] != "lifespan":
            self._entry = entry
        return entry

    # -- declaration API (forwards to the router) -----------------------------------------------
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
    ) -> None:
        """Add a path operation for *endpoint* (the non-decorator form of ``api_route``)."""
        self.router.add_api_route(path, endpoint, **_options(locals(), "endpoint"))

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
        """Declare a path operation for the given ``methods``."""
        return self.router.api_route(path, **_options(locals()))


    def add_api_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None, *, dependencies: Sequence[Depends] | None = None
    ) -> None:
        self.router.add_api_websocket_route(path, endpoint, name=name, dependencies=dependencies)

    def websocket(
        self, path: str, name: str | None = None, *, dependencies: Sequence[Depends] | None = None
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.websocket(path, name=name, dependencies=dependencies)

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = '',
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        default_response_class: type[Response] = Default(JSONResponse),
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> None:
        """Serve *router*'s path operations under *prefix*, with the given settings added."""
        self.router.include_router(router, **_options(locals(), "router"))

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
        return self.router.get(path, **_options(locals()))

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
        return self.router.put(path, **_options(locals()))

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
        return self.router.post(path, **_options(locals()))

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
        return self.router.delete(path, **_options(locals()))

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
        return self.router.options(path, **_options(locals()))

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
        return self.router.head(path, **_options(locals()))

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
        return self.router.patch(path, **_options(locals()))

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
        return self.router.trace(path, **_options(locals()))

    def frontend(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Literal["auto", "index.html", "404.html"] | None = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Serve a static frontend build under *path*, after all path operations (see ``APIRouter.frontend``)."""
        self.router.frontend(path, directory=directory, fallback=fallback, check_dir=check_dir)

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.websocket_route(path, name=name)

    @deprecated(
        "on_event is deprecated, use lifespan event handlers instead. Read more about it in the "
        "[FastAPI docs for Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)."
    )
    def on_event(self, event_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.on_event(event_type)

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        self.router.add_event_handler(event_type, func)

    def middleware(self, middleware_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Register an ``async def dispatch(request, call_next)`` function as HTTP middleware."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_middleware(BaseHTTPMiddleware, dispatch=func)
            return func

        return decorator

    def exception_handler(self, exc_class_or_status_code: int | type[Exception]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Register a handler for an exception class or an HTTP status code."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_exception_handler(exc_class_or_status_code, func)
            return func

        return decorator

    # -- beyond FastAPI -------------------------------------------------------------------------
    health_checks: HealthChecks | None = None

    def add_health_checks(
        self,
        checks: Mapping[str, HealthCheck] | None = None,
        *,
        timeout: float | None = None,
        liveness_path: str = "/healthz",
        readiness_path: str = "/readyz",
        include_in_schema: bool = False,
    ) -> HealthChecks:
        """Serve ``/healthz`` (liveness) and ``/readyz`` (readiness running *checks*); see ``nimbleapi.health``."""
        from .health import add_health_checks

        return add_health_checks(
            self,
            checks,
            timeout=timeout,
            liveness_path=liveness_path,
            readiness_path=readiness_path,
            include_in_schema=include_in_schema,
        )


NimbleAPI = FastAPI


# Patch points (see nimbleapi._patch_points): what the application's entry and its compiled
# error layers (ErrorBoundary, HandledExceptions) stand in for.
_STARLETTE_ENTRY = PatchPoint(Starlette, "__call__")
_ERROR_LAYERS = (
    PatchPoint(Middleware, "__init__"),
    PatchPoint(ServerErrorMiddleware, "__init__"),
    PatchPoint(ServerErrorMiddleware, "__call__"),
    PatchPoint(ExceptionMiddleware, "__init__"),
    PatchPoint(ExceptionMiddleware, "__call__"),
)


def _declared_stack(app: ASGIApp, middleware: list[Middleware]) -> ASGIApp:
    """*app* inside *middleware* (outermost first), each layer made from its declaration."""
    for cls, args, kwargs in reversed(middleware):
        app = cls(app, *args, **kwargs)
    return app


# The OpenAPI generator and the docs pages load when a document or a page is first served.
_lazy.export_lazily(
    globals(),
    {
        "get_openapi": "nimbleapi.openapi.utils",
        # OpenTelemetry loads with these, so only when asked for.
        "ExceptionTelemetryMiddleware": "nimbleapi.telemetry._asgi",
        "NativeTelemetry": "nimbleapi.telemetry._asgi",
        "_legacy_otel": "nimbleapi.telemetry._asgi",
        "TelemetryConfig": "nimbleapi.telemetry._api",
        "get_redoc_html": "nimbleapi.openapi.docs",
        "get_swagger_ui_html": "nimbleapi.openapi.docs",
        "get_swagger_ui_oauth2_redirect_html": "nimbleapi.openapi.docs",
    },
)
