"""What the error boundary tells telemetry, without importing OpenTelemetry for it."""

from __future__ import annotations

from starlette.types import Scope


def observe_unhandled_exception(scope: Scope, exc: Exception) -> None:
    """Log *exc* for the request's telemetry before the 500 answer ends its span."""
    if scope.get("fastapi.telemetry") is not None:
        from ..telemetry._asgi import _exception

        _exception(scope=scope, exc=exc)
