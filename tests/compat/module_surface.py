"""The names a Python module binds at import time, read from its source with ``ast``.

Everything ``from module import name`` can take counts: functions, classes, assignments
and imports, underscore names included. Names bound only under ``if TYPE_CHECKING:``
do not exist at run time and are left out, as are module dunders (``__all__`` ...).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator


def module_level_names(source: str) -> set[str]:
    return {name for name in _bound_names(ast.parse(source).body) if not name.startswith("__")}


def _bound_names(body: list[ast.stmt]) -> Iterator[str]:
    for node in body:
        if isinstance(node, ast.If):
            if not _is_type_checking_guard(node.test):
                yield from _bound_names(node.body)
            yield from _bound_names(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _bound_names(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                yield from _bound_names(handler.body)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                yield from _target_names(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            yield from _target_names(node.target)
        elif isinstance(node, ast.Import):
            yield from ((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield from (alias.asname or alias.name for alias in node.names if alias.name != "*")


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)


def _is_type_checking_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )
