"""Analysis results shared between declarations that are alike (start-up only).

Applications repeat themselves: a route and the copies ``include_router`` makes of it,
a dependency used by many routes, ``item_id: int`` on many endpoints. Each is analysed
once and the result reused, keyed by every input the analysis reads. Shared results
are never changed after analysis. The tables are bounded: the reuse they serve happens
while an application is declared.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin

from pydantic.fields import FieldInfo

from .. import params
from ..dependencies.models import Dependant
from .http import get_path_param_names
from .params import ParamDetails, analyze_param

_LIMIT = 4096

# Analysed trees, by callable, path parameter names and every other input of the analysis.
# Only the top node of a route is copied before it is extended. The callable and its
# explicit ``__signature__`` are kept and compared, so a reused id() never matches a stale
# entry, and a signature set after an earlier declaration (class-based views rewrite
# their methods' signatures, then include the routes again) is analysed anew.
_shared_trees: dict[tuple[Any, ...], tuple[Callable[..., Any], Any, Dependant]] = {}


def shared_tree(call: Callable[..., Any], inputs: tuple[Any, ...], analyze: Callable[[], Dependant]) -> Dependant:
    """The tree *analyze* builds for *call*; *inputs* starts with the path the analysis reads."""
    signature = getattr(call, "__signature__", None)
    key = (id(call), id(signature), frozenset(get_path_param_names(inputs[0])), *inputs[1:])
    try:
        cached = _shared_trees.get(key)
    except TypeError:  # an unhashable input (e.g. a custom concurrency object): no sharing
        return analyze()
    if cached is None or cached[0] is not call or cached[1] is not signature:
        if len(_shared_trees) >= _LIMIT:
            _shared_trees.clear()
        cached = _shared_trees[key] = (call, signature, analyze())
    return cached[2]


# Parameters declared alike on many endpoints (``item_id: int``, ``skip: int = 0``) are
# analysed once and share their field. Only defaults of these exact types take part:
# equal values of other types (1 and 1.0) must keep fields of their own, and FieldInfo
# markers (``= Query()``) are new objects on every function.
_SHAREABLE_DEFAULTS = (type(None), bool, int, float, str, bytes)
# Each entry keeps its annotation, so the ids of ``Annotated`` metadata in its key stay taken.
_shared_params: dict[tuple[Any, ...], tuple[Any, ParamDetails]] = {}


def shared_param(*, param_name: str, annotation: Any, value: Any, path_param_names: set[str]) -> ParamDetails:
    """``analyze_param(...)``, shared with an earlier parameter declared exactly alike."""

    def analyze() -> ParamDetails:
        return analyze_param(
            param_name=param_name, annotation=annotation, value=value, path_param_names=path_param_names
        )

    if value is not inspect.Parameter.empty and type(value) not in _SHAREABLE_DEFAULTS:
        return analyze()
    key = (param_name, _annotation_key(annotation), value, type(value), frozenset(path_param_names))
    if key[1] is None:
        return analyze()
    try:
        shared = _shared_params.get(key)
    except TypeError:  # an unhashable annotation
        return analyze()
    if shared is not None:
        return shared[1]
    details = analyze()
    # Form and file fields check at every declaration that python-multipart is usable.
    if details.field is None or not isinstance(details.field.field_info, params.Form):
        if len(_shared_params) >= _LIMIT:
            _shared_params.clear()
        _shared_params[key] = (annotation, details)
    return details


def _annotation_key(annotation: Any) -> tuple[Any, ...] | None:
    """What identifies *annotation* for sharing, or None where it must not be shared.

    ``Annotated`` metadata count by identity: objects of other classes may compare equal
    to a different marker (a wrapper equal to the dependency it wraps must still be the
    one called), or fail to compare at all. FieldInfo markers (``Query()``) are new
    objects on every function and never shared.
    """
    if get_origin(annotation) is not Annotated:
        return (annotation, type(annotation))
    base, *metadata = get_args(annotation)
    if any(isinstance(item, FieldInfo) for item in metadata):
        return None
    return (Annotated, base, type(base), tuple(map(id, metadata)))
