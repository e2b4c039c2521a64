"""Which routes the document describes, and the fields whose schemas it needs.

Only ``APIRoute`` objects are documented: websocket routes, plain Starlette routes
and mounts are skipped. The field list feeds the single schema-generation pass of
``schemas.build_definitions``; its order follows FastAPI's (callbacks first, then
bodies, responses and parameters).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .._plan.fields import ModelField
from .._plan.route_classes import api_route_class, route_contexts
from .._plan.route_plan import plan_route
from .inputs import collect_operation_inputs


def iter_api_routes(routes: Sequence[Any]) -> Iterator[Any]:
    """The documented API routes among ``routes``, in order (included routers expanded)."""
    api_route = api_route_class()
    for context in route_contexts(routes):
        if isinstance(getattr(context, "original_route", context), api_route):
            yield context


def get_fields_from_routes(routes: Sequence[Any]) -> list[ModelField]:
    bodies: list[ModelField] = []
    responses: list[ModelField] = []
    parameters: list[ModelField] = []
    callbacks: list[ModelField] = []
    for route in iter_api_routes(routes):
        if not route.include_in_schema:
            continue
        plan = plan_route(route)
        if plan.body.field is not None:
            bodies.append(plan.body.field)
        if route.response_field is not None:
            responses.append(route.response_field)
        responses.extend((route.response_fields or {}).values())
        stream_item_field = getattr(route, "stream_item_field", None)
        if stream_item_field is not None:
            responses.append(stream_item_field)
        if route.callbacks:
            callbacks.extend(get_fields_from_routes(route.callbacks))
        parameters.extend(collect_operation_inputs(plan).flat_params())
    return callbacks + bodies + responses + parameters
