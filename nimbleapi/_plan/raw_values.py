"""Raw values of declared fields, as a request's mappings (query, headers, form) hold them.

Empty form strings and empty file inputs count as absent, sequence fields read every
value of their key, and the keys no declared field consumed are kept as extras. These
readers run per request; they live with the analysis because a union of form models
carries one of them in its declared type (see ``form_unions``), as FastAPI's does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from starlette.datastructures import FormData, Headers, ImmutableMultiDict, UploadFile

from .. import params
from .annotations import is_bytes_or_nonable_bytes_annotation, is_bytes_sequence_annotation
from .fields import ModelField, model_fields_of
from .request_keys import reads_sequence, request_keys

Undefined = PydanticUndefined
FormItem = tuple[str, Any, "ModelField | None"]


def is_empty_upload(value: Any) -> bool:
    # Browsers send a part with an empty filename and no content when no file is chosen.
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def read_value(field: ModelField, source: Mapping[str, Any], key: str, *, as_list: bool) -> Any:
    """The raw value of *key* in *source*, or Undefined when it is absent or empty."""
    is_form = isinstance(source, FormData)
    if as_list and isinstance(source, (ImmutableMultiDict, Headers)):
        value: Any = source.getlist(key)
        if is_form:
            value = [item for item in value if not is_empty_upload(item)]
        if not value:
            return Undefined
        return value
    value = source.get(key)
    if value is None:
        return Undefined
    if is_form and ((isinstance(value, str) and value == "") or is_empty_upload(value)):
        return Undefined
    if as_list and len(value) == 0:
        return Undefined
    return value


def extra_entries(source: Any, processed: set[str]) -> dict[str, Any]:
    """Keys of *source* no declared field consumed; repeated keys become lists."""
    if isinstance(source, ImmutableMultiDict):
        items = source.multi_items()
    elif isinstance(source, Headers):
        items = source.items()
    else:
        return {key: source.get(key) for key in source if key not in processed}
    grouped: dict[str, list[Any]] = {}
    for key, value in items:
        if key not in processed:
            grouped.setdefault(key, []).append(value)
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


@dataclass(frozen=True, slots=True)
class FieldKeys:
    """How one declared field is read from a form, decided once."""

    field: ModelField
    aliases: tuple[str, ...]
    as_list: bool
    reads_bytes: bool  # a ``File()`` typed as bytes (or a sequence of bytes) gets the contents


def field_keys(fields: list[ModelField]) -> tuple[FieldKeys, ...]:
    """How each field is read from a form: the keys it is tried by, and its shape."""
    return tuple(
        FieldKeys(
            field=field,
            aliases=tuple(alias for alias, _ in request_keys(field)),
            as_list=reads_sequence(field),
            reads_bytes=_reads_bytes(field),
        )
        for field in fields
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
    yield from ((key, value, None) for key, value in extra_entries(form, declared).items())
