"""Turning an endpoint's return value into a ``Response`` or straight into JSON bytes.

Decided per route at start-up: the status code, whether the body is allowed, and
whether the answer is plain JSON that can be written without a ``Response`` object
(the default response class). The bytes are those FastAPI's ``JSONResponse`` or its
``dump_json`` fast path would send, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import SchemaSerializer, SchemaValidator
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from ..datastructures import DefaultPlaceholder
from ..encoders import jsonable_encoder
from ..exceptions import EndpointContext, ResponseValidationError
from ..types import IncEx
from ..utils import is_body_allowed_for_status_code
from .._plan.fields import ModelField, prefix_error_locations


@dataclass(frozen=True, slots=True)
class ResponseOptions:
    """The ``response_model_*`` options of a route, resolved once."""

    include: IncEx | None = None
    exclude: IncEx | None = None
    by_alias: bool = True
    exclude_unset: bool = False
    exclude_defaults: bool = False
    exclude_none: bool = False

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "include": self.include,
            "exclude": self.exclude,
            "by_alias": self.by_alias,
            "exclude_unset": self.exclude_unset,
            "exclude_defaults": self.exclude_defaults,
            "exclude_none": self.exclude_none,
        }


async def serialize_response(
    *,
    field: ModelField | None = None,
    response_content: Any,
    include: IncEx | None = None,
    exclude: IncEx | None = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    is_coroutine: bool = True,
    endpoint_ctx: EndpointContext | None = None,
    dump_json: bool = False,
) -> Any:
    """Validate *response_content* against *field* (if any) and serialise it (FastAPI's helper)."""
    if field is None:
        return jsonable_encoder(response_content)
    if is_coroutine:
        value, errors = field.validate(response_content, {}, loc=("response",))
    else:
        value, errors = await run_in_threadpool(field.validate, response_content, {}, loc=("response",))
    if errors:
        raise ResponseValidationError(errors=errors, body=response_content, endpoint_ctx=endpoint_ctx or EndpointContext())
    serializer = field.serialize_json if dump_json else field.serialize
    return serializer(
        value,
        include=include,
        exclude=exclude,
        by_alias=by_alias,
        exclude_unset=exclude_unset,
        exclude_defaults=exclude_defaults,
        exclude_none=exclude_none,
    )


def compile_responder(
    *,
    response_field: ModelField | None,
    response_class: type[Response] | DefaultPlaceholder,
    options: ResponseOptions,
    status_code: int | None,
) -> Callable[..., Any]:
    """``respond(content, background, sub_response, endpoint_ctx) -> Response`` for one route."""
    custom_class = not isinstance(response_class, DefaultPlaceholder)
    actual_class: type[Response] = response_class if custom_class else response_class.value  # type: ignore[union-attr,assignment]
    dump_json = response_field is not None and not custom_class
    serialize_kwargs = options.as_kwargs()

    def respond(content: Any, background: Any, sub_response: Response | None, endpoint_ctx: EndpointContext) -> Response:
        if isinstance(content, Response):
            if content.background is None:
                content.background = background
            return content
        kwargs: dict[str, Any] = {"background": background}
        code = status_code
        if sub_response is not None and sub_response.status_code:
            code = sub_response.status_code
        if code is not None:
            kwargs["status_code"] = code
        if response_field is not None:
            value, errors = response_field.validate(content, {}, loc=("response",))
            if errors:
                raise ResponseValidationError(errors=errors, body=content, endpoint_ctx=endpoint_ctx)
            if dump_json:
                body = response_field.serialize_json(value, **serialize_kwargs)
                response: Response = Response(content=body, media_type="application/json", **kwargs)
            else:
                response = actual_class(response_field.serialize(value, **serialize_kwargs), **kwargs)
        else:
            response = actual_class(jsonable_encoder(content), **kwargs)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        if sub_response is not None:
            response.headers.raw.extend(sub_response.headers.raw)
        return response

    return respond



# ---- plain JSON answers, without a Response object ----------------------------------------------

try:  # an accelerator, used only where its output is identical (see ``encode_untyped``)
    from orjson import dumps as orjson_dumps
except ImportError:  # pragma: no cover - exercised by the tests with orjson hidden
    orjson_dumps = None

# Exactly the encoder ``JSONResponse.render`` configures through ``json.dumps``.
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _json_text_function() -> Callable[[Any], str]:
    """``_JSON_ENCODER.encode``, with the C encoder that ``json.dumps`` builds per call built once.

    It is built without a circular-reference table: it only ever sees acyclic data
    (``jsonable_encoder`` output, or data ``_unchanged_by_encoder`` walked to the end).
    """
    make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if make_encoder is None:  # pragma: no cover - Python without the C accelerator
        return _JSON_ENCODER.encode
    encode_chunks = make_encoder(
        None, _JSON_ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    return lambda content: "".join(encode_chunks(content, 0))


_json_text = _json_text_function()
_SCALARS = frozenset({str, int, float, bool, type(None)})
_NON_FLOAT_SCALARS = frozenset({str, int, bool, type(None)})
_KEY_SCALARS = frozenset({int, float, bool, type(None)})

JSONWriter = Callable[[Any, Scope], bytes]
ContextOf = Callable[[Scope], EndpointContext]


# What ``_plain_json`` finds in a value.
NOT_PLAIN, PLAIN, PLAIN_WITH_FLOATS = 0, 1, 3


def _plain_json(value: Any) -> int:
    """Whether ``jsonable_encoder`` would hand *value* back as it is (so it can be skipped).

    ``PLAIN`` (or ``PLAIN_WITH_FLOATS``) for exact JSON types all the way down, with keys
    of the types ``json`` accepts; ``NOT_PLAIN`` for anything else (subclasses such as
    enums are left to the encoder) and for keys starting with ``_sa``, which it drops.
    """
    kind = type(value)
    if kind in _SCALARS:
        return PLAIN_WITH_FLOATS if kind is float else PLAIN
    if kind is dict:
        found = PLAIN
        for key, item in value.items():
            key_kind = type(key)
            if key_kind is str:
                if key.startswith("_sa"):
                    return NOT_PLAIN
            elif key_kind not in _KEY_SCALARS:
                return NOT_PLAIN
            if type(item) not in _NON_FLOAT_SCALARS:
                item_found = _plain_json(item)
                if not item_found:
                    return NOT_PLAIN
                found |= item_found
        return found
    if kind is list or kind is tuple:
        found = PLAIN
        for item in value:
            if type(item) not in _NON_FLOAT_SCALARS:
                item_found = _plain_json(item)
                if not item_found:
                    return NOT_PLAIN
                found |= item_found
        return found
    return NOT_PLAIN


def encode_untyped(content: Any) -> bytes:
    """The body ``JSONResponse(jsonable_encoder(content))`` renders, byte for byte.

    orjson writes plain data without floats exactly as ``json`` does (checked for every
    code point); floats are written differently (``1e+16`` vs ``1e16``), so they, and
    whatever orjson refuses (integers past 64 bits, deep nesting), go through ``json``.
    """
    found = _plain_json(content)
    if found == PLAIN and orjson_dumps is not None:
        try:
            return orjson_dumps(content)
        except TypeError:
            pass
    if found == NOT_PLAIN:
        content = jsonable_encoder(content)
    return _json_text(content).encode("utf-8")


def _typed_writer(field: ModelField, options: ResponseOptions, context_of: ContextOf) -> JSONWriter:
    """Validate against the response model, then ``dump_json`` (pydantic-core, one call each)."""
    adapter = getattr(field, "_type_adapter", None)
    validator, serializer = getattr(adapter, "validator", None), getattr(adapter, "serializer", None)
    # Only what differs from ``to_json``'s defaults; ``by_alias`` always (its default defers to config).
    dump_kwargs = {key: value for key, value in options.as_kwargs().items() if value != _TO_JSON_DEFAULTS.get(key)}
    if not isinstance(validator, SchemaValidator) or not isinstance(serializer, SchemaSerializer):

        def write_slowly(content: Any, scope: Scope) -> bytes:
            value, errors = field.validate(content, {}, loc=("response",))
            if errors:
                raise ResponseValidationError(errors=errors, body=content, endpoint_ctx=context_of(scope))
            return field.serialize_json(value, **options.as_kwargs())

        return write_slowly
    validate, to_json = validator.validate_python, serializer.to_json

    def write(content: Any, scope: Scope) -> bytes:
        try:
            value = validate(content, from_attributes=True)
        except ValidationError as exc:
            errors = prefix_error_locations(exc.errors(include_url=False), ("response",))
        else:
            return to_json(value, **dump_kwargs)
        raise ResponseValidationError(errors=errors, body=content, endpoint_ctx=context_of(scope))

    return write


_TO_JSON_DEFAULTS: dict[str, Any] = {
    "include": None,
    "exclude": None,
    "exclude_unset": False,
    "exclude_defaults": False,
    "exclude_none": False,
}


def compile_json_writer(
    *,
    response_field: ModelField | None,
    response_class: type[Response] | DefaultPlaceholder,
    options: ResponseOptions,
    status_code: int | None,
    context_of: ContextOf,
) -> JSONWriter | None:
    """``write(content, endpoint_ctx) -> bytes`` when the route answers plain JSON; else None.

    Plain JSON: the default response class (``JSONResponse``) and a status that allows a body.
    """
    if not isinstance(response_class, DefaultPlaceholder) or response_class.value is not JSONResponse:
        return None
    if status_code is not None and not is_body_allowed_for_status_code(status_code):
        return None
    if response_field is not None:
        return _typed_writer(response_field, options, context_of)
    return lambda content, scope: encode_untyped(content)
