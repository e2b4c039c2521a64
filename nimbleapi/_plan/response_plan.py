"""What a route answers with: status code, response model field, response class and the
``response_model_*`` options, resolved once from the route's declaration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..types import IncEx
from .fields import ModelField

RESPONSE_OPTION_NAMES = ("include", "exclude", "by_alias", "exclude_unset", "exclude_defaults", "exclude_none")


@dataclass(frozen=True, slots=True)
class ResponseOptions:
    """The ``response_model_*`` options of a route, resolved once."""

    include: IncEx | None = None
    exclude: IncEx | None = None
    by_alias: bool = True
    exclude_unset: bool = False
    exclude_defaults: bool = False
    exclude_none: bool = False

    def as_kwargs(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in RESPONSE_OPTION_NAMES}


@dataclass(frozen=True, slots=True)
class ResponsePlan:
    """How a route's answer is made."""

    status_code: int | None
    field: ModelField | None  # the response model's field; None: the answer is sent as returned
    response_class: Any  # a ``Response`` class, or the ``Default(...)`` placeholder of one
    options: ResponseOptions
    stream_item_field: ModelField | None = None
    is_json_stream: bool = False
    is_sse_stream: bool = False  # the route's generator is sent as server-sent events


def plan_response(arguments: Mapping[str, Any], *, is_sse_stream: bool = False) -> ResponsePlan:
    """The response plan from FastAPI's ``get_request_handler`` arguments (by name), which
    do not say whether the route streams server-sent events: *is_sse_stream* does."""
    return ResponsePlan(
        status_code=arguments["status_code"],
        field=arguments["response_field"],
        response_class=arguments["response_class"],
        options=ResponseOptions(**{name: arguments["response_model_" + name] for name in RESPONSE_OPTION_NAMES}),
        stream_item_field=arguments["stream_item_field"],
        is_json_stream=arguments["is_json_stream"],
        is_sse_stream=is_sse_stream,
    )
