"""Reading the request body (JSON or form) and turning it into body parameter values.

The content-type decision is cached on the header value; JSON is decoded once; the
embed/single-field decision and each field's aliases are fixed at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any, get_args

from pydantic_core import PydanticUndefined
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from .. import params
from .._plan.annotations import (
    SEQUENCE_TYPES,
    is_bytes_or_nonable_bytes_annotation,
    is_bytes_sequence_annotation,
)
from .._plan.body import form_models, should_embed_body_fields
from .._plan.fields import ModelField, missing_field_error, model_fields_of
from .params import _extras, read_value, request_keys, validate_field, wants_list

Undefined = PydanticUndefined


@lru_cache(maxsize=256)
def is_json_content_type(content_type: str) -> bool:
    """``application/json`` and ``application/*+json``, parameters ignored."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    maintype, _, subtype = media_type.partition("/")
    return maintype == "application" and (subtype == "json" or subtype.endswith("+json"))


class JSONBodyError(Exception):
    def __init__(self, error: json.JSONDecodeError) -> None:
        self.error = error


async def read_json_body(request: Request, strict_content_type: bool) -> Any:
    """The parsed JSON body, the raw bytes when it is not JSON, Undefined when empty."""
    body = await request.body()
    if not body:
        return Undefined
    content_type = request.headers.get("content-type")
    if content_type is None:
        parse = not strict_content_type
    else:
        parse = is_json_content_type(content_type)
    if not parse:
        return body
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise JSONBodyError(exc) from exc


async def _file_bytes(upload: UploadFile) -> bytes:
    # Reading must not consume a file that another parameter also receives.
    position = upload.file.tell()
    try:
        return await upload.read()
    finally:
        await upload.seek(position)


def _sequence_like(field: ModelField, items: list[Any]) -> Any:
    from typing import get_origin

    from .._plan.annotations import is_union

    annotation = field.field_info.annotation
    if is_union(annotation):
        annotation = next((arg for arg in get_args(annotation) if arg is not type(None)), annotation)
    origin = get_origin(annotation) or annotation
    if origin in (set, frozenset, tuple):
        return origin(items)
    return items


async def _form_items(fields: list[ModelField], form: FormData) -> list[tuple[str, Any, ModelField | None]]:
    """(alias, value, field) for every declared form field present, then the undeclared keys."""
    found: list[tuple[str, Any, ModelField | None]] = []
    declared: set[str] = set()
    for field in fields:
        as_list = wants_list(field)
        for alias, _ in request_keys(field):
            declared.add(alias)
            value = read_value(field, form, alias, as_list=as_list)
            if value is Undefined:
                continue
            if isinstance(field.field_info, params.File):
                value = await _file_values(field, value)
            found.append((alias, value, field))
            break
    found.extend((key, value, None) for key, value in _extras(form, declared).items())
    return found


async def _file_values(field: ModelField, value: Any) -> Any:
    annotation = field.field_info.annotation
    if is_bytes_or_nonable_bytes_annotation(annotation) and isinstance(value, UploadFile):
        return await _file_bytes(value)
    if is_bytes_sequence_annotation(annotation) and isinstance(value, SEQUENCE_TYPES):
        items = [await _file_bytes(item) if isinstance(item, UploadFile) else item for item in value]
        return _sequence_like(field, items)
    return value


def _form_model_supplied(model: type[Any], form: FormData) -> bool:
    names = {alias for sub in model_fields_of(model) for alias, _ in request_keys(sub)}
    return bool(names.intersection(form) or (model.model_config.get("extra") in ("allow", "forbid") and form))


async def _form_model_value(field: ModelField, models: list[type[Any]], form: FormData) -> Any:
    if type(None) in get_args(field.field_info.annotation) and not any(_form_model_supplied(m, form) for m in models):
        return Undefined
    sub_fields = model_fields_of(models[0]) if len(models) == 1 else []
    return {alias: value for alias, value, _ in await _form_items(sub_fields, form)}


BodyExtractor = Callable[[Any], Awaitable[tuple[dict[str, Any], list[Any]]]]


def compile_body_extractor(fields: list[ModelField], embed_body_fields: bool) -> BodyExtractor:
    """``extract(received_body) -> (values, errors)`` for the body parameters of one node."""
    single = (
        len(fields) == 1
        and not embed_body_fields
        and not should_embed_body_fields(fields)
        and not form_models(fields[0])
    )
    plain_form_fields = [field for field in fields if not form_models(field)]
    field_keys = [(field, [alias for alias, _ in request_keys(field)], form_models(field)) for field in fields]

    async def extract(received: Any) -> tuple[dict[str, Any], list[Any]]:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        body: Any = received
        form_values: dict[str, tuple[str, Any]] = {}
        is_form = isinstance(received, FormData)
        if is_form:
            body = {}
            if plain_form_fields:
                for alias, value, field in await _form_items(plain_form_fields, received):
                    body[alias] = value
                    if field is not None:
                        form_values[field.name] = (alias, value)
        if single:
            value, field_errors = validate_field(fields[0], body, ("body",))
            return {fields[0].name: value}, field_errors
        for field, aliases, models in field_keys:
            loc: tuple[Any, ...] = ("body", aliases[0])
            value: Any = Undefined
            if is_form and models:
                value = await _form_model_value(field, models, received)
                loc = ("body",)
            elif is_form:
                alias, value = form_values.get(field.name, (aliases[0], Undefined))
                loc = ("body", alias)
            elif body is not Undefined and not isinstance(body, bytes):
                if not hasattr(body, "get"):
                    errors.append(missing_field_error(loc))
                    continue
                for alias in aliases:
                    value = body.get(alias, Undefined)
                    if value is not Undefined:
                        loc = ("body", alias)
                        break
            result, field_errors = validate_field(field, value, loc)
            if field_errors:
                errors.extend(field_errors)
            else:
                values[field.name] = result
        return values, errors

    return extract
