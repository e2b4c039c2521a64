"""What an operation reads: its parameters and security schemes, from its route's plan.

Input: a route's ``RoutePlan`` (or a bare ``Dependant`` tree, for FastAPI's helpers).
Output: ``OperationInputs``: the path/query/header/cookie ``ParamPlan``s in the order the
tree declares them (each shared dependency counted once), and the security dependencies
with the OAuth2 scopes accumulated down to them. A parameter model's plan holds one plan
per model field, with the very ``ModelField`` objects every reader of the document sees.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import params
from .._plan.deps import cache_key, is_security_scheme
from .._plan.fields import ModelField
from .._plan.param_plan import ParamPlan, documented_params
from .._plan.route_plan import NodePlan, RoutePlan, plan_node
from ..dependencies.models import Dependant

CacheKey = tuple[Any, tuple[str, ...], str]


@dataclass
class OperationInputs:
    path_params: list[ParamPlan] = field(default_factory=list)
    query_params: list[ParamPlan] = field(default_factory=list)
    header_params: list[ParamPlan] = field(default_factory=list)
    cookie_params: list[ParamPlan] = field(default_factory=list)
    security_dependencies: list[tuple[Dependant, list[str]]] = field(default_factory=list)

    def groups(self) -> list[tuple[params.ParamTypes, list[ParamPlan]]]:
        return [
            (params.ParamTypes.path, self.path_params),
            (params.ParamTypes.query, self.query_params),
            (params.ParamTypes.header, self.header_params),
            (params.ParamTypes.cookie, self.cookie_params),
        ]

    def flat_params(self) -> list[ModelField]:
        """Every parameter field, parameter models expanded, path first then query, header, cookie."""
        return [flat.field for _, group in self.groups() for flat in documented_params(group)]

    def add(self, node: NodePlan) -> None:
        for location, plans in node.params:
            getattr(self, f"{location}_params").extend(plans)


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


def _node_without_body(dependant: Dependant) -> NodePlan:
    # Parameters only are read from it: how a body is embedded makes no difference.
    return plan_node(dependant, embed_body_fields=False)


def collect_operation_inputs(root: Dependant | RoutePlan) -> OperationInputs:
    """The inputs of a route's plan, or of a bare tree (planned here, as a route would be)."""
    tree, plan_of = (root.dependant, root.node) if isinstance(root, RoutePlan) else (root, _node_without_body)
    inputs = OperationInputs()
    for dependant, scopes, is_root in _walk(tree):
        inputs.add(plan_of(dependant))
        if not is_root and is_security_scheme(dependant):
            inputs.security_dependencies.append((dependant, scopes))
    return inputs

