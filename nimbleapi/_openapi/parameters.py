"""Operation ``parameters``: one OpenAPI Parameter Object per path/query/header/cookie field.

Input: an operation's ``OperationInputs`` (``ParamPlan``s: each parameter's documented name,
location and requiredness decided in its route's plan) and the document's generated schemas.
Output: the ``parameters`` list, deduplicated by ``(in, name)`` with a required
declaration winning over an optional one of the same parameter.
"""

from __future__ import annotations

from typing import Any

from .._plan.param_plan import ParamPlan, documented_params
from ..datastructures import _Unset
from .._encoders import jsonable_encoder
from .inputs import OperationInputs
from .schemas import FieldMapping, field_schema


def _parameter(plan: ParamPlan, *, field_mapping: FieldMapping, separate_input_output_schemas: bool) -> dict[str, Any]:
    field_info = plan.field.field_info
    alias, name = plan.documented
    schema = field_schema(plan.field, field_mapping, separate_input_output_schemas=separate_input_output_schemas, alias=alias)
    parameter: dict[str, Any] = {"name": name, "in": plan.location, "required": plan.required, "schema": schema}
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
    shown = [plan for _, group in inputs.groups() for plan in group if plan.include_in_schema]
    return [
        _parameter(plan, field_mapping=field_mapping, separate_input_output_schemas=separate_input_output_schemas)
        for plan in documented_params(shown)
    ]


def deduplicate_parameters(parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One parameter per ``(in, name)``: the last declaration, a required one if any, first position kept."""
    unique = {(parameter["in"], parameter["name"]): parameter for parameter in parameters}
    unique.update({(p["in"], p["name"]): p for p in parameters if p.get("required")})
    return list(unique.values())
