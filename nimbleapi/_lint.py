"""Route lint: mistakes in an application's routes that no request would reveal.

Input: the application's routes, as served (included routers walked into).
Output: ``RouteInfo`` rows (the table ``nimbleapi routes`` prints) and ``Finding`` records:

- ``shadowed``: an earlier route matches every path a later one does, for a method both
  answer, so the later one never runs for it (``/users/{id}`` declared before ``/users/me``);
- ``duplicate``: the same method and path declared twice (parameter names aside);
- ``operation-id``: two operations documented under one operation id;
- ``path-param``: a ``{name}`` in the path that neither the endpoint nor its dependencies
  declare, so it is never validated and missing from the OpenAPI document.

Everything here runs once, on demand (``nimbleapi routes``, ``nimbleapi dev``); nothing
is computed per request.
"""

from __future__ import annotations

import inspect
import re
from contextlib import suppress
from pathlib import Path
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

_PARAM = re.compile(r"^\{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?\}$")
_IMPLICIT_METHODS = {"HEAD"}  # added by Starlette beside GET; never a finding on its own


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One served HTTP route, as the table shows it."""

    methods: tuple[str, ...]
    path: str
    name: str
    endpoint: str  # module:qualname
    location: str  # file:line of the endpoint, "" when unknown
    dependencies: tuple[str, ...]
    response_model: str | None
    operation_id: str | None  # as documented; None when the route is not in the OpenAPI document
    path_params_declared: tuple[str, ...] | None  # None: not analysed (a plain Starlette route)

    def label(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"{','.join(self.methods)} {self.path} -> {self.endpoint}{where}"


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    message: str
    route: RouteInfo
    other: RouteInfo | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "route": asdict(self.route),
            "other": asdict(self.other) if self.other is not None else None,
        }

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


# ---- collecting the routes ---------------------------------------------------------------


def source_location(call: Any) -> str:
    """``file:line`` of *call*'s definition, relative to the working directory when inside it."""
    target = inspect.unwrap(call) if callable(call) else call
    try:
        file_name, line = inspect.getsourcefile(target), inspect.getsourcelines(target)[1]
    except (TypeError, OSError):
        return ""
    if file_name is None:
        return ""
    path = Path(file_name)
    with suppress(ValueError):
        path = path.relative_to(Path.cwd())
    return f"{path}:{line}"


def qualified_name(call: Any) -> str:
    target = inspect.unwrap(call) if callable(call) else call
    name = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{getattr(target, '__module__', '?')}:{name}"


def _declared_path_params(dependant: Any) -> tuple[str, ...]:
    names: list[str] = []
    stack = [dependant]
    while stack:
        node = stack.pop()
        names.extend(field.alias for field in node.path_params)
        stack.extend(node.dependencies)
    return tuple(dict.fromkeys(names))


def route_info(route: Any) -> RouteInfo | None:
    methods = getattr(route, "methods", None)
    path = getattr(route, "path", None)
    if not methods or not isinstance(path, str):
        return None  # websockets, mounts: no method table to lint
    endpoint = getattr(route, "endpoint", None)
    dependant = getattr(route, "dependant", None)
    response_model = getattr(route, "response_model", None)
    in_schema = dependant is not None and getattr(route, "include_in_schema", False)
    return RouteInfo(
        methods=tuple(sorted(set(methods) - _IMPLICIT_METHODS) or sorted(methods)),
        path=path,
        name=str(getattr(route, "name", "")),
        endpoint=qualified_name(endpoint),
        location=source_location(endpoint),
        dependencies=tuple(qualified_name(sub.call) for sub in dependant.dependencies) if dependant else (),
        response_model=None if response_model is None else getattr(response_model, "__name__", repr(response_model)),
        operation_id=(route.operation_id or route.unique_id) if in_schema else None,
        path_params_declared=_declared_path_params(dependant) if dependant is not None else None,
    )


def collect_routes(app: Any) -> list[RouteInfo]:
    """The application's HTTP routes in matching order."""
    from .routing import iter_route_contexts

    rows = (route_info(context) for context in iter_route_contexts(app.routes))
    return [row for row in rows if row is not None]


# ---- path matching -------------------------------------------------------------------------


def _segments(path: str) -> list[tuple[str, str | None]]:
    """(literal, None) or (parameter name, convertor) for each segment of *path*."""
    parts: list[tuple[str, str | None]] = []
    for segment in path.strip("/").split("/"):
        match = _PARAM.match(segment)
        parts.append((match.group(1), match.group(2) or "str") if match else (segment, None))
    return parts


_LITERAL_FITS: dict[str, Callable[[str], bool]] = {
    "str": lambda text: text != "",
    "int": lambda text: text.isdigit(),
    "float": lambda text: re.fullmatch(r"[0-9]+(\.[0-9]+)?", text) is not None,
    "uuid": lambda text: re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", text) is not None,
}
# A parameter segment of the key's convertor accepts every value of these convertors.
_PARAM_FITS = {"str": {"str", "int", "float", "uuid"}, "int": {"int"}, "float": {"float", "int"}, "uuid": {"uuid"}}


def _segment_covers(earlier: tuple[str, str | None], later: tuple[str, str | None]) -> bool:
    (text, convertor), (later_text, later_convertor) = earlier, later
    if convertor is None:
        return later_convertor is None and text == later_text
    if later_convertor is None:
        fits = _LITERAL_FITS.get(convertor)
        return fits is not None and fits(later_text)
    return later_convertor in _PARAM_FITS.get(convertor, set())


def path_covers(earlier: str, later: str) -> bool:
    """Whether every path *later* matches is also matched by *earlier*."""
    first, second = _segments(earlier), _segments(later)
    for index, segment in enumerate(first):
        if segment[1] == "path":  # the rest of the path, whatever it is
            return index < len(second)
        if index >= len(second) or not _segment_covers(segment, second[index]):
            return False
    return len(first) == len(second)


def _shape(path: str) -> list[tuple[str | None, str | None]]:
    return [(None if convertor else text, convertor) for text, convertor in _segments(path)]


def same_shape(first: str, second: str) -> bool:
    """The same path up to the names of its parameters."""
    return _shape(first) == _shape(second)


# ---- the checks ----------------------------------------------------------------------------


def _overlap(first: RouteInfo, second: RouteInfo) -> tuple[str, ...]:
    return tuple(sorted(set(first.methods) & set(second.methods)))


def _pair_finding(earlier: RouteInfo, later: RouteInfo) -> Finding | None:
    """Why *later* never runs for a method both answer, if it does not."""
    verbs = ",".join(_overlap(earlier, later))
    if not verbs:
        return None
    if same_shape(earlier.path, later.path):
        message = f"{verbs} {later.path} is declared twice: {later.label()} never runs for it, {earlier.label()} answers first"
        return Finding("duplicate", message, later, earlier)
    if path_covers(earlier.path, later.path):
        message = (
            f"{later.label()} can never match {verbs}: {earlier.label()} is declared before it "
            f"and matches every path it does; declare {later.path} first"
        )
        return Finding("shadowed", message, later, earlier)
    return None


def _pair_findings(routes: Sequence[RouteInfo]) -> Iterable[Finding]:
    for index, later in enumerate(routes):
        found = (_pair_finding(earlier, later) for earlier in routes[:index])
        first = next((finding for finding in found if finding is not None), None)
        if first is not None:
            yield first


def _operation_id_findings(routes: Sequence[RouteInfo]) -> Iterable[Finding]:
    first_seen: dict[str, RouteInfo] = {}
    for route in routes:
        if route.operation_id is None:
            continue
        earlier = first_seen.setdefault(route.operation_id, route)
        if earlier is not route:
            yield Finding(
                "operation-id",
                f"operation id {route.operation_id!r} is used by {earlier.label()} and by {route.label()}; "
                "clients generated from the OpenAPI document get one of them",
                route,
                earlier,
            )


def _path_param_findings(routes: Sequence[RouteInfo]) -> Iterable[Finding]:
    for route in routes:
        if route.path_params_declared is None:
            continue
        in_path = [name for name, convertor in _segments(route.path) if convertor is not None]
        for name in in_path:
            if name not in route.path_params_declared:
                yield Finding(
                    "path-param",
                    f"{route.label()}: path parameter {name!r} is not a parameter of the endpoint or of its "
                    f"dependencies, so it is never validated and the OpenAPI document omits it; add "
                    f"'{name}' to the function's signature",
                    route,
                )


def lint_routes(routes: Sequence[RouteInfo]) -> list[Finding]:
    return [*_pair_findings(routes), *_operation_id_findings(routes), *_path_param_findings(routes)]


def lint_app(app: Any) -> list[Finding]:
    """Every finding for *app*'s routes, in the order of the checks."""
    return lint_routes(collect_routes(app))


# ---- presenting ----------------------------------------------------------------------------


def format_table(routes: Sequence[RouteInfo]) -> str:
    headers = ("METHODS", "PATH", "NAME", "ENDPOINT", "DEPENDENCIES", "RESPONSE MODEL")
    rows = [
        (
            ",".join(route.methods),
            route.path,
            route.name,
            f"{route.endpoint} {route.location}".strip(),
            ", ".join(name.rpartition(":")[2] for name in route.dependencies) or "-",
            route.response_model or "-",
        )
        for route in routes
    ]
    widths = [max(len(row[column]) for row in [headers, *rows]) for column in range(len(headers))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [headers, *rows])


def format_findings(findings: Sequence[Finding]) -> str:
    if not findings:
        return "No route problems found."
    return "\n".join([f"{len(findings)} route problem(s):", *(f"  {finding}" for finding in findings)])
