"""Operation ``requestBody`` from a route's body field.

Input: ``route.body_field`` (a single body parameter, or the generated
``Body_<operation id>`` model holding several), whose ``field_info`` is a
``params.Body``/``Form``/``File`` carrying the media type and examples.
Output: the Request Body Object, or ``None`` when the route reads no body.
"""

from __future__ import annotations

from typing import Any

from .._plan.fields import ModelField
from ..datastructures import _Unset
from ..encoders import jsonable_encoder
from .schemas import FieldMapping, field_schema

DEFAULT_BODY_MEDIA_TYPE = "application/json"


def build_request_body(
    body_field: ModelField | None, field_mapping: FieldMapping, *, separate_input_output_schemas: bool = True
) -> dict[str, Any] | None:
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
    if field_info.is_required():
        request_body["required"] = True
    media_type = getattr(field_info, "media_type", DEFAULT_BODY_MEDIA_TYPE)
    request_body["content"] = {media_type: media_content}
    return request_body
