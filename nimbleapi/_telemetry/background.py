"""Background tasks in ``fastapi.background_task`` spans, switched on with telemetry."""

from __future__ import annotations

from starlette.background import BackgroundTasks as StarletteBackgroundTasks

from ..background import BackgroundTasks
from ..telemetry._api import _operation


async def _run_traced(self: BackgroundTasks) -> None:
    for task in self.tasks:
        with _operation(name="background_task", function=task.func):
            await task()


def trace_background_tasks() -> None:
    """Run each task of ``BackgroundTasks`` in its span from now on (outside a traced
    request a task runs as before: ``_operation`` does nothing there)."""
    if BackgroundTasks.__call__ is StarletteBackgroundTasks.__call__:
        BackgroundTasks.__call__ = _run_traced  # type: ignore[method-assign, assignment]
