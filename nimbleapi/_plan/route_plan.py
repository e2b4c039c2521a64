"""A route's plan: every per-route and per-field decision its readers need, made once.

Input: a route's declaration and its analysed ``Dependant`` tree. The tree keeps FastAPI's
mutable shape because extensions edit ``route.dependant`` after declaration; so a plan is
built from the tree as it is when compilation starts (on the route's first request) and
when the OpenAPI document is generated, never before, and an edit made until then is seen
by both. Output: a frozen ``RoutePlan``: the request parameters of every node
(``ParamPlan``), the body (``BodyPlan``), the response (``ResponsePlan``), the operation's
documented options, and the endpoint description request-time errors carry. The compiler
and the OpenAPI generator read these plans; neither decides a per-field question again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..dependencies.models import Dependant
from .body_plan import BodyPlan, NodeBodyPlan, plan_body, plan_node_body
from .describe import EndpointContexts
from .fields import ModelField
from .param_plan import ParamPlan, plan_params
from .response_plan import RESPONSE_OPTION_NAMES, ResponsePlan, plan_response

# (Dependant attribute, location) for each location a node reads parameters from, in FastAPI's order.
PARAM_LOCATIONS = (("path_params", "path"), ("query_params", "query"), ("header_params", "header"), ("cookie_params", "cookie"))


@dataclass(frozen=True, slots=True)
class NodePlan:
    """What one node of the dependency tree reads from the request."""

    params: tuple[tuple[str, tuple[ParamPlan, ...]], ...]  # (location, plans) for each location it reads
    body: NodeBodyPlan | None


def plan_node(dependant: Dependant, embed_body_fields: bool) -> NodePlan:
    """The plan of one node (its own fields, not its sub-dependencies')."""
    locations = ((location, getattr(dependant, attribute)) for attribute, location in PARAM_LOCATIONS)
    body = plan_node_body(dependant.body_params, embed_body_fields) if dependant.body_params else None
    return NodePlan(params=tuple((location, plan_params(fields, location)) for location, fields in locations if fields), body=body)


class DeclaredRoute(Protocol):
    """What planning reads of a route (``APIRoute``, or an included router's context of
    one), besides the ``get_request_handler`` arguments it holds (``ROUTE_ATTRIBUTES``)."""

    @property
    def path_format(self) -> str: ...
    @property
    def methods(self) -> Collection[str] | None: ...
    @property
    def endpoint(self) -> Callable[..., Any]: ...
    @property
    def name(self) -> str: ...
    @property
    def unique_id(self) -> str: ...
    @property
    def operation_id(self) -> str | None: ...
    @property
    def summary(self) -> str | None: ...
    @property
    def description(self) -> str: ...
    @property
    def tags(self) -> Sequence[Any] | None: ...
    @property
    def deprecated(self) -> bool | None: ...
    @property
    def include_in_schema(self) -> bool: ...
    @property
    def response_description(self) -> str: ...
    @property
    def responses(self) -> Mapping[int | str, Any] | None: ...
    @property
    def response_fields(self) -> Mapping[int | str, ModelField] | None: ...
    @property
    def openapi_extra(self) -> dict[str, Any] | None: ...
    @property
    def callbacks(self) -> Sequence[Any] | None: ...
    @property
    def is_sse_stream(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class OperationPlan:
    """A route's documented options, as its routers' settings merged into it (``merge_settings``)."""

    operation_id: str
    summary: str
    description: str
    tags: tuple[Any, ...]
    deprecated: bool | None
    include_in_schema: bool
    response_description: str
    responses: Mapping[int | str, Any]
    response_fields: Mapping[int | str, ModelField]
    openapi_extra: dict[str, Any] | None


def plan_operation(route: DeclaredRoute) -> OperationPlan:
    """The documented options of *route* (an ``APIRoute``)."""
    return OperationPlan(
        operation_id=route.operation_id or route.unique_id,
        summary=str(route.summary) if route.summary else str(route.name).replace("_", " ").title(),
        description=route.description,
        tags=tuple(route.tags or ()),
        deprecated=route.deprecated,
        include_in_schema=route.include_in_schema,
        response_description=route.response_description,
        responses=route.responses or {},
        response_fields=route.response_fields or {},
        openapi_extra=route.openapi_extra,
    )


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """One route, planned: what its compiled handler and its OpenAPI operation are made from."""

    dependant: Dependant
    path: str
    methods: tuple[str, ...]
    body: BodyPlan
    response: ResponsePlan
    contexts: EndpointContexts  # the endpoint described in request-time errors
    operation: OperationPlan | None = None  # None for a handler built from FastAPI's arguments alone

    @property
    def embed_body_fields(self) -> bool:
        return self.body.embedded

    def node(self, dependant: Dependant) -> NodePlan:
        """The plan of one node of this route's tree."""
        return plan_node(dependant, self.body.embedded)


# FastAPI's ``get_request_handler`` parameters that are ``APIRoute`` attributes of the same name.
ROUTE_ATTRIBUTES = (
    "dependant",
    "body_field",
    "status_code",
    "response_class",
    "response_field",
    *("response_model_" + name for name in RESPONSE_OPTION_NAMES),
    "dependency_overrides_provider",
    "strict_content_type",
    "form_limits",
    "stream_item_field",
    "is_json_stream",
)


def handler_arguments(route: Any) -> dict[str, Any]:
    """FastAPI's ``get_request_handler`` arguments for *route* (an ``APIRoute``)."""
    arguments = {name: getattr(route, name) for name in ROUTE_ATTRIBUTES}
    arguments["embed_body_fields"] = route._embed_body_fields
    return arguments


def plan_from_arguments(
    arguments: Mapping[str, Any],
    *,
    path: str | None = None,
    methods: Collection[str] | None = None,
    operation: OperationPlan | None = None,
    is_sse_stream: bool = False,
) -> RoutePlan:
    """The plan of a route given FastAPI's ``get_request_handler`` arguments (by name);
    *path*: the path in error messages (the dependant's, unless given)."""
    dependant: Dependant = arguments["dependant"]
    call = dependant.call
    assert call is not None, "dependant.call must be a function"
    path = (dependant.path or "") if path is None else path
    return RoutePlan(
        dependant=dependant,
        path=path,
        methods=tuple(sorted(methods or ())),
        body=plan_body(dependant, arguments["body_field"], arguments["embed_body_fields"]),
        response=plan_response(arguments, is_sse_stream=is_sse_stream),
        contexts=EndpointContexts(call, path),
        operation=operation,
    )


def plan_route(route: DeclaredRoute) -> RoutePlan:
    """The plan of *route* (an ``APIRoute``), from its tree and options as they are now."""
    return plan_from_arguments(
        handler_arguments(route),
        path=route.path_format,
        methods=route.methods,
        operation=plan_operation(route),
        is_sse_stream=route.is_sse_stream,
    )
