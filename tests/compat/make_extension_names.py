"""Regenerate ``extension_names.json``: which ``fastapi.*`` names popular extensions use.

    python tests/compat/make_extension_names.py /scratch/dir

Downloads each package of ``EXTENSIONS`` (``pip download --no-deps``: a wheel, or the
sdist when there is none) into the scratch directory, which must be outside the
checkout; their code is read there and never enters the repository. Every ``.py`` file
of each archive is parsed with ``ast`` (nothing is imported or run) for

- ``from fastapi.X import name`` and ``import fastapi.X [as alias]``;
- attribute reads through such a module (``fastapi.routing.APIRoute``, ``routing.APIRoute``
  after ``from fastapi import routing``).

The result maps ``module:name`` to the packages using it, and records the package
versions that were read. ``test_extension_names.py`` checks each entry against nimbleapi.
"""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
import tarfile
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from fastapi_source import fastapi_sources, fastapi_version

OUTPUT = Path(__file__).with_name("extension_names.json")

# Chosen for their download counts and for covering each kind of extension: pagination,
# auth, filtering, caching, rate limits, admin, versioning, instrumentation, GraphQL,
# dependency injection and CLI tooling.
EXTENSIONS = [
    "ariadne", "asgi-correlation-id", "cadwyn", "dishka", "fastapi-amis-admin",
    "fastapi-another-jwt-auth", "fastapi-async-sqlalchemy", "fastapi-azure-auth",
    "fastapi-babel", "fastapi-cache2", "fastapi-camelcase", "fastapi-class", "fastapi-cli",
    "fastapi-cloudauth", "fastapi-code-generator", "fastapi-contrib", "fastapi-crudrouter",
    "fastapi-csrf-protect", "fastapi-debug-toolbar", "fastapi-etag", "fastapi-events",
    "fastapi-filter", "fastapi-health", "fastapi-hypermodel", "fastapi-injectable",
    "fastapi-injector", "fastapi-jwt", "fastapi-jwt-auth", "fastapi-keycloak",
    "fastapi-lifespan-manager", "fastapi-limiter", "fastapi-login", "fastapi-mail",
    "fastapi-mcp", "fastapi-offline", "fastapi-pagination", "fastapi-permissions",
    "fastapi-problem", "fastapi-profiler", "fastapi-restful", "fastapi-router-controller",
    "fastapi-simple-security", "fastapi-socketio", "fastapi-sqlalchemy", "fastapi-sso",
    "fastapi-structlog", "fastapi-users", "fastapi-utils", "fastapi-versioning",
    "fastapi-versionizer", "mangum", "opentelemetry-instrumentation-fastapi",
    "prometheus-fastapi-instrumentator", "sentry-sdk", "slowapi", "sqladmin",
    "starlette-admin", "strawberry-graphql",
]


def download(package: str, scratch: Path) -> Path | None:
    target = scratch / package
    if not any(target.glob("*")):
        target.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--disable-pip-version-check",
                   "-d", str(target), package]
        if subprocess.run(command, stdin=subprocess.DEVNULL).returncode != 0:
            return None
    return next(iter(sorted(target.glob("*"))), None)


def python_sources(archive: Path) -> Iterator[str]:
    if archive.suffix in {".whl", ".zip"}:
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                if name.endswith(".py"):
                    yield zipped.read(name).decode(errors="replace")
    else:
        with tarfile.open(archive) as tarred:
            for member in tarred.getmembers():
                if member.isfile() and member.name.endswith(".py"):
                    data = tarred.extractfile(member)
                    if data is not None:
                        yield data.read().decode(errors="replace")


def used_names(source: str, modules: set[str]) -> set[str]:
    """``module:name`` for every FastAPI name *source* imports or reads through a module."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    aliases: dict[str, str] = {}  # local name -> FastAPI module it stands for
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in modules:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in modules:
                    aliases[alias.asname or alias.name] = submodule
                found.add(f"{node.module}:{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else "fastapi"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            module = _module_of(node.value, aliases, modules)
            if module is not None and f"{module}.{node.attr}" not in modules:
                found.add(f"{module}:{node.attr}")
    return found


def _module_of(node: ast.expr, aliases: dict[str, str], modules: set[str]) -> str | None:
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        parent = _module_of(node.value, aliases, modules)
        dotted = f"{parent}.{node.attr}"
        return dotted if parent is not None and dotted in modules else None
    return None


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(f"usage: python {Path(__file__).name} SCRATCH_DIR")
    scratch = Path(argv[0]).resolve()
    modules = set(fastapi_sources())
    users: dict[str, set[str]] = defaultdict(set)
    packages: dict[str, str] = {}
    for package in EXTENSIONS:
        archive = download(package, scratch)
        if archive is None:
            print(f"skipped {package}: no download", file=sys.stderr)
            continue
        packages[package] = archive.name
        for source in python_sources(archive):
            for name in used_names(source, modules):
                users[name].add(package)
    document = {
        "fastapi_version": fastapi_version(),
        "packages": packages,
        "names": {name: sorted(users[name]) for name in sorted(users)},
    }
    OUTPUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {OUTPUT}: {len(users)} names from {len(packages)} packages")


if __name__ == "__main__":
    main(sys.argv[1:])
