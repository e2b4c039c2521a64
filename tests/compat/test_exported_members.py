"""Every public FastAPI module has a nimbleapi counterpart exporting at least the same names.

The expected names come from ``fastapi_public_names.json``, read out of FastAPI's
source by ``make_fastapi_public_names.py``; FastAPI itself is never imported here.
FastAPI's modules have no ``__all__``, so code written for it may take any public
global with ``from fastapi.X import name`` or ``from fastapi.X import *``. The
``required`` group of each module is what such code can rely on; ``internal`` and
``incidental`` names are FastAPI implementation details and are not checked.
"""

from __future__ import annotations

import importlib
import json
import warnings
from pathlib import Path
from types import ModuleType

import pytest
from starlette.exceptions import StarletteDeprecationWarning

NAMES_FILE = Path(__file__).with_name("fastapi_public_names.json")
FASTAPI_MODULES: dict[str, dict[str, list[str]]] = json.loads(NAMES_FILE.read_text())["modules"]


def nimbleapi_counterpart(fastapi_module: str) -> str:
    return "nimbleapi" + fastapi_module.removeprefix("fastapi")


def load_module(name: str) -> ModuleType:
    """Import *name*; for an attribute-only module (``fastapi.status`` is Starlette's) read it off the parent."""
    try:
        with warnings.catch_warnings():
            # Deprecated modules (``middleware.wsgi``) warn on import, as FastAPI's do; names are what count here.
            warnings.simplefilter("ignore", StarletteDeprecationWarning)
            return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        parent_name, _, attribute = name.rpartition(".")
        module = getattr(importlib.import_module(parent_name), attribute, None)
        if not isinstance(module, ModuleType):
            raise
        return module


def star_import_names(module: ModuleType) -> set[str]:
    """The names ``from module import *`` binds."""
    explicit = getattr(module, "__all__", None)
    if explicit is not None:
        return set(explicit)
    return {name for name in vars(module) if not name.startswith("_")}


@pytest.mark.parametrize("fastapi_module", sorted(FASTAPI_MODULES))
def test_module_exports_fastapi_names(fastapi_module: str) -> None:
    module = load_module(nimbleapi_counterpart(fastapi_module))
    missing = set(FASTAPI_MODULES[fastapi_module]["required"]) - star_import_names(module)
    assert not missing, f"{module.__name__} lacks FastAPI's names: {', '.join(sorted(missing))}"

