"""How the settings of nested declarations combine, one rule per setting.

A route's settings meet its router's in ``APIRouter.add_api_route``; an
``include_router`` call's meet the including router's; nested inclusions meet each
other; an included route meets its inclusion. Each of those places merges with
``merge_settings``, so a setting combines the same way at every level: lists are the
outer level's then the inner's, mappings are updated by the inner level, a placeholder
(``Default(...)``) or None leaves the outer value, ``deprecated`` is either level's and
``include_in_schema`` both levels'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..datastructures import DefaultPlaceholder


def _concatenated(outer: Any, inner: Any) -> list[Any]:
    return [*(outer or ()), *(inner or ())]


def _updated(outer: Any, inner: Any) -> dict[Any, Any] | None:
    """*outer* updated by *inner*; None when neither level has any (a route's form limits)."""
    if outer is None and inner is None:
        return None
    return {**(outer or {}), **(inner or {})}


def _either(outer: Any, inner: Any) -> Any:
    return inner or outer


def _both(outer: Any, inner: Any) -> Any:
    return outer and inner


def _inner_unless_placeholder(outer: Any, inner: Any) -> Any:
    """*inner*, unless it is a ``Default(...)`` placeholder and *outer* is not."""
    if isinstance(inner, DefaultPlaceholder) and not isinstance(outer, DefaultPlaceholder):
        return outer
    return inner


def _inner_unless_none(outer: Any, inner: Any) -> Any:
    return outer if inner is None else inner


RULES: dict[str, Callable[[Any, Any], Any]] = {
    "tags": _concatenated,
    "dependencies": _concatenated,
    "callbacks": _concatenated,
    "responses": _updated,
    "form_limits": _updated,
    "deprecated": _either,
    "include_in_schema": _both,
    "response_class": _inner_unless_placeholder,
    "default_response_class": _inner_unless_placeholder,
    "generate_unique_id_function": _inner_unless_placeholder,
    "strict_content_type": _inner_unless_placeholder,
    "max_body_size": _inner_unless_none,
}


def merge_settings(outer: Mapping[str, Any], inner: Mapping[str, Any]) -> dict[str, Any]:
    """Each of *inner*'s settings (a route's, an inner inclusion's) combined with *outer*'s
    setting of the same name (its router's, an outer inclusion's) by that setting's rule."""
    return {name: RULES[name](outer[name], value) for name, value in inner.items()}


def settings_of(owner: Any, names: tuple[str, ...], **renamed: str) -> dict[str, Any]:
    """*owner*'s attributes *names*, as settings; *renamed* maps a setting to the attribute
    holding it (a router's ``default_response_class`` is its routes' ``response_class``)."""
    return {name: getattr(owner, renamed.get(name, name)) for name in names}
