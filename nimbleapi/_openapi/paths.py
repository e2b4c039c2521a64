"""One Path Item Object per route: an operation for each of its methods.

Input: an API route and the ``DocumentContext`` shared by the whole document
(generated schemas, operation ids seen so far).
Output: ``(path item, security schemes, definitions)``; the caller merges the last
two into ``components``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._plan.route_classes import api_route_class
from .._plan.route_plan import DeclaredRoute, OperationPlan, RoutePlan, plan_operation
from .._plan.openapi_constants import METHODS_WITH_BODY
from .._plan.http import deep_dict_update
from .inputs import OperationInputs
from .parameters import build_parameters, deduplicate_parameters
from .request_body import build_request_body
from .responses import build_responses
from .routes import RoutePlans
from .schemas import FieldMapping
from .security import get_openapi_security_definitions


@dataclass
class DocumentContext:
    """What every operation of one document shares."""

    field_mapping: FieldMapping
    model_name_map: dict[Any, str] = field(default_factory=dict)
    separate_input_output_schemas: bool = True
    operation_ids: set[str] = field(default_factory=set)
    plans: RoutePlans = field(default_factory=RoutePlans)


def generate_operation_summary(*, route: DeclaredRoute, method: str) -> str:
    return plan_operation(route).summary


def _warn_duplicate_operation_id(endpoint: Callable[..., Any], operation_id: str) -> None:
    endpoint_name = getattr(endpoint, "__name__", "<unnamed_endpoint>")
    message = f"Duplicate Operation ID {operation_id} for function {endpoint_name}"
    file_name = getattr(endpoint, "__globals__", {}).get("__file__")
    if file_name:
        message += f" at {file_name}"
    warnings.warn(message, stacklevel=1)


def get_openapi_operation_metadata(*, route: DeclaredRoute, method: str, operation_ids: set[str]) -> dict[str, Any]:
    return operation_metadata(plan_operation(route), route.endpoint, operation_ids)


def operation_metadata(options: OperationPlan, endpoint: Callable[..., Any], operation_ids: set[str]) -> dict[str, Any]:
    """Tags, summary, description, operation id and deprecation of one operation."""
    operation: dict[str, Any] = {}
    if options.tags:
        operation["tags"] = list(options.tags)
    operation["summary"] = options.summary
    if options.description:
        operation["description"] = options.description
    if options.operation_id in operation_ids:
        _warn_duplicate_operation_id(endpoint, options.operation_id)
    operation_ids.add(options.operation_id)
    operation["operationId"] = options.operation_id
    if options.deprecated:
        operation["deprecated"] = options.deprecated
    return operation


def _callbacks(routes: Sequence[Any], context: DocumentContext) -> dict[str, Any]:
    """The Callback Objects of an operation: a path item per API route among *routes*."""
    callbacks: dict[str, Any] = {}
    for callback in routes:
        if isinstance(getattr(callback, "original_route", callback), api_route_class()):
            path_item, _, _ = generate_path_item(callback, context)
            callbacks[callback.name] = {callback.path: path_item}
    return callbacks


def _operation(
    route: DeclaredRoute, plan: RoutePlan, method: str, inputs: OperationInputs, context: DocumentContext
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(operation, security schemes, definitions) for one method of ``route``, from its plan."""
    separate = context.separate_input_output_schemas
    options = plan.operation or plan_operation(route)
    operation = operation_metadata(options, route.endpoint, context.operation_ids)
    security_schemes, requirements = get_openapi_security_definitions(inputs.security_dependencies)
    if requirements:
        operation.setdefault("security", []).extend(requirements)
    parameters = build_parameters(inputs, context.field_mapping, separate_input_output_schemas=separate)
    if parameters:
        operation["parameters"] = deduplicate_parameters(parameters)
    if method in METHODS_WITH_BODY:
        request_body = build_request_body(plan.body, context.field_mapping, separate_input_output_schemas=separate)
        if request_body:
            operation["requestBody"] = request_body
    if route.callbacks:
        operation["callbacks"] = _callbacks(route.callbacks, context)
    reads_input = bool(inputs.flat_params() or plan.body.field)
    responses, definitions = build_responses(
        plan, options, context.field_mapping, reads_input=reads_input, separate_input_output_schemas=separate
    )
    operation["responses"] = responses
    if options.openapi_extra:
        deep_dict_update(operation, options.openapi_extra)
    return operation, security_schemes, definitions


def generate_path_item(route: DeclaredRoute, context: DocumentContext) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(path item, security schemes, definitions) for ``route``; empty when it is hidden."""
    path_item: dict[str, Any] = {}
    security_schemes: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    if route.methods is None:
        raise AssertionError("Methods must be a list")
    if not route.include_in_schema:
        return path_item, security_schemes, definitions
    plan, inputs = context.plans.of(route)
    for method in route.methods:
        operation, schemes, operation_definitions = _operation(route, plan, method, inputs, context)
        security_schemes.update(schemes)
        definitions.update(operation_definitions)
        path_item[method.lower()] = operation
    return path_item, security_schemes, definitions
