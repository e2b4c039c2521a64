"""Functions that instrumentation replaces, and how nimbleapi notices that it did.

Error trackers and tracers hook into FastAPI by assigning new functions to module
attributes and class methods (``Starlette.__call__``, ``fastapi.routing.get_request_handler``,
``Middleware.__init__``, ...). nimbleapi's compiled paths skip many of these functions, so
each one they skip is declared here as a ``PatchPoint``. While every point a path stands in
for holds its original, the compiled path runs; once one was replaced, the path that calls
the replacement runs instead. The check is an identity comparison made when the
application builds its middleware stack or when a route is compiled, never per request.

A point's original is what its owner held when nimbleapi was imported, provided that
function was compiled as ``Owner.name`` (or ``name`` for a module function); a function
that already stood there under another name (an extension set up before nimbleapi was
imported) is a replacement from the start.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from types import FunctionType, ModuleType
from typing import Any

logger = logging.getLogger("nimbleapi.patch_points")
_NO_ORIGINAL = object()


class PatchPoint:
    """One attribute of a module or class that an extension may replace."""

    __slots__ = ("owner", "name", "original")

    def __init__(self, owner: type | ModuleType, name: str) -> None:
        self.owner = owner
        self.name = name
        current = self.current
        self.original = current if _defined_as(current, self.qualified_name) else _NO_ORIGINAL

    @property
    def qualified_name(self) -> str:
        """How the original was defined: ``Starlette.__call__``, ``get_request_handler``."""
        return self.name if isinstance(self.owner, ModuleType) else f"{self.owner.__qualname__}.{self.name}"

    @property
    def current(self) -> Any:
        """What the owner holds now (a class's own attribute, not an inherited one)."""
        if isinstance(self.owner, ModuleType):
            return getattr(self.owner, self.name, None)
        return self.owner.__dict__.get(self.name)

    def replaced(self) -> bool:
        return self.current is not self.original

    def replacement(self) -> Any:
        """What an extension put in the original's place, or None while the original is there."""
        return self.current if self.replaced() else None

    def __repr__(self) -> str:
        return f"<PatchPoint {self.owner.__module__ if isinstance(self.owner, type) else self.owner.__name__}.{self.qualified_name}>"


class LazyPatchPoint(PatchPoint):
    """A function a module exports lazily (``nimbleapi._lazy``), defined in module *source*:
    replaced once the module's globals hold another function under its name. Checking it
    loads nothing."""

    __slots__ = ("source",)

    def __init__(self, owner: ModuleType, name: str, source: str) -> None:
        self.owner, self.name, self.source = owner, name, source
        self.original = _NO_ORIGINAL

    @property
    def current(self) -> Any:
        return self.owner.__dict__.get(self.name)

    def replaced(self) -> bool:
        current = self.current
        if current is None:  # never looked up, so never replaced
            return False
        source = sys.modules.get(self.source)
        return source is None or current is not getattr(source, self.name, None)


def _defined_as(value: Any, qualified_name: str) -> bool:
    """Whether *value* is a plain function compiled as *qualified_name*. A wrapper put in its
    place is not: its code has another name, or it is no plain function (a proxy that
    passes ``__code__`` through, as ``wrapt`` does)."""
    function = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
    return type(function) is FunctionType and function.__code__.co_qualname == qualified_name


def replaced_points(points: Iterable[PatchPoint], where: str) -> list[PatchPoint]:
    """The points among *points* that hold a replacement, logged (debug) for *where*."""
    found = [point for point in points if point.replaced()]
    if found:
        logger.debug("%s: calling the replaced %s", where, ", ".join(point.qualified_name for point in found))
    return found
