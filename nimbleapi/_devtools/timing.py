"""``Server-Timing`` for ``nimbleapi dev --timing``: where each request's time went.

Each response gets a header browser devtools show as a timing breakdown::

    Server-Timing: validation;desc="routing / parsing / validation";dur=0.41,
                   dep-1;desc="get_db";dur=2.10, dep-2;desc="current_user";dur=0.35,
                   endpoint;desc="read_item";dur=5.02, serialize;desc="serialisation";dur=0.22,
                   total;dur=8.31

How it is measured, without touching the compiled request path:

- the endpoint and the serialisation through FastAPI's patch points
  (``nimbleapi.routing.run_endpoint_function`` / ``serialize_response``), which routes
  compiled afterwards call by name;
- each dependency by a timed stand-in of the same kind (async, sync, generator) put in
  its place in the analysed routes before the first request;
- routing / parsing / validation as the rest of the time before the endpoint starts.

Only ``nimbleapi dev --timing`` installs any of it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._plan.callables import is_async_gen_callable, is_coroutine_callable, is_gen_callable
from .._plan.lifespan import LIFESPAN


@dataclass
class Timings:
    started: float = field(default_factory=time.perf_counter)
    entries: list[tuple[str, str, float, float]] = field(default_factory=list)  # (kind, label, start, end)

    def header(self) -> str:
        now = time.perf_counter()
        dependencies = [entry for entry in self.entries if entry[0] == "dep"]
        endpoint_start = next((start for kind, _, start, _ in self.entries if kind == "endpoint"), now)
        before_endpoint = endpoint_start - self.started - sum(end - start for _, _, start, end in dependencies)
        metrics = [_metric("validation", "routing / parsing / validation", before_endpoint)]
        metrics += [_metric(f"dep-{n}", label, end - start) for n, (_, label, start, end) in enumerate(dependencies, 1)]
        metrics += [_metric(kind, label, end - start) for kind, label, start, end in self.entries if kind != "dep"]
        metrics.append(_metric("total", None, now - self.started))
        return ", ".join(metrics)


_current: ContextVar[Timings | None] = ContextVar("nimbleapi_server_timing", default=None)


def _metric(name: str, description: str | None, seconds: float) -> str:
    desc = f';desc="{description}"' if description else ""
    return f"{name}{desc};dur={max(seconds, 0) * 1000:.2f}"


def _record(kind: str, label: str, start: float) -> None:
    timings = _current.get()
    if timings is not None:
        timings.entries.append((kind, label, start, time.perf_counter()))


def _label(call: Any) -> str:
    return str(getattr(call, "__qualname__", None) or type(call).__qualname__).replace('"', "'")


# ---- the stand-ins -------------------------------------------------------------------------


def timed(call: Callable[..., Any]) -> Callable[..., Any]:
    """A function of *call*'s kind that calls it and records how long it took (for a
    ``yield`` dependency: until it yielded its value)."""
    label = _label(call)
    if is_async_gen_callable(call):

        @functools.wraps(call)
        async def timed_async_generator(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            async with asynccontextmanager(call)(*args, **kwargs) as value:
                _record("dep", label, start)
                yield value

        return timed_async_generator
    if is_gen_callable(call):

        @functools.wraps(call)
        def timed_generator(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            with contextmanager(call)(*args, **kwargs) as value:
                _record("dep", label, start)
                yield value

        return timed_generator
    if is_coroutine_callable(call):

        @functools.wraps(call)
        async def timed_coroutine(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                _record("dep", label, start)

        return timed_coroutine

    @functools.wraps(call)
    def timed_function(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            _record("dep", label, start)

    return timed_function


def time_dependencies(app: Any) -> None:
    """Put a timed stand-in in place of every dependency the routes use (once per callable)."""
    from ..routing import iter_route_contexts

    stand_ins: dict[Any, Callable[..., Any]] = {}
    for context in iter_route_contexts(app.routes):
        dependant = getattr(context, "dependant", None)
        stack = list(dependant.dependencies) if dependant is not None else []
        while stack:
            node = stack.pop()
            if node.scope == LIFESPAN or node.call is None or getattr(node.call, "__wrapped__", None) in stand_ins:
                continue  # a lifespan value costs nothing per request; a stand-in is in place already
            if node.call not in stand_ins:
                stand_ins[node.call] = timed(node.call)
            node.call = stand_ins[node.call]
            stack.extend(node.dependencies)


def _patch_routing() -> None:
    """Time the endpoint and the serialisation through FastAPI's patch points (once)."""
    from .. import routing

    if getattr(routing.run_endpoint_function, "_nimbleapi_timed", False):
        return
    run_endpoint, serialize = routing.run_endpoint_function, routing.serialize_response

    async def run_endpoint_function(*, dependant: Any, values: dict[str, Any], is_coroutine: bool) -> Any:
        start = time.perf_counter()
        try:
            return await run_endpoint(dependant=dependant, values=values, is_coroutine=is_coroutine)
        finally:
            _record("endpoint", _label(dependant.call), start)

    async def serialize_response(**kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return await serialize(**kwargs)
        finally:
            _record("serialize", "serialisation", start)

    run_endpoint_function._nimbleapi_timed = True  # type: ignore[attr-defined]
    run_endpoint_function.__wrapped__ = run_endpoint  # type: ignore[attr-defined]
    routing.run_endpoint_function = run_endpoint_function
    routing.serialize_response = serialize_response


class ServerTiming:
    """ASGI middleware: a ``Timings`` per HTTP request, sent as ``Server-Timing``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        timings = Timings()
        token = _current.set(timings)

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("server-timing", timings.header())
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        finally:
            _current.reset(token)


def install_server_timing(app: Any) -> None:
    """What ``nimbleapi dev --timing`` does, before the application serves."""
    _patch_routing()
    time_dependencies(app)
    app.add_middleware(ServerTiming)
