"""Background tasks that run after the response is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.background import BackgroundTasks as StarletteBackgroundTasks
from typing_extensions import ParamSpec

from . import _lazy

P = ParamSpec("P")


class BackgroundTasks(StarletteBackgroundTasks):
    """A list of functions to call after the response has been sent.

    Declare a parameter of this type in an endpoint or dependency to receive one.
    """

    def add_task(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        return super().add_task(func, *args, **kwargs)


# OpenTelemetry loads with it, so only when asked for.
_lazy.export_lazily(globals(), {"_operation": "nimbleapi.telemetry._api"})
