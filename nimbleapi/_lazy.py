"""Public names a facade module exports without importing them until first used (PEP 562).

FastAPI's modules re-export names whose home modules are costly to import and that most
applications never touch: the OpenAPI document models, the docs pages, Server-Sent
Events, the security schemes. A facade lists such names with the module defining them;
the first access imports that module and stores the value in the facade's globals, so
later reads are plain attribute reads.

``from module import *`` binds only a module's globals unless ``__all__`` says
otherwise, so ``__all__`` lists the deferred names together with every other public
global: a star import binds exactly what it bound before the names were deferred.
"""

from __future__ import annotations

import importlib
import sys

TYPE_CHECKING = False  # typing is not imported: the package's root uses this module at interpreter start
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def export_lazily(namespace: dict[str, Any], sources: Mapping[str, str]) -> None:
    """Serve ``sources`` (``name -> "module"``, ``"module:attribute"``, or ``"module:"`` for
    the module itself) from the module whose globals are ``namespace``. Call it last in the
    module, after every definition."""
    module_name = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        source = sources.get(name)
        if source is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        home, colon, attribute = source.partition(":")
        module = importlib.import_module(home)
        value = module if colon and not attribute else getattr(module, attribute or name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(sources))

    namespace["__all__"] = sorted(name for name in set(namespace) | set(sources) if not name.startswith("_"))
    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__


def import_all(namespace: dict[str, Any]) -> None:
    """Load every name a module serves lazily, as an eager ``from ... import`` list would."""
    load = namespace["__getattr__"]
    for name in namespace["__all__"]:
        if name not in namespace:
            load(name)


def loaded_attribute(module_name: str, name: str) -> Any | None:
    """``module_name.name`` if that module has been imported, else None.

    For type checks against classes of parts loaded on first use: while their module
    is not imported, no object or annotation can refer to them, so a check needs no import.
    """
    module = sys.modules.get(module_name)
    return getattr(module, name, None) if module is not None else None
