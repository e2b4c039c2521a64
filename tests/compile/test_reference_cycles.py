"""A request that raises, or is cancelled, leaves nothing for the cyclic garbage collector.

A reference cycle through an exception's traceback (a frame that holds the exception it
raised) keeps the endpoint's frame, its dependency generators and the request scope alive
until the collector runs; cleanup code of dependencies with ``yield`` waits for it too.
"""

from __future__ import annotations

import asyncio
import gc
import types
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from asgi_calls import call, scope_for

import nimbleapi
from nimbleapi import Depends, FastAPI, Form, HTTPException

PACKAGE = str(Path(nimbleapi.__file__).parent)


def sync_resource() -> Iterator[str]:
    yield "sync"


async def async_resource() -> AsyncIterator[str]:
    yield "async"




def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/sync-error")
    def sync_error(a: Annotated[str, Depends(sync_resource)], b: Annotated[str, Depends(async_resource)]) -> None:
        raise ValueError("sync endpoint")

    @app.get("/async-error")
    async def async_error(a: Annotated[str, Depends(sync_resource)], b: Annotated[str, Depends(async_resource)]) -> None:
        raise ValueError("async endpoint")

    @app.get("/plain-error")
    async def plain_error(q: int = 0) -> None:
        raise ValueError("no dependencies")

    @app.get("/not-found")
    def not_found(a: Annotated[str, Depends(sync_resource)]) -> None:
        raise HTTPException(status_code=404)

    @app.get("/form-error")
    def form_error(a: Annotated[str, Depends(sync_resource)], name: Annotated[str, Form()] = "") -> None:
        raise ValueError("form endpoint")

    @app.get("/slow")
    async def slow(a: Annotated[str, Depends(sync_resource)], b: Annotated[str, Depends(async_resource)]) -> None:
        await asyncio.sleep(3600)

    return app


def package_objects(objects: list[Any]) -> list[str]:
    """The frames and functions of nimbleapi's own code among *objects*."""
    found = []
    for obj in objects:
        code = obj.f_code if isinstance(obj, types.FrameType) else getattr(obj, "__code__", None)
        if isinstance(code, types.CodeType) and code.co_filename.startswith(PACKAGE):
            found.append(code.co_name)
    return found


async def collected_after(request: Callable[[], Awaitable[None]]) -> list[str]:
    """Run *request* twice (the first compiles the route); what the collector finds of ours after the second."""
    await request()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        await request()
        gc.collect()
        return package_objects(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def raising(app: FastAPI, path: str) -> Callable[[], Awaitable[None]]:
    async def request() -> None:
        try:
            await call(app, scope_for("GET", path))
        except ValueError:
            pass

    return request


def cancelled(app: FastAPI, path: str) -> Callable[[], Awaitable[None]]:
    async def request() -> None:
        task = asyncio.ensure_future(call(app, scope_for("GET", path)))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    return request


@pytest.mark.parametrize("path", ["/sync-error", "/async-error", "/plain-error", "/not-found", "/form-error"])
def test_a_raising_request_leaves_no_cycle(collector_off: None, path: str) -> None:
    assert asyncio.run(collected_after(raising(make_app(), path))) == []


def test_a_cancelled_request_leaves_no_cycle(collector_off: None) -> None:
    assert asyncio.run(collected_after(cancelled(make_app(), "/slow"))) == []
