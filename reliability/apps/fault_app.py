"""An application whose yield dependencies record when they enter and exit.

Every request names itself with ``?rid=...``; ``EVENTS[rid]`` then lists, in order,
``enter``/``exit`` of three nested yield dependencies (async ``outer``, sync ``middle``,
async ``inner``) and finally ``done``, written by the outermost middleware when the
server's call into the application returns. So a check can tell whether each cleanup
ran exactly once, in reverse order, and before the request was over.

Paths under ``/slow`` run under a deadline middleware that cancels them and answers 504,
as a user's timeout middleware would: with an anyio cancel scope, or under
``/wait-for`` with a plain ``Task.cancel()`` (what ``asyncio.wait_for`` does). It cancels
after ``DEADLINE`` seconds, or with ``slow_entry=true`` exactly while ``middle`` is
being entered in its worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import anyio
from fastapi import Depends, FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEADLINE = 0.3
# Long enough to outlast any deadline and any client, short enough to end by itself.
LONG_WAIT = 20.0
EVENTS: defaultdict[str, list[str]] = defaultdict(list)
# `middle` sets ENTERING[rid] inside its slow entry, then waits for PROCEED[rid]: the
# deadline middleware cancels the request in between.
ENTERING: defaultdict[str, threading.Event] = defaultdict(threading.Event)
PROCEED: defaultdict[str, threading.Event] = defaultdict(threading.Event)


def request_id(scope: Scope) -> str:
    for pair in scope.get("query_string", b"").decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        if name == "rid":
            return value
    return ""


async def outer(rid: str) -> AsyncIterator[str]:
    EVENTS[rid].append("enter outer")
    try:
        yield rid
    finally:
        EVENTS[rid].append("exit outer")


def middle(rid: Annotated[str, Depends(outer)], slow_entry: bool = False) -> Iterator[str]:
    EVENTS[rid].append("enter middle")
    if slow_entry:
        ENTERING[rid].set()
        PROCEED[rid].wait(LONG_WAIT)  # still in the worker thread when the request is cancelled
    try:
        yield rid
    finally:
        EVENTS[rid].append("exit middle")


async def inner(rid: Annotated[str, Depends(middle)]) -> AsyncIterator[str]:
    await anyio.sleep(0)  # a checkpoint, as any dependency doing I/O has: a pending cancellation lands here
    EVENTS[rid].append("enter inner")
    try:
        yield rid
    finally:
        EVENTS[rid].append("exit inner")


Chain = Annotated[str, Depends(inner)]
app = FastAPI()


@app.get("/ok")
async def ok(rid: Chain) -> dict[str, str]:
    return {"rid": rid}


@app.get("/raise/http")
async def raise_http(rid: Chain) -> None:
    raise HTTPException(status_code=418, detail="teapot")


def refuse(rid: Chain) -> None:
    raise HTTPException(status_code=403, detail="refused by a dependency")


@app.get("/raise/in-dependency", dependencies=[Depends(refuse)])
async def refused() -> None:
    """Never reached: ``refuse`` raises first."""


@app.get("/raise/bare-http")
async def raise_bare_http() -> None:
    raise HTTPException(status_code=404, detail="nothing here")


@app.get("/raise/bare-error")
async def raise_bare_error() -> None:
    raise RuntimeError("the handler without dependencies failed")


@app.get("/raise/error")
async def raise_error(rid: Chain) -> None:
    raise RuntimeError("the handler failed")


@app.get("/raise/sync-error")
def raise_sync_error(rid: Chain) -> None:
    raise RuntimeError("the sync handler failed")


@app.post("/upload")
async def upload(rid: Chain, request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}


@app.get("/stream")
async def stream(rid: Chain) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for number in range(int(LONG_WAIT / 0.01)):
            yield f"chunk {number}\n".encode()
            await anyio.sleep(0.01)

    return StreamingResponse(chunks(), media_type="text/plain")


@app.get("/slow/sleep")
async def slow_sleep(rid: Chain) -> None:
    await anyio.sleep(LONG_WAIT)


@app.get("/slow/sync-entry")
@app.get("/wait-for/sync-entry")
def slow_sync_entry(rid: Chain) -> None:
    """Reached only if the deadline did not fire during ``middle``'s slow entry."""


@app.get("/wait-for/sleep")
async def wait_for_sleep(rid: Chain) -> None:
    await asyncio.sleep(LONG_WAIT)


@app.websocket("/ws")
async def echo(websocket: WebSocket, rid: Chain) -> None:
    await websocket.accept()
    while True:
        text = await websocket.receive_text()
        if text == "raise":
            raise RuntimeError("the websocket handler failed")
        await websocket.send_text(text)


async def cancel_point(scope: Scope) -> None:
    """Returns when the request is to be cancelled: during ``middle``'s slow entry, or after DEADLINE."""
    if b"slow_entry=true" in scope["query_string"]:
        await anyio.to_thread.run_sync(ENTERING[request_id(scope)].wait, LONG_WAIT)
    else:
        await anyio.sleep(DEADLINE)


class Deadline:
    """Cancels ``/slow`` and ``/wait-for`` requests at their cancel point; 504 if nothing was sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(("/slow", "/wait-for")):
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        cancel = self.cancel_with_asyncio if scope["path"].startswith("/wait-for") else self.cancel_with_anyio
        await cancel(scope, receive, tracking_send)
        PROCEED[request_id(scope)].set()
        if not started:
            await send({"type": "http.response.start", "status": 504, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})

    async def cancel_with_anyio(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:

            async def serve() -> None:
                await self.app(scope, receive, send)
                group.cancel_scope.cancel()

            group.start_soon(serve)
            await cancel_point(scope)
            group.cancel_scope.cancel()
            PROCEED[request_id(scope)].set()

    async def cancel_with_asyncio(self, scope: Scope, receive: Receive, send: Send) -> None:
        serving = asyncio.ensure_future(self.app(scope, receive, send))
        waiting = asyncio.ensure_future(cancel_point(scope))
        await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        serving.cancel()
        PROCEED[request_id(scope)].set()
        with contextlib.suppress(asyncio.CancelledError):
            await serving


class RecordDone:
    """Outermost: notes ``done`` once the server's call into the application has returned."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        try:
            await self.app(scope, receive, send)
        finally:
            EVENTS[request_id(scope)].append("done")


served = RecordDone(Deadline(app))
