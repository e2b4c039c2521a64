"""The engine's phases depend on each other in one direction only (see ARCHITECTURE.md).

declaration -> _plan (analysis) -> _compile (compilation) -> _router (dispatch), and
_openapi reads only _plan. Imports are read from the source, so a lazy import inside a
function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "nimbleapi"

FORBIDDEN = {
    "_plan": {"_compile", "_router", "_openapi"},
    "_compile": {"_router", "_openapi"},
    "_openapi": {"_compile", "_router"},
}


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


@pytest.mark.parametrize("phase", sorted(FORBIDDEN))
def test_phase_imports_only_earlier_phases(phase: str) -> None:
    offenders = {
        f"{module.relative_to(PACKAGE)} imports {sorted(imported_engine_packages(module) & FORBIDDEN[phase])}"
        for module in (PACKAGE / phase).glob("*.py")
        if imported_engine_packages(module) & FORBIDDEN[phase]
    }
    assert not offenders, "\n".join(sorted(offenders))


def test_reader_sees_relative_and_absolute_imports(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text("from .._compile.deps import x\nimport nimbleapi._router.fast\n", encoding="utf-8")
    assert imported_engine_packages(module) == {"_compile", "_router"}
