"""Regenerate ``fastapi_public_names.json`` from a FastAPI source tree (no import of FastAPI).

    python tests/compat/make_fastapi_public_names.py /path/to/fastapi-0.165.0

FastAPI's modules have no ``__all__``, so ``from fastapi.X import *`` hands out every
non-underscore global. This script reads each public module with ``ast`` and sorts its
top-level names into three groups:

- ``required``: names the module defines, names it takes from FastAPI's public modules,
  and names it re-exports from Starlette. Code written for FastAPI imports these.
- ``internal``: names taken from FastAPI's private modules (``_compat``, ``_body_limit``,
  ``telemetry``): FastAPI's own wiring, not something nimbleapi has to reproduce.
- ``incidental``: names that are only there because the implementation imported them
  (``json``, ``Any``, ``BaseModel``, ``Doc`` ...).

Only ``required`` is checked; the other two are recorded for reference.
Names bound only under ``if TYPE_CHECKING:`` do not exist at run time and are skipped;
a module with ``__all__`` exports exactly that list.
``fastapi.status`` is Starlette's ``status`` module, so its names come from the
installed Starlette.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).with_name("fastapi_public_names.json")

PUBLIC_MODULES = [
    "fastapi",
    "fastapi.applications",
    "fastapi.background",
    "fastapi.cli",
    "fastapi.concurrency",
    "fastapi.datastructures",
    "fastapi.dependencies.models",
    "fastapi.dependencies.utils",
    "fastapi.encoders",
    "fastapi.exception_handlers",
    "fastapi.exceptions",
    "fastapi.logger",
    "fastapi.middleware",
    "fastapi.middleware.asyncexitstack",
    "fastapi.middleware.cors",
    "fastapi.middleware.gzip",
    "fastapi.middleware.httpsredirect",
    "fastapi.middleware.trustedhost",
    "fastapi.middleware.wsgi",
    "fastapi.openapi.constants",
    "fastapi.openapi.docs",
    "fastapi.openapi.models",
    "fastapi.openapi.utils",
    "fastapi.param_functions",
    "fastapi.params",
    "fastapi.requests",
    "fastapi.responses",
    "fastapi.routing",
    "fastapi.security",
    "fastapi.security.api_key",
    "fastapi.security.base",
    "fastapi.security.http",
    "fastapi.security.oauth2",
    "fastapi.security.open_id_connect_url",
    "fastapi.security.utils",
    "fastapi.sse",
    "fastapi.staticfiles",
    "fastapi.status",
    "fastapi.templating",
    "fastapi.testclient",
    "fastapi.types",
    "fastapi.utils",
    "fastapi.websockets",
]

# Where a ``from X import name`` makes ``name`` part of the API rather than an implementation detail.
REEXPORT_SOURCES = ("fastapi", "starlette")
PRIVATE_PACKAGES = ("telemetry",)


def module_file(source_root: Path, module: str) -> Path:
    relative = Path(*module.split("."))
    package_init = source_root / relative / "__init__.py"
    return package_init if package_init.exists() else source_root / relative.with_suffix(".py")


def is_type_checking_guard(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Flatten the module body into the statements that bind names at import time."""
    flat: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            if not is_type_checking_guard(node):
                flat += runtime_statements(node.body) + runtime_statements(node.orelse)
        elif isinstance(node, ast.Try):
            handlers = [stmt for handler in node.handlers for stmt in handler.body]
            flat += runtime_statements(node.body + handlers + node.orelse + node.finalbody)
        else:
            flat.append(node)
    return flat


def target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in target_names(element)]
    return []


def is_private_source(node: ast.ImportFrom) -> bool:
    """FastAPI's own internals (``_compat``, ``_body_limit``, ``telemetry`` ...) are not its API."""
    segments = (node.module or "").split(".")
    return any(segment.startswith("_") or segment in PRIVATE_PACKAGES for segment in segments)


def classify(tree: ast.Module) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {"required": set(), "internal": set(), "incidental": set()}
    for node in runtime_statements(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            groups["required"].add(node.name)
        elif isinstance(node, ast.Assign):
            groups["required"].update(name for target in node.targets for name in target_names(target))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            groups["required"].add(node.target.id)
        elif isinstance(node, ast.Import):
            groups["incidental"].update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                groups[import_group(node, alias)].add(alias.asname or alias.name)
    explicit = declared_all(tree)
    if explicit is not None:  # ``from m import *`` gives exactly ``__all__`` (Starlette's ``status`` has one)
        groups["incidental"] |= groups["required"] - explicit
        groups["required"] = explicit
    # A name bound twice (``try: import orjson`` / ``except: orjson = None``) goes to its most public group.
    groups["internal"] -= groups["required"]
    groups["incidental"] -= groups["required"] | groups["internal"]
    return {group: {name for name in names if not name.startswith("_")} for group, names in groups.items()}


def declared_all(tree: ast.Module) -> set[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(name == "__all__" for t in node.targets for name in target_names(t)):
            return {str(name) for name in ast.literal_eval(node.value)}
    return None


def import_group(node: ast.ImportFrom, alias: ast.alias) -> str:
    if alias.asname is not None and alias.asname == alias.name:
        return "required"  # ``import X as X``: the explicit re-export idiom, whatever the source
    is_framework = node.level > 0 or (node.module or "").split(".")[0] in REEXPORT_SOURCES
    if not is_framework:
        return "incidental"
    return "internal" if is_private_source(node) else "required"


def starlette_status_names() -> set[str]:
    import starlette

    path = Path(starlette.__file__).with_name("status.py")
    return classify(ast.parse(path.read_text()))["required"]


def collect(source_root: Path) -> dict[str, dict[str, list[str]]]:
    names: dict[str, dict[str, list[str]]] = {}
    for module in PUBLIC_MODULES:
        if module == "fastapi.status":
            names[module] = {"required": sorted(starlette_status_names()), "internal": [], "incidental": []}
            continue
        groups = classify(ast.parse(module_file(source_root, module).read_text()))
        names[module] = {group: sorted(members) for group, members in groups.items()}
    return names


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(f"usage: python {Path(__file__).name} PATH_TO_FASTAPI_SOURCE")
    source_root = Path(argv[0])
    version = source_root.resolve().name.removeprefix("fastapi-")
    document = {"fastapi_version": version, "modules": collect(source_root)}
    OUTPUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
