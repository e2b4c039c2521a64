"""An application-wide body limit with a user middleware that reads the body first.

The limit must hold for the middleware too: a body over ``LIMIT`` is refused with 413
before anything hands the middleware the whole of it. ``GET /reads`` lists the body
sizes the middleware did receive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response

LIMIT = 1024
READS: list[int] = []
app = FastAPI(max_body_size=LIMIT)


@app.middleware("http")
async def read_body_first(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    if request.method == "POST":
        READS.append(len(await request.body()))
    return await call_next(request)


@app.post("/upload")
async def upload(request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}


@app.get("/reads")
def reads() -> list[int]:
    return READS

