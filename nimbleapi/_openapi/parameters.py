"""Operation ``parameters``: one OpenAPI Parameter Object per path/query/header/cookie field.

Input: an operation's ``OperationInputs`` and the document's generated schemas.
Output: the ``parameters`` list, deduplicated by ``(in, name)`` with a required
declaration winning over an optional one of the same parameter.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, AliasPath
from pydantic.fields import FieldInfo

from .. import params
from .._plan.fields import ModelField
from .._plan.params import param_model
from ..datastructures import _Unset
from ..encoders import jsonable_encoder
from .inputs import OperationInputs, flatten_param_fields
from .schemas import FieldMapping, field_schema


def _first_alias(model_field: ModelField, *, convert_underscores: bool) -> tuple[str, str]:
    """(alias used to validate, name the client sends), for the preferred spelling."""
    alias = model_field.validation_alias or model_field.alias
    request_name = alias.replace("_", "-") if convert_underscores and alias == model_field.name else alias
    declared = model_field.field_info.validation_alias
    if isinstance(model_field.field_info, params.Path) or isinstance(declared, AliasPath):
        return alias, request_name
    if isinstance(declared, AliasChoices) and not any(isinstance(c, AliasPath) for c in declared.choices):
        first = str(declared.choices[0])
        alias, request_name = first, first  # explicit choices are sent verbatim
    if (model_field.config or {}).get("validate_by_alias") is False:
        name = model_field.name
        return name, name.replace("_", "-") if convert_underscores else name
    return alias, request_name


def _converts_underscores(param_type: params.ParamTypes, field_info: FieldInfo, parent: FieldInfo) -> bool:
    if param_type != params.ParamTypes.header:
        return False
    return bool(getattr(field_info, "convert_underscores", getattr(parent, "convert_underscores", True)))


def _parameter(
    model_field: ModelField,
    param_type: params.ParamTypes,
    *,
    parent: ModelField,
    required: bool,
    field_mapping: FieldMapping,
    separate_input_output_schemas: bool,
) -> dict[str, Any]:
    field_info = model_field.field_info
    convert = _converts_underscores(param_type, field_info, parent.field_info)
    alias, name = _first_alias(model_field, convert_underscores=convert)
    schema = field_schema(
        model_field, field_mapping, separate_input_output_schemas=separate_input_output_schemas, alias=alias
    )
    parameter: dict[str, Any] = {"name": name, "in": param_type.value, "required": required, "schema": schema}
    if field_info.description:
        parameter["description"] = field_info.description
    openapi_examples = getattr(field_info, "openapi_examples", None)
    example = getattr(field_info, "example", _Unset)
    if openapi_examples:
        parameter["examples"] = jsonable_encoder(openapi_examples)
    elif example is not _Unset:
        parameter["example"] = jsonable_encoder(example)
    if getattr(field_info, "deprecated", None):
        parameter["deprecated"] = True
    return parameter


def build_parameters(
    inputs: OperationInputs, field_mapping: FieldMapping, *, separate_input_output_schemas: bool = True
) -> list[dict[str, Any]]:
    """Parameter objects in declaration order, before deduplication."""
    parameters = []
    for param_type, group in inputs.groups():
        for parent in group:
            if not getattr(parent.field_info, "include_in_schema", True):
                continue
            model = param_model(parent)
            # An optional parameter model makes each of its fields optional.
            optional_model = model is not None and parent.field_info.annotation is not model and not parent.required
            for model_field in flatten_param_fields([parent]):
                parameters.append(
                    _parameter(
                        model_field,
                        param_type,
                        parent=parent,
                        required=model_field.field_info.is_required() and not optional_model,
                        field_mapping=field_mapping,
                        separate_input_output_schemas=separate_input_output_schemas,
                    )
                )
    return parameters


def deduplicate_parameters(parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One parameter per ``(in, name)``: the last declaration, a required one if any, first position kept."""
    unique = {(parameter["in"], parameter["name"]): parameter for parameter in parameters}
    unique.update({(p["in"], p["name"]): p for p in parameters if p.get("required")})
    return list(unique.values())
