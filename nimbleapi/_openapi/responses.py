"""Operation ``responses``: the route's own response, its declared extra ones, and 422.

Input: a route's plan (its ``ResponsePlan``: status code, response class, response
field, streaming flags; its ``OperationPlan``: ``responses``/``response_fields``, the
main response's description) and the generated schemas.
Output: the Responses Object, plus the shared validation-error definitions when
the 422 response refers to them.
"""

from __future__ import annotations

import copy
import functools
import http.client
import inspect
from typing import Any

from starlette.responses import JSONResponse, Response

from .._plan.fields import ModelField
from .._plan.response_plan import ResponsePlan
from .._plan.route_plan import OperationPlan, RoutePlan
from ..datastructures import DefaultPlaceholder
from ..dependencies.models import Dependant
from .._plan.openapi_constants import REF_PREFIX
from .._plan.http import deep_dict_update, is_body_allowed_for_status_code
from .schemas import FieldMapping, field_schema

validation_error_definition: dict[str, Any] = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {"title": "Location", "type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
        "input": {"title": "Input"},
        "ctx": {"title": "Context", "type": "object"},
    },
    "required": ["loc", "msg", "type"],
}

validation_error_response_definition: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {
        "detail": {"title": "Detail", "type": "array", "items": {"$ref": REF_PREFIX + "ValidationError"}},
    },
}

status_code_ranges: dict[str, str] = {
    "1XX": "Information",
    "2XX": "Success",
    "3XX": "Redirection",
    "4XX": "Client Error",
    "5XX": "Server Error",
    "DEFAULT": "Default Response",
}

# One Server-Sent Event as the text/event-stream item schema describes it.
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}

VALIDATION_ERROR_RESPONSE: dict[str, Any] = {
    "description": "Validation Error",
    "content": {"application/json": {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}},
}


def response_class_of(response: ResponsePlan) -> type[Response]:
    response_class = response.response_class
    if isinstance(response_class, DefaultPlaceholder):
        response_class = response_class.value
    if not response_class:
        raise AssertionError("A response class is needed to generate OpenAPI")
    return response_class  # type: ignore[no-any-return]


def _status_code_key(status_code: int | None, response_class: type[Response]) -> str:
    if status_code is not None:
        return str(status_code)
    # Without an explicit status code the response class's own default applies.
    return _default_status_code(response_class.__init__)


@functools.lru_cache(maxsize=256)
def _default_status_code(init: Any) -> str:
    """The ``status_code`` default of a response class's ``__init__`` (a document asks once
    per route, and reading a signature costs more than the rest of a response)."""
    default = inspect.signature(init).parameters.get("status_code")
    if default is not None and isinstance(default.default, int):
        return str(default.default)
    return "200"


class _ResponseWriter:
    """Builds one operation's responses; holds what every step needs."""

    def __init__(self, plan: RoutePlan, options: OperationPlan, field_mapping: FieldMapping, separate_input_output_schemas: bool) -> None:
        self.plan, self.response, self.options = plan, plan.response, options
        self.field_mapping = field_mapping
        self.separate = separate_input_output_schemas
        self.response_class = response_class_of(plan.response)
        self.media_type: str | None = self.response_class.media_type
        self.responses: dict[str, Any] = {}

    def schema_of(self, model_field: ModelField) -> dict[str, Any]:
        return field_schema(model_field, self.field_mapping, separate_input_output_schemas=self.separate)

    def add_main_response(self) -> None:
        status = _status_code_key(self.response.status_code, self.response_class)
        response = self.responses.setdefault(status, {})
        response["description"] = self.options.response_description
        if not is_body_allowed_for_status_code(self.response.status_code):
            return
        content = self._main_content()
        if content is not None:
            media_type, media = content
            response.setdefault("content", {}).setdefault(media_type, {}).update(media)

    def _main_content(self) -> tuple[str, dict[str, Any]] | None:
        response = self.response
        item_field = response.stream_item_field
        if response.is_json_stream:
            return "application/jsonl", {"itemSchema": self.schema_of(item_field) if item_field else {}}
        if response.is_sse_stream:
            item_schema = copy.deepcopy(SSE_EVENT_SCHEMA)
            if item_field:
                item_schema["required"] = ["data"]
                item_schema["properties"]["data"] = {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": self.schema_of(item_field),
                }
            return "text/event-stream", {"itemSchema": item_schema}
        if not self.media_type:
            return None
        schema: dict[str, Any] = {"type": "string"}
        if isinstance(self.response_class, type) and issubclass(self.response_class, JSONResponse):
            schema = self.schema_of(response.field) if response.field else {}
        return self.media_type, {"schema": schema}

    def add_additional_responses(self) -> None:
        declared_responses = {**dependency_responses(self.plan.dependant), **self.options.responses}
        for status_code, declared in declared_responses.items():
            if not isinstance(declared, dict):
                raise AssertionError("An additional response must be a dict")
            extra = copy.deepcopy(declared)
            extra.pop("model", None)
            key = str(status_code).upper()
            key = "default" if key == "DEFAULT" else key
            response = self.responses.setdefault(key, {})
            model_field = self.options.response_fields.get(status_code)
            if model_field is not None:
                media_type = self.media_type or "application/json"
                schema = extra.setdefault("content", {}).setdefault(media_type, {}).setdefault("schema", {})
                deep_dict_update(schema, self.schema_of(model_field))
            # Checked even when a description is given: an invalid key fails loudly.
            status_text = _status_text(status_code)
            description = extra.get("description") or response.get("description") or status_text
            description = description or "Additional Response"
            deep_dict_update(response, extra)
            response["description"] = description

    def add_validation_error(self) -> bool:
        """Add the 422 response unless one (or a 4XX/default catch-all) is declared."""
        if any(status in self.responses for status in ("422", "4XX", "default")):
            return False
        self.responses["422"] = copy.deepcopy(VALIDATION_ERROR_RESPONSE)
        return True


def dependency_responses(dependant: Dependant) -> dict[int | str, Any]:
    """Responses the route's dependencies declare they may answer: a dependency callable
    with an ``openapi_responses`` mapping (a rate limit's 429, for example)."""
    found: dict[int | str, Any] = {}
    for sub in dependant.dependencies:
        found.update(dependency_responses(sub))
        found.update(getattr(sub.call, "openapi_responses", None) or {})
    return found


def _status_text(status_code: int | str) -> str | None:
    """The standard phrase for a status code or range; a key that is neither raises ``ValueError``."""
    return status_code_ranges.get(str(status_code).upper()) or http.client.responses.get(int(status_code))


def build_responses(
    plan: RoutePlan,
    options: OperationPlan,
    field_mapping: FieldMapping,
    *,
    reads_input: bool,
    separate_input_output_schemas: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(responses object, definitions it needs) for one operation: the route's *plan*, with
    *options* its documented options."""
    writer = _ResponseWriter(plan, options, field_mapping, separate_input_output_schemas)
    writer.add_main_response()
    writer.add_additional_responses()
    definitions: dict[str, Any] = {}
    if reads_input and writer.add_validation_error():
        definitions = {
            "ValidationError": validation_error_definition,
            "HTTPValidationError": validation_error_response_definition,
        }
    return writer.responses, definitions
