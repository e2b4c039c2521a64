"""Calling an application directly over ASGI, from a plain asyncio task.

A plain task is what an ASGI server runs a request in: no AnyIO cancel scope around it
(the test client runs requests inside one), which is the case some shortcuts depend on.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message


@dataclass
class Answer:
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    messages: list[Message] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


def scope_for(method: str, path: str, *, query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": list(headers or []),
    }


async def call(
    app: ASGIApp, scope: dict, body: bytes = b"", log: list[str] | None = None, answer: Answer | None = None
) -> Answer:
    """One request; *log* gets "start"/"body" entries as the response is sent; *answer* (kept
    by the caller) is filled in even when the application raises."""
    answer = Answer() if answer is None else answer
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # a client that stays connected
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        answer.messages.append(message)
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = list(message.get("headers", []))
            if log is not None:
                log.append("start")
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")
            if log is not None and not message.get("more_body", False):
                log.append("body")

    await app(scope, receive, send)
    return answer


def run(app: ASGIApp, method: str, path: str, body: bytes = b"", **options: Any) -> Answer:
    log, answer = options.pop("log", None), options.pop("answer", None)
    return asyncio.run(call(app, scope_for(method, path, **options), body, log, answer))
