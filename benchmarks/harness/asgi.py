"""A minimal in-process ASGI client: scopes, one request/response exchange, lifespan.

It hands an app what uvicorn would (ASGI 3, HTTP spec 2.3, lifespan state copied
into every request scope) without sockets or HTTP parsing, so a timing is the
application's cost plus about a microsecond of driver.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .scenarios import Case

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]

_HTTP_ASGI = {"version": "3.0", "spec_version": "2.3"}


def scope_template(case: Case, state: dict[str, Any]) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"nimbleapi-bench")]
    headers += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in case.headers]
    if case.body:
        headers.append((b"content-length", str(len(case.body)).encode()))
    return {
        "type": "http",
        "asgi": _HTTP_ASGI,
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": case.method,
        "root_path": "",
        "path": case.path,
        "raw_path": case.path.encode("ascii"),
        "query_string": case.query.encode("ascii"),
        "headers": headers,
        "state": state,
    }


def fresh_scope(template: dict[str, Any]) -> dict[str, Any]:
    """A scope for one request: apps write into scopes, so no two requests share one."""
    scope = template.copy()
    scope["headers"] = list(template["headers"])
    scope["state"] = template["state"].copy()
    return scope


class Exchange:
    """receive/send for one request, recording the response.

    After the body has been delivered, receive() waits until the response is
    complete and then reports a disconnect, which is what uvicorn does.
    """

    __slots__ = ("body", "body_sent", "status", "headers", "chunks", "complete", "waiter")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.body_sent = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.complete = False
        self.waiter: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        if not self.complete:
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            if message.get("body"):
                self.chunks.append(message["body"])
            if not message.get("more_body", False):
                self.complete = True
                if self.waiter is not None and not self.waiter.done():
                    self.waiter.set_result(None)

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode("latin-1")
        values = [value.decode("latin-1") for key, value in self.headers if key.lower() == wanted]
        return ", ".join(values) if values else None

    @property
    def content(self) -> bytes:
        return b"".join(self.chunks)


async def request(app: ASGIApp, case: Case, state: dict[str, Any]) -> Exchange:
    exchange = Exchange(case.body)
    await app(fresh_scope(scope_template(case, state)), exchange.receive, exchange.send)
    return exchange


class Lifespan:
    """Runs an app's lifespan: startup before the first request, shutdown at the end."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> dict[str, Any]:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        self._task = asyncio.create_task(self._run(scope))
        await self._to_app.put({"type": "lifespan.startup"})
        reply = await self._from_app.get()
        if reply["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"lifespan startup failed: {reply.get('message')}")
        return self.state

    async def _run(self, scope: Scope) -> None:
        await self.app(scope, self._to_app.get, self._from_app.put)

    async def shutdown(self) -> None:
        if self._task is None or self._task.done():
            return
        await self._to_app.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(self._from_app.get(), 10)
        await asyncio.wait_for(self._task, 10)
