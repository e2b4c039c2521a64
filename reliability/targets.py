"""Load one application source on either framework, for a server process to serve.

The same source runs on both sides: it is executed with ``fastapi`` imports, which
resolve to nimbleapi through ``nimbleapi.compat`` (framework ``nimbleapi``) or to a
real FastAPI installation (framework ``fastapi``, in a virtualenv without nimbleapi).

A server process serves ``serve:app``, with the environment choosing what to load:

* ``RELIABILITY_APP``: ``app`` or ``login`` (the scripts in ``examples/``), or the
  name of a module in ``reliability/apps/``;
* ``RELIABILITY_FRAMEWORK``: ``nimbleapi`` (default) or ``fastapi``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
FRAMEWORKS = ("nimbleapi", "fastapi")
# `from nimbleapi import X` / `from nimbleapi.security import Y` become their fastapi spelling.
NIMBLEAPI_IMPORT = re.compile(r"^(\s*from\s+)nimbleapi(\b)", re.MULTILINE)


def source_path(name: str) -> Path:
    example = EXAMPLES / f"{name}.py"
    return example if example.exists() else HERE / "apps" / f"{name}.py"


def fastapi_source(path: Path) -> str:
    """The application's source, importing from ``fastapi`` whichever way it was written."""
    return NIMBLEAPI_IMPORT.sub(r"\1fastapi\2", path.read_text())


def select_framework(framework: str) -> None:
    """Make ``import fastapi`` mean the chosen framework, and fail loudly when it cannot."""
    if framework not in FRAMEWORKS:
        raise SystemExit(f"unknown framework {framework!r}; choose one of {FRAMEWORKS}")
    if framework == "nimbleapi":
        import nimbleapi.compat

        nimbleapi.compat.install()
    import fastapi

    serving = "nimbleapi" if fastapi.FastAPI.__module__.startswith("nimbleapi") else "fastapi"
    if serving != framework:
        raise SystemExit(f"asked for {framework} but `import fastapi` gives {serving} ({fastapi.__file__})")


def load(name: str, framework: str) -> ModuleType:
    """Execute the named application's source as a module and return that module."""
    select_framework(framework)
    path = source_path(name)
    module = ModuleType(f"reliability_target_{name}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # string annotations resolve in the module's namespace
    exec(compile(fastapi_source(path), str(path), "exec"), module.__dict__)
    return module


def from_environment() -> Any:
    """The ASGI application named by ``RELIABILITY_APP`` on ``RELIABILITY_FRAMEWORK``."""
    module = load(os.environ.get("RELIABILITY_APP", "app"), os.environ.get("RELIABILITY_FRAMEWORK", "nimbleapi"))
    return getattr(module, "served", module.app)  # `served`: the app wrapped in its own test middleware
