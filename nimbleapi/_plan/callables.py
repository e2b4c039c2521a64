"""What kind of callable a dependency or endpoint is: coroutine, generator, async generator, plain."""

from __future__ import annotations

import functools
import inspect
import types
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
    if inspect.isclass(found[1]):
        return found
    if type(call) is types.FunctionType and found[1] is call:
        # A plain function's ``__call__`` is a method-wrapper, which is never a
        # generator or coroutine function: the function alone decides.
        return [call]
    for owner in (_impartial(call), unwrapped_call(call)):
        dunder = getattr(owner, "__call__", None)
        if dunder is not None:
            found.extend([_impartial(dunder), unwrapped_call(dunder)])
    return found


def _is_coroutine_function(candidate: Any) -> bool:
    return inspect.iscoroutinefunction(candidate) or _legacy_iscoroutinefunction(candidate)


_KINDS: dict[str, Callable[[Any], bool]] = {
    "generator": inspect.isgeneratorfunction,
    "async_generator": inspect.isasyncgenfunction,
    "coroutine": _is_coroutine_function,
}
# id(call) -> (call, kinds): the call is kept so that its id cannot be reused while cached.
_kinds_by_call: dict[int, tuple[Any, frozenset[str]]] = {}


def callable_kinds(call: Callable[..., Any]) -> frozenset[str]:
    """Which of generator / async_generator / coroutine *call* is (worked out once per callable)."""
    cached = _kinds_by_call.get(id(call))
    if cached is not None and cached[0] is call:
        return cached[1]
    candidates = _candidates(call)
    kinds = frozenset(kind for kind, test in _KINDS.items() if any(test(candidate) for candidate in candidates))
    if len(_kinds_by_call) > 20_000:  # bound methods made on the fly would otherwise pile up
        _kinds_by_call.clear()
    _kinds_by_call[id(call)] = (call, kinds)
    return kinds


def is_gen_callable(call: Callable[..., Any]) -> bool:
    return "generator" in callable_kinds(call)


def is_async_gen_callable(call: Callable[..., Any]) -> bool:
    return "async_generator" in callable_kinds(call)


def is_coroutine_callable(call: Callable[..., Any]) -> bool:
    return "coroutine" in callable_kinds(call)
