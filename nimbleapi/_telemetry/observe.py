"""What the error boundary tells telemetry, without importing OpenTelemetry for it."""

from __future__ import annotations

from typing import Any

from starlette.types import Scope


def observe_unhandled_exception(scope: Scope, exc: Exception) -> None:
    """Log *exc* for the request's telemetry before the 500 answer ends its span."""
    if scope.get("fastapi.telemetry") is not None:
        from ..telemetry._asgi import _exception

        _exception(scope=scope, exc=exc)


def observe_redirect_route(scope: Scope, route: Any) -> None:
    """A slash redirect to *route*: the request's ``http.route`` is that route's template."""
    state = scope.get("fastapi.telemetry")
    template = getattr(route, "path_format", None)
    if state is not None and isinstance(template, str):
        state.route = state._mount_prefix + template
