#!/usr/bin/env python
"""Batteries in-process: a rate-limited route and a cached route (hit and miss).

nimbleapi (memory store) against FastAPI 0.165.0 with slowapi (memory storage) and
fastapi-cache2 (InMemoryBackend) doing the same. Each ASGI app is called directly (no
sockets). Targets alternate batch by batch, so a shared machine's swings hit both alike;
reported: median µs per request over the batches and the ratio FastAPI / nimbleapi.

    bash benchmarks/setup_venv.sh /tmp/bench   # FastAPI 0.165.0, slowapi, fastapi-cache2 and this checkout
    /tmp/bench/bin/python benchmarks/bench_batteries.py --rounds 15

Both sides do the same work per scenario: one limit checked and counted per request;
a cache key built from path and query, a store lookup, and on a miss the answer computed,
stored and sent with Cache-Control and ETag. Differences that favour the plugins:
nimbleapi adds RateLimit headers to every admitted answer (slowapi's header injection is
off by default), Last-Modified to every cached answer, hashes the body for its ETag
(fastapi-cache2 uses Python's hash()), and keeps its memory store bounded (10,000 keys,
evicting; fastapi-cache2's InMemoryBackend grows without bound over the miss scenario).
"""


import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

LIMIT = "1000000/minute"  # never reached: the admitted path is what is measured
Scope = dict[str, Any]


def nimbleapi_app() -> Any:
    from nimbleapi import FastAPI
    from nimbleapi.caching import cache
    from nimbleapi.ratelimit import rate_limit

    app = FastAPI()

    @app.get("/limited", dependencies=[rate_limit(LIMIT)])
    async def limited() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/cached", dependencies=[cache(ttl=600)])
    async def cached(q: int = 0) -> dict[str, int]:
        return {"q": q}

    return app


def fastapi_app() -> Any:
    from fastapi import FastAPI, Request
    from fastapi_cache import FastAPICache
    from fastapi_cache.backends.inmemory import InMemoryBackend
    from fastapi_cache.decorator import cache
    from slowapi import Limiter, _rate_limit_exceeded_handler
    from slowapi.errors import RateLimitExceeded
    from slowapi.util import get_remote_address

    limiter = Limiter(key_func=get_remote_address)
    app = FastAPI()
    app.state.limiter = limiter
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]
    FastAPICache.init(InMemoryBackend())

    @app.get("/limited")
    @limiter.limit(LIMIT)
    async def limited(request: Request) -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/cached")
    @cache(expire=600)
    async def cached(q: int = 0) -> dict[str, int]:
        return {"q": q}

    return app


def scope_for(path: str, query: bytes = b"") -> Scope:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query, "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 5000), "server": ("bench", 80),
    }  # fmt: skip


SCENARIOS: dict[str, Callable[[int], Scope]] = {
    "rate limited": lambda i: scope_for("/limited"),
    "cache hit": lambda i: scope_for("/cached", b"q=1"),
    "cache miss": lambda i: scope_for("/cached", b"q=%d" % (10_000_000 + i)),
}


class Counter:
    def __init__(self) -> None:
        self.next = 0


async def batch(app: Any, make_scope: Callable[[int], Scope], counter: Counter, n: int) -> float:
    """Seconds per request over *n* requests; each request must answer 200."""
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scopes = [make_scope(counter.next + i) for i in range(n)]
    counter.next += n
    start = time.perf_counter()
    for scope in scopes:
        scope["app"] = None  # set by the app itself; a fresh dict per request
        del scope["app"]
        await app(scope, receive, send)
    elapsed = time.perf_counter() - start
    if set(statuses) != {200}:
        raise SystemExit(f"unexpected statuses {set(statuses)}")
    return elapsed / n


async def main(rounds: int, n: int) -> None:
    apps = {"fastapi+plugins": fastapi_app(), "nimbleapi": nimbleapi_app()}
    counters = {(target, name): Counter() for target in apps for name in SCENARIOS}
    for target, app in apps.items():  # warm up, and fill the cache-hit entry
        for name, make_scope in SCENARIOS.items():
            await batch(app, make_scope, counters[target, name], 200)
    results: dict[tuple[str, str], list[float]] = {key: [] for key in counters}
    for index in range(rounds):
        order = list(apps) if index % 2 == 0 else list(reversed(apps))
        for name, make_scope in SCENARIOS.items():
            for target in order:
                results[target, name].append(await batch(apps[target], make_scope, counters[target, name], n))
    print(f"{'scenario':<14}{'fastapi+plugins µs':>20}{'nimbleapi µs':>15}{'ratio':>8}")
    for name in SCENARIOS:
        theirs = statistics.median(results["fastapi+plugins", name]) * 1e6
        ours = statistics.median(results["nimbleapi", name]) * 1e6
        print(f"{name:<14}{theirs:>20.1f}{ours:>15.1f}{theirs / ours:>7.1f}x")
    print(f"python {sys.version.split()[0]}, {rounds} rounds x {n} requests per scenario and target")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=500, help="requests per batch")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.requests))
