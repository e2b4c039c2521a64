"""Extracting and validating path, query, header and cookie values.

``compile_param_extractor(fields)`` runs once per dependency node and returns a function
``extract(source) -> (values, errors)``; aliases, header-name conversion, list-vs-scalar
reading and the default handling are all decided here, not per request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from copy import deepcopy
from typing import Any

from pydantic import AliasChoices, AliasPath
from pydantic_core import PydanticUndefined
from starlette.datastructures import FormData, Headers, ImmutableMultiDict, UploadFile

from .. import params
from .._plan.annotations import field_annotation_is_sequence
from .._plan.fields import ModelField, missing_field_error, model_fields_of
from .._plan.params import is_json_field, param_model

Undefined = PydanticUndefined
Extractor = Callable[[Any], tuple[dict[str, Any], list[Any]]]


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


def _is_empty_upload(value: Any) -> bool:
    # Browsers send a part with an empty filename and no content when no file is chosen.
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def read_value(field: ModelField, source: Mapping[str, Any], key: str, *, as_list: bool) -> Any:
    """The raw value of *key* in *source*, or Undefined when it is absent or empty."""
    is_form = isinstance(source, FormData)
    if as_list and isinstance(source, (ImmutableMultiDict, Headers)):
        value: Any = source.getlist(key)
        if is_form:
            value = [item for item in value if not _is_empty_upload(item)]
        if not value:
            return Undefined
        return value
    value = source.get(key)
    if value is None:
        return Undefined
    if is_form and ((isinstance(value, str) and value == "") or _is_empty_upload(value)):
        return Undefined
    if as_list and len(value) == 0:
        return Undefined
    return value


def validate_field(field: ModelField, value: Any, loc: tuple[Any, ...]) -> tuple[Any, list[Any]]:
    """Validate one value; a missing value takes the default (validated only with validate_default)."""
    if value is Undefined:
        if field.field_info.is_required():
            return None, [missing_field_error(loc)]
        value = deepcopy(field.default)
        if not field.field_info.validate_default:
            return value, []
    return field.validate(value, {}, loc=loc)


def wants_list(field: ModelField) -> bool:
    return not is_json_field(field) and field_annotation_is_sequence(field.field_info.annotation)


def _scalar_reader(field: ModelField, location: str) -> Callable[[Any], tuple[str, Any, list[Any]]]:
    keys = request_keys(field)
    as_list = wants_list(field)
    first_key = keys[0][1]

    def read(source: Any) -> tuple[str, Any, list[Any]]:
        key = first_key
        if len(keys) > 1:
            key = next((pair[1] for pair in keys if pair[1] in source), first_key)
        value, errors = validate_field(field, read_value(field, source, key, as_list=as_list), (location, key))
        return field.name, value, errors

    return read


def _extras(source: Any, processed: set[str]) -> dict[str, Any]:
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


def _model_reader(field: ModelField, model: type[Any], location: str) -> Callable[[Any], tuple[str, Any, list[Any]]]:
    """A parameter model: one model validated from several request keys (plus extras)."""
    default_convert = getattr(field.field_info, "convert_underscores", True)
    is_header = location == "header"
    plans = []
    own_names: set[str] = set()
    for sub in model_fields_of(model):
        convert = is_header and getattr(sub.field_info, "convert_underscores", default_convert)
        pairs = request_keys(sub, convert_underscores=convert)
        own_names.update(name.lower() if is_header else name for _, name in pairs)
        plans.append((sub, pairs, wants_list(sub)))
    extra_policy = model.model_config.get("extra")
    loc_by_alias = model.model_config.get("loc_by_alias", True)
    is_exact_model = field.field_info.annotation is model

    def read(source: Any) -> tuple[str, Any, list[Any]]:
        collected: dict[str, Any] = {}
        processed: set[str] = set()
        header_names: dict[str, str] = {}
        for sub, pairs, as_list in plans:
            alias, key = next((pair for pair in pairs if pair[1] in source), pairs[0])
            value = read_value(sub, source, key, as_list=as_list)
            if value is not Undefined:
                collected[alias] = value
            if is_header:
                processed.add(key.lower())
                processed.update(valias.lower() for valias, hkey in pairs if valias != hkey)
                if alias != key:
                    header_names[sub.name] = key
            else:
                processed.add(key)
        collected.update(_extras(source, processed))
        value: Any = collected
        keys_present = own_names.intersection(source.keys() if is_header else source)
        if not is_exact_model and not (keys_present or (extra_policy in ("allow", "forbid") and collected)):
            value = Undefined
        result, errors = validate_field(field, value, (location,))
        if header_names and loc_by_alias:
            for error in errors:
                loc = error["loc"]
                if len(loc) > 1 and loc[1] in header_names:
                    error["loc"] = (loc[0], header_names[loc[1]], *loc[2:])
        return field.name, result, errors

    return read


def compile_param_extractor(fields: list[ModelField], location: str) -> Extractor | None:
    """One function reading and validating every field of *location*; None when there are none."""
    if not fields:
        return None
    readers = []
    for field in fields:
        model = param_model(field)
        readers.append(_model_reader(field, model, location) if model is not None else _scalar_reader(field, location))

    def extract(source: Any) -> tuple[dict[str, Any], list[Any]]:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for read in readers:
            name, value, field_errors = read(source)
            if field_errors:
                errors.extend(field_errors)
            else:
                values[name] = value
        return values, errors

    return extract
