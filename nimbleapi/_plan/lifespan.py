"""Lifespan-scoped dependencies at declaration: ``Depends(get_pool, scope="lifespan")``.

Such a dependency is created once when the application starts, before any request, so
nothing in its subtree may read request data: path, query, header, cookie or body
values, or the ``Request``, ``WebSocket``, ``Response``, ``BackgroundTasks`` and
``SecurityScopes`` objects. ``check_lifespan_dependency`` rejects that mistake when the
route is declared, naming the route, the function and its file and line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..dependencies.models import Dependant
from ..exceptions import DependencyScopeError
from .describe import describe_endpoint

LIFESPAN = "lifespan"

_SPECIAL_NAMES = {
    "request_param_name": "the Request",
    "websocket_param_name": "the WebSocket",
    "http_connection_param_name": "the HTTP connection",
    "response_param_name": "the Response",
    "background_tasks_param_name": "BackgroundTasks",
    "security_scopes_param_name": "SecurityScopes",
}
_LOCATIONS = (
    ("path_params", "path parameter"),
    ("query_params", "query parameter"),
    ("header_params", "header"),
    ("cookie_params", "cookie"),
    ("body_params", "body field"),
)


def request_inputs(node: Dependant) -> Iterator[str]:
    """What *node* itself reads from a request, in words."""
    for attribute, words in _LOCATIONS:
        for field in getattr(node, attribute):
            yield f"{words} {field.name!r}"
    for attribute, words in _SPECIAL_NAMES.items():
        name = getattr(node, attribute)
        if name is not None:
            yield f"{words} (parameter {name!r})"


def _function(call: Callable[..., Any] | None) -> str:
    if call is None:
        return "the route's dependencies"
    return describe_endpoint(["-"], "", call).partition("-> ")[2]


def check_lifespan_dependency(dependant: Dependant, *, path: str, user: Callable[..., Any] | None) -> None:
    """Raise ``DependencyScopeError`` when the lifespan-scoped *dependant* reads request data."""
    stack = [dependant]
    while stack:
        node = stack.pop()
        reading = next(request_inputs(node), None)
        if reading is not None:
            via = "" if node is dependant else f", through {_function(node.call)},"
            raise DependencyScopeError(
                f'Route {path or "(no path)"}: {_function(user)} depends on {_function(dependant.call)} with scope '
                f'"lifespan"{via} which reads {reading}. A lifespan-scoped dependency is created once at start-up, '
                "before any request, so it cannot read request data; give it no request parameters, or "
                'declare it with scope="request".'
            )
        stack.extend(node.dependencies)
