"""``Dependant``: the analysed form of an endpoint or dependency (FastAPI's shape).

One ``Dependant`` tree is built per route at start-up by ``nimbleapi._plan``; the
request path runs a flattened, compiled form of it, and the OpenAPI generator reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .. import _lazy
from .._plan.fields import ModelField
from ..concurrency import _DependencyConcurrency
from ..types import DependencyCacheKey as DependencyCacheKey

if TYPE_CHECKING:
    from ..security.base import SecurityBase as SecurityBase


@dataclass(slots=True)
class Dependant:
    path_params: list[ModelField] = field(default_factory=list)
    query_params: list[ModelField] = field(default_factory=list)
    header_params: list[ModelField] = field(default_factory=list)
    cookie_params: list[ModelField] = field(default_factory=list)
    body_params: list[ModelField] = field(default_factory=list)
    dependencies: list[Dependant] = field(default_factory=list)
    name: str | None = None
    call: Callable[..., Any] | None = None
    request_param_name: str | None = None
    websocket_param_name: str | None = None
    http_connection_param_name: str | None = None
    response_param_name: str | None = None
    background_tasks_param_name: str | None = None
    security_scopes_param_name: str | None = None
    own_oauth_scopes: list[str] | None = None
    parent_oauth_scopes: list[str] | None = None
    use_cache: bool = True
    path: str | None = None
    scope: Literal["function", "request", "lifespan"] | None = None
    concurrency: _DependencyConcurrency | None = None

    @property
    def oauth_scopes(self) -> list[str]:
        """Parent scopes followed by this dependency's own, without repeats, in order."""
        scopes = list(self.parent_oauth_scopes or [])
        scopes.extend(scope for scope in self.own_oauth_scopes or [] if scope not in scopes)
        return scopes


_UsesScopesCache = dict[int, tuple[Dependant, bool]]

# FastAPI's helpers over a Dependant live with the analysis that answers the same
# questions; they load on first use, as do the security schemes (and the OpenAPI models
# they document themselves with) when an application uses one.
_FACTS = "nimbleapi._plan.dependant_facts"
_lazy.export_lazily(
    globals(),
    {
        "SecurityBase": "nimbleapi.security.base",
        "_CALLABLE_CLASSIFICATION_CACHE_SIZE": f"{_FACTS}:CALLABLE_CLASSIFICATION_CACHE_SIZE",
        "_CallIdentity": f"{_FACTS}:CallIdentity",
        "_get_cache_key": f"{_FACTS}:get_cache_key",
        "_get_computed_scope": f"{_FACTS}:get_computed_scope",
        "_get_oauth_scopes": f"{_FACTS}:get_oauth_scopes",
        "_get_security_scheme": f"{_FACTS}:get_security_scheme",
        "_impartial": "nimbleapi._plan.callables",
        "_is_async_gen_callable": f"{_FACTS}:is_async_gen_callable",
        "_is_async_gen_callable_cached": f"{_FACTS}:is_async_gen_callable_cached",
        "_is_coroutine_callable": f"{_FACTS}:is_coroutine_callable",
        "_is_coroutine_callable_cached": f"{_FACTS}:is_coroutine_callable_cached",
        "_is_gen_callable": f"{_FACTS}:is_gen_callable",
        "_is_gen_callable_cached": f"{_FACTS}:is_gen_callable_cached",
        "_is_security_scheme": f"{_FACTS}:is_security_scheme",
        "_unwrapped_call": "nimbleapi._plan.callables:unwrapped_call",
        "_uses_scopes": f"{_FACTS}:uses_scopes",
    },
)
