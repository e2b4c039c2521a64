"""Turning an endpoint's return value into a ``Response`` or straight into JSON bytes.

Decided per route at start-up: the status code, whether the body is allowed, and
whether the answer is plain JSON that can be written without a ``Response`` object
(the default response class). The bytes are those FastAPI's ``JSONResponse`` or its
``dump_json`` fast path would send, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from pydantic_core import SchemaSerializer, SchemaValidator
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from .._plan.fields import ModelField, prefix_error_locations
from .._plan.response_plan import ResponseOptions as ResponseOptions
from ..datastructures import DefaultPlaceholder
from .._encoders import jsonable_encoder
from ..exceptions import EndpointContext, ResponseValidationError
from ..types import IncEx
from .._plan.http import is_body_allowed_for_status_code
from .core_schema import core_schema_of, serializes_alike_by_alias
from .jsonio import encode_untyped


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

JSONWriter = Callable[[Any, Scope], bytes]
ContextOf = Callable[[Scope], EndpointContext]


def _typed_writer(field: ModelField, options: ResponseOptions, context_of: ContextOf) -> JSONWriter:
    """Validate against the response model, then ``dump_json`` (pydantic-core, one call each)."""
    adapter = getattr(field, "_type_adapter", None)
    validator, serializer = getattr(adapter, "validator", None), getattr(adapter, "serializer", None)
    # Only what differs from ``to_json``'s defaults; ``by_alias`` always (its default defers to config).
    if not isinstance(validator, SchemaValidator) or not isinstance(serializer, SchemaSerializer):

        def write_slowly(content: Any, scope: Scope) -> bytes:
            value, errors = field.validate(content, {}, loc=("response",))
            if errors:
                raise ResponseValidationError(errors=errors, body=content, endpoint_ctx=context_of(scope))
            return field.serialize_json(value, **options.as_kwargs())

        return write_slowly
    validate, to_json = validator.validate_python, serializer.to_json
    dump_kwargs = {key: value for key, value in options.as_kwargs().items() if value != _TO_JSON_DEFAULTS.get(key)}
    if dump_kwargs.get("by_alias") and serializes_alike_by_alias(core_schema_of(adapter)):
        del dump_kwargs["by_alias"]  # asking for aliases costs pydantic-core time even where there are none

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
    """``write(content, scope) -> bytes`` when the route answers plain JSON; else None.

    Plain JSON: no response class of the route's own, and a status that allows a body.
    With a response model that is ``dump_json``'s output whatever the default class is (as
    in FastAPI); without one, the default class must be ``JSONResponse`` itself.
    """
    if not isinstance(response_class, DefaultPlaceholder):
        return None
    if status_code is not None and not is_body_allowed_for_status_code(status_code):
        return None
    if response_field is not None:
        return _typed_writer(response_field, options, context_of)
    if response_class.value is not JSONResponse:
        return None
    return lambda content, scope: encode_untyped(content)
