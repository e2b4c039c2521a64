"""The application tests/test_servers.py serves with ``nimbleapi run`` on each server.

Written for FastAPI (``import fastapi``), as users' applications are: the command makes
that import give nimbleapi. ``SERVED_APP_LEDGER`` names a file the lifespan and the
disconnect watcher append events to, so the test can see what happened inside the server.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, UploadFile, WebSocket
from fastapi.responses import StreamingResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent

LEDGER = Path(os.environ["SERVED_APP_LEDGER"])


def record(event: str) -> None:
    with LEDGER.open("a", encoding="utf-8") as ledger:
        ledger.write(f"{event} {os.getpid()}\n")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    record("startup")
    yield {"greeting": "started"}
    record("shutdown")


app = FastAPI(lifespan=lifespan)


@app.get("/state")
async def state(request: Request) -> dict[str, Any]:
    return {"greeting": request.state.greeting, "pid": os.getpid()}


@app.get("/where")
async def where(request: Request) -> dict[str, Any]:
    client = request.client
    return {
        "url": str(request.url),
        "root_path": request.scope.get("root_path"),
        "client": client.host if client else None,
        "client_port": client.port if client else None,
        "server": request.scope.get("server"),
        "scheme": request.url.scheme,
        "docs": str(request.url_for("where")),
    }


@app.get("/slow")
async def slow(seconds: float = 1.0) -> dict[str, float]:
    record("slow-started")
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@app.get("/sync")
def sync_work(n: int = 0) -> dict[str, int]:
    return {"n": n}


@app.get("/stream")
async def stream(chunks: int = 5) -> StreamingResponse:
    async def numbered() -> AsyncIterator[bytes]:
        for index in range(chunks):
            yield f"chunk {index}\n".encode()
            await asyncio.sleep(0.01)

    return StreamingResponse(numbered(), media_type="text/plain")


@app.get("/events", response_class=EventSourceResponse)
async def events(count: int = 3) -> AsyncIterator[ServerSentEvent]:
    for index in range(count):
        yield ServerSentEvent(data={"index": index}, event="tick", id=str(index))


@app.get("/forever")
async def forever(request: Request) -> StreamingResponse:
    """Streams until the client goes away, then says so in the ledger."""

    async def ticks() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"tick\n"
                await asyncio.sleep(0.05)
        finally:
            record("disconnected")

    return StreamingResponse(ticks(), media_type="text/plain")


@app.post("/upload")
async def upload(file: UploadFile) -> dict[str, Any]:
    content = await file.read()
    return {"name": file.filename, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}


@app.websocket("/echo")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    scheme = websocket.url.scheme
    async for text in websocket.iter_text():
        await websocket.send_text(f"{scheme}:{text}")
