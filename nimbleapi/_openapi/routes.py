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
from .._plan.route_plan import DeclaredRoute, RoutePlan, plan_operation, plan_route
from .inputs import OperationInputs, collect_operation_inputs


def iter_api_routes(routes: Sequence[Any]) -> Iterator[Any]:
    """The documented API routes among ``routes``, in order (included routers expanded)."""
    api_route = api_route_class()
    for context in route_contexts(routes):
        if isinstance(getattr(context, "original_route", context), api_route):
            yield context


def served_form(route: Any) -> Any:
    """What every attribute of a route context is read from (its served form), or *route*
    itself: the document reads dozens per route, each a failed lookup on the context first."""
    return getattr(route, "_effective_route", route)


class RoutePlans:
    """Each route's plan and inputs, built once per document: the schema pass and the paths
    pass both read them, and planning is most of what a route costs the document. The
    document walks its routes once and gives both passes the same route objects."""

    def __init__(self) -> None:
        # The entry keeps the route, so its id is not reused meanwhile.
        self._by_route: dict[int, tuple[Any, RoutePlan, OperationInputs]] = {}

    def of(self, route: DeclaredRoute) -> tuple[RoutePlan, OperationInputs]:
        entry = self._by_route.get(id(route))
        if entry is None:
            plan = plan_route(route)
            entry = self._by_route[id(route)] = (route, plan, collect_operation_inputs(plan))
        return entry[1], entry[2]


def get_fields_from_routes(routes: Sequence[Any], plans: RoutePlans | None = None) -> list[ModelField]:
    return fields_of_api_routes(list(iter_api_routes(routes)), RoutePlans() if plans is None else plans)


def fields_of_api_routes(api_routes: Sequence[Any], plans: RoutePlans) -> list[ModelField]:
    """The fields documented for *api_routes* (routes ``iter_api_routes`` gave)."""
    bodies: list[ModelField] = []
    responses: list[ModelField] = []
    parameters: list[ModelField] = []
    callbacks: list[ModelField] = []
    for route in api_routes:
        if not route.include_in_schema:
            continue
        plan, inputs = plans.of(route)
        if plan.body.field is not None:
            bodies.append(plan.body.field)
        response, options = plan.response, plan.operation or plan_operation(route)
        if response.field is not None:
            responses.append(response.field)
        responses.extend(options.response_fields.values())
        stream_item_field = response.stream_item_field
        if stream_item_field is not None:
            responses.append(stream_item_field)
        if route.callbacks:
            callbacks.extend(get_fields_from_routes(route.callbacks, plans))
        parameters.extend(inputs.flat_params())
    return callbacks + bodies + responses + parameters
