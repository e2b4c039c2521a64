"""Generator endpoints: JSON Lines streams, Server-Sent Events and raw streaming responses.

``compile_stream_responder`` turns a generator endpoint into ``await respond(values, ctx,
endpoint_ctx) -> Response``. Everything constant per route is decided here, once: the
kind of stream from the response class (the default class streams JSON Lines,
``EventSourceResponse`` or a subclass streams SSE (see ``nimbleapi.sse``), any other class
gets the generator as its content), sync or async iteration, and the item serializer
(validated against the item type of an ``AsyncIterable[Item]``-style return annotation).
The status code and headers follow FastAPI: the route's ``status_code`` unless a
``Response`` parameter set one, plus the headers set on that ``Response``.
"""

from __future__ import annotations

import json
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
)
from typing import Any, get_args, get_origin

import anyio
from starlette.responses import Response, StreamingResponse

from .._plan.annotations import lenient_issubclass
from .._plan.callables import is_async_gen_callable
from .._plan.fields import ModelField
from ..datastructures import DefaultPlaceholder
from .._encoders import jsonable_encoder
from ..exceptions import EndpointContext, ResponseValidationError
from .jsonio import normalize_non_finite_floats
from .respond import ResponseOptions

_STREAM_ORIGINS = {AsyncIterable, AsyncIterator, AsyncGenerator, Iterable, Iterator, Generator}

ItemSerializer = Callable[[Any, EndpointContext], bytes]
Responder = Callable[[dict[str, Any], Any, EndpointContext], Awaitable[Response]]


def stream_item_type(annotation: Any) -> Any | None:
    """``Item`` for ``AsyncIterable[Item]``, ``Iterator[Item]``...; None for other annotations."""
    origin = get_origin(annotation)
    if origin is None or origin not in _STREAM_ORIGINS:
        return None
    args = get_args(annotation)
    return args[0] if args else Any


# The public SSE classes, loaded only when a route streams events.


def is_event_stream_class(response_class: Any) -> bool:
    from ..sse import EventSourceResponse

    return lenient_issubclass(response_class, EventSourceResponse)


def is_server_sent_event(item_type: Any) -> bool:
    from ..sse import ServerSentEvent

    return lenient_issubclass(item_type, ServerSentEvent)


def compile_item_serializer(item_field: ModelField | None, options: ResponseOptions) -> ItemSerializer:
    """Validate (when the item type is known) and serialise one streamed item to JSON bytes."""
    serialize_kwargs = options.as_kwargs()
    if item_field is None:

        def serialize_untyped(item: Any, endpoint_ctx: EndpointContext) -> bytes:
            return json.dumps(normalize_non_finite_floats(jsonable_encoder(item))).encode("utf-8")

        return serialize_untyped

    def serialize_typed(item: Any, endpoint_ctx: EndpointContext) -> bytes:
        value, errors = item_field.validate(item, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=item, endpoint_ctx=endpoint_ctx)
        return item_field.serialize_json(value, **serialize_kwargs)

    return serialize_typed


def _response_kwargs(status_code: int | None, ctx: Any) -> dict[str, Any]:
    """Status code and background tasks of the response (FastAPI parity: ``_build_response_args``)."""
    kwargs: dict[str, Any] = {"background": ctx.background_tasks}
    sub_response = ctx.response
    code = status_code
    if sub_response is not None and sub_response.status_code:
        code = sub_response.status_code
    if code is not None:
        kwargs["status_code"] = code
    return kwargs


def _copy_sub_response_headers(response: Response, ctx: Any) -> Response:
    if ctx.response is not None:
        response.headers.raw.extend(ctx.response.headers.raw)
    return response


async def _with_checkpoints(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
    # A generator that never awaits would starve the event loop: a checkpoint after each
    # chunk lets a client disconnect (or any cancellation) reach it.
    async for chunk in chunks:
        yield chunk
        await anyio.sleep(0)


def _as_is(chunks: Any) -> Any:
    return chunks


async def _json_lines_async(items: Any, serialize: ItemSerializer, endpoint_ctx: EndpointContext) -> AsyncIterator[bytes]:
    async for item in items:
        yield serialize(item, endpoint_ctx) + b"\n"
        await anyio.sleep(0)  # see _with_checkpoints


def _json_lines_sync(items: Any, serialize: ItemSerializer, endpoint_ctx: EndpointContext) -> Iterator[bytes]:
    # StreamingResponse iterates a sync iterator in worker threads, serialisation included.
    for item in items:
        yield serialize(item, endpoint_ctx) + b"\n"


def compile_jsonl_responder(
    *, call: Callable[..., Any], is_async: bool, serialize: ItemSerializer, status_code: int | None
) -> Responder:
    """Each yielded item becomes one line of JSON (``application/jsonl``)."""
    json_lines = _json_lines_async if is_async else _json_lines_sync

    async def respond_jsonl(values: dict[str, Any], ctx: Any, endpoint_ctx: EndpointContext) -> Response:
        content = json_lines(call(**values), serialize, endpoint_ctx)
        response = StreamingResponse(content, media_type="application/jsonl", **_response_kwargs(status_code, ctx))
        return _copy_sub_response_headers(response, ctx)

    return respond_jsonl


def compile_raw_stream_responder(
    *, call: Callable[..., Any], is_async: bool, response_class: Any, status_code: int | None
) -> Responder:
    """The yielded chunks are the body, handed as is to the route's response class."""
    actual_class = response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class
    as_body = _with_checkpoints if is_async else _as_is

    async def respond_raw(values: dict[str, Any], ctx: Any, endpoint_ctx: EndpointContext) -> Response:
        response = actual_class(content=as_body(call(**values)), **_response_kwargs(status_code, ctx))
        return _copy_sub_response_headers(response, ctx)

    return respond_raw


def compile_stream_responder(
    *,
    is_sse: bool,
    is_json: bool,
    call: Callable[..., Any],
    response_class: Any,
    stream_item_field: ModelField | None,
    status_code: int | None,
    options: ResponseOptions,
) -> Responder:
    """``await respond(values, ctx, endpoint_ctx) -> Response`` for a generator endpoint."""
    is_async = is_async_gen_callable(call)
    if is_sse:
        from .sse import compile_sse_responder

        return compile_sse_responder(
            call=call,
            is_async=is_async,
            response_class=response_class,
            serialize=compile_item_serializer(stream_item_field, options),
            status_code=status_code,
            response_kwargs=_response_kwargs,
            copy_headers=_copy_sub_response_headers,
        )
    if is_json:
        serialize = compile_item_serializer(stream_item_field, options)
        return compile_jsonl_responder(call=call, is_async=is_async, serialize=serialize, status_code=status_code)
    return compile_raw_stream_responder(call=call, is_async=is_async, response_class=response_class, status_code=status_code)
