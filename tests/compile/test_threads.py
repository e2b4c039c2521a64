"""Dependencies with ``yield`` entered in a worker thread, when plain asyncio cancels the request.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
the dependencies are local functions.
"""

import asyncio
import threading
from collections.abc import Iterator
from typing import Annotated

import pytest
from asgi_calls import call, scope_for

from nimbleapi import Depends, FastAPI


def test_cancelled_while_entering_cleans_up_in_reverse_order() -> None:
    events: list[str] = []
    entering, proceed = threading.Event(), threading.Event()

    def parent() -> Iterator[str]:
        events.append("parent entered")
        try:
            yield "parent"
        finally:
            events.append("parent cleaned up")

    def child(value: Annotated[str, Depends(parent)]) -> Iterator[str]:
        entering.set()
        proceed.wait(5)
        events.append("child entered")
        try:
            yield value
        finally:
            events.append("child cleaned up")

    app = FastAPI()

    @app.get("/")
    def endpoint(value: Annotated[str, Depends(child)]) -> str:
        return value

    async def main() -> None:
        proceed.set()
        await call(app, scope_for("GET", "/"))  # compiles the route
        events.clear()
        entering.clear()
        proceed.clear()
        request = asyncio.ensure_future(call(app, scope_for("GET", "/")))
        await asyncio.to_thread(entering.wait, 5)
        request.cancel()  # as asyncio.wait_for does on its timeout, while the child is being entered
        proceed.set()
        with pytest.raises(asyncio.CancelledError):
            await request

    asyncio.run(main())
    assert events == ["parent entered", "child entered", "child cleaned up", "parent cleaned up"]
