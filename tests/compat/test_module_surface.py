"""Every module-level name of every ``fastapi.*`` module exists at the same ``nimbleapi.*`` path.

FastAPI 0.165.0's sdist is downloaded (once, sha256-checked, outside the checkout) and
its modules are read with ``ast``: functions, classes, assignments and imports, private
names included, because extensions import those too. A name nimbleapi deliberately
lacks is listed in ``fastapi_surface_omissions.json`` with the reason; the list is
checked in both directions, so an entry goes stale (and fails) once the name exists.
"""

from __future__ import annotations

import importlib
import json
import warnings
from pathlib import Path
from types import ModuleType

import pytest
from starlette.exceptions import StarletteDeprecationWarning
from fastapi_source import fastapi_sources
from module_surface import module_level_names

OMISSIONS = json.loads(Path(__file__).with_name("fastapi_surface_omissions.json").read_text())
WHOLE_MODULE = "*"
# ``python -m fastapi`` runs the CLI when imported; its one name is ``fastapi.cli.main``.
RUN_ONLY_MODULES = {"fastapi.__main__"}


def counterpart(fastapi_module: str) -> str:
    return "nimbleapi" + fastapi_module.removeprefix("fastapi")


def load(module: str) -> ModuleType | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StarletteDeprecationWarning)  # deprecated modules warn on import, as FastAPI's do
            return importlib.import_module(counterpart(module))
    except ModuleNotFoundError:
        return None


def omitted(module: str) -> dict[str, str]:
    return dict(OMISSIONS["omitted"].get(module, {}))


def checked_modules() -> list[str]:
    return sorted(set(fastapi_sources()) - RUN_ONLY_MODULES)


def test_every_fastapi_module_exists() -> None:
    missing = [m for m in checked_modules() if WHOLE_MODULE not in omitted(m) and load(m) is None]
    assert not missing, f"no nimbleapi counterpart for: {', '.join(missing)}"


def test_run_only_modules_exist() -> None:
    for module in RUN_ONLY_MODULES:
        assert importlib.util.find_spec(counterpart(module)) is not None


def test_every_module_level_name_is_importable() -> None:
    gaps: list[str] = []
    for module in checked_modules():
        skipped = omitted(module)
        loaded = load(module)
        if WHOLE_MODULE in skipped or loaded is None:
            continue
        names = module_level_names(fastapi_sources()[module])
        gaps += [f"{module}.{name}" for name in sorted(names - skipped.keys()) if not hasattr(loaded, name)]
    assert not gaps, f"{len(gaps)} FastAPI names missing from nimbleapi:\n" + "\n".join(gaps)


def test_omissions_name_what_fastapi_has_and_nimbleapi_lacks() -> None:
    stale: list[str] = []
    for module, names in OMISSIONS["omitted"].items():
        if module not in fastapi_sources():
            stale.append(f"{module} (not a FastAPI module)")
            continue
        loaded = load(module)
        if WHOLE_MODULE in names:
            if loaded is not None:
                stale.append(f"{module} (nimbleapi has it now)")
            continue
        defined = module_level_names(fastapi_sources()[module])
        stale += [f"{module}.{name} (not in FastAPI)" for name in names if name not in defined]
        stale += [f"{module}.{name} (nimbleapi has it now)" for name in names if loaded is not None and hasattr(loaded, name)]
    assert not stale, "stale entries in fastapi_surface_omissions.json:\n" + "\n".join(stale)


def test_every_omission_gives_a_known_reason() -> None:
    reasons = OMISSIONS["reasons"]
    unexplained = [
        f"{module}.{name}: {reason}"
        for module, names in OMISSIONS["omitted"].items()
        for name, reason in names.items()
        if reason not in reasons
    ]
    assert not unexplained
    assert all(text.strip() for text in reasons.values())


@pytest.mark.parametrize("module", ["fastapi.routing", "fastapi.dependencies.utils", "fastapi._compat.v2"])
def test_source_reader_sees_private_and_imported_names(module: str) -> None:
    names = module_level_names(fastapi_sources()[module])
    assert any(name.startswith("_") for name in names)
    assert {"Any"} <= names  # ``from typing import Any`` binds a name too
