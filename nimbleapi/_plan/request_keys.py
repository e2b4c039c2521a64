"""How a declared field is looked up in the request: its keys, and whether it reads one value or all.

Aliases, alias choices, ``validate_by_name`` and header-name conversion give the keys a
field is tried by, in order; sequence annotations read every value of their key. The
analysis, the compiled readers, the form readers and OpenAPI all ask here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from pydantic import AliasChoices, AliasPath
from pydantic.fields import FieldInfo

from .. import params
from .annotations import field_annotation_is_sequence, lenient_issubclass, optional_model_type
from .fields import ModelField, model_fields_of


def param_model(field: ModelField) -> type[Any] | None:
    """The pydantic model of a parameter-model declaration (``Annotated[Model, Query()]``), else None."""
    from pydantic import BaseModel

    annotation = field.field_info.annotation
    if isinstance(field.field_info, (params.Query, params.Header, params.Cookie)):
        annotation = optional_model_type(annotation)
    if lenient_issubclass(annotation, BaseModel) and not is_json_field(field):
        return cast(type[Any], annotation)
    return None


def flatten_param_fields(fields: Sequence[ModelField]) -> list[ModelField]:
    """Parameter models expanded into their own fields; other fields kept as they are."""
    flat: list[ModelField] = []
    for model_field in fields:
        model = param_model(model_field)
        flat.extend(model_fields_of(model) if model is not None else [model_field])
    return flat


def is_json_field(field: ModelField) -> bool:
    from pydantic import Json

    return any(type(item) is Json for item in field.field_info.metadata)


def reads_sequence(field: ModelField) -> bool:
    """Whether a field's request value is every value of its key (``getlist``), not the first:
    a sequence annotation, unless the value is a JSON document (``Json[list[int]]``)."""
    return not is_json_field(field) and field_annotation_is_sequence(field.field_info.annotation)


def converts_underscores(location: str, info: FieldInfo, parent: FieldInfo | None = None) -> bool:
    """Whether a field's request name spells its ``_`` as ``-``: only in headers, as its own
    ``convert_underscores`` says, else its parameter model's, else yes."""
    if location != "header":
        return False
    inherited = getattr(parent, "convert_underscores", True) if parent is not None else True
    return bool(getattr(info, "convert_underscores", inherited))


def param_request_keys(field: ModelField, location: str, parent: ModelField) -> list[tuple[str, str]]:
    """``request_keys`` of *field*, read from *location* as one of *parent*'s fields (the
    parameter itself, or the parameter model it belongs to): what the compiled reader of a
    parameter model tries and what OpenAPI documents (the first pair).

    A plain header parameter's alias already holds its hyphenated name (analysis sets it,
    as FastAPI's ``Dependant`` shows it), so its reader uses ``request_keys(field)``.
    """
    return request_keys(field, convert_underscores=converts_underscores(location, field.field_info, parent.field_info))


def request_keys(field: ModelField, *, convert_underscores: bool = False) -> list[tuple[str, str]]:
    """(validation alias, request key) pairs for *field*, in the order they are tried."""
    validation_alias = field.field_info.validation_alias
    alias = validation_alias if isinstance(validation_alias, str) and validation_alias else field.alias
    request_key = alias.replace("_", "-") if convert_underscores and alias == field.name else alias
    pairs = [(alias, request_key)]
    if isinstance(field.field_info, params.Path) or isinstance(validation_alias, AliasPath):
        return pairs
    if isinstance(validation_alias, AliasChoices):
        if any(isinstance(choice, AliasPath) for choice in validation_alias.choices):
            return pairs
        pairs = [(choice, choice) for choice in validation_alias.choices]  # type: ignore[misc]
    config = field.config or {}
    by_name = config.get("validate_by_name", config.get("populate_by_name", False))
    if config.get("validate_by_alias") is False or by_name:
        name_key = field.name.replace("_", "-") if convert_underscores else field.name
        if config.get("validate_by_alias") is False:
            return [(field.name, name_key)]
        if field.name not in [pair[0] for pair in pairs]:
            pairs.append((field.name, name_key))
    return pairs
