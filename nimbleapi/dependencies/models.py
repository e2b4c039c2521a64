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
    scope: Literal["function", "request"] | None = None
    concurrency: _DependencyConcurrency | None = None

    @property
    def oauth_scopes(self) -> list[str]:
        """Parent scopes followed by this dependency's own, without repeats, in order."""
        scopes = list(self.parent_oauth_scopes or [])
        scopes.extend(scope for scope in self.own_oauth_scopes or [] if scope not in scopes)
        return scopes


# The security schemes (and the OpenAPI models they document themselves with) load when
# an application uses one.
_lazy.export_lazily(globals(), {"SecurityBase": "nimbleapi.security.base"})
