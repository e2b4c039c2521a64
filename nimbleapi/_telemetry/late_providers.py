"""Applications that serve without telemetry because no OpenTelemetry provider was configured
by their first request: setting a global provider afterwards switches telemetry on for them.

Instead of asking for the global providers on every request, nimbleapi is told when one is
set: in a process that has loaded OpenTelemetry, the API's ``set_tracer_provider``,
``set_meter_provider`` and ``set_logger_provider`` are wrapped, once, so that setting a
provider has the waiting applications choose their entry again on their next request
(``nimbleapi._telemetry.switch``). A process that never loads OpenTelemetry wraps nothing.
"""

from __future__ import annotations

import functools
import importlib
import weakref
from collections.abc import Callable
from typing import Any

# The API's provider setters, by module.
_SETTERS = (
    ("opentelemetry.trace", "set_tracer_provider"),
    ("opentelemetry.metrics", "set_meter_provider"),
    ("opentelemetry._logs", "set_logger_provider"),
)
_waiting: weakref.WeakSet[Any] = weakref.WeakSet()
_setters_wrapped = False


def wait_for_providers(app: Any) -> None:
    """Have *app* choose its entry again once a global provider is set."""
    global _setters_wrapped
    _waiting.add(app)
    if _setters_wrapped:
        return
    _setters_wrapped = True
    for module_name, name in _SETTERS:
        module = importlib.import_module(module_name)
        setattr(module, name, _announcing(getattr(module, name)))


def _announcing(set_provider: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(set_provider)
    def set_and_announce(*args: Any, **kwargs: Any) -> None:
        set_provider(*args, **kwargs)
        for app in list(_waiting):
            app._entry = None  # its next request decides again, and finds the provider
        _waiting.clear()

    return set_and_announce
