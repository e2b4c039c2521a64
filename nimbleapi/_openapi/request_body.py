"""Operation ``requestBody`` from a route's body plan.

Input: the route's ``BodyPlan``: its field describing the whole body (a single body
parameter, or the generated ``Body_<operation id>`` model holding several), whose
``field_info`` carries the examples, and the media type and requiredness the plan decided.
Output: the Request Body Object, or ``None`` when the route reads no body.
"""

from __future__ import annotations

from typing import Any

from .._plan.body_plan import BodyPlan
from ..datastructures import _Unset
from .._encoders import jsonable_encoder
from .schemas import FieldMapping, field_schema


def build_request_body(body: BodyPlan, field_mapping: FieldMapping, *, separate_input_output_schemas: bool = True) -> dict[str, Any] | None:
    body_field = body.field
    if body_field is None:
        return None
    field_info = body_field.field_info
    media_content: dict[str, Any] = {
        "schema": field_schema(body_field, field_mapping, separate_input_output_schemas=separate_input_output_schemas)
    }
    openapi_examples = getattr(field_info, "openapi_examples", None)
    example = getattr(field_info, "example", _Unset)
    if openapi_examples:
        media_content["examples"] = jsonable_encoder(openapi_examples)
    elif example is not _Unset:
        media_content["example"] = jsonable_encoder(example)
    request_body: dict[str, Any] = {}
    if body.required:
        request_body["required"] = True
    request_body["content"] = {body.media_type: media_content}
    return request_body
