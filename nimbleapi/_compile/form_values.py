"""Turning parsed form entries (``FormData``) into the raw values of declared parameters.

Which keys each field reads, and how, comes from ``_plan.raw_values``. Here, per request:
``bytes`` files are read (without moving the upload's position), and the raw input of a
form-model parameter is gathered (each member of a union of form models reshapes it for
itself, inside the parameter's own validator: see ``_plan.form_unions``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from starlette.datastructures import FormData, UploadFile

from .._plan.annotations import SEQUENCE_TYPES, is_bytes_or_nonable_bytes_annotation, is_union
from .._plan.fields import ModelField
from .._plan.raw_values import FieldKeys, FormItem, form_items, model_keys

Undefined = PydanticUndefined


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
    # A union's members each pick their own fields from the raw entries (see normalize_form_model).
    keys = model_keys(models[0]) if len(models) == 1 else ()

    async def read(form: FormData) -> Any:
        if optional and not any(form_model_supplied(model, form) for model in models):
            return Undefined
        return {alias: value async for alias, value, _ in form_values(keys, form)}

    return read
