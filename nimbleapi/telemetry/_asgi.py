"""The server side of telemetry: a span, metrics and exception logs per HTTP request and
per WebSocket session, around the application's middleware stack.

``NativeTelemetry(config)`` is called for each request of an application with telemetry;
it decides per request only what may change at run time (global providers being set,
``exclude``), and leaves the route-constant work to the compiled routes.
"""

from __future__ import annotations

import os
from functools import lru_cache
from time import perf_counter, time_ns
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from opentelemetry import _logs, metrics, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry._logs import SeverityNumber
from opentelemetry.metrics import Histogram, UpDownCounter
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.trace import SpanKind, StatusCode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._version import FASTAPI_VERSION as __version__
from ._api import (
    _HTTP_METHODS,
    _REQUEST_TELEMETRY_KEY,
    TelemetryConfig,
    _exception_type,
    _normal_websocket_disconnect,
    _RequestTelemetry,
    _unconfigured,
)

# The advisory histogram buckets of http.server.request.duration (semantic conventions).
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_SCHEMA_URL = "https://opentelemetry.io/schemas/1.44.0"
# Query parameters whose values are credentials: reported as REDACTED.
_SENSITIVE_QUERY_PARAMETERS = frozenset(
    {"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "sig", "X-Goog-Signature"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class _HeadersGetter(Getter[Headers]):
    """Reads propagation headers; repeated ``baggage`` headers are joined into one value,
    since the baggage propagator reads only the first."""

    def get(self, carrier: Headers, key: str) -> list[str] | None:
        values = carrier.getlist(key)
        if not values:
            return None
        return [",".join(values)] if key.lower() == "baggage" else values

    def keys(self, carrier: Headers) -> list[str]:
        return carrier.keys()


_HEADERS_GETTER = _HeadersGetter()


def _extract_parent(scope: Scope) -> otel_context.Context:
    """The context propagated in the request's headers, as ``propagate.extract`` gives it.

    With OpenTelemetry's default propagation (W3C trace context first, then baggage), a
    request carrying none of their headers is handled in a new empty context: that answer
    is given without reading the headers through the propagators.
    """
    propagator = propagate.get_global_textmap()
    fields = _default_propagation_fields(propagator)
    if fields is not None and not any(name in fields for name, _ in scope["headers"]):
        return otel_context.Context()
    return propagate.extract(Headers(scope=scope), getter=_HEADERS_GETTER)


def _default_propagation_fields(propagator: Any) -> frozenset[bytes] | None:
    """The header names *propagator* reads, when it is the default propagation (whose
    answer without them is a new empty context); None for any other propagator."""
    if propagator is _default_propagation[0]:
        known: frozenset[bytes] | None = _default_propagation[1]
        return known
    parts = getattr(propagator, "_propagators", None) if type(propagator) is CompositePropagator else [propagator]
    fields = None
    if parts and type(parts[0]) is TraceContextTextMapPropagator and all(type(part) in _DEFAULT_PROPAGATORS for part in parts):
        fields = frozenset(name.lower().encode("latin-1") for part in parts for name in part.fields)
    _default_propagation[:] = [propagator, fields]
    return fields


_DEFAULT_PROPAGATORS = (TraceContextTextMapPropagator, W3CBaggagePropagator)
# The global propagator last seen and its header names (None: not the default propagation).
_default_propagation: list[Any] = [None, None]


def _legacy_otel(stack: Any) -> bool:
    """Whether opentelemetry-instrumentation-fastapi's ASGI middleware is in the built stack:
    its spans, metrics and logs then stand for ours (no duplicates)."""
    seen: set[int] = set()
    while stack is not None and id(stack) not in seen:
        seen.add(id(stack))
        cls = type(stack)
        if cls.__module__ == "opentelemetry.instrumentation.asgi" and cls.__name__ == "OpenTelemetryMiddleware":
            return True
        stack = getattr(stack, "app", None)
    return False


def _exception(*, scope: Scope, exc: BaseException) -> None:
    """Log an unhandled exception of the request once (ERROR, with its stack trace)."""
    websocket = scope["type"] == "websocket"
    if websocket and _normal_websocket_disconnect(exc):
        return
    state = scope.get("fastapi.telemetry")
    if not isinstance(state, _RequestTelemetry) or any(seen is exc for seen in state._exceptions):
        return
    state._exceptions.append(exc)
    if state.logger is None or not isinstance(exc, Exception):
        return
    route = state.current_route()
    state.logger.emit(
        exception=exc,
        event_name="fastapi.websocket.exception" if websocket else "http.server.request.exception",
        timestamp=time_ns(),
        severity_number=SeverityNumber.ERROR,
        severity_text="ERROR",
        body="Unhandled exception in FastAPI WebSocket connection" if websocket else "Unhandled exception in FastAPI request",
        attributes={"http.route": route} if route else None,
    )


def _server_attributes(scope: Scope) -> dict[str, Any]:
    """``server.address`` and ``server.port``: from the Host header (HTTP/2 and /3 authority
    too), else from the ASGI server address. A malformed Host gives none. Never mutated:
    one dict per host a server is reached by."""
    for name, value in scope["headers"]:
        if name == b"host":
            return _authority_attributes(value.decode("latin-1"), scope.get("scheme", "http"))
    address, port = scope.get("server") or (None, None)
    return _address_attributes(address, port)


@lru_cache(maxsize=256)
def _authority_attributes(authority: str, scheme: str) -> dict[str, Any]:
    try:
        parts = urlsplit("//" + authority)
        address, port = parts.hostname, parts.port
    except ValueError:
        return {}
    if parts.username is not None or parts.path or parts.query or parts.fragment:
        return {}
    return _address_attributes(address, _DEFAULT_PORTS.get(scheme) if port is None else port)


def _address_attributes(address: str | None, port: int | None) -> dict[str, Any]:
    if address is None:
        return {}
    return {"server.address": address} if port is None else {"server.address": address, "server.port": port}


def _redacted_query(query_string: bytes) -> str:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return urlencode([(key, "REDACTED" if key in _SENSITIVE_QUERY_PARAMETERS else value) for key, value in pairs])


class ExceptionTelemetryMiddleware:
    """Logs an exception before the error handlers turn it into a response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            _exception(scope=scope, exc=exc)
            raise


class _Provider:
    """Where one signal goes: the provider the application was given (judged once), or the
    global one, looked up per request since it may be configured after the application
    started; each global provider seen is judged once."""

    __slots__ = ("explicit", "get_global", "noop", "_seen", "_verdict")

    def __init__(self, explicit: Any, get_global: Callable[[], Any], noop: type) -> None:
        self.explicit, self.get_global, self.noop = explicit, get_global, noop
        self._seen: Any = _NOT_SEEN
        self._verdict: Any = None

    def current(self) -> Any:
        """The provider that records this signal now, or None (none configured, or a no-op)."""
        provider = self.explicit or self.get_global()
        if provider is not self._seen:
            unusable = (self.explicit is None and _unconfigured(provider)) or isinstance(provider, self.noop)
            self._seen, self._verdict = provider, None if unusable else provider
        return self._verdict


_NOT_SEEN = object()


class _RequestShape:
    """What a request's method, scheme and protocol give its telemetry, the same for every
    request of that shape: the span's name, its attributes before the route is known, and
    the attributes of the active-requests counter (shared: the SDK copies what it keeps)."""

    __slots__ = ("span_method", "attributes", "active_attributes", "method_original")

    def __init__(self, scope: Scope, websocket: bool, known_methods: frozenset[str]) -> None:
        original_method = scope.get("method", "")
        method = original_method if original_method in known_methods else "_OTHER"
        self.span_method = "WS" if websocket else "HTTP" if method == "_OTHER" else method
        attributes: dict[str, Any] = {"url.scheme": scope.get("scheme", "ws" if websocket else "http")}
        if websocket:
            attributes["network.protocol.name"] = "websocket"
        else:
            attributes["http.request.method"] = method
            if scope.get("http_version"):
                attributes["network.protocol.version"] = scope["http_version"]
        self.attributes = attributes
        self.active_attributes = {k: v for k, v in attributes.items() if k != "network.protocol.version"}
        self.method_original = None if websocket or original_method == method else original_method


class NativeTelemetry:
    """The telemetry of one application's requests (see the module docstring)."""

    def __init__(self, config: TelemetryConfig) -> None:
        self.config = config
        known = os.getenv("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS", "").strip()
        self._known_methods = frozenset(m.strip() for m in known.split(",") if m.strip()) if known else _HTTP_METHODS
        self._meter_provider: Any = None
        self._instruments: tuple[Histogram, UpDownCounter] | None = None
        self._tracer_provider: Any = None
        self._tracer: trace.Tracer | None = None
        # The global providers are looked up through their modules each time (so a provider
        # function replaced there is followed too).
        self._traces = _Provider(config["tracer_provider"], lambda: trace.get_tracer_provider(), trace.NoOpTracerProvider)
        self._metrics = _Provider(config["meter_provider"], lambda: metrics.get_meter_provider(), metrics.NoOpMeterProvider)
        self._logs = _Provider(config["logger_provider"], lambda: _logs.get_logger_provider(), _logs.NoOpLoggerProvider)
        self._shapes: dict[tuple[Any, ...], _RequestShape] = {}

    def enabled(self) -> bool:
        """Whether any signal has a provider to go to (an explicit one, or a configured global)."""
        config = self.config
        return bool(
            (config["tracing"] and (config["tracer_provider"] is not None or not _unconfigured(trace.get_tracer_provider())))
            or (config["metrics"] and (config["meter_provider"] is not None or not _unconfigured(metrics.get_meter_provider())))
            or (config["logs"] and (config["logger_provider"] is not None or not _unconfigured(_logs.get_logger_provider())))
        )

    def _metric_instruments(self, provider: Any) -> tuple[Histogram, UpDownCounter]:
        if provider is not self._meter_provider or self._instruments is None:
            meter = provider.get_meter("fastapi", __version__, schema_url=_SCHEMA_URL)
            duration = meter.create_histogram(
                "http.server.request.duration",
                unit="s",
                description="Duration of HTTP server requests.",
                explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
            )
            active = meter.create_up_down_counter(
                "http.server.active_requests", unit="{request}", description="Number of active HTTP server requests."
            )
            self._instruments, self._meter_provider = (duration, active), provider
        return self._instruments

    def _get_tracer(self, provider: Any) -> trace.Tracer:
        if provider is not self._tracer_provider or self._tracer is None:
            self._tracer = provider.get_tracer("fastapi", __version__, schema_url=_SCHEMA_URL)
            self._tracer_provider = provider
        return self._tracer

    def _shape(self, scope: Scope, websocket: bool) -> _RequestShape:
        key = (scope.get("method"), scope.get("scheme"), scope.get("http_version"), websocket)
        shape = self._shapes.get(key)
        if shape is None:
            shape = _RequestShape(scope, websocket, self._known_methods)
            if len(self._shapes) < _MAX_SHAPES:  # unknown methods are unbounded: keep the first few
                self._shapes[key] = shape
        return shape

    async def __call__(
        self, *, app: ASGIApp, scope: Scope, receive: Receive, send: Send, legacy_otel: bool = False
    ) -> None:
        config = self.config
        exclude = config["exclude"]
        if exclude is not None and exclude(scope):
            await _serve_excluded(app, scope, receive, send)
            return
        websocket = scope["type"] == "websocket"
        tracer_provider = meter_provider = logger_provider = None
        if not legacy_otel:
            if config["tracing"]:
                tracer_provider = self._traces.current()
            if config["metrics"] and not websocket:
                meter_provider = self._metrics.current()
            if config["logs"]:
                logger_provider = self._logs.current()
        if tracer_provider is None and meter_provider is None and logger_provider is None:
            await app(scope, receive, send)
            return
        request = _ServedRequest(self, scope, websocket, tracer_provider, meter_provider, logger_provider is not None)
        await request.serve(app, receive, send)


# Request shapes remembered per application (method, scheme, protocol version).
_MAX_SHAPES = 64


async def _serve_excluded(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    # None in the scope keeps mounted applications from tracing it; None in the context
    # keeps an in-process request from inheriting its caller's telemetry.
    scope["fastapi.telemetry"] = None
    token = otel_context.attach(otel_context.set_value(_REQUEST_TELEMETRY_KEY, None))
    try:
        await app(scope, receive, send)
    finally:
        otel_context.detach(token)
        scope.pop("fastapi.telemetry", None)


class _ServedRequest:
    """One request or WebSocket session under telemetry: its span, measurements and state."""

    __slots__ = (
        "scope", "websocket", "attributes", "active_attributes", "duration", "active", "started", "span",
        "parent", "state", "finished", "trailers", "disconnected", "_send", "_receive",
    )

    def __init__(
        self,
        telemetry: NativeTelemetry,
        scope: Scope,
        websocket: bool,
        tracer_provider: Any,
        meter_provider: Any,
        logging: bool,
    ) -> None:
        config = telemetry.config
        self.scope, self.websocket = scope, websocket
        shape = telemetry._shape(scope, websocket)
        attributes = self.attributes = shape.attributes.copy()  # finish() adds the route and status
        self.active_attributes = shape.active_attributes
        self.duration = self.active = None
        if meter_provider is not None:
            self.duration, self.active = telemetry._metric_instruments(meter_provider)
            self.active.add(1, self.active_attributes)
        self.started = perf_counter()
        self.span = None
        # The propagated context the request is handled in (None: the current one).
        self.parent: otel_context.Context | None = None
        tracer = None
        if tracer_provider is not None:
            parent = self.parent = _extract_parent(scope)
            tracer = telemetry._get_tracer(tracer_provider)
            span_attributes = {**attributes, **_server_attributes(scope)}
            if not websocket:
                span_attributes["url.path"] = scope["path"]
                if scope.get("query_string"):
                    span_attributes["url.query"] = _redacted_query(scope["query_string"])
                if shape.method_original is not None:
                    span_attributes["http.request.method_original"] = shape.method_original
            self.span = tracer.start_span(shape.span_method, context=parent, kind=SpanKind.SERVER, attributes=span_attributes)
        logger = None
        if logging:
            logger = _logs.get_logger("fastapi", __version__, config["logger_provider"], schema_url=_SCHEMA_URL)
        self.state = _RequestTelemetry(
            self.span,
            shape.span_method,
            tracer if config["operation_spans"] else None,
            logger,
            scope.get("app_root_path", scope.get("root_path", "")).rstrip("/"),
            scope,
        )
        self.finished = self.trailers = self.disconnected = False

    def finish(self, error: BaseException | None = None) -> None:
        """Complete the span and the measurements, once: at the end of the response (the
        span covers sending it), or when handling ends without one."""
        if self.finished:
            return
        self.finished = True
        state, attributes, span = self.state, self.attributes, self.span
        route = state.current_route()
        if route is not None:
            attributes["http.route"] = route
        status = state.status_code
        if status is not None:
            attributes["http.response.status_code"] = status
        failed = error is not None or (not self.websocket and (status is None or status >= 500))
        if failed:
            failure = error or (state._exceptions[-1] if state._exceptions else None)
            attributes["error.type"] = _exception_type(failure) if failure else str(status or "incomplete_response")
        if span is not None:
            if route is not None:
                span.update_name(f"{state.span_method} {route}")
            span.set_attributes(attributes)
            if failed:
                span.set_status(StatusCode.ERROR)
        # Recorded while the span is current, so that exemplars point at it.
        if self.duration is not None:
            self.duration.record(max(0.0, perf_counter() - self.started), attributes)
        if self.active is not None:
            self.active.add(-1, self.active_attributes)
        if span is not None:
            span.end()

    async def send_http(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.state.status_code = message["status"]
            self.trailers = message.get("trailers", False)
        await self._send(message)
        if _ends_response(kind, message, self.trailers):
            self.finish()

    async def receive_http(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.disconnect":
            self.disconnected = True
        return message

    async def serve(self, app: ASGIApp, receive: Receive, send: Send) -> None:
        scope, state, span = self.scope, self.state, self.span
        self._send, self._receive = send, receive
        scope["fastapi.telemetry"] = state
        # One context for the whole request: the propagated parent, its state, its span.
        context = otel_context.set_value(_REQUEST_TELEMETRY_KEY, state, self.parent)
        token = otel_context.attach(context if span is None else trace.set_span_in_context(span, context))
        try:
            try:
                if self.websocket:
                    await app(scope, receive, send)
                else:
                    await app(scope, self.receive_http, self.send_http)
            except BaseException as exc:
                _exception(scope=scope, exc=exc)
                self.finish(None if self.websocket and _normal_websocket_disconnect(exc) else exc)
                raise
            finally:
                if not self.finished:
                    self.finish(None if self.websocket else self._unfinished_error())
        finally:
            state.data = None
            state._exceptions.clear()
            otel_context.detach(token)
            scope.pop("fastapi.telemetry", None)

    def _unfinished_error(self) -> BaseException:
        if self.disconnected:
            return ConnectionError("Client disconnected")
        return RuntimeError("Incomplete ASGI response")



def _ends_response(kind: str, message: Message, trailers: bool) -> bool:
    if kind == "http.response.body":
        return not message.get("more_body", False) and not trailers
    if kind == "http.response.trailers":
        return not message.get("more_trailers", False)
    return kind == "http.response.pathsend"
