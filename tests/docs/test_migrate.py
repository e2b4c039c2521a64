"""The "Coming from FastAPI" page: a project written for FastAPI, run through nimbleapi.compat."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

import nimbleapi
import nimbleapi.compat

from .conftest import DOCS_SRC, forget_modules


def _run_file(path: str, name: str) -> None:
    spec = importlib.util.spec_from_file_location(name, DOCS_SRC / path)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


def _alias_installed() -> bool:
    return any(isinstance(finder, nimbleapi.compat.FastAPIAliasFinder) for finder in sys.meta_path)


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """docs_src/migrate/ as the root of a FastAPI project, with its conftest.py in effect."""
    assert "fastapi" not in sys.modules or sys.modules["fastapi"] is nimbleapi, "the real FastAPI is imported here"
    alias_was_installed = _alias_installed()
    monkeypatch.syspath_prepend(str(DOCS_SRC / "migrate"))
    forget_modules("shop")
    _run_file("migrate/conftest.py", "docs_migrate_conftest")  # installs the alias in this process
    try:
        yield importlib.import_module("shop.test_main")
    finally:
        forget_modules("shop")
        if not alias_was_installed:
            nimbleapi.compat.uninstall()


def test_the_project_runs_on_nimbleapi_unchanged(shop: ModuleType) -> None:
    import fastapi

    assert fastapi is nimbleapi
    assert type(shop.app) is nimbleapi.FastAPI


def test_the_pages_files_are_the_ones_run(shop: ModuleType) -> None:
    assert shop.__file__ == str(DOCS_SRC / "migrate/shop/test_main.py")
    assert sys.modules["shop.main"].__file__ == str(DOCS_SRC / "migrate/shop/main.py")


def test_the_projects_own_tests_pass(shop: ModuleType) -> None:
    shop.test_place_order()
    shop.test_customer_header_is_required()


def test_the_run_script_imports_the_app_through_compat(monkeypatch: pytest.MonkeyPatch, shop: ModuleType) -> None:
    forget_modules("run_with_compat")
    script = importlib.import_module("run_with_compat")
    try:
        assert script.__file__ == str(DOCS_SRC / "migrate/run_with_compat.py")
        assert script.app is shop.app
    finally:
        forget_modules("run_with_compat")
