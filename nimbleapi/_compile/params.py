"""Extracting and validating path, query, header and cookie values.

``compile_param_extractor(fields)`` runs once per dependency node and returns a function
``extract(source) -> (values, errors)``. What each field reads (request keys after aliases
and header-name conversion, list or scalar, parameter model members) comes from its
``ParamPlan``; the readers built from it here run per request and decide nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import deepcopy
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ValidationError
from pydantic_core import PydanticUndefined, SchemaValidator

from .._plan.fields import ModelField, missing_field_error, prefix_error_locations
from .._plan.param_plan import ParamPlan, plan_params
from .._plan.raw_values import extra_entries, read_value
from .core_schema import takes_text_as_is

Undefined = PydanticUndefined
Extractor = Callable[[Any], tuple[dict[str, Any], list[Any]]]


def parse_query_string(query_string: bytes) -> list[tuple[str, str]]:
    """The (name, value) pairs Starlette's ``QueryParams`` reads from a raw query string.

    Without ``%`` escapes or ``+`` there is nothing to unquote, and splitting gives what
    ``parse_qsl(..., keep_blank_values=True)`` gives; otherwise that is what runs.
    """
    text = query_string.decode("latin-1")
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True)
    pairs = []
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((name, value))
    return pairs


def validate_field(field: ModelField, value: Any, loc: tuple[Any, ...]) -> tuple[Any, list[Any]]:
    """Validate one value; a missing value takes the default (validated only with validate_default)."""
    if value is Undefined:
        if field.field_info.is_required():
            return None, [missing_field_error(loc)]
        value = deepcopy(field.default)
        if not field.field_info.validate_default:
            return value, []
    adapter = getattr(field, "_type_adapter", None)
    if adapter is None:
        return field.validate(value, {}, loc=loc)
    # ``field.validate`` without its two Python layers: the same pydantic-core call and errors.
    try:
        return adapter.validator.validate_python(value, from_attributes=True), []
    except ValidationError as exc:
        return None, prefix_error_locations(exc.errors(include_url=False), loc)


# Defaults of these types are immutable: handing out the same object is what a copy would give.
_ATOMIC_DEFAULTS = frozenset({type(None), bool, int, float, str, bytes, complex})


def _default_maker(field: ModelField) -> Callable[[], Any]:
    """A fresh default per request, as ``deepcopy(field.default)`` gives (constant when immutable)."""
    info = field.field_info
    if info.default_factory is None and type(info.default) in _ATOMIC_DEFAULTS:
        default = info.default
        return lambda: default
    return lambda: deepcopy(field.default)


def core_validator(field: ModelField) -> Callable[..., Any] | None:
    """pydantic-core's ``validate_python`` of *field*, or None while its adapter is not built yet."""
    adapter = getattr(field, "_type_adapter", None)
    validator = getattr(adapter, "validator", None)
    return validator.validate_python if isinstance(validator, SchemaValidator) else None


Reader = Callable[[Any, dict[str, Any], list[Any]], None]
ParamFiller = Reader


def _single_key(plan: ParamPlan) -> str | None:
    """The one request key of a plain parameter (no alias choices, no sequence, a built
    validator), or None when reading it needs the source's mapping interface."""
    if plan.model is not None or plan.is_sequence or core_validator(plan.field) is None or len(plan.keys) != 1:
        return None
    return plan.keys[0][1]


def _scalar_reader(plan: ParamPlan, key: str | None, raw: bool) -> Reader:
    if key is None:
        return _general_reader(plan)
    accept = _acceptor(plan, (plan.location, key))
    if raw and plan.location == "header":
        header_name = key.lower().encode("latin-1")

        def read_raw_header(source: Any, values: dict[str, Any], errors: list[Any]) -> None:
            # The first header of that name, as ``Headers.get`` finds it.
            for name, value in source:
                if name == header_name:
                    accept(value.decode("latin-1"), values, errors)
                    return
            accept(None, values, errors)

        return read_raw_header

    def read(source: Any, values: dict[str, Any], errors: list[Any]) -> None:
        accept(source.get(key), values, errors)

    return read


def _acceptor(plan: ParamPlan, loc: tuple[str, str]) -> Callable[[Any, dict[str, Any], list[Any]], None]:
    """Validate one received value (None: absent) into *values*, or its errors into *errors*."""
    field = plan.field
    name, required = field.name, plan.required
    make_default = _default_maker(field)
    validate_default = field.field_info.validate_default
    validate = core_validator(field)
    assert validate is not None
    text_as_is = takes_text_as_is(getattr(field, "_type_adapter", None))

    def accept(value: Any, values: dict[str, Any], errors: list[Any]) -> None:
        if value is None:
            if required:
                errors.append(missing_field_error(loc))
                return
            value = make_default()
            if not validate_default:
                values[name] = value
                return
        elif text_as_is and type(value) is str:  # what validating it would return
            values[name] = value
            return
        try:
            values[name] = validate(value, from_attributes=True)
        except ValidationError as exc:
            errors.extend(prefix_error_locations(exc.errors(include_url=False), loc))

    return accept


def _general_reader(plan: ParamPlan) -> Reader:
    """Any scalar parameter: alias choices, sequences (``getlist``), lazily built adapters."""
    field, location, keys, as_list = plan.field, plan.location, plan.keys, plan.is_sequence
    first_key = keys[0][1]

    def read(source: Any, values: dict[str, Any], errors: list[Any]) -> None:
        key = first_key
        if len(keys) > 1:
            key = next((pair[1] for pair in keys if pair[1] in source), first_key)
        value, field_errors = validate_field(field, read_value(field, source, key, as_list=as_list), (location, key))
        if field_errors:
            errors.extend(field_errors)
        else:
            values[field.name] = value

    return read


def _model_reader(plan: ParamPlan, model: type[Any]) -> Reader:
    """A parameter model: one model validated from several request keys (plus extras)."""
    field, location = plan.field, plan.location
    is_header = location == "header"
    plans = [(member.field, member.keys, member.is_sequence) for member in plan.members]
    own_names = {name.lower() if is_header else name for member in plan.members for _, name in member.keys}
    extra_policy = model.model_config.get("extra")
    loc_by_alias = model.model_config.get("loc_by_alias", True)
    is_exact_model = field.field_info.annotation is model

    def read(source: Any, values: dict[str, Any], errors: list[Any]) -> None:
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
        collected.update(extra_entries(source, processed))
        received: Any = collected
        keys_present = own_names.intersection(source.keys() if is_header else source)
        if not is_exact_model and not (keys_present or (extra_policy in ("allow", "forbid") and collected)):
            received = Undefined
        result, field_errors = validate_field(field, received, (location,))
        if header_names and loc_by_alias:
            for error in field_errors:
                loc = error["loc"]
                if len(loc) > 1 and loc[1] in header_names:
                    error["loc"] = (loc[0], header_names[loc[1]], *loc[2:])
        if field_errors:
            errors.extend(field_errors)
        else:
            values[field.name] = result

    return read


def compile_param_filler(
    fields: list[ModelField], location: str, *, raw_source: bool = False
) -> tuple[ParamFiller, bool] | None:
    """``(fill, raw)``: ``fill(source, values, errors)`` reads and validates every field of
    *location*; None when there are none.

    The source is the connection's mapping for the location (``query_params``, ``headers``,
    ...). With *raw_source*, when every field is read by one key (*raw* is then True), it is
    a plain dict for the query and the ASGI scope's list of raw header pairs for headers.
    """
    return compile_plans_filler(plan_params(fields, location), raw_source=raw_source)


def compile_plans_filler(plans: Sequence[ParamPlan], *, raw_source: bool = False) -> tuple[ParamFiller, bool] | None:
    """``compile_param_filler`` for the plans of one location's parameters."""
    if not plans:
        return None
    keys = [_single_key(plan) for plan in plans]
    raw = raw_source and all(key is not None for key in keys)
    readers = [
        _model_reader(plan, plan.model) if plan.model is not None else _scalar_reader(plan, key, raw)
        for plan, key in zip(plans, keys)
    ]
    if len(readers) == 1:
        return readers[0], raw

    def fill(source: Any, values: dict[str, Any], errors: list[Any]) -> None:
        for read in readers:
            read(source, values, errors)

    return fill, raw


def compile_param_extractor(fields: list[ModelField], location: str) -> Extractor | None:
    """One function reading and validating every field of *location*; None when there are none."""
    compiled = compile_param_filler(fields, location)
    if compiled is None:
        return None
    fill = compiled[0]

    def extract(source: Any) -> tuple[dict[str, Any], list[Any]]:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        fill(source, values, errors)
        return values, errors

    return extract
