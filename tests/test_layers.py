"""The package's modules depend on each other in one direction only (docs/architecture.md).

- The engine's phases: declaration -> _plan (analysis) -> _compile (compilation) ->
  _router (dispatch); _openapi reads only _plan.
- The engine imports no public (facade) module, except the classes that must keep their
  FastAPI identity and the few reasoned exceptions listed below.
- No import cycles, counting ``if TYPE_CHECKING:`` imports and imports inside functions.
- Starlette's private API is imported by one module only, and so is AnyIO's.

Imports are read from the source, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "nimbleapi"
ENGINE = ("_plan", "_compile", "_router", "_openapi", "_telemetry")

FORBIDDEN = {
    "_plan": {"_compile", "_router", "_openapi"},
    "_compile": {"_router", "_openapi"},
    "_openapi": {"_compile", "_router"},
}

# Public modules whose classes keep FastAPI's identity (users subclass them, catch them or
# check isinstance against them), so the engine must use those very classes.
IDENTITY_MODULES = {
    "nimbleapi.exceptions",
    "nimbleapi.params",
    "nimbleapi.dependencies.models",
    "nimbleapi.security.base",
    "nimbleapi.responses",
    "nimbleapi.datastructures",
    "nimbleapi.background",
    "nimbleapi.requests",
    "nimbleapi.websockets",
    "nimbleapi.types",
    "nimbleapi.openapi.models",
    # EventSourceResponse is a response class users subclass; ServerSentEvent is the model
    # endpoints yield and the engine recognises by isinstance.
    "nimbleapi.sse",
}

# Other public modules the engine imports: (importing module, imported module) -> why.
# The list may only shrink; the test fails when an entry is no longer needed.
UPWARD_EXCEPTIONS = {
    ("nimbleapi._openapi.setup", "nimbleapi.openapi.docs"): "the docs pages' HTML is made by the public page functions",
}

# Import cycles that exist today (each a set of modules). The list may only shrink.
KNOWN_CYCLES = [
    # The public routing module split in two: an included route's class subclasses APIRoute
    # when _route_tree is imported, and routing serves the included routers _route_tree holds.
    {"nimbleapi.routing", "nimbleapi._route_tree"},
]

STARLETTE_PRIVATE_HOME = "nimbleapi._starlette"
# The thread hop enters AnyIO's event-loop bookkeeping directly (``_compile/threads.py``).
ANYIO_PRIVATE_HOME = "nimbleapi._compile.threads"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(name: str) -> Iterator[tuple[str, ast.AST]]:
    """(imported module name, import node) for each import in module *name*, resolved to
    the deepest module of the package it names (``from . import x`` -> ``pkg.x``)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in MODULES else base), node


def package_imports(name: str) -> set[str]:
    """The package's modules module *name* imports (any kind of import)."""
    found = set()
    for target, _ in imports_of(name):
        while target not in MODULES and "." in target:
            target = target.rpartition(".")[0]
        if target in MODULES and target != name and not target.startswith(name + "."):
            found.add(target)
    return found


def imported_engine_packages(module: Path) -> set[str]:
    """The nimbleapi sub-packages a module imports (relative or absolute imports)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if node.level == 0 and parts[0] == "nimbleapi" and len(parts) > 1:
                found.add(parts[1])
            elif node.level == 2:  # from ..X import ... inside nimbleapi/<phase>/
                found.add(parts[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "nimbleapi" and len(parts) > 1:
                    found.add(parts[1])
    return found


def is_engine(name: str) -> bool:
    return name.split(".")[1] in ENGINE if name.count(".") else False


def is_facade(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split(".")[1:])


def import_cycles() -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    graph = {name: package_imports(name) for name in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(component)

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return cycles


@pytest.mark.parametrize("phase", sorted(FORBIDDEN))
def test_phase_imports_only_earlier_phases(phase: str) -> None:
    offenders = {
        f"{module.relative_to(PACKAGE)} imports {sorted(imported_engine_packages(module) & FORBIDDEN[phase])}"
        for module in (PACKAGE / phase).glob("*.py")
        if imported_engine_packages(module) & FORBIDDEN[phase]
    }
    assert not offenders, "\n".join(sorted(offenders))


def test_engine_imports_only_identity_types_from_the_facade() -> None:
    upward = {
        (name, target)
        for name in MODULES
        if is_engine(name)
        for target in package_imports(name)
        if is_facade(target) and target != "nimbleapi" and target not in IDENTITY_MODULES
    }
    assert upward - UPWARD_EXCEPTIONS.keys() == set(), "the engine imports public modules"
    assert UPWARD_EXCEPTIONS.keys() - upward == set(), "no longer imported: remove from UPWARD_EXCEPTIONS"


def test_no_import_cycles_but_the_known_ones() -> None:
    cycles = import_cycles()
    assert [cycle for cycle in cycles if cycle not in KNOWN_CYCLES] == []
    assert [cycle for cycle in KNOWN_CYCLES if cycle not in cycles] == [], "gone: remove from KNOWN_CYCLES"


def private_api_importers(library: str) -> set[str]:
    """The package's modules importing a private module of *library* (``library._x``)."""
    return {
        name
        for name in MODULES
        for target, _ in imports_of(name)
        if target.startswith(library + ".") and any(part.startswith("_") for part in target.split(".")[1:])
    }


@pytest.mark.parametrize(("library", "home"), [("starlette", STARLETTE_PRIVATE_HOME), ("anyio", ANYIO_PRIVATE_HOME)])
def test_private_api_of_a_library_is_imported_in_one_module(library: str, home: str) -> None:
    assert private_api_importers(library) == {home}


def test_reader_sees_relative_and_absolute_imports(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text("from .._compile.deps import x\nimport nimbleapi._router.fast\n", encoding="utf-8")
    assert imported_engine_packages(module) == {"_compile", "_router"}


def test_import_graph_counts_type_checking_and_lazy_imports() -> None:
    # nimbleapi.dependencies.utils imports SecurityScopes only for type checking; the graph must see it.
    assert "nimbleapi._plan.scopes" in package_imports("nimbleapi.dependencies.utils")
    # _compile.streaming imports nimbleapi.sse and _compile.sse inside functions.
    assert {"nimbleapi.sse", "nimbleapi._compile.sse"} <= package_imports("nimbleapi._compile.streaming")
    # _compile.threads imports AnyIO's private modules inside a function.
    assert private_api_importers("anyio") == {"nimbleapi._compile.threads"}
