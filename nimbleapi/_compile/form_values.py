"""Turning parsed form entries (``FormData``) into the raw values of declared parameters.

Decided per field at start-up: which keys a field reads (aliases), and whether repeated
keys make a list. Per request: empty strings and empty file inputs count as absent,
``bytes`` files are read (without moving the upload's position), and each branch of a
union of form models reshapes the raw entries for itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from copy import copy
from dataclasses import dataclass
from typing import Any, get_args, get_origin
from weakref import WeakKeyDictionary

from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from starlette.datastructures import FormData, UploadFile

from .. import params
from .._plan.annotations import (
    SEQUENCE_TYPES,
    is_bytes_or_nonable_bytes_annotation,
    is_bytes_sequence_annotation,
    is_union,
)
from .._plan.body import form_union_models, with_form_union_validators
from .._plan.body_plan import BodyFieldPlan, plan_body_fields
from .._plan.fields import ModelField, model_fields_of
from .params import _extras, read_value

Undefined = PydanticUndefined
FormItem = tuple[str, Any, "ModelField | None"]


@dataclass(frozen=True, slots=True)
class FieldKeys:
    """How one declared field is read from a form, decided once."""

    field: ModelField
    aliases: tuple[str, ...]
    as_list: bool
    reads_bytes: bool  # a ``File()`` typed as bytes (or a sequence of bytes) gets the contents


def field_keys(fields: list[ModelField]) -> tuple[FieldKeys, ...]:
    return plan_keys(plan_body_fields(fields))


def plan_keys(plans: tuple[BodyFieldPlan, ...]) -> tuple[FieldKeys, ...]:
    """How each planned field is read from a form: its keys and shape come from its plan."""
    return tuple(
        FieldKeys(field=plan.field, aliases=plan.aliases, as_list=plan.is_sequence, reads_bytes=_reads_bytes(plan.field))
        for plan in plans
    )


def _reads_bytes(field: ModelField) -> bool:
    annotation = field.field_info.annotation
    return isinstance(field.field_info, params.File) and (
        is_bytes_or_nonable_bytes_annotation(annotation) or is_bytes_sequence_annotation(annotation)
    )


_model_keys: dict[type[BaseModel], tuple[FieldKeys, ...]] = {}


def model_keys(model: type[BaseModel]) -> tuple[FieldKeys, ...]:
    """``field_keys`` of a model's fields (cached: models are immutable classes)."""
    keys = _model_keys.get(model)
    if keys is None:
        keys = _model_keys[model] = field_keys(model_fields_of(model))
    return keys


def form_items(keys: tuple[FieldKeys, ...], form: FormData) -> Iterator[FormItem]:
    """(alias, raw value, field) for each declared field present, then (key, value, None) for the rest."""
    declared: set[str] = set()
    for plan in keys:
        for alias in plan.aliases:
            declared.add(alias)
            value = read_value(plan.field, form, alias, as_list=plan.as_list)
            if value is not Undefined:
                yield alias, value, plan.field
                # Later aliases stay available to other fields and to extra-field checks.
                break
    yield from ((key, value, None) for key, value in _extras(form, declared).items())


async def form_values(keys: tuple[FieldKeys, ...], form: FormData) -> AsyncIterator[FormItem]:
    """Like ``form_items``, with the contents read for ``File()`` fields typed as ``bytes``."""
    reading = {id(plan.field): plan for plan in keys if plan.reads_bytes}
    for alias, value, field in form_items(keys, form):
        plan = reading.get(id(field)) if field is not None else None
        if plan is not None:
            value = await _file_contents(plan, value)
        yield alias, value, field


async def read_upload_bytes(upload: UploadFile) -> bytes:
    # Another parameter may receive the same upload; reading must not consume it.
    position = upload.file.tell()
    try:
        return await upload.read()
    finally:
        await upload.seek(position)


async def _file_contents(plan: FieldKeys, value: Any) -> Any:
    """The uploads in *value* read into bytes. A plain form value (a string) is left as it
    is, for the validator to encode; only a field that reads a list takes one apart."""
    annotation = plan.field.field_info.annotation
    if isinstance(value, UploadFile):
        return await read_upload_bytes(value) if is_bytes_or_nonable_bytes_annotation(annotation) else value
    if plan.as_list and isinstance(value, SEQUENCE_TYPES):
        items = [await read_upload_bytes(item) if isinstance(item, UploadFile) else item for item in value]
        return _same_sequence_kind(annotation, items)
    return value


def _same_sequence_kind(annotation: Any, items: list[Any]) -> Any:
    if is_union(annotation):
        annotation = next((arg for arg in get_args(annotation) if arg is not type(None)), annotation)
    origin = get_origin(annotation) or annotation
    return origin(items) if origin in (set, frozenset, tuple) else items


def form_model_supplied(model: type[BaseModel], form: FormData) -> bool:
    """Whether the form carries any entry for *model* (checked on raw keys, empty values included)."""
    names = {alias for plan in model_keys(model) for alias in plan.aliases}
    return bool(names.intersection(form) or (model.model_config.get("extra") in ("allow", "forbid") and form))


def compile_form_model_input(field: ModelField, models: list[type[BaseModel]]) -> Callable[[FormData], Awaitable[Any]]:
    """``read(form)``: the raw input of a form-model parameter (one model's fields, or every entry for a union)."""
    optional = type(None) in get_args(field.field_info.annotation)
    # A union's branches each pick their own fields from the raw entries (see normalize_form_branch).
    keys = model_keys(models[0]) if len(models) == 1 else ()

    async def read(form: FormData) -> Any:
        if optional and not any(form_model_supplied(model, form) for model in models):
            return Undefined
        return {alias: value async for alias, value, _ in form_values(keys, form)}

    return read


def normalize_form_branch(value: Any, *, model: type[BaseModel]) -> Any:
    """Reshape raw form entries (repeated keys as lists) the way *model*'s fields read them."""
    if not isinstance(value, dict):
        return value
    entries = FormData(
        [(key, item) for key, items in value.items() for item in (items if isinstance(items, list) else [items])]
    )
    shaped = {alias: item for alias, item, _ in form_items(model_keys(model), entries)}
    # A validator may put None or [] in; a browser cannot, and they must reach the model as given.
    for key, item in value.items():
        if item is None or (isinstance(item, list) and not item):
            shaped[key] = item
    return shaped


_union_validators: WeakKeyDictionary[ModelField, ModelField] = WeakKeyDictionary()


def validating_field(field: ModelField) -> ModelField:
    """The field that validates *field*'s value: for unions of form models, one whose branches normalize."""
    if not isinstance(field.field_info, params.Form) or not form_union_models(field.field_info.annotation):
        return field
    cached = _union_validators.get(field)
    if cached is None:
        info = copy(field.field_info)
        info.annotation = with_form_union_validators(info.annotation, normalize_form_branch)
        cached = ModelField(name=field.name, field_info=info, mode=field.mode, config=field.config)
        _union_validators[field] = cached
    return cached
