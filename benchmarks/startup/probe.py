"""Measure one target's start-up in this (fresh) interpreter and print one JSON line.

    python startup/probe.py TARGET ROUTES        (TARGET: fastapi, nimbleapi, starlette, litestar)

Timed, in order: importing the framework; building a ROUTES-route app; its
lifespan start-up and then its first request, in-process, as a server runs them
(what a framework compiles at start-up counts in the first, what it defers to
the first request in the second); generating the OpenAPI document. Resident memory is read after the import and
at the end.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent.parent


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# What "importing the framework" means per target: pydantic (every app needs it) and
# the framework modules the app modules import.
IMPORTS = {
    "fastapi": ["pydantic", "fastapi"],
    "nimbleapi": ["pydantic", "nimbleapi.compat", "fastapi"],  # fastapi is aliased to nimbleapi first
    "starlette": ["pydantic", "starlette.applications", "starlette.exceptions", "starlette.requests",
                  "starlette.responses", "starlette.routing"],
    "litestar": ["pydantic", "litestar", "litestar.contrib.pydantic", "litestar.di", "litestar.dto",
                 "litestar.exceptions", "litestar.params"],
}


def import_framework(target: str) -> None:
    for name in IMPORTS[target]:
        module = importlib.import_module(name)
        if name == "nimbleapi.compat":
            module.install()


async def start_and_serve_first(app: Any) -> tuple[float, float, int]:
    """As a server does: the lifespan start-up, then the first request. (start-up ms, first
    request ms, its status); anything a framework compiles at start-up counts in the first,
    anything it defers to the first request in the second."""
    from harness import asgi
    from harness.scenarios import Case

    case = Case("first", "GET", "/g0/items/1", "limit=5")
    lifespan = asgi.Lifespan(app)
    started = time.perf_counter()
    state = await lifespan.startup()
    startup_ms = elapsed_ms(started)
    started = time.perf_counter()
    exchange = await asgi.request(app, case, state)
    first_request_ms = elapsed_ms(started)
    await lifespan.shutdown()
    return startup_ms, first_request_ms, exchange.status


def elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


def main(target: str, routes: int) -> dict[str, Any]:
    started = time.perf_counter()
    import_framework(target)
    result: dict[str, Any] = {"target": target, "import_ms": elapsed_ms(started), "rss_import_mib": rss_mib()}

    sys.path.insert(0, str(BENCH_DIR))
    builder = importlib.import_module(f"startup.{'fastapi' if target == 'nimbleapi' else target}_routes")
    framework = builder.build_app.__globals__.get("FastAPI")
    if target == "nimbleapi" and not framework.__module__.startswith("nimbleapi"):
        raise SystemExit(f"the nimbleapi probe would measure {framework.__module__}")

    started = time.perf_counter()
    app = builder.build_app(routes)
    result["build_ms"] = elapsed_ms(started)

    result["startup_ms"], result["first_request_ms"], status = asyncio.run(start_and_serve_first(app))
    if status != 200:
        raise SystemExit(f"{target}: the first request answered {status}")

    if builder.openapi is not None:
        started = time.perf_counter()
        document = builder.openapi(app)
        result["openapi_ms"] = elapsed_ms(started)
        result["openapi_paths"] = len(document["paths"])
    result["rss_end_mib"] = rss_mib()
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
