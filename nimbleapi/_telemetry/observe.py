"""What the engine tells telemetry (the error boundary, the router, FastAPI's helpers),
without importing OpenTelemetry for it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
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


def operation(name: str, function: Callable[..., Any]) -> AbstractContextManager[None]:
    """The span of step *name* of the current request when it is traced (FastAPI's
    ``_operation``); nothing when OpenTelemetry was never needed in the process."""
    api = sys.modules.get(_TELEMETRY_API)
    if api is None:
        return nullcontext()
    context: AbstractContextManager[None] = api._operation(name=name, function=function)
    return context


def run_in_operation(name: str, function: Callable[..., Any], values: dict[str, Any]) -> Any:
    """``function(**values)`` in step *name*'s span, opened in the thread that runs it."""
    with operation(name, function):
        return function(**values)


_TELEMETRY_API = "nimbleapi.telemetry._api"
