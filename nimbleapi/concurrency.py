"""Running blocking code off the event loop, and limiting how many run at once."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import AbstractContextManager
from contextlib import asynccontextmanager as asynccontextmanager
from typing import TypeVar
from weakref import WeakKeyDictionary

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter, Semaphore
from anyio.lowlevel import RunVar
from starlette.concurrency import iterate_in_threadpool as iterate_in_threadpool
from starlette.concurrency import run_in_threadpool as run_in_threadpool
from starlette.concurrency import run_until_first_complete as run_until_first_complete

from ._compile.threads import ThreadEntry, release_thread_result

_T = TypeVar("_T")

# Semaphores belong to one event loop; a RunVar keeps one table per running loop.
_semaphores_per_loop: RunVar[WeakKeyDictionary[_DependencyConcurrency, Semaphore]] = RunVar(
    "nimbleapi_dependency_semaphores"
)


@asynccontextmanager
async def contextmanager_in_threadpool(cm: AbstractContextManager[_T]) -> AsyncGenerator[_T, None]:
    """Enter and exit a blocking context manager in worker threads."""
    # __exit__ gets a limiter of its own: waiting for a free worker thread while the
    # context manager holds a pooled resource (a DB connection) could deadlock.
    exit_limiter = CapacityLimiter(1)
    entry = ThreadEntry(cm)
    try:
        value = await run_in_threadpool(entry.enter)
    except BaseException as exc:
        release_thread_result(exc)
        if entry.state != ThreadEntry.FAILED:
            # Cancelled while the thread may still be entering: its cleanup runs now, before
            # the cleanup of the dependencies it was given (the caller's exit stack is next).
            with CancelScope(shield=True):
                await anyio.to_thread.run_sync(entry.exit_abandoned, exc, limiter=exit_limiter)
        raise
    try:
        yield value
    except BaseException as exc:
        with CancelScope(shield=True):
            suppressed = await anyio.to_thread.run_sync(
                cm.__exit__, type(exc), exc, exc.__traceback__, limiter=exit_limiter
            )
        if not suppressed:
            raise
    else:
        with CancelScope(shield=True):
            await anyio.to_thread.run_sync(cm.__exit__, None, None, None, limiter=exit_limiter)


class _DependencyConcurrency:
    """The concurrency limit of one ``Depends(..., max_concurrency=N)`` declaration."""

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency

    def get_semaphore(self) -> Semaphore:
        table = _semaphores_per_loop.get(None)
        if table is None:
            table = WeakKeyDictionary()
            _semaphores_per_loop.set(table)
        semaphore = table.get(self)
        if semaphore is None:
            semaphore = table[self] = Semaphore(self.max_concurrency)
        return semaphore
