"""The request's file stack: ``scope["fastapi_middleware_astack"]``.

FastAPI opens one ``AsyncExitStack`` per request, between the exception handlers and the
router, and closes it once the route's app returns (the response sent) or raises, before
any handler answers. Uploads are closed on it, and code may register callbacks or enter
context managers on it, which see the exception that ended the request and may suppress it
or replace it, as with ``async with``.

Most requests never touch it, so what they pay is one small object: its list of
callbacks is made when first used, and it is left without a call when still empty.
Leaving an empty ``AsyncExitStack`` does nothing but re-raise, so that is the same.
"""

from __future__ import annotations

from collections import deque
from contextlib import AsyncExitStack
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

FILE_STACK_KEY = "fastapi_middleware_astack"


class RequestExitStack(AsyncExitStack):
    """An ``AsyncExitStack`` whose list of callbacks is made on first use.

    ``registered`` is that list (None until made): while it is empty, leaving the stack
    has nothing to run and is skipped.
    """

    registered: deque[tuple[bool, Any]] | None = None
    # Nothing to set up (``_exit_callbacks`` makes the list when first read), and no
    # Python-level call per request for it.
    __init__ = object.__init__

    @property
    def _exit_callbacks(self) -> deque[tuple[bool, Any]]:
        callbacks = self.registered
        if callbacks is None:
            callbacks = self.registered = deque()
        return callbacks

    @_exit_callbacks.setter
    def _exit_callbacks(self, callbacks: deque[tuple[bool, Any]]) -> None:
        self.registered = callbacks


async def serve_with_file_stack(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """``app`` inside a new file stack, left as ``async with`` would leave it."""
    stack = scope[FILE_STACK_KEY] = RequestExitStack()
    try:
        await app(scope, receive, send)
    except BaseException as exc:
        # Left as ``async with`` leaves it: unless a callback suppresses the error, it
        # propagates (or what a callback raised instead).
        if not stack.registered or not await leave_file_stack(stack, exc):
            raise
    else:
        if stack.registered:
            await stack.aclose()


def leave_file_stack(stack: RequestExitStack, exc: BaseException) -> Any:
    """``await``-able: leave *stack* with *exc* (True when a callback suppressed it)."""
    return stack.__aexit__(type(exc), exc, exc.__traceback__)
