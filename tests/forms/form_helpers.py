"""Helpers for form and upload tests: raw multipart bodies, raw ASGI calls, open temporary files."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message

BOUNDARY = "formtestboundary"
MULTIPART_HEADERS = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
# Starlette keeps a file in memory up to 1 MiB, then moves it to a temporary file on disk.
PAST_SPOOL_LIMIT = 1024 * 1024 + 1


def file_part(name: str, filename: str, content: bytes, content_type: str = "application/octet-stream") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode() + content + b"\r\n"


def field_part(name: str, value: str) -> bytes:
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


def multipart_body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def open_temporary_files() -> set[str]:
    """What this process's open file descriptors point to inside the temporary directory."""
    tmp = os.path.realpath(tempfile.gettempdir())
    found: set[str] = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(tmp + "/"):
            found.add(f"{fd} -> {target}")
    return found


@dataclass
class RawResponse:
    status: int | None = None
    body: bytes = b""
    messages: list[Message] = field(default_factory=list)


async def call_asgi(app: ASGIApp, path: str, incoming: Iterable[Message], headers: dict[str, str]) -> RawResponse:
    """POST to *app* with the given ``receive`` messages (then ``http.disconnect`` forever)."""
    pending = iter(incoming)
    response = RawResponse()

    async def receive() -> Message:
        return next(pending, {"type": "http.disconnect"})

    async def send(message: Message) -> None:
        response.messages.append(message)
        if message["type"] == "http.response.start":
            response.status = message["status"]
        elif message["type"] == "http.response.body":
            response.body += message.get("body", b"")

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(key.encode(), value.encode()) for key, value in {"host": "test", **headers}.items()],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    await app(scope, receive, send)
    return response
