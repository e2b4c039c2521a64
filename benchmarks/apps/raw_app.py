"""The floor: one hand-written ASGI callable doing only the work each request needs.

Routing is a dict lookup plus one prefix test; validation and serialisation go
straight to pydantic-core and orjson; no Request or Response objects are built.
A framework could take every one of these shortcuts, which is what makes this
the practical lower bound. Errors keep FastAPI's shapes, so the check compares
them exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from pydantic import TypeAdapter, ValidationError

from harness.models import (
    HELLO,
    ITEM_QUERY_SOURCES,
    ITEMS,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    FakeDBSession,
    ItemIn,
    ItemOut,
    ItemQuery,
    User,
    parse_bearer,
)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Header = tuple[bytes, bytes]

_validate_item = ItemIn.__pydantic_validator__.validate_json
_validate_params = ItemQuery.__pydantic_validator__.validate_python
_dump_item = TypeAdapter(ItemOut).dump_json
_dump_items = TypeAdapter(list[ItemOut]).dump_json
_dump_user = TypeAdapter(User).dump_json

_HELLO = orjson.dumps(HELLO)
_NOT_FOUND = orjson.dumps(NOT_FOUND)
_METHOD_NOT_ALLOWED = orjson.dumps(METHOD_NOT_ALLOWED)
_BEARER: tuple[Header, ...] = ((b"www-authenticate", b"Bearer"),)
# Like FastAPI's router: the methods of the first route whose path matched.
_ALLOW_ITEMS: tuple[Header, ...] = ((b"allow", b"GET"),)


async def _respond(send: Send, status: int, body: bytes, extra: Iterable[Header] = ()) -> None:
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json"), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _errors_422(exc: ValidationError, source: Callable[[str], str]) -> bytes:
    detail = []
    for error in exc.errors(include_url=False):
        error["loc"] = (source(str(error["loc"][0])), *error["loc"])
        detail.append(error)
    return orjson.dumps({"detail": detail}, default=str)


async def _read_body(receive: Receive) -> bytes:
    message = await receive()
    chunks = [message.get("body", b"")]
    while message.get("more_body", False):
        message = await receive()
        chunks.append(message.get("body", b""))
    return b"".join(chunks)


async def _read_item(scope: Scope, send: Send, raw_id: str) -> None:
    raw = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
    raw["item_id"] = raw_id
    try:
        params = _validate_params(raw)
    except ValidationError as exc:
        return await _respond(send, 422, _errors_422(exc, lambda f: ITEM_QUERY_SOURCES.get(f, "query")))
    await _respond(send, 200, orjson.dumps({"item_id": params.item_id, "q": params.q, "limit": params.limit}))


async def _create_item(receive: Receive, send: Send) -> None:
    try:
        item = _validate_item(await _read_body(receive))
    except ValidationError as exc:
        return await _respond(send, 422, _errors_422(exc, lambda f: "body"))
    await _respond(send, 201, _dump_item(item))


def _authorization(scope: Scope) -> str | None:
    headers: list[Header] = scope["headers"]
    for name, value in headers:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


async def _read_me(scope: Scope, send: Send) -> None:
    token = parse_bearer(_authorization(scope))
    if token is None:
        return await _respond(send, 401, b'{"detail":"Not authenticated"}', _BEARER)
    session = FakeDBSession(token)
    try:
        user = session.current_user()
        body = None if user is None else _dump_user(user)
    finally:
        session.close()
    if body is None:
        return await _respond(send, 401, b'{"detail":"Invalid token"}', _BEARER)
    await _respond(send, 200, body)


async def _hello_sync(send: Send) -> None:
    body = await asyncio.get_running_loop().run_in_executor(None, orjson.dumps, HELLO)
    await _respond(send, 200, body)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _http(scope: Scope, receive: Receive, send: Send) -> None:
    path, method = scope["path"], scope["method"]
    if method == "GET":
        if path == "/":
            return await _respond(send, 200, _HELLO)
        if path == "/items":
            return await _respond(send, 200, _dump_items(ITEMS))
        if path == "/users/me":
            return await _read_me(scope, send)
        if path == "/sync":
            return await _hello_sync(send)
        if path.startswith("/items/") and len(path) > 7 and "/" not in path[7:]:
            return await _read_item(scope, send, path[7:])
    elif method == "POST" and path == "/items":
        return await _create_item(receive, send)
    elif path == "/items":
        return await _respond(send, 405, _METHOD_NOT_ALLOWED, _ALLOW_ITEMS)
    await _respond(send, 404, _NOT_FOUND)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        return await _http(scope, receive, send)
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    raise RuntimeError(f"unsupported scope type {scope['type']!r}")
