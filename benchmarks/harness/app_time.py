"""The application's own time per request, measured inside the server (``--app-time``).

``timed(app)`` wraps the served app: each HTTP request's call is timed from entry to
return with ``perf_counter_ns``, the awaits inside it included (where a call waits, for
the client's body or a send, other requests run meanwhile and count too, so read it for
routes that do not wait). ``GET /__app_time`` is answered by the wrapper itself (it never
reaches the app): the median and the count of the calls since the previous one. Compared
with the in-process driver's figure for the same route (a hot loop of one request), it
shows how much slower the same code runs between the server's own work.
"""

from __future__ import annotations

import http.client
import json
import statistics
import time
from array import array
from typing import Any

from .asgi import ASGIApp

PATH = "/__app_time"


def timed(app: ASGIApp) -> ASGIApp:
    durations = array("q")

    async def measured(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)
        if scope["path"] == PATH:
            return await _answer(send, durations)
        start = time.perf_counter_ns()
        await app(scope, receive, send)
        durations.append(time.perf_counter_ns() - start)

    return measured


async def _answer(send: Any, durations: array[int]) -> None:
    body = json.dumps({"median_us": statistics.median(durations) / 1000 if durations else None,
                       "count": len(durations)}).encode()
    del durations[:]
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def read_and_reset(port: int) -> float | None:
    """The median µs per call since the last read (None: no call timed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", PATH)
        median: float | None = json.loads(connection.getresponse().read())["median_us"]
    finally:
        connection.close()
    return median
