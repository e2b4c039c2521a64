"""Operation ``parameters``: one OpenAPI Parameter Object per path/query/header/cookie field.

Input: an operation's ``OperationInputs`` and the document's generated schemas.
Output: the ``parameters`` list, deduplicated by ``(in, name)`` with a required
declaration winning over an optional one of the same parameter.
"""

from __future__ import annotations

from typing import Any

from .. import params
from .._plan.fields import ModelField
from .._plan.params import param_model, param_request_keys
from ..datastructures import _Unset
from ..encoders import jsonable_encoder
from .._plan.params import flatten_param_fields
from .inputs import OperationInputs
from .schemas import FieldMapping, field_schema


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
    alias, name = param_request_keys(model_field, param_type.value, parent)[0]
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
