"""Serving a Server-Sent Events stream (``compile_sse_responder``).

- a producer task pulls items from the endpoint's generator (in a worker thread for a
  sync generator), encodes them and hands them over through a one-slot channel;
- the response body reads that channel and writes a keep-alive comment whenever the
  generator has been silent for the ping interval, so proxies keep the connection open;
- the producer lives on the request's exit stack: it is torn down after the response has
  been sent or abandoned, before the cleanup of ``yield`` dependencies runs, and no
  cancel scope is ever held open across a ``yield`` of the body.

The public classes and the wire format are ``nimbleapi.sse``'s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
from anyio.abc import ObjectReceiveStream
from starlette.responses import Response

from ..datastructures import DefaultPlaceholder
from ..exceptions import EndpointContext
from ..sse import KEEPALIVE_COMMENT, ServerSentEvent, current_ping_interval, encode_server_sent_event, format_sse_event

ItemSerializer = Callable[[Any, EndpointContext], bytes]
EventEncoder = Callable[[Any, EndpointContext], bytes]


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
