"""Public OpenAPI helpers at FastAPI's module path; the work is done in ``nimbleapi._openapi``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from starlette.responses import JSONResponse as JSONResponse
from starlette.responses import Response as Response
from starlette.routing import BaseRoute as BaseRoute

from .. import _lazy
from .. import routing as routing
from .._openapi.document import build_info, generate_openapi
from .._plan.body_plan import described_body
from .._openapi.inputs import OperationInputs, collect_operation_inputs
from .._openapi.parameters import build_parameters
from .._openapi.paths import DocumentContext, generate_path_item
from .._openapi.paths import generate_operation_summary as generate_operation_summary
from .._openapi.paths import (
    get_openapi_operation_metadata as get_openapi_operation_metadata,
)
from .._openapi.request_body import build_request_body
from .._openapi.responses import status_code_ranges as status_code_ranges
from .._openapi.responses import (
    validation_error_definition as validation_error_definition,
)
from .._openapi.responses import (
    validation_error_response_definition as validation_error_response_definition,
)
from .._openapi.routes import get_fields_from_routes as get_fields_from_routes
from .._openapi.schemas import (
    FieldMapping,
    build_definitions,
    collect_flat_models,
    field_schema,
)
from .._openapi.schemas import get_model_name_map as get_model_name_map
from .._openapi.security import (
    get_openapi_security_definitions as _security_definitions,
)
from .._plan.fields import ModelField as ModelField
from ..datastructures import DefaultPlaceholder as DefaultPlaceholder
from ..dependencies.models import Dependant as Dependant
from ..encoders import jsonable_encoder as jsonable_encoder
from ..exceptions import FastAPIDeprecationWarning as FastAPIDeprecationWarning
from ..params import Body as Body
from ..params import ParamTypes as ParamTypes
from ..types import DependencyCacheKey as DependencyCacheKey
from ..types import ModelNameMap as ModelNameMap
from ..utils import deep_dict_update as deep_dict_update
from ..utils import generate_operation_id_for_path as generate_operation_id_for_path
from ..utils import is_body_allowed_for_status_code as is_body_allowed_for_status_code
from .constants import METHODS_WITH_BODY as METHODS_WITH_BODY
from .constants import REF_PREFIX as REF_PREFIX
from .models import OpenAPI as OpenAPI


def lenient_issubclass(cls: Any, class_or_tuple: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, class_or_tuple)


def get_flat_params(dependant: Dependant) -> list[ModelField]:
    """Every path, query, header and cookie field of a dependency tree, parameter models expanded."""
    return collect_operation_inputs(dependant).flat_params()


def get_flat_models_from_fields(fields: Sequence[ModelField], known_models: set[Any]) -> set[Any]:
    known_models.update(collect_flat_models(fields))
    return known_models


def get_definitions(
    *, fields: Sequence[ModelField], model_name_map: ModelNameMap, separate_input_output_schemas: bool = True
) -> tuple[FieldMapping, dict[str, dict[str, Any]]]:
    return build_definitions(fields, separate_input_output_schemas=separate_input_output_schemas)


def get_schema_from_model_field(
    *,
    field: ModelField,
    model_name_map: ModelNameMap,
    field_mapping: FieldMapping,
    separate_input_output_schemas: bool = True,
    field_alias: str | None = None,
) -> dict[str, Any]:
    return field_schema(
        field,
        field_mapping,
        separate_input_output_schemas=separate_input_output_schemas,
        alias=field_alias,
    )


def get_openapi_security_definitions(
    security_dependencies: list[tuple[Dependant, list[str]]] | Dependant,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Security schemes by name, and the operation's requirements, for a dependency tree."""
    if isinstance(security_dependencies, Dependant):
        security_dependencies = collect_operation_inputs(security_dependencies).security_dependencies
    return _security_definitions(security_dependencies)


_get_openapi_security_definitions = get_openapi_security_definitions


def _get_openapi_operation_parameters(
    *,
    dependency_data: OperationInputs,
    model_name_map: ModelNameMap,
    field_mapping: FieldMapping,
    separate_input_output_schemas: bool = True,
) -> list[dict[str, Any]]:
    return build_parameters(dependency_data, field_mapping, separate_input_output_schemas=separate_input_output_schemas)


def get_openapi_operation_request_body(
    *,
    body_field: ModelField | None,
    model_name_map: ModelNameMap,
    field_mapping: FieldMapping,
    separate_input_output_schemas: bool = True,
) -> dict[str, Any] | None:
    return build_request_body(described_body(body_field), field_mapping, separate_input_output_schemas=separate_input_output_schemas)


def generate_operation_id(*, route: Any, method: str) -> str:
    warnings.warn(
        message="fastapi.openapi.utils.generate_operation_id() was deprecated, "
        "it is not used internally, and will be removed soon",
        category=FastAPIDeprecationWarning,
        stacklevel=2,
    )
    if route.operation_id:
        return str(route.operation_id)
    return generate_operation_id_for_path(name=route.name, path=route.path_format, method=method)


def get_openapi_path(
    *,
    route: Any,
    operation_ids: set[str],
    model_name_map: ModelNameMap,
    field_mapping: FieldMapping,
    separate_input_output_schemas: bool = True,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(path item, security schemes, definitions) for one route."""
    context = DocumentContext(
        field_mapping=field_mapping,
        model_name_map=model_name_map,
        separate_input_output_schemas=separate_input_output_schemas,
        operation_ids=operation_ids,
    )
    return generate_path_item(route, context)


def get_openapi(
    *,
    title: str,
    version: str,
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    routes: Sequence[BaseRoute],
    webhooks: Sequence[BaseRoute] | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, str | Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, str | Any] | None = None,
    license_info: dict[str, str | Any] | None = None,
    separate_input_output_schemas: bool = True,
    external_docs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The OpenAPI document for ``routes`` (and ``webhooks``), as a JSON-ready ``dict``."""
    info = build_info(
        title=title,
        version=version,
        summary=summary,
        description=description,
        terms_of_service=terms_of_service,
        contact=contact,
        license_info=license_info,
    )
    return generate_openapi(
        info=info,
        openapi_version=openapi_version,
        routes=routes,
        webhooks=webhooks,
        tags=tags,
        servers=servers,
        separate_input_output_schemas=separate_input_output_schemas,
        external_docs=external_docs,
    )


# FastAPI imports these helpers into this module; they load on first use.
_lazy.export_lazily(
    globals(),
    {
        "_Unset": "nimbleapi.datastructures",
        "_SSE_EVENT_SCHEMA": "nimbleapi._openapi.responses:SSE_EVENT_SCHEMA",
        **{
            name: "nimbleapi.dependencies.models"
            for name in ("_UsesScopesCache", "_get_cache_key", "_get_oauth_scopes", "_get_security_scheme", "_is_security_scheme")
        },
        **{
            name: "nimbleapi.dependencies.utils"
            for name in ("_get_flat_fields_from_params", "_get_param_aliases", "_get_param_model")
        },
    },
)
