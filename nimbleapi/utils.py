"""Public helpers kept at FastAPI's paths."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING as TYPE_CHECKING  # in FastAPI's module namespace
from typing import Any, Protocol

from . import _lazy
from ._plan.fields import INVALID_RESPONSE_TYPE_MESSAGE as _invalid_args_message  # noqa: F401  (FastAPI's name)
from ._plan.fields import ModelField as ModelField
from ._plan.fields import create_model_field as create_model_field
from ._plan.http import deep_dict_update as deep_dict_update
from ._plan.http import get_path_param_names as get_path_param_names
from ._plan.http import is_body_allowed_for_status_code as is_body_allowed_for_status_code
from .datastructures import DefaultPlaceholder, DefaultType
from .exceptions import FastAPIDeprecationWarning as FastAPIDeprecationWarning
from .exceptions import PydanticV1NotSupportedError as PydanticV1NotSupportedError


class _IdentifiedRoute(Protocol):
    """What an operation id is made from (an ``APIRoute``)."""

    @property
    def name(self) -> str: ...
    @property
    def path_format(self) -> str: ...
    @property
    def methods(self) -> Collection[str] | None: ...


def generate_operation_id_for_path(*, name: str, path: str, method: str) -> str:
    operation_id = f"{name}{path}"
    operation_id = re.sub(r"\W", "_", operation_id)
    return f"{operation_id}_{method.lower()}"


def generate_unique_id(route: _IdentifiedRoute) -> str:
    """The default operation id: endpoint name, path and first method, as FastAPI builds it."""
    operation_id = f"{route.name}{route.path_format}"
    operation_id = re.sub(r"\W", "_", operation_id)
    assert route.methods
    return f"{operation_id}_{list(route.methods)[0].lower()}"


def get_value_or_default(
    first_item: DefaultPlaceholder | DefaultType, *extra_items: DefaultPlaceholder | DefaultType
) -> DefaultPlaceholder | DefaultType:
    """The first item that is not a ``DefaultPlaceholder``, else the first item."""
    for item in (first_item, *extra_items):
        if not isinstance(item, DefaultPlaceholder):
            return item
    return first_item



def create_cloned_field(field: ModelField, *, cloned_types: dict[Any, Any] | None = None) -> ModelField:
    """The field itself. FastAPI releases before 0.119 exported this to copy Pydantic v1
    fields; v2 fields are never mutated, so they dropped the copy and later the name,
    which extensions written for those releases (fastapi-amis-admin) still import."""
    return field

# FastAPI imports these from ``fastapi._compat`` into this module; they load on first use.
_lazy.export_lazily(
    globals(),
    {name: "nimbleapi._compat" for name in ("PydanticSchemaGenerationError", "Undefined", "annotation_is_pydantic_v1", "v2")},
)
