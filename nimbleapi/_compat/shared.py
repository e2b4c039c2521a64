"""``fastapi._compat.shared``: annotation classification helpers, served by ``nimbleapi._plan.annotations``."""

from __future__ import annotations

import types
import typing
from typing import Any, TypeVar

from pydantic.version import VERSION as PYDANTIC_VERSION

from .._plan.annotations import SEQUENCE_BUILDERS, SEQUENCE_TYPES
from .._plan.annotations import _is_complex_type as _annotation_is_complex
from .._plan.annotations import _is_pydantic_v1_class as is_pydantic_v1_model_class
from .._plan.annotations import _is_sequence_type as _annotation_is_sequence
from .._plan.annotations import annotation_is_pydantic_v1 as annotation_is_pydantic_v1
from .._plan.annotations import field_annotation_is_complex as field_annotation_is_complex
from .._plan.annotations import field_annotation_is_scalar as field_annotation_is_scalar
from .._plan.annotations import field_annotation_is_scalar_sequence as field_annotation_is_scalar_sequence
from .._plan.annotations import field_annotation_is_sequence as field_annotation_is_sequence
from .._plan.annotations import is_bytes_or_nonable_bytes_annotation as is_bytes_or_nonable_bytes_annotation
from .._plan.annotations import is_bytes_sequence_annotation as is_bytes_sequence_annotation
from .._plan.annotations import is_pydantic_v1_model_instance as is_pydantic_v1_model_instance
from .._plan.annotations import (
    is_uploadfile_or_nonable_uploadfile_annotation as is_uploadfile_or_nonable_uploadfile_annotation,
)
from .._plan.annotations import is_uploadfile_sequence_annotation as is_uploadfile_sequence_annotation
from .._plan.annotations import lenient_issubclass as lenient_issubclass
from ..types import UnionType as UnionType

_T = TypeVar("_T")
# The generic-alias types whose subclass checks raise TypeError (``list[int]``, ``int | None``).
WithArgsTypes: tuple[Any, ...] = (typing._GenericAlias, types.GenericAlias, types.UnionType)  # type: ignore[attr-defined]
PYDANTIC_VERSION_MINOR_TUPLE = tuple(int(part) for part in PYDANTIC_VERSION.split(".")[:2])
sequence_annotation_to_type = SEQUENCE_BUILDERS
sequence_types = SEQUENCE_TYPES


def value_is_sequence(value: Any) -> bool:
    return isinstance(value, SEQUENCE_TYPES) and not isinstance(value, (str, bytes))
