"""Server-Sent Events: the response class, the event model, the wire format and the streamer.

A generator endpoint declared with ``response_class=EventSourceResponse`` streams
``text/event-stream``. Each yielded ``ServerSentEvent`` is written as the event it
describes; any other yielded value is serialised to JSON and sent as its ``data:``.

How an event stream is served (``compile_sse_responder``):

- a producer task pulls items from the endpoint's generator (in a worker thread for a
  sync generator), encodes them and hands them over through a one-slot channel;
- the response body reads that channel and writes a keep-alive comment whenever the
  generator has been silent for the ping interval, so proxies keep the connection open;
- the producer lives on the request's exit stack: it is torn down after the response has
  been sent or abandoned, before the cleanup of ``yield`` dependencies runs, and no
  cancel scope is ever held open across a ``yield`` of the body.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio
import anyio.to_thread
from anyio.abc import ObjectReceiveStream
from pydantic import AfterValidator, BaseModel, Field, model_validator
from starlette.responses import Response, StreamingResponse

from ._compile.streaming import normalize_non_finite_floats
from ._openapi.responses import SSE_EVENT_SCHEMA
from .datastructures import DefaultPlaceholder
from .encoders import jsonable_encoder
from .exceptions import EndpointContext

# One event as a text/event-stream item schema (FastAPI's name for it); the OpenAPI
# generator fills in the schema of ``data``.
_SSE_EVENT_SCHEMA: dict[str, Any] = SSE_EVENT_SCHEMA


# A comment line: ignored by EventSource clients, but it keeps idle connections alive.
KEEPALIVE_COMMENT = b": ping\n\n"

# Seconds of generator silence before a keep-alive comment is sent. Read when each
# response starts, so that it can be patched (FastAPI code patches it on ``routing``).
_PING_INTERVAL: float = 15.0
_DEFAULT_PING_INTERVAL = _PING_INTERVAL


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` response.

    Set it as the ``response_class`` of a generator endpoint (any HTTP method, POST
    included, as MCP clients need) and every yielded value becomes one event.
    """

    media_type = "text/event-stream"


def _reject_line_breaks(value: str | None, field_name: str) -> str | None:
    if value is not None and ("\n" in value or "\r" in value):
        raise ValueError(f"SSE '{field_name}' must be a single line")
    return value


def _valid_event_name(value: str | None) -> str | None:
    return _reject_line_breaks(value, "event")


def _valid_event_id(value: str | None) -> str | None:
    # Browsers ignore an id containing NUL, so the client could never resume from it.
    if value is not None and "\0" in value:
        raise ValueError("SSE 'id' must not contain null characters")
    return _reject_line_breaks(value, "id")


class ServerSentEvent(BaseModel):
    """One event of an event stream, with full control over its fields.

    ``data`` is always sent as JSON (a string ``"hi"`` goes out as ``data: "hi"``);
    ``raw_data`` is sent verbatim. Yield plain values instead when only ``data`` matters.
    """

    data: Any = None
    """The payload, serialised to JSON. Cannot be combined with ``raw_data``."""

    raw_data: str | None = None
    """A payload sent as is, without JSON encoding (text, HTML, CSV...)."""

    event: Annotated[str | None, AfterValidator(_valid_event_name)] = None
    """The event type, dispatched by ``EventSource.addEventListener``; one line."""

    id: Annotated[str | None, AfterValidator(_valid_event_id)] = None
    """The event id, sent back by browsers as ``Last-Event-ID`` when they reconnect."""

    retry: Annotated[int | None, Field(ge=0)] = None
    """How long the client should wait before reconnecting, in milliseconds."""

    comment: str | None = None
    """Comment lines (``: text``), ignored by clients."""

    @model_validator(mode="after")
    def _one_payload_only(self) -> ServerSentEvent:
        if self.data is not None and self.raw_data is not None:
            raise ValueError(
                "Cannot set both 'data' and 'raw_data' on the same ServerSentEvent. "
                "Use 'data' for JSON-serialized payloads or 'raw_data' for pre-formatted strings."
            )
        return self


def _lines(text: str) -> list[str]:
    # Only the SSE line terminators (CRLF, LF, CR) count, unlike str.splitlines(); a
    # trailing terminator leaves an empty last line, which must be sent too.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_sse_event(
    *,
    data_str: str | None = None,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """Encode one event from already serialised data; the result ends with the blank line."""
    lines: list[str] = []
    if comment is not None:
        lines.extend(f": {line}" for line in _lines(comment))
    if event is not None:
        lines.append(f"event: {event}")
    if data_str is not None:
        lines.extend(f"data: {line}" for line in _lines(data_str))
    if id is not None:
        lines.append(f"id: {id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    lines.append("\n")
    return "\n".join(lines).encode("utf-8")


# ---------------------------------------------------------------- encoding items

ItemSerializer = Callable[[Any, EndpointContext], bytes]
EventEncoder = Callable[[Any, EndpointContext], bytes]


def _json_payload(data: Any) -> str:
    """``data`` of a ``ServerSentEvent``: models keep their own JSON settings."""
    if hasattr(data, "model_dump_json"):
        return data.model_dump_json()  # type: ignore[no-any-return]
    return json.dumps(normalize_non_finite_floats(jsonable_encoder(data)))


def encode_server_sent_event(event: ServerSentEvent) -> bytes:
    """The wire form of *event*, as the endpoint built it (no item-type validation)."""
    if event.raw_data is not None:
        data_str: str | None = event.raw_data
    elif event.data is not None:
        data_str = _json_payload(event.data)
    else:
        data_str = None
    return format_sse_event(data_str=data_str, event=event.event, id=event.id, retry=event.retry, comment=event.comment)


def build_event_encoder(serialize: ItemSerializer) -> EventEncoder:
    """Encode a yielded item: a ``ServerSentEvent`` as given, anything else as ``data: <json>``."""

    def encode(item: Any, endpoint_ctx: EndpointContext) -> bytes:
        if isinstance(item, ServerSentEvent):
            return encode_server_sent_event(item)
        payload = serialize(item, endpoint_ctx)
        if b"\n" in payload or b"\r" in payload:  # JSON escapes line breaks, but be safe
            return format_sse_event(data_str=payload.decode("utf-8"))
        return b"data: " + payload + b"\n\n"

    return encode


# ---------------------------------------------------------------- streaming

_EXHAUSTED = object()


class _EventChannel:
    """Encoded events on their way from the producer task to the response body."""

    def __init__(self, receive: ObjectReceiveStream[bytes]) -> None:
        self.receive = receive
        self.error: Exception | None = None  # what stopped the producer, raised in the body


async def _pull_async(items: Any) -> AsyncIterator[Any]:
    async for item in items:
        yield item


async def _pull_in_thread(items: Iterator[Any]) -> AsyncIterator[Any]:
    # next() with a default: StopIteration must not cross the thread boundary.
    while (item := await anyio.to_thread.run_sync(next, items, _EXHAUSTED)) is not _EXHAUSTED:
        yield item


# The generator's own cleanup runs as soon as the stream stops (even when the client left
# while the generator was paused at a yield), so it happens before the request's
# dependencies are closed. Shielded: cleanup is not something a disconnect may skip.


async def _close_async(items: Any) -> None:
    aclose = getattr(items, "aclose", None)
    if aclose is not None:
        with anyio.CancelScope(shield=True):
            await aclose()


async def _close_in_thread(items: Any) -> None:
    close = getattr(items, "close", None)
    if close is not None:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(close)


Pull = Callable[[Any], AsyncIterator[Any]]
Close = Callable[[Any], Awaitable[None]]


@asynccontextmanager
async def _produce_events(
    items: Any, pull: Pull, close: Close, encode: EventEncoder, endpoint_ctx: EndpointContext
) -> AsyncIterator[_EventChannel]:
    """Run the producer task for the lifetime of the context (the request's exit stack)."""
    send, receive = anyio.create_memory_object_stream[bytes](max_buffer_size=1)
    channel = _EventChannel(receive)

    async def produce() -> None:
        pulled = pull(items)
        async with send:
            try:
                async for item in pulled:
                    await send.send(encode(item, endpoint_ctx))
            except Exception as exc:
                channel.error = exc
            finally:
                await pulled.aclose()  # type: ignore[attr-defined]
                await close(items)

    failure: Exception | None = None
    # Both ends are closed here too: a producer cancelled before it ever ran never closes `send`.
    async with send, receive:
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(produce)
            try:
                yield channel
            except Exception as exc:
                # Raised outside the task group, so that it is not wrapped in an ExceptionGroup.
                failure = exc
            finally:
                task_group.cancel_scope.cancel()
    if failure is not None:
        raise failure


def current_ping_interval() -> float:
    """The keep-alive interval, honouring a patch of ``routing._PING_INTERVAL`` or of this module's."""
    # FastAPI reads the interval from its routing module, so that is where its users patch it.
    # Its globals are read directly: routing serves the name lazily from this module, and
    # a lookup through it would copy a patch of this module's value into routing.
    routing = sys.modules.get(__package__ + ".routing")
    patched = vars(routing).get("_PING_INTERVAL", _DEFAULT_PING_INTERVAL) if routing else _DEFAULT_PING_INTERVAL
    return patched if patched != _DEFAULT_PING_INTERVAL else _PING_INTERVAL


async def _body_with_keepalive(channel: _EventChannel, ping_interval: float) -> AsyncIterator[bytes]:
    # receive() checkpoints on every call, so a client disconnect can always cancel the
    # body, however fast the producer is. The yield stays outside the timeout scope.
    while True:
        try:
            with anyio.fail_after(ping_interval):
                frame = await channel.receive.receive()
        except TimeoutError:
            frame = KEEPALIVE_COMMENT
        except anyio.EndOfStream:
            if channel.error is not None:
                raise channel.error from None
            return
        yield frame


ResponseKwargs = Callable[[int | None, Any], dict[str, Any]]
CopyHeaders = Callable[[Response, Any], Response]
Responder = Callable[[dict[str, Any], Any, EndpointContext], Awaitable[Response]]


def compile_sse_responder(
    *,
    call: Callable[..., Any],
    is_async: bool,
    response_class: Any,
    serialize: ItemSerializer,
    status_code: int | None,
    response_kwargs: ResponseKwargs,
    copy_headers: CopyHeaders,
) -> Responder:
    """``await respond(values, ctx, endpoint_ctx)``: call the generator endpoint, stream its events."""
    encode = build_event_encoder(serialize)
    pull, close = (_pull_async, _close_async) if is_async else (_pull_in_thread, _close_in_thread)
    cls = response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class

    async def respond(values: dict[str, Any], ctx: Any, endpoint_ctx: EndpointContext) -> Response:
        stack = ctx.request_stack
        if stack is None:
            raise AssertionError("fastapi_inner_astack not found in request scope")
        items = call(**values)
        channel = await stack.enter_async_context(_produce_events(items, pull, close, encode, endpoint_ctx))
        body = _body_with_keepalive(channel, current_ping_interval())
        response = cls(body, **response_kwargs(status_code, ctx))
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Accel-Buffering"] = "no"  # nginx would otherwise buffer the stream
        return copy_headers(response, ctx)

    return respond


# FastAPI's names for the validators and the line splitter above.
_check_single_line = _reject_line_breaks
_check_event_single_line = _valid_event_name
_check_id_valid = _valid_event_id
_split_sse_lines = _lines
