"""What an operation reads: its parameters and security schemes, from its ``Dependant`` tree.

Input: a route's ``Dependant`` (endpoint plus nested dependencies).
Output: ``OperationInputs``: path/query/header/cookie fields in the order the tree
declares them (each shared dependency counted once), and the security dependencies
with the OAuth2 scopes accumulated down to them. Parameter models (a pydantic model
declared as ``Query()``/``Header()``/``Cookie()``) are expanded into one field per
model field; the expanded fields are cached per model so every reader of the document
sees the very same ``ModelField`` objects.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, is_dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, Json

from .. import params
from .._plan.fields import ModelField
from ..dependencies.models import Dependant
from ..types import UnionType

CacheKey = tuple[Any, tuple[str, ...], str]


@dataclass
class OperationInputs:
    path_params: list[ModelField] = field(default_factory=list)
    query_params: list[ModelField] = field(default_factory=list)
    header_params: list[ModelField] = field(default_factory=list)
    cookie_params: list[ModelField] = field(default_factory=list)
    security_dependencies: list[tuple[Dependant, list[str]]] = field(default_factory=list)

    def groups(self) -> list[tuple[params.ParamTypes, list[ModelField]]]:
        return [
            (params.ParamTypes.path, self.path_params),
            (params.ParamTypes.query, self.query_params),
            (params.ParamTypes.header, self.header_params),
            (params.ParamTypes.cookie, self.cookie_params),
        ]

    def flat_params(self) -> list[ModelField]:
        """Every parameter field, parameter models expanded, path first then query, header, cookie."""
        return [flat for _, group in self.groups() for flat in flatten_param_fields(group)]


def merge_unique(target: list[str], items: Sequence[str]) -> list[str]:
    """Append the items ``target`` lacks, in order (scopes are ordered, never a set)."""
    for item in items:
        if item not in target:
            target.append(item)
    return target


def unwrapped_call(call: Callable[..., Any] | None) -> Any:
    """The function behind partials and decorators (``functools.wraps``)."""
    while isinstance(call, functools.partial):
        call = call.func
    return inspect.unwrap(call) if call is not None else None


def is_security_dependency(dependant: Dependant) -> bool:
    from ..security.base import SecurityBase

    return isinstance(unwrapped_call(dependant.call), SecurityBase)


def _is_generator_call(call: Any) -> bool:
    """Whether ``call`` (or, for a callable instance, its ``__call__``) yields."""
    target = unwrapped_call(call)
    if not _is_generator_function(target) and not inspect.isclass(target):
        target = unwrapped_call(getattr(target, "__call__", None))  # noqa: B004
    return _is_generator_function(target)


def _is_generator_function(function: Any) -> bool:
    return inspect.isgeneratorfunction(function) or inspect.isasyncgenfunction(function)


def _uses_scopes(dependant: Dependant, cache: dict[int, bool]) -> bool:
    key = id(dependant)
    if key not in cache:
        cache[key] = bool(
            dependant.own_oauth_scopes
            or dependant.security_scopes_param_name is not None
            or is_security_dependency(dependant)
            or any(_uses_scopes(sub, cache) for sub in dependant.dependencies)
        )
    return cache[key]


def _cache_key(dependant: Dependant, uses_scopes_cache: dict[int, bool]) -> CacheKey:
    # FastAPI parity: a dependency is the same one (and so read once) when its callable,
    # its OAuth2 scopes (only if something uses them) and its scope match.
    scopes = tuple(sorted(set(dependant.oauth_scopes))) if _uses_scopes(dependant, uses_scopes_cache) else ()
    scope = dependant.scope or ("request" if dependant.call and _is_generator_call(dependant.call) else "")
    return dependant.call, scopes, scope


def _walk(root: Dependant) -> Iterator[tuple[Dependant, list[str], bool]]:
    """Depth-first, in declaration order: (dependant, accumulated scopes, is_root), each key once."""
    # A list, not a set: keys are compared by equality and a callable need not be hashable.
    seen: list[CacheKey] = []
    uses_scopes_cache: dict[int, bool] = {}
    stack: list[tuple[Dependant, list[str], bool]] = [(root, [], True)]
    while stack:
        dependant, parent_scopes, is_root = stack.pop()
        key = _cache_key(dependant, uses_scopes_cache)
        if key in seen:
            continue
        seen.append(key)
        scopes = merge_unique(list(parent_scopes), dependant.oauth_scopes)
        yield dependant, scopes, is_root
        stack.extend((sub, scopes, False) for sub in reversed(dependant.dependencies))


def collect_operation_inputs(root: Dependant) -> OperationInputs:
    inputs = OperationInputs()
    for dependant, scopes, is_root in _walk(root):
        inputs.path_params.extend(dependant.path_params)
        inputs.query_params.extend(dependant.query_params)
        inputs.header_params.extend(dependant.header_params)
        inputs.cookie_params.extend(dependant.cookie_params)
        if not is_root and is_security_dependency(dependant):
            inputs.security_dependencies.append((dependant, scopes))
    return inputs


def _is_json_field(model_field: ModelField) -> bool:
    return any(type(item) is Json for item in model_field.field_info.metadata)


def _optional_inner(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        arguments = get_args(annotation)
        if len(arguments) == 2 and type(None) in arguments:
            return next(argument for argument in arguments if argument is not type(None))
    return annotation


def param_model(model_field: ModelField) -> type[BaseModel] | None:
    """The pydantic model declared as a whole group of parameters, if this field is one."""
    annotation = model_field.field_info.annotation
    if isinstance(model_field.field_info, (params.Query, params.Header, params.Cookie)):
        annotation = _optional_inner(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and not _is_json_field(model_field):
        return annotation
    return None


@functools.lru_cache(maxsize=1024)
def param_model_fields(model: type[BaseModel]) -> list[ModelField]:
    """One field per model field; nested models and dicts keep their own configuration."""
    fields = []
    for name, field_info in model.model_fields.items():
        annotation = field_info.annotation
        own_config = isinstance(annotation, type) and (
            issubclass(annotation, (BaseModel, dict)) or is_dataclass(annotation)
        )
        fields.append(ModelField(field_info=field_info, name=name, config=None if own_config else model.model_config))
    return fields


def flatten_param_fields(fields: Sequence[ModelField]) -> list[ModelField]:
    flat: list[ModelField] = []
    for model_field in fields:
        model = param_model(model_field)
        flat.extend(param_model_fields(model) if model is not None else [model_field])
    return flat
