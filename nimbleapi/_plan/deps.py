"""Building the dependency tree (``Dependant``) of an endpoint, once, from signatures.

Also the start-up facts the compiler needs about each node: its per-request cache key
and whether it uses security scopes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

from .. import _lazy, params
from .limits import _DependencyConcurrency
from ..dependencies.models import Dependant
from ..exceptions import DependencyScopeError
from .http import get_path_param_names
from .callables import is_async_gen_callable, is_gen_callable, unwrapped_call
from .edits import EditableList
from .lifespan import LIFESPAN, check_lifespan_dependency
from .params import special_kind
from .sharing import shared_param, shared_tree
from .signature import typed_signature

DependencyCacheKey = tuple[Callable[..., Any] | None, tuple[str, ...], str]

_SPECIAL_ATTRIBUTES = {
    "request": "request_param_name",
    "websocket": "websocket_param_name",
    "http_connection": "http_connection_param_name",
    "response": "response_param_name",
    "background_tasks": "background_tasks_param_name",
    "security_scopes": "security_scopes_param_name",
}


def computed_scope(dependant: Dependant) -> str | None:
    """``yield`` dependencies default to the "request" scope."""
    if dependant.scope:
        return dependant.scope
    if dependant.call is not None and (is_gen_callable(dependant.call) or is_async_gen_callable(dependant.call)):
        return "request"
    return None


def get_dependant(
    *,
    path: str,
    call: Callable[..., Any],
    name: str | None = None,
    own_oauth_scopes: list[str] | None = None,
    parent_oauth_scopes: list[str] | None = None,
    use_cache: bool = True,
    scope: Literal["function", "request", "lifespan"] | None = None,
    concurrency: _DependencyConcurrency | None = None,
) -> Dependant:
    """Analyse *call* and, recursively, its dependencies."""
    dependant = Dependant(
        call=call,
        name=name,
        path=path,
        use_cache=use_cache,
        scope=scope,
        concurrency=concurrency,
        own_oauth_scopes=own_oauth_scopes,
        parent_oauth_scopes=parent_oauth_scopes,
    )
    current_scopes = (parent_oauth_scopes or []) + (own_oauth_scopes or [])
    path_param_names = get_path_param_names(path)
    for param_name, param in typed_signature(call).parameters.items():
        details = shared_param(
            param_name=param_name, annotation=param.annotation, value=param.default, path_param_names=path_param_names
        )
        if details.depends is not None:
            dependant.dependencies.append(
                _sub_dependant(dependant, param_name, details.depends, path, current_scopes)
            )
            continue
        kind = special_kind(details.type_annotation)
        if kind is not None:
            if details.field is not None:
                raise AssertionError(f"Cannot specify multiple FastAPI annotations for {param_name!r}")
            setattr(dependant, _SPECIAL_ATTRIBUTES[kind], param_name)
            continue
        assert details.field is not None
        field = details.field
        if isinstance(field.field_info, params.Body):
            dependant.body_params.append(field)
        else:
            _add_param_field(dependant, field)
    return dependant


def _sub_dependant(
    parent: Dependant, param_name: str, depends: params.Depends, path: str, current_scopes: list[str]
) -> Dependant:
    assert depends.dependency is not None
    if (
        parent.call is not None
        and (is_gen_callable(parent.call) or is_async_gen_callable(parent.call))
        and computed_scope(parent) == "request"
        and depends.scope == "function"
    ):
        call_name = getattr(parent.call, "__name__", "<unnamed_callable>")
        raise DependencyScopeError(
            f'The dependency "{call_name}" has a scope of "request", it cannot depend on dependencies with scope "function".'
        )
    call = depends.dependency
    own_scopes = list(depends.scopes or []) if isinstance(depends, params.Security) else []
    return _checked_lifespan(depends, path, parent.call, shared_tree(
        call,
        (path, param_name, tuple(own_scopes), tuple(current_scopes), depends.use_cache, depends.scope, depends._concurrency),
        lambda: get_dependant(
            path=path,
            call=call,
            name=param_name,
            own_oauth_scopes=own_scopes,
            parent_oauth_scopes=current_scopes,
            use_cache=depends.use_cache,
            scope=depends.scope,
            concurrency=depends._concurrency,
        ),
    ))


def _checked_lifespan(depends: params.Depends, path: str, user: Callable[..., Any] | None, sub: Dependant) -> Dependant:
    if depends.scope == LIFESPAN:
        check_lifespan_dependency(sub, path=path, user=user)
    return sub


def _add_param_field(dependant: Dependant, field: Any) -> None:
    location: Any = getattr(field.field_info, "in_", None)
    target = {
        params.ParamTypes.path: dependant.path_params,
        params.ParamTypes.query: dependant.query_params,
        params.ParamTypes.header: dependant.header_params,
        params.ParamTypes.cookie: dependant.cookie_params,
    }.get(location)
    if target is None:
        raise AssertionError(f"non-body parameters must be in path, query, header or cookie: {field.name}")
    target.append(field)


def get_parameterless_sub_dependant(*, depends: params.Depends, path: str) -> Dependant:
    """The node for an entry of ``dependencies=[Depends(...)]`` (its value is not passed on)."""
    if not callable(depends.dependency):
        raise AssertionError("A parameter-less dependency must have a callable dependency")
    own_scopes = list(depends.scopes or []) if isinstance(depends, params.Security) else []
    sub = get_dependant(
        path=path,
        call=depends.dependency,
        scope=depends.scope,
        concurrency=depends._concurrency,
        own_oauth_scopes=own_scopes,
    )
    return _checked_lifespan(depends, path, None, sub)


def analyze_route_dependency(*, depends: params.Depends, path: str) -> Dependant:
    """``get_parameterless_sub_dependant`` for a route: shared by the routes declaring it alike."""
    if not callable(depends.dependency):
        raise AssertionError("A parameter-less dependency must have a callable dependency")
    own_scopes = tuple(depends.scopes or ()) if isinstance(depends, params.Security) else ()
    return shared_tree(
        depends.dependency,
        (path, None, own_scopes, (), True, depends.scope, depends._concurrency),
        lambda: get_parameterless_sub_dependant(depends=depends, path=path),
    )


def is_security_scheme(dependant: Dependant) -> bool:
    security_base = _lazy.loaded_attribute("nimbleapi.security.base", "SecurityBase")
    if security_base is None or dependant.call is None:  # no scheme exists before its module loads
        return False
    return isinstance(unwrapped_call(dependant.call), security_base)


def uses_scopes(dependant: Dependant, memo: dict[int, bool] | None = None) -> bool:
    """Whether this node's value can depend on the OAuth2 scopes requested above it."""
    memo = {} if memo is None else memo
    key = id(dependant)
    if key not in memo:
        memo[key] = bool(
            dependant.own_oauth_scopes
            or dependant.security_scopes_param_name is not None
            or is_security_scheme(dependant)
            or any(uses_scopes(sub, memo) for sub in dependant.dependencies)
        )
    return memo[key]


def cache_key(dependant: Dependant, memo: dict[int, bool] | None = None) -> DependencyCacheKey:
    """The per-request cache key: the callable, its scopes (when they matter) and its lifetime scope."""
    scopes = tuple(sorted(set(dependant.oauth_scopes))) if uses_scopes(dependant, memo) else ()
    return (dependant.call, scopes, computed_scope(dependant) or "")


def flat_dependant_nodes(dependant: Dependant) -> list[Dependant]:
    """Every distinct node of the tree (by cache key), depth first, parents before children."""
    # A list, not a set: keys hold the callables, which need not be hashable.
    seen: list[Any] = []
    memo: dict[int, bool] = {}
    ordered: list[Dependant] = []
    stack = [dependant]
    while stack:
        node = stack.pop()
        key = cache_key(node, memo)
        if key in seen:
            continue
        seen.append(key)
        ordered.append(node)
        stack.extend(reversed(node.dependencies))
    return ordered


def analyze_endpoint(*, path: str, call: Callable[..., Any]) -> Dependant:
    """The dependency tree of an endpoint served at *path* (a top node the caller may extend)."""
    tree = shared_tree(call, (path, "endpoint"), lambda: get_dependant(path=path, call=call, scope="function"))
    return dataclasses.replace(
        tree,
        path=path,
        path_params=EditableList(tree.path_params),
        query_params=EditableList(tree.query_params),
        header_params=EditableList(tree.header_params),
        cookie_params=EditableList(tree.cookie_params),
        body_params=EditableList(tree.body_params),
        dependencies=EditableList(tree.dependencies),
    )
