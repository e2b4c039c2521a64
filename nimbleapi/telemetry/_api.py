"""The public telemetry types and the per-request state the instrumented code shares.

``TelemetryConfig`` is what ``FastAPI(telemetry=...)`` accepts, ``TelemetryData`` what a
synchronous OpenTelemetry processor may read about the request being handled, through
``get_telemetry_data()``. The request state lives in the OpenTelemetry context, so spans,
logs and processors of the same request all find it; it is emptied when the request ends.
"""

from __future__ import annotations

import sys
from contextvars import Token
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from dataclasses import field as field  # noqa: F401  (FastAPI's name here)
from time import time_ns
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry._logs import Logger, SeverityNumber
from opentelemetry.context import Context
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import Span, StatusCode, Tracer, TracerProvider
from opentelemetry._logs import LoggerProvider
from starlette.exceptions import HTTPException, WebSocketException
from starlette.requests import Request
from starlette.routing import Mount
from starlette.websockets import WebSocket, WebSocketDisconnect
from typing_extensions import TypedDict

from ..exceptions import RequestValidationError, WebSocketRequestValidationError

# The methods reported as themselves; any other is reported as "_OTHER" (semantic conventions).
_HTTP_METHODS = frozenset({"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"})


class TelemetryConfig(TypedDict, total=False):
    """Settings of ``FastAPI(telemetry={...})``; an omitted key keeps its default.

    Without providers given here, the global OpenTelemetry providers are used, and only
    once something configured them. Providers passed here are never shut down by
    nimbleapi. ``auto_configure`` (default: ``FASTAPI_OTEL_AUTO_CONFIGURE=true`` in the
    environment) adds OTLP exporters from the standard ``OTEL_*`` variables at start-up.
    """

    tracer_provider: TracerProvider | None
    meter_provider: MeterProvider | None
    logger_provider: LoggerProvider | None
    tracing: bool
    metrics: bool
    logs: bool
    operation_spans: bool
    auto_configure: bool
    exclude: Callable[[MutableMapping[str, Any]], bool] | None


@dataclass(kw_only=True)
class TelemetryData:
    """What nimbleapi knows about the request or WebSocket connection being handled.

    Filled in as handling goes on, for synchronous processors of spans and log records.
    Read-only for them; apply your own redaction before exporting any of it.
    """

    request: Request | None = None
    websocket: WebSocket | None = None
    body: Any = None
    values: dict[str, Any] | None = None
    errors: Sequence[Any] | None = None


class _RequestTelemetry:
    """One request's telemetry state, found in its OpenTelemetry context and its scope."""

    __slots__ = (
        "span", "span_method", "tracer", "logger", "route", "status_code", "data",
        "_mount_prefix", "_exceptions", "_scope", "_mount_route",
    )

    def __init__(
        self,
        span: Span | None,
        span_method: str,
        tracer: Tracer | None = None,
        logger: Logger | None = None,
        mount_prefix: str = "",
        scope: MutableMapping[str, Any] | None = None,
    ) -> None:
        self.span = span
        self.span_method = span_method
        self.tracer = tracer
        self.logger = logger
        self.route: str | None = None
        self.status_code: int | None = None
        self.data: TelemetryData | None = TelemetryData()
        self._mount_prefix = mount_prefix
        self._exceptions: list[BaseException] = []
        self._scope = scope
        self._mount_route: str | None = None

    def current_route(self) -> str | None:
        """The route template chosen so far: the one a route announced, else the one the
        router put in the scope, under the mounts the request went through."""
        if self.route is not None or self._scope is None:
            return self.route
        chosen = self._scope.get("route")
        template = getattr(chosen, "path_format", None)
        if not isinstance(template, str):
            return self._mount_route
        if isinstance(chosen, Mount):
            return self._mount_route or self._mount_prefix + template
        return self._mount_prefix + template

    def enter_mount(self, template: str) -> None:
        """The request goes into a mount (``/prefix/{path}``): its prefix applies from now on."""
        self._mount_prefix += template.removesuffix("/{path}")
        self._mount_route = self._mount_prefix + "/{path}"


_REQUEST_TELEMETRY_KEY = otel_context.create_key("fastapi.request")


def _get_request_telemetry(context: Context | None = None) -> _RequestTelemetry | None:
    value = otel_context.get_value(_REQUEST_TELEMETRY_KEY, context)
    return value if isinstance(value, _RequestTelemetry) else None


def get_telemetry_data(context: Context | None = None) -> TelemetryData | None:
    """The data of the request handled in *context* (default: the current one).

    A log processor can pass ``record.context``. Read it synchronously, while the request
    or connection is handled: afterwards this returns ``None``, even for a context kept
    around. Nothing of it is added to exported spans or log records.
    """
    state = _get_request_telemetry(context)
    return state.data if state is not None else None


def _validation_failed(exc: RequestValidationError | WebSocketRequestValidationError) -> None:
    """Record a request that failed validation: its errors in the data, a WARN log record."""
    state = _get_request_telemetry()
    if state is None:
        return
    errors = exc.errors()
    if state.data is not None:
        if isinstance(exc, RequestValidationError):
            state.data.body = exc.body
        state.data.errors = errors
    if state.logger is None:
        return
    attributes: dict[str, Any] = {"fastapi.validation.error_count": len(errors)}
    route = state.current_route()
    if route is not None:
        attributes["http.route"] = route
    state.logger.emit(
        event_name="fastapi.validation.failed",
        timestamp=time_ns(),
        severity_number=SeverityNumber.WARN,
        severity_text="WARN",
        body="Request validation failed",
        attributes=attributes,
    )


def _exception_type(exc: BaseException) -> str:
    """``error.type``: the qualified class name, without ``builtins.``."""
    cls = type(exc)
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    if module.partition(".")[0] == "nimbleapi" and sys.modules.get("fastapi") is sys.modules.get("nimbleapi"):
        # Served as ``fastapi`` (nimbleapi.compat): name the class as the application knows it.
        module = "fastapi" + module[len("nimbleapi") :]
    return f"{module}.{cls.__qualname__}"


def _normal_websocket_disconnect(exc: BaseException) -> bool:
    return isinstance(exc, WebSocketDisconnect) and exc.code in (1000, 1001)


# Exceptions an operation passes on without failing: the framework answers them.
_ANSWERED = (HTTPException, RequestValidationError, WebSocketException, WebSocketRequestValidationError)


def _function_name(function: Callable[..., Any]) -> str:
    """``code.function.name``: module and qualified name of a callable (or of its class)."""
    module = getattr(function, "__module__", type(function).__module__)
    qualname = getattr(function, "__qualname__", type(function).__qualname__)
    return f"{module}.{qualname}"


class _OperationSpan:
    """A child span around one step of handling a request (``fastapi.<name>``), current
    while the step runs. Entered as a plain context manager: cheaper than a generator."""

    __slots__ = ("_tracer", "_name", "_attributes", "_fails_always", "_span", "_token")

    def __init__(self, tracer: Tracer, name: str, attributes: dict[str, Any], fails_always: bool) -> None:
        self._tracer = tracer
        self._name = name
        self._attributes = attributes
        self._fails_always = fails_always

    def __enter__(self) -> None:
        span = self._span = self._tracer.start_span(self._name, attributes=self._attributes)
        self._token = otel_context.attach(trace.set_span_in_context(span))

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        _end_operation(self._span, self._token, exc, self._fails_always)


def _end_operation(span: Span, token: Token[Context], exc: BaseException | None, fails_always: bool = False) -> None:
    """End an operation's span (made current with *token*), failed by *exc* unless the
    framework answers it (a background task's failure always counts)."""
    try:
        if isinstance(exc, Exception) and (
            fails_always or not (isinstance(exc, _ANSWERED) or _normal_websocket_disconnect(exc))
        ):
            span.set_attribute("error.type", _exception_type(exc))
            span.set_status(StatusCode.ERROR)
    finally:
        otel_context.detach(token)
        span.end()


class _NoOperation:
    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: Any) -> None:
        return None


_NO_OPERATION = _NoOperation()


def _operation(*, name: str, function: Callable[..., Any] | None = None) -> Any:
    """A context manager tracing step *name* of the current request (``fastapi.<name>``),
    or doing nothing outside a traced request or when operation spans are off."""
    state = _get_request_telemetry()
    if state is None or state.tracer is None:
        return _NO_OPERATION
    return _traced_operation(request_telemetry=state, name=name, function=function)


def _run_sync_endpoint(*, function: Callable[..., Any], arguments: dict[str, Any]) -> Any:
    """Call a sync endpoint inside its ``fastapi.endpoint`` span (in the worker thread)."""
    with _operation(name="endpoint", function=function):
        return function(**arguments)


def _route_selected(*, scope: MutableMapping[str, Any], path: str | None, mount: bool = False) -> None:
    """Announce the route template the router chose (a mount adds its prefix for what follows)."""
    state = scope.get("fastapi.telemetry")
    if not isinstance(state, _RequestTelemetry) or path is None:
        return
    if mount:
        state.enter_mount(path)
        state.route = state._mount_route
    else:
        state.route = state._mount_prefix + path
    if state.span is not None:
        state.span.set_attribute("http.route", state.route)
        state.span.update_name(f"{state.span_method} {state.route}")


# The API's stand-ins until an SDK provider is set: a provider of these classes was
# never configured. Only these; SDK providers and vendors' proxies count as configured.
_DEFERRED_PROVIDERS = frozenset(
    {
        ("opentelemetry.trace", "ProxyTracerProvider"),
        ("opentelemetry.metrics._internal", "_ProxyMeterProvider"),
        ("opentelemetry._logs._internal", "ProxyLoggerProvider"),
    }
)


def _unconfigured(provider: Any) -> bool:
    cls = type(provider)
    return (cls.__module__, cls.__name__) in _DEFERRED_PROVIDERS


def _traced_operation(
    *, request_telemetry: _RequestTelemetry, name: str, function: Callable[..., Any] | None
) -> _OperationSpan:
    """The span of step *name* of a request known to be traced (``request_telemetry.tracer`` set)."""
    assert request_telemetry.tracer is not None
    attributes = {} if function is None else {"code.function.name": _function_name(function)}
    return _OperationSpan(request_telemetry.tracer, "fastapi." + name, attributes, name == "background_task")
