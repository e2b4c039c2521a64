"""FastAPI 0.165.0's package source, read out of its sdist (downloaded once, sha256-checked).

The sdist comes from PyPI through ``conformance/workspace.py`` into the conformance cache
(outside the checkout); its ``fastapi/`` modules are read from the archive in memory and
never unpacked, and FastAPI itself is never imported.
"""

from __future__ import annotations

import importlib.util
import sys
import tarfile
from functools import cache
from pathlib import Path
from types import ModuleType

CHECKOUT = Path(__file__).resolve().parents[2]


def _workspace() -> ModuleType:
    name = "nimbleapi_conformance_workspace"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, CHECKOUT / "conformance" / "workspace.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def module_name(member: str) -> str:
    """``fastapi/security/__init__.py`` -> ``fastapi.security``; ``fastapi/_compat/v2.py`` -> ``fastapi._compat.v2``."""
    parts = member.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def fastapi_sources() -> dict[str, str]:
    """Every ``fastapi.*`` module of the pinned sdist: module name -> source text."""
    workspace = _workspace()
    sdist = workspace.ensure_sdist(workspace.Cache.open(workspace.default_cache()), Path(sys.executable))
    top = f"fastapi-{workspace.FASTAPI_VERSION}/"
    sources: dict[str, str] = {}
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            relative = member.name.removeprefix(top)
            if member.isfile() and relative.startswith("fastapi/") and relative.endswith(".py"):
                data = archive.extractfile(member)
                assert data is not None
                sources[module_name(relative)] = data.read().decode()
    return sources


def fastapi_version() -> str:
    return str(_workspace().FASTAPI_VERSION)
