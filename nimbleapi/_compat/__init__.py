"""Names that FastAPI extensions import from ``fastapi._compat``, mapped onto nimbleapi's engine.

Only Pydantic v2 is supported, so these are plain re-exports of the analysis helpers.
"""

from __future__ import annotations

from typing import Any

from pydantic import VERSION as PYDANTIC_VERSION
from pydantic import PydanticSchemaGenerationError as PydanticSchemaGenerationError
from pydantic_core import PydanticUndefined
from pydantic_core import Url as Url
from pydantic_core.core_schema import with_info_plain_validator_function as with_info_plain_validator_function

from .._plan.annotations import SEQUENCE_TYPES
from .._plan.annotations import annotation_is_pydantic_v1 as annotation_is_pydantic_v1
from .._plan.annotations import field_annotation_is_scalar as field_annotation_is_scalar
from .._plan.annotations import field_annotation_is_scalar_sequence as field_annotation_is_scalar_sequence
from .._plan.annotations import field_annotation_is_sequence as field_annotation_is_sequence
from .._plan.annotations import is_bytes_or_nonable_bytes_annotation as is_bytes_or_nonable_bytes_annotation
from .._plan.annotations import is_bytes_sequence_annotation as is_bytes_sequence_annotation
from .._plan.annotations import (
    is_uploadfile_or_nonable_uploadfile_annotation as is_uploadfile_or_nonable_uploadfile_annotation,
)
from .._plan.annotations import is_uploadfile_sequence_annotation as is_uploadfile_sequence_annotation
from .._plan.annotations import lenient_issubclass as lenient_issubclass
from .._plan.body import create_body_model as create_body_model
from .._plan.fields import ModelField as ModelField
from .._plan.fields import copy_field_info as _copy_field_info
from .._plan.fields import missing_field_error, model_fields_of

PYDANTIC_VERSION_MINOR_TUPLE = tuple(int(part) for part in PYDANTIC_VERSION.split(".")[:2])
PYDANTIC_V2 = True
Undefined = PydanticUndefined
RequiredParam = PydanticUndefined
sequence_types = SEQUENCE_TYPES


def copy_field_info(*, field_info: Any, annotation: Any) -> Any:
    return _copy_field_info(field_info, annotation)


def get_missing_field_error(loc: tuple[int | str, ...]) -> dict[str, Any]:
    return missing_field_error(loc)


def get_cached_model_fields(model: type[Any]) -> list[ModelField]:
    return model_fields_of(model)


def value_is_sequence(value: Any) -> bool:
    return isinstance(value, SEQUENCE_TYPES) and not isinstance(value, (str, bytes))


def is_scalar_field(field: ModelField) -> bool:
    from pydantic import BaseModel

    from .. import params

    annotation = field.field_info.annotation
    return (
        field_annotation_is_scalar(annotation)
        and not lenient_issubclass(annotation, BaseModel)
        and not isinstance(field.field_info, params.Body)
    )


def is_pydantic_v1_model_instance(obj: Any) -> bool:
    try:
        from pydantic import v1
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, v1.BaseModel)
