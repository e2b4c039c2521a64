"""Blocking-call detector for ``nimbleapi dev``: who held the event loop, and where.

``BlockingDetector`` is ASGI middleware that only ``nimbleapi dev`` installs (production
never runs a line of it). On the first request it attaches a ``Watchdog`` to the running
event loop: a heartbeat the loop itself schedules every quarter of the threshold, and a
daemon thread that checks the heartbeat. When the loop has not beaten for longer than
the threshold, something running on it is not yielding: the thread samples the loop
thread's Python stack at that moment. When the loop beats again, it logs one warning
naming the route (the endpoint or dependency found on the stack) and the line where the
loop was held: the innermost frame in the application's own code (``time.sleep(...)``,
``requests.get(...)``, a sync database call), plus the innermost frame of all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import selectors
import sys
import sysconfig
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger("nimbleapi.dev")

DEFAULT_THRESHOLD_S = 0.1


def _library_roots() -> tuple[str, ...]:
    """Where code that is not the application's lives: the standard library, installed
    packages, and the framework itself."""
    paths = sysconfig.get_paths()
    roots = {paths["stdlib"], paths["platstdlib"], paths["purelib"], paths["platlib"]}
    roots.add(str(Path(__file__).resolve().parents[1]))  # nimbleapi
    return tuple(os.path.realpath(root) + os.sep for root in roots)


@dataclass(frozen=True, slots=True)
class Sample:
    """Where the loop thread was while it blocked."""

    route: str | None
    user_frame: str | None
    innermost: str


def _describe_frame(frame: FrameType) -> str:
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"


def _frames(frame: FrameType | None) -> Iterator[FrameType]:
    """Innermost first."""
    while frame is not None:
        yield frame
        frame = frame.f_back


def route_codes(app: Any) -> dict[CodeType, str]:
    """The code object of every endpoint and dependency, mapped to its route's label."""
    from .._lint import route_info
    from ..routing import iter_route_contexts

    codes: dict[CodeType, str] = {}
    for context in iter_route_contexts(app.routes):
        info = route_info(context)
        if info is None:
            continue
        for call in _calls(context):
            code = getattr(getattr(call, "__wrapped__", call), "__code__", None)
            if code is not None:
                codes.setdefault(code, info.label())
    return codes


def _calls(context: Any) -> Iterable[Any]:
    yield getattr(context, "endpoint", None)
    dependant = getattr(context, "dependant", None)
    stack = [dependant] if dependant is not None else []
    while stack:
        node = stack.pop()
        yield node.call
        stack.extend(node.dependencies)


_SELECTORS_FILE = selectors.__file__


def _waiting_for_events(frame: FrameType) -> bool:
    """The loop sits in its selector: idle, its heartbeat merely late (a busy machine)."""
    return frame.f_code.co_filename == _SELECTORS_FILE


class Watchdog:
    """The heartbeat on one event loop and the thread that watches it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, threshold: float, codes: dict[CodeType, str]) -> None:
        self.loop = loop
        self.threshold = threshold
        self.codes = codes
        self.interval = threshold / 4
        self.loop_thread = threading.get_ident()
        self.last_beat = time.monotonic()
        self.sample: Sample | None = None
        self.library_roots = _library_roots()
        self.stopped = threading.Event()
        loop.call_soon(self._beat)
        threading.Thread(target=self._watch, name="nimbleapi-blocking-detector", daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()

    # -- on the loop ---------------------------------------------------------------------------
    def _beat(self) -> None:
        now = time.monotonic()
        blocked_for, sample = now - self.last_beat, self.sample
        self.last_beat, self.sample = now, None
        if sample is not None:
            self._report(blocked_for, sample)
        if not self.stopped.is_set():
            self.loop.call_later(self.interval, self._beat)

    def _report(self, blocked_for: float, sample: Sample) -> None:
        where = sample.route or "outside any route's endpoint or dependencies"
        at = sample.user_frame or sample.innermost
        logger.warning(
            "The event loop was blocked for %.0f ms (threshold %.0f ms) by %s, at %s (innermost frame: %s). "
            "Use an async library, or run blocking code with 'await run_in_threadpool(...)' or a plain 'def'.",
            blocked_for * 1000,
            self.threshold * 1000,
            where,
            at,
            sample.innermost,
        )

    # -- on the watching thread ----------------------------------------------------------------
    def _watch(self) -> None:
        while not self.stopped.wait(self.interval):
            if self.loop.is_closed():
                return
            if not self.loop.is_running() or self.sample is not None:
                continue
            if time.monotonic() - self.last_beat > self.threshold:
                frame = sys._current_frames().get(self.loop_thread)
                if frame is not None and not _waiting_for_events(frame):
                    self.sample = self._take_sample(frame)

    def _take_sample(self, frame: FrameType) -> Sample:
        frames = list(_frames(frame))
        route = next((self.codes[f.f_code] for f in frames if f.f_code in self.codes), None)
        user = next((f for f in frames if not os.path.realpath(f.f_code.co_filename).startswith(self.library_roots)), None)
        return Sample(route, _describe_frame(user) if user is not None else None, _describe_frame(frames[0]))


class BlockingDetector:
    """ASGI middleware attaching a ``Watchdog`` to each event loop the application runs on."""

    def __init__(self, app: ASGIApp, threshold: float = DEFAULT_THRESHOLD_S, application: Any = None) -> None:
        self.app = app
        self.threshold = threshold
        self.application = application
        self.watchdogs: dict[asyncio.AbstractEventLoop, Watchdog] = {}
        self._codes: dict[CodeType, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        if loop not in self.watchdogs:
            self._attach(loop)
        await self.app(scope, receive, send)

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        for old_loop in [old for old in self.watchdogs if old.is_closed()]:
            self.watchdogs.pop(old_loop).stop()
        if self._codes is None:
            self._codes = route_codes(self.application) if self.application is not None else {}
        self.watchdogs[loop] = Watchdog(loop, self.threshold, self._codes)


def install_blocking_detector(app: Any, threshold: float = DEFAULT_THRESHOLD_S) -> None:
    """Add the detector as *app*'s outermost middleware (``nimbleapi dev`` calls this)."""
    if threshold <= 0:
        raise ValueError("the blocking threshold must be a positive number of seconds")
    app.add_middleware(BlockingDetector, threshold=threshold, application=app)
