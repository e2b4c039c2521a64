"""The FastAPI names popular extensions use (``extension_names.json``) all exist in nimbleapi.

The inventory is read from the extensions' own sources by ``make_extension_names.py``.
A name FastAPI 0.165.0 defines must exist at the same nimbleapi path; the only ones
allowed to be missing are names of older FastAPI releases that an extension imports only
for those releases (``older_fastapi_names`` in ``fastapi_surface_omissions.json``). What the underscore names do is tested beside this file.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

HERE = Path(__file__).parent
INVENTORY = json.loads((HERE / "extension_names.json").read_text())
OMISSIONS = json.loads((HERE / "fastapi_surface_omissions.json").read_text())


def excused(module: str, name: str) -> bool:
    return f"{module}:{name}" in OMISSIONS["older_fastapi_names"]


def resolves(module: str, name: str) -> bool:
    loaded = importlib.import_module("nimbleapi" + module.removeprefix("fastapi"))
    if hasattr(loaded, name):
        return True
    is_package = hasattr(loaded, "__path__")
    return is_package and importlib.util.find_spec(f"{loaded.__name__}.{name}") is not None


def test_inventory_covers_enough_extensions() -> None:
    assert len(INVENTORY["packages"]) >= 40
    assert len(INVENTORY["names"]) > 50


@pytest.mark.parametrize("entry", sorted(INVENTORY["names"]))
def test_extension_name_exists_in_nimbleapi(entry: str) -> None:
    module, name = entry.split(":")
    if excused(module, name):
        assert not resolves(module, name), f"{entry} exists now: drop its entry from fastapi_surface_omissions.json"
        return
    assert resolves(module, name), f"{entry} (used by {', '.join(INVENTORY['names'][entry])}) is missing"


def test_no_omission_hides_an_extension_name() -> None:
    hidden = [
        f"{entry}: {OMISSIONS['omitted'][module][name]}"
        for entry in INVENTORY["names"]
        for module, name in [entry.split(":")]
        if name in OMISSIONS["omitted"].get(module, {})
    ]
    assert not hidden
