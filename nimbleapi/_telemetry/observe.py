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
    template = getattr(route, "path_format", None)
    if isinstance(template, str):
        observe_route_template(scope, template)


def observe_route_template(scope: Scope, template: str) -> None:
    """The request is answered by what *template* names (a redirect target, a frontend build)."""
    state = scope.get("fastapi.telemetry")
    if state is not None:
        state.route = state._mount_prefix + template
