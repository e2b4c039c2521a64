"""Entering and closing dependencies with ``yield``.

A dependency with ``yield`` is entered on one of the request's two exit stacks (request
or function scope) and closed when that stack closes, with the exception that ended the
request thrown into it, exactly as ``contextlib.asynccontextmanager`` and
``AsyncExitStack`` do it. What is made cheaper here is only the common path, an exit
without an exception; anything else runs ``AsyncExitStack``'s own code.

Cleanup code after ``yield`` is shielded from cancellation by AnyIO cancel scopes around
the request (FastAPI's behaviour). Where no AnyIO cancel scope encloses the request at
all, nothing could cancel it through AnyIO, and the shielding scope is left out.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from weakref import ref

from anyio import CancelScope
from anyio.lowlevel import checkpoint_if_cancelled

# AnyIO's asyncio backend keeps a table of task states, read (never written) here to skip a
# needless cleanup scope. The backend is not imported for that: it loads when the first
# AnyIO cancel scope is made, so while it is not loaded no cancel scope exists.
_ASYNCIO_BACKEND = "anyio._backends._asyncio"
_KNOWN_ANYIO_LAYOUT = importlib.util.find_spec(_ASYNCIO_BACKEND) is not None  # else: always shield
# (Asking asyncio for the running loop costs a getpid() system call on Python 3.11.)
_running_asyncio_loop = asyncio.events._get_running_loop
# asyncio's table of each loop's current task: read directly on 3.11, where it is known to be
# the one asyncio keeps (later versions move it into the thread state; they are asked instead).
_current_tasks: dict[Any, Any] | None = (
    getattr(asyncio.tasks, "_current_tasks", None) if sys.version_info < (3, 12) else None
)


def outside_cancel_scopes() -> bool:
    """Whether no AnyIO cancel scope encloses the running asyncio task.

    Any doubt (another event loop, another AnyIO version) answers False.
    """
    if not _KNOWN_ANYIO_LAYOUT:
        return False
    backend = sys.modules.get(_ASYNCIO_BACKEND)
    # The task table's dict of weak references: empty when no task has AnyIO state.
    state_refs = None if backend is None else backend._task_states.data
    if not state_refs and "trio" not in sys.modules:  # asyncio, and no task has AnyIO state
        return True
    loop = _running_asyncio_loop()
    if loop is None:  # not asyncio (trio)
        return False
    if state_refs is None:  # the backend is not loaded yet, so no cancel scope exists
        return True
    task = _current_tasks.get(loop) if _current_tasks is not None else asyncio.current_task(loop)
    if task is None:
        return True
    state = state_refs.get(ref(task))
    return state is None or getattr(state, "cancel_scope", True) is None


@asynccontextmanager
async def cleanup_shielded(cm: Any, cleanup_scope: CancelScope) -> Any:
    """Enter a yield dependency so that its cleanup is not interrupted by cancellation.

    The shared *cleanup_scope* was entered before any such dependency (so scopes the
    dependency opens itself stay properly nested); it is shielded only while this
    dependency runs its code after ``yield``.
    """
    shielded_before = cleanup_scope.shield
    try:
        async with cm as value:
            try:
                yield value
            finally:
                cleanup_scope.shield = True
    finally:
        cleanup_scope.shield = shielded_before
    # A task group inside the dependency may have swallowed a cancellation while shielded.
    await checkpoint_if_cancelled()


class AsyncGeneratorDependency:
    """An async generator as an async context manager: ``asynccontextmanager``'s protocol
    (the value it yields on entry; the rest of it, or the exception, on exit), in one object.

    Calling it is exiting it, so it is its own exit-stack callback.
    """

    __slots__ = ("_gen",)

    def __init__(self, gen: AsyncGenerator[Any, None]) -> None:
        self._gen = gen

    async def __aenter__(self) -> Any:
        try:
            return await anext(self._gen)
        except StopAsyncIteration:
            raise RuntimeError("generator didn't yield") from None

    async def __aexit__(self, exc_type: Any, exc: Any, traceback: Any) -> bool:
        if exc_type is None:
            await self.finish()
            return False
        return await _throw(self._gen, exc_type() if exc is None else exc, traceback)

    async def finish(self) -> None:
        """Run the rest of the generator (the exit without an exception)."""
        try:
            await anext(self._gen)
        except StopAsyncIteration:
            return
        await self.finish_after_extra_yield()

    async def finish_after_extra_yield(self) -> None:
        """The generator yielded a second time: close it and say so, as contextlib does."""
        try:
            raise RuntimeError("generator didn't stop")
        finally:
            await self._gen.aclose()

    __call__ = __aexit__


async def _throw(gen: AsyncGenerator[Any, None], exc: BaseException, traceback: Any) -> bool:
    """Throw *exc* in at the ``yield``; True when the generator swallowed it (contextlib's rules)."""
    try:
        await gen.athrow(exc)
    except StopAsyncIteration as stop:
        return stop is not exc
    except RuntimeError as error:
        if error is exc:
            error.__traceback__ = traceback
            return False
        # A StopIteration thrown in comes back wrapped in a RuntimeError (PEP 479): not a new error.
        if isinstance(exc, (StopIteration, StopAsyncIteration)) and error.__cause__ is exc:
            exc.__traceback__ = traceback
            return False
        raise
    except BaseException as error:
        if error is not exc:
            raise
        error.__traceback__ = traceback
        return False
    try:
        raise RuntimeError("generator didn't stop after athrow()")
    finally:
        await gen.aclose()


class DependencyExitStack(AsyncExitStack):
    """An ``AsyncExitStack`` with shorter paths for async generators and for closing without
    an exception."""

    def __init__(self) -> None:
        # What ``ExitStack.__init__`` sets, without the call up the class chain.
        self._exit_callbacks: deque[tuple[bool, Any]] = deque()

    def push_entered_generator(self, gen: AsyncGenerator[Any, None]) -> None:
        """What ``enter_async_context(AsyncGeneratorDependency(gen))`` leaves on the stack,
        for a generator already advanced to its ``yield``."""
        self._exit_callbacks.append((False, AsyncGeneratorDependency(gen)))

    async def close(self) -> None:
        """What leaving ``async with self`` without an exception does."""
        callbacks = self._exit_callbacks
        while callbacks:
            is_sync, callback = callbacks.pop()
            try:
                if is_sync:
                    callback(None, None, None)
                elif type(callback) is AsyncGeneratorDependency:
                    try:  # ``callback.finish()`` for the usual generator, without its frame
                        await anext(callback._gen)
                    except StopAsyncIteration:
                        continue
                    await callback.finish_after_extra_yield()
                else:
                    await callback(None, None, None)
            except BaseException as exc:
                # The callbacks left see this exception, as AsyncExitStack would show it to them.
                if not await self.__aexit__(type(exc), exc, exc.__traceback__):
                    raise
                return
