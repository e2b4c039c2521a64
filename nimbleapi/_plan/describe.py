"""Naming a route in error messages: method, path, function and source line, for definition-time
errors, and the endpoint context request-time errors carry."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import Scope

    from ..exceptions import EndpointContext


def describe_endpoint(methods: Iterable[str] | None, path: str, endpoint: Callable[..., Any]) -> str:
    """``"GET /items/{item_id} -> app.items:read_item (app/items.py:42)"``."""
    verbs = ",".join(sorted(methods)) if methods else "WEBSOCKET"
    target = inspect.unwrap(endpoint) if callable(endpoint) else endpoint
    qualified = f"{getattr(target, '__module__', '?')}:{getattr(target, '__qualname__', repr(target))}"
    try:
        source = f" ({inspect.getsourcefile(target)}:{inspect.getsourcelines(target)[1]})"
    except (TypeError, OSError):
        source = ""
    return f"{verbs} {path} -> {qualified}{source}"


@contextmanager
def located(describe: Callable[[], str]) -> Iterator[None]:
    """Add where a definition-time error happened to its message, keeping its type."""
    from ..exceptions import FastAPIError

    try:
        yield
    except (AssertionError, FastAPIError) as exc:
        message = str(exc.args[0]) if exc.args else type(exc).__name__
        exc.args = (f"{message}\n  while analysing {describe()}", *exc.args[1:])
        raise


def endpoint_context(call: Callable[..., Any]) -> EndpointContext:
    """Where an endpoint is defined, for error messages."""
    context: EndpointContext = {}
    try:
        target = inspect.unwrap(call)
        context["function"] = getattr(target, "__name__", repr(target))
        source_file = inspect.getsourcefile(target)
        if source_file:
            context["file"] = source_file
            # The code object's first line is what getsourcelines would find, without reading the file.
            context["line"] = target.__code__.co_firstlineno
    except (TypeError, OSError, AttributeError):
        pass
    return context


class EndpointContexts:
    """A route's endpoint context for error messages, looked up on the first error only."""

    __slots__ = ("_call", "path", "_static")

    def __init__(self, call: Callable[..., Any], path: str) -> None:
        self._call = call
        self.path = path
        self._static: EndpointContext | None = None

    @property
    def static(self) -> EndpointContext:
        if self._static is None:
            self._static = endpoint_context(self._call)
        return self._static

    def for_scope(self, scope: Scope) -> EndpointContext:
        """The context with the request's ``"METHOD /mount/path"`` (FastAPI's shape)."""
        ctx = dict(self.static)
        mount_path = scope.get("root_path", "").rstrip("/")
        ctx["path"] = f"{scope['method']} {mount_path}{self.path}"
        return ctx  # type: ignore[return-value]
