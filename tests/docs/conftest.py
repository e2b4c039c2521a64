"""The documentation's examples (docs_src/), each imported fresh for the test that uses it."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS_SRC = REPO_ROOT / "docs_src"
DOCS = REPO_ROOT / "docs"

LoadExample = Callable[[str], ModuleType]


def forget_modules(prefix: str) -> None:
    """Drop ``prefix`` and its submodules from ``sys.modules``, so the next import runs them anew."""
    for name in [name for name in sys.modules if name == prefix or name.startswith(prefix + ".")]:
        del sys.modules[name]


@pytest.fixture
def load_example(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoadExample]:
    """Import ``docs_src.<dotted>`` anew, so the module-level state of one test never leaks into another."""
    monkeypatch.syspath_prepend(str(REPO_ROOT))
    forget_modules("docs_src")

    def load(dotted: str) -> ModuleType:
        return importlib.import_module(f"docs_src.{dotted}")

    yield load
    forget_modules("docs_src")
