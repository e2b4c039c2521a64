"""Naming a route in definition-time error messages: method, path, function and source line."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any


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
