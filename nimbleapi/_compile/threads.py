"""Blocking code in worker threads: no reference cycles, and no cleanup out of order.

An exception raised in a worker thread comes back to the event loop through an asyncio
future. The frame that awaited the future (AnyIO's) keeps it as a local, that frame sits
in the exception's traceback, and the future keeps the exception: a cycle. It holds the
exception, its traceback and every frame in it (the endpoint's arguments, the dependency
generators, the request scope) until the cyclic garbage collector runs, which may be
seconds later, or never while it is disabled. ``release_thread_result(exc)`` clears the
finished frames in *exc*'s traceback that hold such a future, and nothing else: the
traceback keeps every frame and line. It runs only on the exception path.

A task cancelled by plain asyncio (``asyncio.wait_for``, ``task.cancel()``) stops waiting
for its worker thread at once, while the thread goes on. For a blocking context manager
being entered (a dependency with ``yield``), ``ThreadEntry`` lets the cancelled task wait
for the entry to end and exit it there and then, so that its cleanup runs before the
cleanup of the dependencies it was given, never after it.
"""

from __future__ import annotations

import sys
import threading
from contextlib import AbstractContextManager
from types import CodeType
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

# The frame that awaits a worker thread's future: AnyIO's asyncio backend's
# ``run_sync_in_worker_thread``. Found by its code object, because reading a frame's
# ``f_locals`` would itself store a snapshot of them on the frame (Python 3.11) and keep
# them alive; for a frame still running in a worker thread, that snapshot would be a leak.
_ASYNCIO_BACKEND = "anyio._backends._asyncio"


def _awaiting_code() -> CodeType | None:
    backend = sys.modules.get(_ASYNCIO_BACKEND)
    method = getattr(getattr(backend, "AsyncIOBackend", None), "run_sync_in_worker_thread", None)
    return getattr(getattr(method, "__func__", method), "__code__", None)


def in_worker_thread(call: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """``await invoke(**values)``: *call* run in a worker thread, leaving no cycle when it raises."""

    async def invoke_in_thread(**values: Any) -> Any:
        try:
            return await run_in_threadpool(call, **values)
        except BaseException as exc:
            release_thread_result(exc)
            raise

    return invoke_in_thread


def release_thread_result(exc: BaseException) -> None:
    """Clear the finished frames in *exc*'s traceback that awaited the future carrying *exc*."""
    code = _awaiting_code()
    if code is None:  # another event loop (trio), or another AnyIO: nothing known to clear
        return
    traceback = exc.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_code is code:
            try:
                frame.clear()
            except RuntimeError:  # still running after all: leave it
                pass
        traceback = traceback.tb_next


class ThreadEntry:
    """One blocking context manager, entered by ``enter`` in a worker thread.

    ``exit_abandoned(exc)``, run in a worker thread by a task that stopped waiting for
    ``enter`` (cancelled), waits for a running ``enter`` to end and exits what it entered
    with *exc*; an ``enter`` that had not started by then never starts.
    """

    __slots__ = ("cm", "_lock", "state")

    PENDING, ENTERED, FAILED, ABANDONED = range(4)

    def __init__(self, cm: AbstractContextManager[Any]) -> None:
        self.cm = cm
        self._lock = threading.Lock()
        self.state = ThreadEntry.PENDING

    def enter(self) -> Any:
        with self._lock:
            if self.state == ThreadEntry.ABANDONED:
                return None  # nobody waits for the value any more
            try:
                value = self.cm.__enter__()
            except BaseException:
                self.state = ThreadEntry.FAILED
                raise
            self.state = ThreadEntry.ENTERED
            return value

    def exit_abandoned(self, exc: BaseException) -> Any:
        with self._lock:  # held by ``enter`` while it runs
            if self.state == ThreadEntry.ENTERED:
                return self.cm.__exit__(type(exc), exc, exc.__traceback__)
            if self.state == ThreadEntry.PENDING:
                self.state = ThreadEntry.ABANDONED
            return False
