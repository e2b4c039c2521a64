"""Whether an application serves with telemetry, decided when its entry is chosen (its
first request), and what that switches on.

An application serves with telemetry when it was given ``telemetry=...``, when it
configures OTLP export from the environment, or when OpenTelemetry is already loaded with
a provider configured. Otherwise nothing of telemetry is on its request path: its entry
is the middleware stack itself and its routes are compiled without it. OpenTelemetry is
imported only once an application serves with telemetry.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

# Set once any application serves with telemetry: routes compiled from then on open their
# operation spans (for the requests that carry telemetry; the others pass through).
_routes_traced = False


def serves_with_telemetry(app: Any) -> bool:
    config = app._telemetry
    if app._telemetry_requested or config["auto_configure"]:
        return True
    if "opentelemetry" not in sys.modules:
        return False  # no provider can have been configured
    from ..telemetry._asgi import NativeTelemetry

    return NativeTelemetry(config).enabled()


def with_app_telemetry(app: Any, entry: ASGIApp, scope: Scope) -> ASGIApp:
    """*entry* (what the application's requests enter), with telemetry when it serves with it."""
    if scope["type"] == "lifespan":
        return _lifespan_entry(app._telemetry, entry)
    if not serves_with_telemetry(app):
        if "opentelemetry" in sys.modules:  # a provider may be configured later: be told when
            from .late_providers import wait_for_providers

            wait_for_providers(app)
        return entry
    global _routes_traced
    if not _routes_traced:
        _routes_traced = True
        from .background import trace_background_tasks

        trace_background_tasks()
    _recompile_routes(app.router.routes)
    return _TelemetryEntry(app, entry)


def _recompile_routes(routes: list[Any]) -> None:
    """Have the routes built before telemetry was on build again, with it (WebSocket routes
    are built when declared; HTTP routes on their first request)."""
    from .._router.tree import flatten
    from .mounts import announce_mount

    for route in flatten(routes):
        rebuild = getattr(route, "_rebuild_app", None) or getattr(route, "_forget_built_app", None)
        if rebuild is not None:
            rebuild()
        announce_mount(route)


def _lifespan_entry(config: dict[str, Any], entry: ASGIApp) -> ASGIApp:
    """The lifespan, with OTLP export configured at start-up and flushed at shutdown, when
    it may have export components (they exist only once the runtime module has loaded)."""
    if not config["auto_configure"] and "nimbleapi.telemetry._runtime" not in sys.modules:
        return entry
    return _LifespanWithExport(config, entry)


class _LifespanWithExport:
    def __init__(self, config: dict[str, Any], app: ASGIApp) -> None:
        self.config, self.app = config, app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from ..telemetry._runtime import lifespan

        await lifespan(config=self.config, app=self.app, scope=scope, receive=receive, send=send)  # type: ignore[arg-type]


class _TelemetryEntry:
    """The application's entry under telemetry: a server span, metrics and logs per HTTP
    request and WebSocket session, unless an enclosing application already records them."""

    def __init__(self, app: Any, entry: ASGIApp) -> None:
        from ..telemetry._asgi import NativeTelemetry, _legacy_otel

        self.app = entry
        self.native = NativeTelemetry(app._telemetry)
        stack = app.middleware_stack
        self.legacy_otel = _legacy_otel(stack)
        _observe_exceptions_inside(stack)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # a later lifespan of the same application
            await _lifespan_entry(self.native.config, self.app)(scope, receive, send)  # type: ignore[arg-type]
            return
        if scope["type"] not in ("http", "websocket") or "fastapi.telemetry" in scope or not self.native.enabled():
            await self.app(scope, receive, send)
            return
        await self.native(app=self.app, scope=scope, receive=receive, send=send, legacy_otel=self.legacy_otel)


def with_route_telemetry(parts: Any, compile_app: Callable[[Any], ASGIApp]) -> ASGIApp:
    """A route's app: *compile_app(parts)*; once telemetry is on in the process, that app
    for requests without telemetry and the traced handler for those with it."""
    if not _routes_traced:
        return compile_app(parts)
    from .route import compile_traced_route_app

    return compile_traced_route_app(parts, compile_app(parts))


def with_handler_telemetry(parts: Any, build_handler: Callable[[Any], Any]) -> Any:
    """A route's ``handler(request)`` (what ``get_request_handler`` returns, which extensions
    wrap): ``build_handler(parts)``; once telemetry is on, the handler with FastAPI's step
    spans, which are opened only for requests that have telemetry."""
    if not _routes_traced:
        return build_handler(parts)
    from .route import traced_request_handler

    return traced_request_handler(parts)


def with_websocket_telemetry(build_handler: Callable[..., Any], **arguments: Any) -> Callable[..., Any]:
    """A WebSocket route's ``handler(websocket)``: ``build_handler(**arguments)``, or, once
    telemetry is on, the traced handler for the same arguments."""
    if not _routes_traced:
        handler: Callable[..., Any] = build_handler(**arguments)
        return handler
    from .route import traced_websocket_handler

    return traced_websocket_handler(**arguments)


def _observe_exceptions_inside(stack: Any) -> None:
    """Put telemetry's exception log inside Starlette's 500 layer (when the stack has one:
    nimbleapi's own error boundary tells telemetry itself), so the exception is known
    before the 500 answer ends the request's span."""
    from starlette.middleware.errors import ServerErrorMiddleware

    from ..telemetry._asgi import ExceptionTelemetryMiddleware

    if isinstance(stack, ServerErrorMiddleware) and not isinstance(stack.app, ExceptionTelemetryMiddleware):
        stack.app = ExceptionTelemetryMiddleware(stack.app)
