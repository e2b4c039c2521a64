"""Targets by name: the ASGI app each one serves.

`fastapi` and `nimbleapi` run the same source, apps/fastapi_app.py. For
`nimbleapi` it is executed a second time under its own module name while
`nimbleapi.compat` makes `import fastapi` resolve to nimbleapi. The alias is
scoped to that one execution: compat.install() drops real FastAPI's modules
from sys.modules, so they are saved first and put back afterwards. Both apps
then live in one process, which the interleaved in-process driver needs; each
keeps the framework objects it bound when its module ran.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .asgi import ASGIApp

BENCH_DIR = Path(__file__).resolve().parent.parent
FASTAPI_SOURCE = BENCH_DIR / "apps" / "fastapi_app.py"

DESCRIPTIONS = {
    "raw": "hand-written ASGI callable, pydantic-core + orjson (the floor)",
    "starlette": "Starlette routes, validation by hand with the same models",
    "fastapi": "apps/fastapi_app.py on FastAPI",
    "nimbleapi": "apps/fastapi_app.py on nimbleapi (import fastapi -> nimbleapi via nimbleapi.compat)",
    "litestar": "idiomatic Litestar, the same pydantic models, DTOs",
    "fastapi_otel": "apps/fastapi_app.py on FastAPI, telemetry on (OpenTelemetry SDK, in-memory exporters)",
    "nimbleapi_otel": "apps/fastapi_app.py on nimbleapi, telemetry on (OpenTelemetry SDK, in-memory exporters)",
}
# Telemetry-on targets run only when asked for (--targets).
ALL_TARGETS = [name for name in DESCRIPTIONS if not name.endswith("_otel")]
TARGETS_HELP = (f"comma list from {', '.join(ALL_TARGETS)}; each must load. Default: all of them, "
                "leaving out (with a note) any that cannot load here")
# Targets whose error bodies are not FastAPI's: on error cases only the status is compared.
FOREIGN_ERRORS = frozenset({"litestar"})
# Targets built from apps/fastapi_app.py, held to each other on every observable detail.
FASTAPI_SOURCE_TARGETS = frozenset({"fastapi", "nimbleapi", "fastapi_otel", "nimbleapi_otel"})


class TargetUnavailable(Exception):
    """The target cannot be loaded in this environment (e.g. nimbleapi is not importable yet)."""


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    app: ASGIApp
    description: str

    @property
    def fastapi_shaped_errors(self) -> bool:
        return self.name not in FOREIGN_ERRORS


def load_target(name: str) -> Target:
    if name not in DESCRIPTIONS:
        raise SystemExit(f"unknown target {name!r}; known: {', '.join(DESCRIPTIONS)}")
    _put_bench_dir_on_path()
    if name == "nimbleapi":
        app = _load_fastapi_source_on_nimbleapi()
    elif name.endswith("_otel"):
        app = _load_with_telemetry(name.removesuffix("_otel"))
    else:
        app = importlib.import_module(f"apps.{name}_app").app
    return Target(name, app, DESCRIPTIONS[name])


def load_targets(names: str | None) -> list[Target]:
    """Targets from a comma list, all of which must load; or, given None, every target that loads.

    A target left out of the default list is named on stdout, so a report never
    lacks a column silently.
    """
    if names is not None:
        try:
            return [load_target(name.strip()) for name in names.split(",") if name.strip()]
        except TargetUnavailable as exc:
            raise SystemExit(f"cannot load a requested target: {exc}") from exc
    loaded = []
    for name in ALL_TARGETS:
        try:
            loaded.append(load_target(name))
        except TargetUnavailable as exc:
            print(f"[skip] {name}: {exc}", flush=True)
    return loaded


def _put_bench_dir_on_path() -> None:
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))


def _load_with_telemetry(framework: str) -> ASGIApp:
    """apps/fastapi_app.py executed once more, its app made with telemetry on."""
    from .telemetry import telemetry_on

    with telemetry_on():
        if framework == "nimbleapi":
            return _load_fastapi_source_on_nimbleapi("apps.fastapi_app_on_nimbleapi_otel")
        app: ASGIApp = _execute_as("apps.fastapi_app_otel", FASTAPI_SOURCE).app
        return app


def _load_fastapi_source_on_nimbleapi(module_name: str = "apps.fastapi_app_on_nimbleapi") -> ASGIApp:
    try:
        from nimbleapi import compat
        from nimbleapi.applications import FastAPI  # noqa: F401  (fails while nimbleapi has no app class)
    except ImportError as exc:
        raise TargetUnavailable(f"nimbleapi is not importable here ({exc})") from exc
    with _fastapi_aliased_to_nimbleapi(compat):
        module = _execute_as(module_name, FASTAPI_SOURCE)
    app: ASGIApp = module.app
    framework = type(app).__module__
    if not framework.startswith("nimbleapi"):
        raise TargetUnavailable(f"the app was built by {framework}, not by nimbleapi")
    return app


@contextmanager
def _fastapi_aliased_to_nimbleapi(compat: ModuleType) -> Iterator[None]:
    saved = {key: mod for key, mod in sys.modules.items() if key == "fastapi" or key.startswith("fastapi.")}
    compat.install()
    try:
        yield
    finally:
        compat.uninstall()
        sys.modules.update(saved)


def _execute_as(module_name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
