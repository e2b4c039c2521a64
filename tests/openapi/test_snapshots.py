"""nimbleapi's OpenAPI documents equal FastAPI 0.165.0's for the same application source.

The expected documents in ``snapshots/`` were written by ``make_snapshots.py`` with the
real FastAPI; they are compared as JSON text, so key order counts too.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HERE = Path(__file__).parent
SNAPSHOTS = HERE / "snapshots"


def _load_scenarios() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nimbleapi_openapi_scenarios", HERE / "openapi_scenarios.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


scenarios = _load_scenarios()


def _build(name: str) -> Any:
    with warnings.catch_warnings():
        # Scenarios declare deprecated things on purpose (e.g. a deprecated router).
        warnings.simplefilter("ignore", DeprecationWarning)
        return scenarios.SCENARIOS[name](scenarios.load_framework("nimbleapi"))


def _as_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", sorted(scenarios.SCENARIOS))
def test_document_matches_fastapi(name: str) -> None:
    expected = (SNAPSHOTS / f"{name}.json").read_text()
    document = _build(name).openapi()
    assert json.loads(_as_text(document)) == json.loads(expected)
    assert _as_text(document) == expected  # same keys in the same order


def test_every_scenario_has_a_snapshot() -> None:
    assert {path.stem for path in SNAPSHOTS.glob("*.json")} == set(scenarios.SCENARIOS)
