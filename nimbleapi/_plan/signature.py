"""Reading a callable's signature with string annotations resolved (start-up only)."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable
from typing import Any, ForwardRef

try:  # Python 3.12+ has typing.evaluate_forward_ref only from 3.14; use the private evaluator.
    from typing import _eval_type  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    _eval_type = None


def _globals_of(call: Callable[..., Any]) -> dict[str, Any]:
    target: Any = call
    while isinstance(target, functools.partial):
        target = target.func
    target = inspect.unwrap(target)
    if not (inspect.isfunction(target) or inspect.ismethod(target)) and not inspect.isclass(target):
        target = getattr(target, "__call__", target)
    if inspect.isclass(target):
        target = getattr(target, "__init__", target)
    return getattr(inspect.unwrap(target), "__globals__", {})


@functools.lru_cache(maxsize=2048)
def _unevaluated_reference(text: str) -> ForwardRef:
    return ForwardRef(text)


def resolve_annotation(annotation: Any, globalns: dict[str, Any]) -> Any:
    if isinstance(annotation, str):
        # A copy of a cached reference: the same evaluation as a new ForwardRef, without
        # compiling the same annotation text again for every function that uses it.
        annotation = copy.copy(_unevaluated_reference(annotation))
    if isinstance(annotation, ForwardRef) and _eval_type is not None:
        annotation = _eval_type(annotation, globalns, globalns)
        if annotation is type(None):
            return None
    return annotation


def typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    """``inspect.signature(call)`` with every string annotation evaluated in the callable's module."""
    signature = inspect.signature(call)
    globalns = _globals_of(call)
    parameters = [
        parameter.replace(annotation=resolve_annotation(parameter.annotation, globalns))
        for parameter in signature.parameters.values()
    ]
    return inspect.Signature(parameters)


def typed_return_annotation(call: Callable[..., Any]) -> Any:
    signature = inspect.signature(call)
    annotation = signature.return_annotation
    if annotation is inspect.Signature.empty:
        return None
    return resolve_annotation(annotation, _globals_of(call))


def evaluated_signature(call: Callable[..., Any]) -> inspect.Signature:
    """``inspect.signature`` with string annotations evaluated; names that exist only for type
    checkers (``if TYPE_CHECKING:`` imports) leave the annotations as written."""
    try:
        return inspect.signature(call, eval_str=True)
    except NameError:
        return inspect.signature(call)
