"""Reading the request body (JSON or form) and turning it into body parameter values.

The content-type decision is cached on the header value; JSON is decoded once; the
embed/single-field decision, each field's aliases and which fields are form models come
from the node's ``NodeBodyPlan``; the validator of each field is fixed at start-up
(``compile_body_extractor``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic_core import PydanticUndefined
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.types import Scope

from .._plan.body_plan import BodyFieldPlan, NodeBodyPlan, plan_node_body
from .._plan.describe import EndpointContexts
from .._plan.fields import ModelField, missing_field_error
from .._plan.raw_values import FieldKeys, field_keys
from ..exceptions import EndpointContext, RequestValidationError
from .body_limit import BODY_PARSE_ERROR
from .form_values import compile_form_model_input, form_values
from .jsonio import loads_json
from .params import validate_field

Undefined = PydanticUndefined


@lru_cache(maxsize=256)
def is_json_content_type(content_type: str) -> bool:
    """``application/json`` and ``application/*+json``, parameters ignored."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    maintype, _, subtype = media_type.partition("/")
    return maintype == "application" and (subtype == "json" or subtype.endswith("+json"))


def parses_as_json(content_type: str | None, strict_content_type: bool) -> bool:
    """Whether a body with this ``content-type`` header (None: none sent) is read as JSON.

    An empty header counts as none sent."""
    return is_json_content_type(content_type) if content_type else not strict_content_type


class JSONBodyError(Exception):
    def __init__(self, error: json.JSONDecodeError) -> None:
        self.error = error


def json_invalid_error(exc: JSONBodyError, endpoint_ctx: EndpointContext) -> RequestValidationError:
    error = exc.error
    return RequestValidationError(
        [{"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error", "input": {}, "ctx": {"error": error.msg}}],
        body=error.doc,
        endpoint_ctx=endpoint_ctx,
    )


def parse_request_json(
    raw: bytes, content_type: str | None, strict_content_type: bool, contexts: EndpointContexts, scope: Scope
) -> Any:
    """The received body as a route reads it (``read_json_body``), with FastAPI's answers to
    one that does not parse: 422 ``json_invalid`` for malformed JSON, 400 for any other
    failure. Every request path reads a JSON body through here."""
    try:
        return read_json_body(raw, content_type, strict_content_type, loads_json)
    except JSONBodyError as exc:
        raise json_invalid_error(exc, contexts.for_scope(scope)) from exc.error
    except HTTPException:
        raise
    except Exception as exc:
        raise HTTPException(status_code=400, detail=BODY_PARSE_ERROR) from exc


def read_json_body(
    body: bytes, content_type: str | None, strict_content_type: bool, loads: Callable[[bytes], Any] = json.loads
) -> Any:
    """The JSON value of a received *body*; the raw bytes when it is not JSON; Undefined when empty.

    *loads* must return what ``json.loads`` returns and raise what it raises.
    """
    if not body:
        return Undefined
    if not parses_as_json(content_type, strict_content_type):
        return body
    try:
        return loads(body)
    except json.JSONDecodeError as exc:
        raise JSONBodyError(exc) from exc


BodyExtractor = Callable[[Any], Awaitable[tuple[dict[str, Any], list[Any]]]]


class ValidatedBody:
    """The value of a route's one (not embedded) JSON body field, validated from the bytes
    before the dependencies are solved; its node takes it as it is."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


async def _plain_form_values(keys: tuple[FieldKeys, ...], form: FormData) -> tuple[dict[str, Any], dict[str, tuple[str, Any]]]:
    """The form as a dict of declared and extra entries, and each declared field's (alias, value)."""
    body: dict[str, Any] = {}
    by_field: dict[str, tuple[str, Any]] = {}
    async for alias, value, field in form_values(keys, form):
        body[alias] = value
        if field is not None:
            # Keep the alias actually used and the scalar/list shape read for it.
            by_field[field.name] = (alias, value)
    return body, by_field


def _embedded_value(body: Any, aliases: list[str]) -> tuple[Any, tuple[Any, ...]] | None:
    """(value, loc) of an embedded field in a JSON body; None when the body is not an object."""
    loc: tuple[Any, ...] = ("body", aliases[0])
    if body is Undefined or isinstance(body, bytes):
        return Undefined, loc
    if not hasattr(body, "get"):
        return None
    for alias in aliases:
        value = body.get(alias, Undefined)
        if value is not Undefined:
            return value, ("body", alias)
    return Undefined, loc


@dataclass(frozen=True, slots=True)
class _BodyFieldPlan:
    field: ModelField
    aliases: list[str]
    read_form_model: Callable[[FormData], Awaitable[Any]] | None  # set for form models


def _compile_field(plan: BodyFieldPlan) -> _BodyFieldPlan:
    field, models = plan.field, list(plan.form_models)
    return _BodyFieldPlan(
        field=field,
        aliases=list(plan.aliases),
        read_form_model=compile_form_model_input(field, models) if models else None,
    )


def compile_body_extractor(fields: list[ModelField], embed_body_fields: bool) -> BodyExtractor:
    """``extract(received_body) -> (values, errors)`` for the body parameters of one node."""
    return compile_node_body_extractor(plan_node_body(fields, embed_body_fields))


def compile_node_body_extractor(node: NodeBodyPlan) -> BodyExtractor:
    """``compile_body_extractor`` for a node's body plan."""
    single = node.whole
    fields = [plan.field for plan in node.fields]
    plain_form_keys = field_keys([plan.field for plan in node.fields if not plan.form_models])
    plans = [_compile_field(plan) for plan in node.fields]

    async def extract(received: Any) -> tuple[dict[str, Any], list[Any]]:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        body: Any = received
        by_field: dict[str, tuple[str, Any]] = {}
        is_form = isinstance(received, FormData)
        if is_form:
            body, by_field = await _plain_form_values(plain_form_keys, received) if plain_form_keys else ({}, {})
        if single:
            if type(received) is ValidatedBody:
                return {fields[0].name: received.value}, []
            value, field_errors = validate_field(plans[0].field, body, ("body",))
            return {fields[0].name: value}, field_errors
        for plan in plans:
            loc: tuple[Any, ...]
            if is_form and plan.read_form_model is not None:
                value, loc = await plan.read_form_model(received), ("body",)
            elif is_form:
                alias, value = by_field.get(plan.field.name, (plan.aliases[0], Undefined))
                loc = ("body", alias)
            else:
                found = _embedded_value(body, plan.aliases)
                if found is None:
                    # Embedded fields need an object, not a list, scalar or null.
                    errors.append(missing_field_error(("body", plan.aliases[0])))
                    continue
                value, loc = found
            result, field_errors = validate_field(plan.field, value, loc)
            if field_errors:
                errors.extend(field_errors)
            else:
                values[plan.field.name] = result
        return values, errors

    return extract
