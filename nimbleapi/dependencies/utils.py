"""FastAPI's dependency helpers, as adapters over nimbleapi's analysis and compiled solvers.

The request path never calls these; they exist for code written against FastAPI's
``fastapi.dependencies.utils`` (extensions, custom route classes, tests).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from contextlib import asynccontextmanager as asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic_core import PydanticUndefined
from starlette.background import BackgroundTasks as StarletteBackgroundTasks  # noqa: F811
from starlette.concurrency import run_in_threadpool as run_in_threadpool
from starlette.datastructures import FormData as FormData
from starlette.datastructures import Headers as Headers
from starlette.datastructures import ImmutableMultiDict as ImmutableMultiDict
from starlette.datastructures import QueryParams as QueryParams
from starlette.requests import HTTPConnection as HTTPConnection
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from .. import _lazy
from .. import params as params
from .._compile.body import compile_body_extractor
from .._compile.context import ConnectionContext
from .._compile.deps import compile_solver
from .._compile.form_values import form_model_supplied, form_values
from .._compile.form_values import read_upload_bytes as _read_file_bytes  # noqa: F401  (FastAPI's name)
from .._compile.params import compile_param_extractor
from .._compile.streaming import _STREAM_ORIGINS as _STREAM_ORIGINS
from .._compile.streaming import stream_item_type
from .._compile.params import validate_field
from .._plan.annotations import optional_model_type
from .._plan.body import build_body_field, flat_body_params, form_models, should_embed_body_fields
from .._plan.body import single_form_model
from .._plan.deps import _SPECIAL_ATTRIBUTES, flat_dependant_nodes
from .._plan.deps import get_dependant as get_dependant
from .._plan.deps import get_parameterless_sub_dependant as get_parameterless_sub_dependant
from .._plan.fields import ModelField
from .._plan.fields import create_model_field as create_model_field
from .._plan.form_unions import form_union_annotation, form_union_models
from .._plan.form_unions import normalize_form_model as _normalize_form_model  # FastAPI's name, the very function validators wrap
from .._plan.params import MULTIPART_INCORRECT_INSTALL, MULTIPART_NOT_INSTALLED
from .._plan.raw_values import FormItem, field_keys, form_items, is_empty_upload, read_value
from .._plan.request_keys import flatten_param_fields, is_json_field, param_model, reads_sequence, request_keys
from .._plan.params import special_kind
from .._plan.params import ParamDetails as ParamDetails
from .._plan.params import analyze_param as analyze_param
from .._plan.params import ensure_multipart_is_installed as ensure_multipart_is_installed
from .._plan.signature import evaluated_signature, resolve_annotation, typed_return_annotation, typed_signature
from ..background import BackgroundTasks as BackgroundTasks
from ..concurrency import _DependencyConcurrency as _DependencyConcurrency
from ..concurrency import contextmanager_in_threadpool as contextmanager_in_threadpool
from ..datastructures import UploadFile as UploadFile
from ..exceptions import DependencyScopeError as DependencyScopeError
from ..logger import logger as logger
from ..types import DependencyCacheKey as DependencyCacheKey
from ..types import UnionType as UnionType
from .._plan.http import get_path_param_names as get_path_param_names
from .models import Dependant as Dependant

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from .._plan.scopes import SecurityScopes as SecurityScopes

multipart_not_installed_error = MULTIPART_NOT_INSTALLED
multipart_incorrect_install_error = MULTIPART_INCORRECT_INSTALL


def get_typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    return typed_signature(call)


def get_typed_annotation(annotation: Any, globalns: dict[str, Any]) -> Any:
    return resolve_annotation(annotation, globalns)


def get_typed_return_annotation(call: Callable[..., Any]) -> Any:
    return typed_return_annotation(call)


def get_stream_item_type(annotation: Any) -> Any | None:
    return stream_item_type(annotation)


def get_validation_alias(field: ModelField) -> str:
    return field.validation_alias or field.alias


def add_non_field_param_to_dependency(*, param_name: str, type_annotation: Any, dependant: Dependant) -> bool | None:
    kind = special_kind(type_annotation)
    if kind is None:
        return None
    setattr(dependant, _SPECIAL_ATTRIBUTES[kind], param_name)
    return True


def add_param_to_fields(*, field: ModelField, dependant: Dependant) -> None:
    from .._plan.deps import _add_param_field

    _add_param_field(dependant, field)


def get_flat_params(dependant: Dependant) -> list[ModelField]:
    """Path, query, header and cookie fields of the whole tree, each dependency once, models expanded."""
    nodes = flat_dependant_nodes(dependant)
    by_location = [
        [field for node in nodes for field in getattr(node, f"{location}_params")]
        for location in ("path", "query", "header", "cookie")
    ]
    return [field for fields in by_location for field in flatten_param_fields(fields)]


def request_params_to_args(
    fields: Sequence[ModelField], received_params: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Any]]:
    if not fields:
        return {}, []
    location = getattr(getattr(fields[0].field_info, "in_", None), "value", "query")
    extract = compile_param_extractor(list(fields), location)
    assert extract is not None
    return extract(received_params)


async def request_body_to_args(
    body_fields: list[ModelField], received_body: Any, embed_body_fields: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    assert body_fields, "request_body_to_args() should be called with fields"
    return await compile_body_extractor(body_fields, embed_body_fields)(received_body)


@dataclass
class SolvedDependency:
    values: dict[str, Any]
    errors: list[Any]
    background_tasks: StarletteBackgroundTasks | None
    response: Response
    dependency_cache: dict[Any, Any]


async def solve_dependencies(
    *,
    request: Request | WebSocket,
    dependant: Dependant,
    body: Any = PydanticUndefined,
    background_tasks: StarletteBackgroundTasks | None = None,
    response: Response | None = None,
    dependency_overrides_provider: Any | None = None,
    dependency_cache: dict[Any, Any] | None = None,
    async_exit_stack: AsyncExitStack,
    embed_body_fields: bool,
) -> SolvedDependency:
    """Solve *dependant* for one request (compiles a solver for the call: a slow path)."""
    solver = compile_solver(dependant, embed_body_fields=embed_body_fields)
    scope = request.scope
    ctx = ConnectionContext(
        request,
        body,
        scope.get("fastapi_inner_astack", async_exit_stack),
        scope.get("fastapi_function_astack", async_exit_stack),
    )
    ctx.overrides = getattr(dependency_overrides_provider, "dependency_overrides", None)
    ctx.background_tasks = background_tasks
    ctx.response = response
    if dependency_cache is not None:
        ctx.cache = dependency_cache
    values, errors = await solver(ctx)
    return SolvedDependency(
        values=values,
        errors=errors,
        background_tasks=ctx.background_tasks,
        response=ctx.sub_response(),
        dependency_cache=ctx.cache,
    )


# ---- FastAPI's underscore helpers -----------------------------------------------------
# Extensions that re-plan a route after declaration (pagination, versioning) call these
# to rebuild ``route.body_field`` and to read parameter models; each is the engine's own
# analysis step under FastAPI's name and keyword signature.
# FastAPI parity: fastapi/dependencies/utils.py


def _get_flat_body_params(dependant: Dependant) -> list[ModelField]:
    return flat_body_params(dependant)


def _get_body_field(*, body_params: list[ModelField], name: str, embed_body_fields: bool) -> ModelField | None:
    return build_body_field(body_params=body_params, name=name, embed_body_fields=embed_body_fields)


def _should_embed_body_fields(fields: list[ModelField]) -> bool:
    return should_embed_body_fields(fields)


def _get_model_type(annotation: Any) -> Any:
    return optional_model_type(annotation)


def _get_param_model(field: ModelField) -> Any:
    return param_model(field)


def _get_flat_fields_from_params(fields: Sequence[ModelField]) -> list[ModelField]:
    return flatten_param_fields(fields)


def _get_param_aliases(field: ModelField, *, convert_underscores: bool = False) -> list[tuple[str, str]]:
    return request_keys(field, convert_underscores=convert_underscores)


def _is_json_field(field: ModelField) -> bool:
    return is_json_field(field)


def _is_empty_file_input(value: Any) -> bool:
    return is_empty_upload(value)


def _validate_value_with_model_field(
    *, field: ModelField, value: Any, values: dict[str, Any], loc: tuple[str, ...]
) -> tuple[Any, list[Any]]:
    return validate_field(field, value, loc)


def _get_form_models(field: ModelField) -> list[Any]:
    return form_models(field)


def _get_form_model(field: ModelField) -> Any:
    return single_form_model(field)


def _get_form_union_models(annotation: Any) -> list[Any]:
    return form_union_models(annotation)


def _add_form_union_validators(annotation: Any) -> Any:
    return form_union_annotation(annotation)


def _get_multidict_value(field: ModelField, values: Mapping[str, Any], alias: str) -> Any:
    return read_value(field, values, alias, as_list=reads_sequence(field))


def _extract_form_items(body_fields: list[ModelField], received_body: FormData) -> Iterator[FormItem]:
    return form_items(field_keys(body_fields), received_body)


async def _extract_form_body(body_fields: list[ModelField], received_body: FormData) -> AsyncIterator[FormItem]:
    async for item in form_values(field_keys(body_fields), received_body):
        yield item




def _is_form_model_supplied(model: type[Any], received_body: FormData) -> bool:
    return form_model_supplied(model, received_body)


_get_signature = evaluated_signature

# FastAPI imports these from ``fastapi._compat`` into this module; extensions take them from here.
_COMPAT_NAMES = (
    "RequiredParam", "Undefined", "copy_field_info", "create_body_model", "evaluate_forwardref",
    "field_annotation_is_scalar", "field_annotation_is_scalar_sequence", "field_annotation_is_sequence",
    "get_cached_model_fields", "get_missing_field_error", "is_bytes_or_nonable_bytes_annotation",
    "is_bytes_sequence_annotation", "is_scalar_field", "is_uploadfile_or_nonable_uploadfile_annotation",
    "is_uploadfile_sequence_annotation", "lenient_issubclass", "sequence_types", "serialize_sequence_value",
    "value_is_sequence",
)
_MODELS = "nimbleapi.dependencies.models"
_lazy.export_lazily(
    globals(),
    {
        "SecurityScopes": "nimbleapi.security.oauth2",
        **{name: "nimbleapi._compat" for name in _COMPAT_NAMES},
        **{
            name: _MODELS
            for name in (
                "_UsesScopesCache", "_get_cache_key", "_get_computed_scope", "_get_oauth_scopes",
                "_is_async_gen_callable", "_is_coroutine_callable", "_is_gen_callable",
            )
        },
    },
)
