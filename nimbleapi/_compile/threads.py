"""Blocking code in worker threads: no reference cycles, and no cleanup out of order.

An exception raised in a worker thread comes back to the event loop through an asyncio
future. The frame that awaited the future (AnyIO's) keeps it as a local, that frame sits
in the exception's traceback, and the future keeps the exception: a cycle. It holds the
exception, its traceback and every frame in it (the endpoint's arguments, the dependency
generators, the request scope) until the cyclic garbage collector runs, which may be
seconds later, or never while it is disabled. ``release_thread_result(exc)`` clears the
finished frames in *exc*'s traceback that hold such a future, and nothing else: the
traceback keeps every frame and line. It runs only on the exception path.

``run_sync(call, **values)`` is what ``run_in_threadpool`` does, at the cost of
``loop.run_in_executor``: the call runs in a copy of the caller's context variables,
holding one token of AnyIO's default thread limiter (``total_tokens`` still sets how many
run at once), in a thread that ``anyio.from_thread`` can call back from. It takes that
path only where AnyIO's shielded wait makes no difference, that is where no AnyIO cancel
scope encloses the task (then only plain asyncio can cancel it, and both stop waiting at
once); anywhere else, and on any AnyIO it does not know, it is ``run_in_threadpool``.

A task cancelled by plain asyncio (``asyncio.wait_for``, ``task.cancel()``) stops waiting
for its worker thread at once, while the thread goes on. For a blocking context manager
being entered (a dependency with ``yield``), ``ThreadEntry`` lets the cancelled task wait
for the entry to end and exit it there and then, so that its cleanup runs before the
cleanup of the dependencies it was given, never after it.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, asynccontextmanager
from contextvars import Context, copy_context
from functools import partial
from types import CodeType
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter, WouldBlock
from starlette.concurrency import run_in_threadpool

from .exits import outside_cancel_scopes

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
            return await run_sync(call, **values)
        except BaseException as exc:
            release_thread_result(exc)
            raise

    return invoke_in_thread


# Threads are started as needed and kept; how many calls run at once is the limiter's to say,
# so the pool's own bound is far above any limiter a user would set.
_executor: ThreadPoolExecutor | None = None
_MAX_THREADS = 4096


async def run_sync(call: Callable[..., Any], /, **values: Any) -> Any:
    """``await run_in_threadpool(call, **values)``, through ``loop.run_in_executor`` where that
    behaves the same (see the module docstring)."""
    loop = asyncio.events._get_running_loop()
    if loop is None or not outside_cancel_scopes() or not (_worker_setup or _load_worker_setup()):
        return await run_in_threadpool(call, **values)
    limiter = _limiter_of(loop)
    borrower = object()  # one token per call, as AnyIO's borrowers (tasks) hold one each
    try:
        limiter.acquire_on_behalf_of_nowait(borrower)
    except WouldBlock:
        await limiter.acquire_on_behalf_of(borrower)
    try:
        function = partial(call, **values) if values else call
        return await loop.run_in_executor(_executor or _start_executor(), _run_in_worker, copy_context(), function, loop)
    finally:
        limiter.release_on_behalf_of(borrower)


# AnyIO keeps one default limiter per event loop; asking for it costs more than a thread hop's
# own bookkeeping, so the last loop's is kept (the object, whose ``total_tokens`` users set).
_last_limiter: tuple[asyncio.AbstractEventLoop, Any] | None = None


def _limiter_of(loop: asyncio.AbstractEventLoop) -> Any:
    global _last_limiter
    last = _last_limiter
    if last is not None and last[0] is loop:
        return last[1]
    limiter = anyio.to_thread.current_default_thread_limiter()
    _last_limiter = (loop, limiter)
    return limiter


def _start_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(_MAX_THREADS, thread_name_prefix="nimbleapi worker")
    return _executor


# What AnyIO's own worker threads set up, so that ``anyio.from_thread`` works in ours:
# (AsyncIOBackend, set_current_async_library, threadlocals, EventLoopToken). Loaded on the
# first call (AnyIO's backend module loads late); empty when this AnyIO is laid out otherwise.
_worker_setup: tuple[Any, ...] = ()
_setup_known = False


def _load_worker_setup() -> tuple[Any, ...]:
    global _worker_setup, _setup_known
    if not _setup_known:
        try:
            from anyio._backends._asyncio import AsyncIOBackend
            from anyio._core._eventloop import set_current_async_library, threadlocals
            from anyio.lowlevel import EventLoopToken
        except ImportError:
            pass
        else:
            _worker_setup = (AsyncIOBackend, set_current_async_library, threadlocals, EventLoopToken)
        _setup_known = True
    return _worker_setup


def _run_in_worker(context: Context, function: Callable[[], Any], loop: asyncio.AbstractEventLoop) -> Any:
    """*function* in *context*, in a worker thread set up as AnyIO sets up its own."""
    backend, set_async_library, threadlocals, token = _worker_setup
    context.run(set_async_library, None)  # sniffio: no async library runs in this thread
    threadlocals.current_token = token(backend, loop)
    threadlocals.current_cancel_scope = None  # no AnyIO cancel scope encloses the caller
    try:
        return context.run(function)
    except StopIteration as exc:  # an asyncio future cannot carry it; AnyIO reports it so too
        raise RuntimeError("coroutine raised StopIteration") from exc
    finally:
        del threadlocals.current_token, threadlocals.current_cancel_scope


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


_T = TypeVar("_T")


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
