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


def _defining_globals(call: Callable[..., Any]) -> dict[str, Any]:
    """The globals ``inspect.signature(call, eval_str=True)`` evaluates string annotations in:
    those of the function that defines the parameters (through partials, a callable
    instance's ``__call__``, a class's ``__init__``)."""
    target: Any = inspect.unwrap(call)
    own = getattr(target, "__globals__", None)
    if own is not None:  # a function, or an object that stands for one
        return own  # type: ignore[no-any-return]
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
        try:
            annotation = _eval_type(annotation, globalns, globalns)
        except NameError:
            # A name the module lacks at run time (imported only for type checkers, or local
            # to a function): the annotation stays a forward reference, as Pydantic's lenient
            # evaluation leaves it, and the parameter is read as what that makes it.
            return annotation
        if annotation is type(None):
            return None
    return annotation


def typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    """*call*'s signature with string annotations evaluated, as FastAPI reads it.

    Every string annotation (the return annotation too) is first evaluated once, as
    written, in the globals of the function that defines it; if one names something those
    globals lack (an import only for type checkers), none is. Then what is still a string
    is resolved on its own, where it can be, in the ``__globals__`` that *call* itself
    carries (none for a partial or a callable instance); the rest stay forward references.
    """
    signature = inspect.signature(call)
    try:
        signature = _evaluated_as_written(signature, _defining_globals(call))
    except NameError:
        pass
    globalns = getattr(inspect.unwrap(call), "__globals__", {})
    return inspect.Signature(
        [
            parameter.replace(annotation=resolve_annotation(parameter.annotation, globalns))
            for parameter in signature.parameters.values()
        ]
    )


def _evaluated_as_written(signature: inspect.Signature, globalns: dict[str, Any]) -> inspect.Signature:
    """``eval()`` of each string annotation (forward references within it stay), as
    ``inspect.signature(eval_str=True)`` does, from compiled code kept per annotation text."""

    def evaluated(annotation: Any) -> Any:
        if not isinstance(annotation, str):
            return annotation
        return eval(_unevaluated_reference(annotation).__forward_code__, globalns, None)  # noqa: S307

    evaluated(signature.return_annotation)
    return inspect.Signature(
        [parameter.replace(annotation=evaluated(parameter.annotation)) for parameter in signature.parameters.values()]
    )


def typed_return_annotation(call: Callable[..., Any]) -> Any:
    signature = inspect.signature(call)
    annotation = signature.return_annotation
    if annotation is inspect.Signature.empty:
        return None
    return resolve_annotation(annotation, _defining_globals(call))


def evaluated_signature(call: Callable[..., Any]) -> inspect.Signature:
    """``inspect.signature`` with string annotations evaluated; names that exist only for type
    checkers (``if TYPE_CHECKING:`` imports) leave the annotations as written."""
    try:
        return inspect.signature(call, eval_str=True)
    except NameError:
        return inspect.signature(call)
