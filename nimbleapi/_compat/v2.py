"""``fastapi._compat.v2``: the Pydantic v2 field and schema helpers, served by nimbleapi's engine.

``ModelField`` is the engine's own field type; the schema helpers delegate to
``nimbleapi._openapi.schemas``, which generates the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import PydanticSchemaGenerationError as PydanticSchemaGenerationError
from pydantic import PydanticUndefinedAnnotation as PydanticUndefinedAnnotation
from pydantic import ValidationError as ValidationError
from pydantic.fields import FieldInfo as FieldInfo
from pydantic.json_schema import JsonSchemaValue as JsonSchemaValue
from pydantic_core import CoreSchema as CoreSchema
from pydantic_core import PydanticUndefined
from pydantic_core import Url as Url
from pydantic_core.core_schema import with_info_plain_validator_function as with_info_plain_validator_function

from .._openapi import schemas as _schemas
from .._openapi.schemas import OpenAPIJsonSchema as GenerateJsonSchema
from .._openapi.schemas import normalize_name as normalize_name
from .._plan import fields as _fields
from .._plan.annotations import field_annotation_is_scalar, lenient_issubclass, rebuild_sequence
from .._plan.body import create_body_model as _create_body_model
from .._plan.fields import ModelField as ModelField
from .._plan.signature import resolve_annotation
from .._plan.openapi_constants import REF_TEMPLATE as REF_TEMPLATE
from ..types import IncEx as IncEx
from ..types import ModelNameMap as ModelNameMap
from ..types import UnionType as UnionType
from . import shared as shared

RequiredParam = PydanticUndefined
Undefined = PydanticUndefined
TypeModelOrEnum = type[BaseModel] | type[Enum]
TypeModelSet = set[TypeModelOrEnum]
# The FieldInfo attributes (with their unset defaults) that a copy carries over.
_Attrs: dict[str, Any] = {
    "default": ..., "default_factory": None, "alias": None, "alias_priority": None,
    "validation_alias": None, "serialization_alias": None, "title": None,
    "field_title_generator": None, "description": None, "examples": None, "exclude": None,
    "exclude_if": None, "discriminator": None, "deprecated": None, "json_schema_extra": None,
    "frozen": None, "validate_default": None, "repr": True, "init": None, "init_var": None,
    "kw_only": None,
}


def evaluate_forwardref(value: Any, globalns: dict[str, Any] | None = None, localns: dict[str, Any] | None = None) -> Any:
    """*value* with string annotations resolved where possible; left as it is where not."""
    try:
        return resolve_annotation(value, {**(globalns or {}), **(localns or {})})
    except NameError:  # an undefined name stays a forward reference, as Pydantic's lenient evaluation leaves it
        return value


def asdict(field_info: FieldInfo) -> dict[str, Any]:
    return _fields.field_info_asdict(field_info)


def _annotation_has_computed_fields(annotation: Any, *, known_models: set[type[BaseModel]]) -> bool:
    return _schemas._annotation_has_computed_fields(annotation, known_models)


def _has_computed_fields(field: ModelField) -> bool:
    return _schemas.has_computed_fields(field)


def get_schema_from_model_field(
    *,
    field: ModelField,
    model_name_map: ModelNameMap,
    field_mapping: dict[Any, JsonSchemaValue],
    separate_input_output_schemas: bool = True,
    field_alias: str | None = None,
) -> dict[str, Any]:
    return _schemas.field_schema(
        field, field_mapping, separate_input_output_schemas=separate_input_output_schemas, alias=field_alias
    )


def get_definitions(
    *, fields: Sequence[ModelField], model_name_map: ModelNameMap, separate_input_output_schemas: bool = True
) -> tuple[dict[Any, JsonSchemaValue], dict[str, dict[str, Any]]]:
    return _schemas.build_definitions(fields, separate_input_output_schemas=separate_input_output_schemas)


def is_scalar_field(field: ModelField) -> bool:
    from .. import params

    return field_annotation_is_scalar(field.field_info.annotation) and not isinstance(field.field_info, params.Body)


def copy_field_info(*, field_info: FieldInfo, annotation: Any) -> FieldInfo:
    return _fields.copy_field_info(field_info, annotation)


def serialize_sequence_value(*, field: ModelField, value: Any) -> Sequence[Any]:
    return rebuild_sequence(field.field_info.annotation, value)  # type: ignore[no-any-return]


def get_missing_field_error(loc: tuple[int | str, ...]) -> dict[str, Any]:
    return _fields.missing_field_error(loc)


def create_body_model(
    *, fields: Sequence[ModelField], model_name: str, config: ConfigDict | None = None
) -> type[BaseModel]:
    return _create_body_model(fields=fields, model_name=model_name, config=config)


def get_model_fields(model: type[BaseModel]) -> list[ModelField]:
    return _fields.model_fields_of(model)


@lru_cache
def get_cached_model_fields(model: type[BaseModel]) -> list[ModelField]:
    return _fields.model_fields_of(model)


def get_model_name_map(unique_models: TypeModelSet) -> dict[TypeModelOrEnum, str]:
    return _schemas.get_model_name_map(unique_models)


def get_flat_models_from_model(model: type[BaseModel], known_models: TypeModelSet | None = None) -> TypeModelSet:
    known_models = known_models if known_models is not None else set()
    return get_flat_models_from_fields(get_model_fields(model), known_models=known_models)


def get_flat_models_from_annotation(annotation: Any, known_models: TypeModelSet) -> TypeModelSet:
    known_models.update(_schemas.collect_flat_models([ModelField(field_info=FieldInfo(annotation=annotation), name="_")]))
    return known_models


def get_flat_models_from_field(field: ModelField, known_models: TypeModelSet) -> TypeModelSet:
    known_models.update(_schemas.collect_flat_models([field]))
    return known_models


def get_flat_models_from_fields(fields: Sequence[ModelField], known_models: TypeModelSet) -> TypeModelSet:
    known_models.update(_schemas.collect_flat_models(fields))
    return known_models


def _regenerate_error_with_loc(*, errors: Sequence[Any], loc_prefix: tuple[str | int, ...]) -> list[dict[str, Any]]:
    return [{**error, "loc": loc_prefix + tuple(error.get("loc", ()))} for error in errors]
