"""What kind of callable a dependency or endpoint is: coroutine, generator, async generator, plain."""

from __future__ import annotations

import functools
import inspect
from asyncio import iscoroutinefunction as _legacy_iscoroutinefunction
from collections.abc import Callable
from typing import Any


def _impartial(call: Any) -> Any:
    while isinstance(call, functools.partial):
        call = call.func
    return call


def unwrapped_call(call: Any) -> Any:
    return inspect.unwrap(_impartial(call)) if call is not None else None


def _candidates(call: Callable[..., Any]) -> list[Any]:
    """The function objects whose kind decides the kind of *call* (itself, unwrapped, its __call__)."""
    found = [_impartial(call), unwrapped_call(call)]
    if inspect.isclass(unwrapped_call(call)):
        return found
    for owner in (_impartial(call), unwrapped_call(call)):
        dunder = getattr(owner, "__call__", None)
        if dunder is not None:
            found.extend([_impartial(dunder), unwrapped_call(dunder)])
    return found


def is_gen_callable(call: Callable[..., Any]) -> bool:
    return any(inspect.isgeneratorfunction(candidate) for candidate in _candidates(call))


def is_async_gen_callable(call: Callable[..., Any]) -> bool:
    return any(inspect.isasyncgenfunction(candidate) for candidate in _candidates(call))


def is_coroutine_callable(call: Callable[..., Any]) -> bool:
    return any(
        inspect.iscoroutinefunction(candidate) or _legacy_iscoroutinefunction(candidate) for candidate in _candidates(call)
    )
