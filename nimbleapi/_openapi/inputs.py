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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import params
from .._plan.deps import cache_key, is_security_scheme
from .._plan.fields import ModelField
from .._plan.params import flatten_param_fields
from ..dependencies.models import Dependant

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


def _walk(root: Dependant) -> Iterator[tuple[Dependant, list[str], bool]]:
    """Depth-first, in declaration order: (dependant, accumulated scopes, is_root), each key once."""
    # A list, not a set: keys are compared by equality and a callable need not be hashable.
    seen: list[CacheKey] = []
    memo: dict[int, bool] = {}
    stack: list[tuple[Dependant, list[str], bool]] = [(root, [], True)]
    while stack:
        dependant, parent_scopes, is_root = stack.pop()
        key = cache_key(dependant, memo)
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
        if not is_root and is_security_scheme(dependant):
            inputs.security_dependencies.append((dependant, scopes))
    return inputs

