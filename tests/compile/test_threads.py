"""Dependencies with ``yield`` entered in a worker thread, when plain asyncio cancels the request.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
the dependencies are local functions.
"""

import asyncio
import threading
import time
from contextvars import ContextVar
from collections.abc import Iterator
from typing import Annotated

import anyio.from_thread
import anyio.to_thread
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


# ---- a plain ``def`` endpoint's worker thread, called by a bare asyncio server ----------------

request_id: ContextVar[str] = ContextVar("request_id", default="unset")


def served_by_asyncio(app: FastAPI, path: str = "/") -> object:
    """The JSON answer to ``GET path``, with no AnyIO cancel scope around the request (as
    uvicorn serves it), so the worker thread is reached by the direct route."""

    async def main() -> object:
        request_id.set("from the request")
        response = await call(app, scope_for("GET", path))
        return response.json()

    return asyncio.run(main())


def test_worker_thread_sees_the_callers_context_variables() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> str:
        return request_id.get()

    assert served_by_asyncio(app) == "from the request"


def test_worker_thread_can_call_back_into_the_event_loop() -> None:
    app = FastAPI()

    async def on_the_loop() -> bool:
        return asyncio.get_running_loop() is not None

    @app.get("/")
    def endpoint() -> bool:
        return anyio.from_thread.run(on_the_loop)

    assert served_by_asyncio(app) is True


def test_default_thread_limiter_bounds_how_many_endpoints_run_at_once() -> None:
    running, most = 0, 0
    lock = threading.Lock()
    app = FastAPI()

    @app.get("/")
    def endpoint() -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return most

    async def main() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        await asyncio.gather(*(call(app, scope_for("GET", "/")) for _ in range(6)))

    asyncio.run(main())
    assert most == 2


def test_stop_iteration_in_a_worker_thread_is_a_runtime_error() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> None:
        raise StopIteration

    with pytest.raises(RuntimeError, match="coroutine raised StopIteration"):
        served_by_asyncio(app)
