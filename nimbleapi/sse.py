"""Server-Sent Events: the response class, the event model, the wire format and the
keep-alive interval.

A generator endpoint declared with ``response_class=EventSourceResponse`` streams
``text/event-stream``. Each yielded ``ServerSentEvent`` is written as the event it
describes; any other yielded value is serialised to JSON and sent as its ``data:``.
The engine serves the stream (``nimbleapi._compile.sse``) and uses these very classes:
users subclass the response and build the events, so their identity is FastAPI's.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, model_validator
from starlette.responses import StreamingResponse

from ._compile.jsonio import normalize_non_finite_floats
from ._openapi.responses import SSE_EVENT_SCHEMA
from .encoders import jsonable_encoder

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


# ---------------------------------------------------------------- encoding events


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


def current_ping_interval() -> float:
    """The keep-alive interval, honouring a patch of ``routing._PING_INTERVAL`` or of this module's."""
    # FastAPI reads the interval from its routing module, so that is where its users patch it.
    # Its globals are read directly: routing serves the name lazily from this module, and
    # a lookup through it would copy a patch of this module's value into routing.
    routing = sys.modules.get(__package__ + ".routing")
    patched = vars(routing).get("_PING_INTERVAL", _DEFAULT_PING_INTERVAL) if routing else _DEFAULT_PING_INTERVAL
    return patched if patched != _DEFAULT_PING_INTERVAL else _PING_INTERVAL


# FastAPI's names for the validators and the line splitter above.
_check_single_line = _reject_line_breaks
_check_event_single_line = _valid_event_name
_check_id_valid = _valid_event_id
_split_sse_lines = _lines
