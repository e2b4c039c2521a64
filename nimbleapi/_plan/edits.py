"""Lists of a route's top ``Dependant`` that report in-place edits to the route.

FastAPI walks ``route.dependant`` on every request, so code that appends a dependency
or a parameter to it after the application started serving (extensions, tests) sees
the change on the next request. nimbleapi compiles the tree once instead; these lists
tell the route that its compiled handler is out of date, so it compiles again on the
next request. Nothing is checked per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_MUTATORS = (
    "append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
    "__setitem__", "__delitem__", "__iadd__", "__imul__",
)
DEPENDANT_LISTS = ("path_params", "query_params", "header_params", "cookie_params", "body_params", "dependencies")


class EditableList(list[Any]):
    """A list that calls ``on_edit`` after every in-place change."""

    __slots__ = ("on_edit",)

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self.on_edit: Callable[[], None] | None = None

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Copies and pickles are plain lists' worth of items: the copy belongs to no route yet.
        return (EditableList, (list(self),))


def _reporting(name: str) -> Callable[..., Any]:
    method = getattr(list, name)

    def edit(self: EditableList, *args: Any) -> Any:
        result = method(self, *args)
        if self.on_edit is not None:
            self.on_edit()
        return result

    edit.__name__ = name
    return edit


for _name in _MUTATORS:
    setattr(EditableList, _name, _reporting(_name))


def report_edits(dependant: Any, on_edit: Callable[[], None]) -> None:
    """Have every editable list of *dependant* (its own, not its dependencies') call *on_edit*."""
    for attribute in DEPENDANT_LISTS:
        items = getattr(dependant, attribute)
        if isinstance(items, EditableList):
            items.on_edit = on_edit
