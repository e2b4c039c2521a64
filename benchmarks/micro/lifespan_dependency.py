#!/usr/bin/env python
"""What a lifespan-scoped dependency costs per request, next to a constant dependency.

Three routes, each called in-process (no sockets) after the lifespan started:
  none      GET /none        no dependency
  constant  GET /constant    Depends(async def returning a module constant)
  lifespan  GET /lifespan    Depends(async generator made at start-up, scope="lifespan")
Rounds interleave the three; reported: median microseconds per request.

    python benchmarks/micro/lifespan_dependency.py [--rounds 5] [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from nimbleapi import Depends, FastAPI

POOL = object()


async def get_constant() -> object:
    return POOL


async def get_pool() -> AsyncIterator[object]:
    yield POOL


def build_app() -> FastAPI:
    app = FastAPI(openapi_url=None)

    @app.get("/none")
    async def none() -> int:
        return 1

    @app.get("/constant")
    async def constant(pool: Annotated[object, Depends(get_constant)]) -> int:
        return 1

    @app.get("/lifespan")
    async def lifespan(pool: Annotated[object, Depends(get_pool, scope="lifespan")]) -> int:
        return 1

    return app


def scope_for(path: str) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "headers": [(b"host", b"bench")], "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 1),
    }


async def timed(app: FastAPI, path: str, count: int) -> float:
    """Microseconds per request over *count* requests."""
    template = scope_for(path)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise RuntimeError(f"{path}: {message['status']}")

    start = time.perf_counter()
    for _ in range(count):
        await app(dict(template), receive, send)
    return (time.perf_counter() - start) / count * 1e6


async def main(rounds: int, count: int) -> None:
    app = build_app()
    results: dict[str, list[float]] = {"none": [], "constant": [], "lifespan": []}
    async with app.router.lifespan_context(app):
        for name in results:
            await timed(app, f"/{name}", count // 10)  # warm up (and compile the route)
        for round_number in range(rounds):
            order = list(results)[round_number % 3 :] + list(results)[: round_number % 3]
            for name in order:
                results[name].append(await timed(app, f"/{name}", count))
    for name, values in results.items():
        print(f"{name:9} {statistics.median(values):6.2f} us/request  (rounds: {', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.requests))
