"""FastAPI's helpers answering questions about one ``Dependant`` (``fastapi.dependencies.models``).

The engine asks the same questions through ``_plan.deps`` and ``_plan.callables`` while it
analyses a route; these are the keyword-argument forms extensions call, with FastAPI's
bounded per-callable caches (``cache_info()``/``cache_clear()``), keyed by identity so
that unhashable or equal-but-distinct callables are classified on their own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from . import deps
from .callables import callable_kinds, unwrapped_call

if TYPE_CHECKING:
    from ..dependencies.models import Dependant
    from ..security.base import SecurityBase
    from ..types import DependencyCacheKey

CALLABLE_CLASSIFICATION_CACHE_SIZE = 4096
UsesScopesCache = dict[int, tuple[Any, bool]]


class CallIdentity:
    """A callable as a cache key: hashed and compared by identity, never by its own ``__eq__``."""

    __slots__ = ("call",)

    def __init__(self, call: Callable[..., Any]) -> None:
        self.call = call

    def __hash__(self) -> int:
        return id(self.call)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CallIdentity) and self.call is other.call


def _classifier(kind: str) -> Any:
    @lru_cache(maxsize=CALLABLE_CLASSIFICATION_CACHE_SIZE)
    def classify(call_identity: CallIdentity) -> bool:
        return kind in callable_kinds(call_identity.call)

    return classify


is_gen_callable_cached = _classifier("generator")
is_async_gen_callable_cached = _classifier("async_generator")
is_coroutine_callable_cached = _classifier("coroutine")


def is_gen_callable(call: Callable[..., Any] | None) -> bool:
    return call is not None and bool(is_gen_callable_cached(CallIdentity(call)))


def is_async_gen_callable(call: Callable[..., Any] | None) -> bool:
    return call is not None and bool(is_async_gen_callable_cached(CallIdentity(call)))


def is_coroutine_callable(call: Callable[..., Any] | None) -> bool:
    return call is not None and bool(is_coroutine_callable_cached(CallIdentity(call)))


def get_oauth_scopes(*, dependant: Dependant) -> list[str]:
    return dependant.oauth_scopes


def uses_scopes(*, dependant: Dependant, cache: UsesScopesCache | None = None) -> bool:
    """Whether the node's value can depend on requested scopes; *cache* remembers nodes by identity."""
    cache = {} if cache is None else cache
    cached = cache.get(id(dependant))
    if cached is not None and cached[0] is dependant:
        return cached[1]
    result = bool(
        dependant.own_oauth_scopes
        or dependant.security_scopes_param_name is not None
        or is_security_scheme(dependant=dependant)
        or any(uses_scopes(dependant=sub, cache=cache) for sub in dependant.dependencies)
    )
    cache[id(dependant)] = (dependant, result)
    return result


def get_cache_key(*, dependant: Dependant, uses_scopes_cache: UsesScopesCache | None = None) -> DependencyCacheKey:
    scopes = tuple(sorted(set(dependant.oauth_scopes))) if uses_scopes(dependant=dependant, cache=uses_scopes_cache) else ()
    return (dependant.call, scopes, deps.computed_scope(dependant) or "")


def is_security_scheme(*, dependant: Dependant) -> bool:
    return deps.is_security_scheme(dependant)


def get_security_scheme(*, dependant: Dependant) -> SecurityBase:
    scheme = unwrapped_call(dependant.call)
    if not is_security_scheme(dependant=dependant):
        raise AssertionError(f"{scheme!r} is not a security scheme")
    return scheme  # type: ignore[no-any-return]


def get_computed_scope(*, dependant: Dependant) -> str | None:
    return deps.computed_scope(dependant)
