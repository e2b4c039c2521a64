"""Run code written for FastAPI on nimbleapi: ``install()`` makes ``import fastapi`` give nimbleapi.

    import nimbleapi.compat
    nimbleapi.compat.install()
    from fastapi import FastAPI          # nimbleapi.FastAPI
    from fastapi.security import OAuth2PasswordBearer   # nimbleapi.security...

The alias is a meta-path finder: ``fastapi.X.Y`` is the very module object
``nimbleapi.X.Y`` (no second copy, so ``isinstance`` checks and module state agree),
and a module nimbleapi does not have raises ``ModuleNotFoundError`` at once instead
of falling through to a real FastAPI installation.

Installing the alias imports nothing else: ``nimbleapi alias install`` runs it at every
interpreter start (through a ``.pth`` file), where an import of Starlette, AnyIO or
Pydantic would slow every Python process and would load AnyIO's pytest plugin before
pytest can rewrite its asserts. They load on the first ``import fastapi``. For the
same reason this module imports neither ``typing`` nor ``importlib.util`` up front.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys

from ._lazy import import_all

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType, ModuleType
    from typing import Any

ALIAS = "fastapi"
TARGET = "nimbleapi"


class _AliasLoader:
    """Hands out the already imported nimbleapi module under the ``fastapi`` name."""

    def __init__(self, target_name: str) -> None:
        self.target_name = target_name
        self.own_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target_name)
        self.own_spec = module.__spec__
        if self.target_name == TARGET:
            # ``import fastapi`` loads what FastAPI's package imports; nimbleapi alone defers it.
            import_all(vars(module))
        sys.modules[spec.name] = module
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The target module was executed when it was imported; nothing is left to run.

        Importing under the alias stamped the ``fastapi`` spec on the shared module; its own
        spec goes back, or its relative imports would see ``__package__ != __spec__.parent``.
        """
        if self.own_spec is not None:
            module.__spec__ = self.own_spec

    def get_code(self, fullname: str) -> CodeType | None:
        """Lets ``python -m fastapi`` run ``nimbleapi.__main__``."""
        import importlib.util

        spec = importlib.util.find_spec(self.target_name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "get_code"):
            return None
        return spec.loader.get_code(self.target_name)  # type: ignore[no-any-return]


class FastAPIAliasFinder:
    """Meta-path finder: resolves ``fastapi`` and ``fastapi.*`` to ``nimbleapi`` and ``nimbleapi.*``."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        import importlib.util

        target_name = TARGET + fullname[len(ALIAS) :]
        target_spec = importlib.util.find_spec(target_name)
        if target_spec is None:
            raise ModuleNotFoundError(f"No module named {fullname!r} (nimbleapi has no {target_name!r})", name=fullname)
        is_package = target_spec.submodule_search_locations is not None
        # The origin is the target's file: runners that execute ``-m fastapi`` by path (coverage) find it.
        loader = _AliasLoader(target_name)
        spec = importlib.machinery.ModuleSpec(fullname, loader, origin=target_spec.origin, is_package=is_package)  # type: ignore[arg-type]  # a loader by protocol; importlib.abc.Loader would load importlib.abc first
        if is_package:
            spec.submodule_search_locations = list(target_spec.submodule_search_locations or [])
        return spec

    def invalidate_caches(self) -> None:
        """Nothing is cached: each lookup asks for nimbleapi's module anew."""


def _installed_finder() -> FastAPIAliasFinder | None:
    return next((finder for finder in sys.meta_path if isinstance(finder, FastAPIAliasFinder)), None)


def _aliased_names() -> list[str]:
    return [name for name in sys.modules if name == ALIAS or name.startswith(ALIAS + ".")]


def install() -> None:
    """Make ``import fastapi`` (and every ``fastapi.X``) resolve to nimbleapi. Idempotent."""
    if _installed_finder() is None:
        sys.meta_path.insert(0, FastAPIAliasFinder())
    for name in _aliased_names():
        if not getattr(sys.modules[name], "__name__", "").startswith(TARGET):
            del sys.modules[name]


install_fastapi_alias = install


def uninstall() -> None:
    """Remove the alias and forget the aliased module names."""
    finder = _installed_finder()
    if finder is not None:
        sys.meta_path.remove(finder)
    for name in _aliased_names():
        del sys.modules[name]
