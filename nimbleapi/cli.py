"""The ``nimbleapi`` command: find an application and serve it with Granian or uvicorn.

    nimbleapi dev [PATH]     # development: 127.0.0.1, reload on file changes
    nimbleapi run [PATH]     # production:  0.0.0.0, no reload
    nimbleapi routes [PATH]  # the route table and the route lint's findings (``_lint``)
    nimbleapi alias install  # this environment's ``fastapi`` becomes nimbleapi (``_alias``)

The options are those of FastAPI's ``fastapi dev`` / ``fastapi run`` (fastapi-cli), so
``fastapi`` becomes ``nimbleapi`` in a command line and nothing else changes.

Finding the application, in order:

1. ``--entrypoint pkg.module:attr`` (``-e``): import exactly that.
2. ``PATH``: a Python file is imported under its package's dotted name (found by
   walking up through ``__init__.py`` files), with the directory above the top package
   put on ``sys.path``; a package directory is imported as the package; any other
   directory is searched for ``DEFAULT_APP_FILES``.
3. No ``PATH``: ``entrypoint = "pkg.module:attr"`` under ``[tool.nimbleapi]`` or
   ``[tool.fastapi]`` in ``./pyproject.toml``, else the first of ``DEFAULT_APP_FILES``
   that exists in the current directory.

In a module, the application is the object named by ``--app``, else one named ``app``
or ``api``, else the first ``FastAPI`` instance in the module's namespace.

``import fastapi`` resolves to nimbleapi while the command runs (``nimbleapi.compat``),
so an application written for FastAPI is served unchanged.

The server is Granian (``--server granian``, the default of ``nimbleapi``) or uvicorn
(``--server uvicorn``, the default of the ``fastapi`` command, as with fastapi-cli); the
options mean the same on both (``_servers``).

``cli_main`` and ``main`` keep the shape of ``fastapi.cli`` so that code and tests
written against that module work unchanged.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from . import _servers, compat
from ._alias.command import add_alias_command, run_alias_command
from ._version import FASTAPI_VERSION

DEFAULT_APP_FILES = ("main.py", "app.py", "api.py", "app/main.py", "app/app.py", "app/api.py")
DEFAULT_APP_NAMES = ("app", "api")
DEFAULT_PORT = 8000
PORT_VARIABLE = "PORT"  # the default port when set, as for fastapi-cli (platforms that assign one set it)
PUBLIC_URL_VARIABLE = "FASTAPI_PUBLIC_URL"  # shown instead of http://host:port, e.g. behind a proxy
APP_VARIABLE = "NIMBLEAPI_APP"  # the app's import string, handed to the processes the server starts
LOAD_APP = "nimbleapi.cli:load_app"
BLOCKING_VARIABLE = "NIMBLEAPI_DEV_BLOCKING_MS"  # set by ``dev`` only: the blocking-call detector's threshold
DEFAULT_BLOCKING_MS = 100.0
TIMING_VARIABLE = "NIMBLEAPI_DEV_TIMING"  # set by ``dev --timing`` only: Server-Timing on every response


class CLIError(Exception):
    """A problem the user can fix (wrong path, no app found); shown without a traceback."""


@dataclass(frozen=True, slots=True)
class AppTarget:
    """Where the application lives, as an import string names it."""

    module: str
    attribute: str
    import_root: Path  # put on sys.path so that ``module`` imports
    found_by: str = field(default="", compare=False)  # which rule found it, for ``--verbose``

    @property
    def import_string(self) -> str:
        return f"{self.module}:{self.attribute}"


# ---- locating the module ------------------------------------------------------------


def module_name_for_file(path: Path) -> tuple[str, Path]:
    """Return the dotted module name of *path* and the directory it imports from.

    ``pkg/sub/mod.py`` with ``__init__.py`` in ``pkg/`` and ``pkg/sub/`` gives
    ``("pkg.sub.mod", <dir containing pkg>)``; a package's ``__init__.py`` names the package.
    """
    path = path.resolve()
    parts = [] if path.name == "__init__.py" else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    return ".".join(parts), directory


def default_app_file(directory: Path) -> Path:
    for candidate in DEFAULT_APP_FILES:
        if (directory / candidate).is_file():
            return directory / candidate
    tried = ", ".join(DEFAULT_APP_FILES)
    raise CLIError(
        f"Could not find a default file to run in {directory} (tried {tried}). "
        "Pass a path, e.g. 'nimbleapi dev main.py', or an entrypoint, e.g. '--entrypoint pkg.main:app'."
    )


def file_for_path(path_argument: str, cwd: Path) -> Path:
    """The Python file to import for the PATH argument (a file, or a directory to look into)."""
    path = cwd / path_argument
    if not path.exists():
        raise CLIError(f"Path does not exist {path_argument}")
    if path.is_dir():
        package_init = path / "__init__.py"
        return package_init if package_init.is_file() else default_app_file(path)
    return path


def entrypoint_from_pyproject(directory: Path) -> str | None:
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        tools = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except tomllib.TOMLDecodeError as error:
        raise CLIError(f"Could not read {pyproject}: {error}") from error
    for section in ("nimbleapi", "fastapi"):
        entrypoint = tools.get(section, {}).get("entrypoint")
        if entrypoint:
            return str(entrypoint)
    return None


# ---- importing and finding the application ---------------------------------------------


def ensure_on_sys_path(directory: Path) -> None:
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))


def import_module(name: str) -> ModuleType:
    """Import *name*; a missing module is the user's typo, any other error is their code's and propagates."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and (name == error.name or name.startswith(error.name + ".")):
            raise CLIError(f"Could not import module {name!r}: {error}") from error
        raise


def is_application(candidate: object) -> bool:
    from .applications import FastAPI  # here, so that ``nimbleapi alias`` does not load the framework

    return isinstance(candidate, FastAPI)


def find_app_attribute(module: ModuleType, app_name: str | None) -> str:
    """Name of the application object in *module* (see the module docstring for the rules)."""
    if app_name is not None:
        if not hasattr(module, app_name):
            raise CLIError(f"Could not find app name {app_name!r} in module {module.__name__!r}")
        return app_name
    namespace = vars(module)
    for name in DEFAULT_APP_NAMES:
        if is_application(namespace.get(name)):
            return name
    for name, value in namespace.items():
        if is_application(value):
            return name
    raise CLIError(
        f"Could not find a FastAPI app in module {module.__name__!r}. "
        "Name it 'app' or 'api', or pass its name with '--app NAME'."
    )


def target_from_entrypoint(entrypoint: str, cwd: Path, app_name: str | None) -> AppTarget:
    module_name, _, attribute = entrypoint.partition(":")
    if not module_name:
        raise CLIError(f"Invalid entrypoint {entrypoint!r}: expected 'package.module:attribute'")
    ensure_on_sys_path(cwd)  # as ``python -m`` would; a console script does not do it
    module = import_module(module_name)
    if attribute and not hasattr(module, attribute):
        raise CLIError(f"Could not find app name {attribute!r} in module {module_name!r}")
    return AppTarget(module_name, attribute or find_app_attribute(module, app_name), cwd)


def target_from_file(path: Path, app_name: str | None) -> AppTarget:
    module_name, import_root = module_name_for_file(path)
    ensure_on_sys_path(import_root)
    module = import_module(module_name)
    return AppTarget(module_name, find_app_attribute(module, app_name), import_root)


def found_by(target: AppTarget, rule: str) -> AppTarget:
    return AppTarget(target.module, target.attribute, target.import_root, rule)


def resolve_target(path: str | None, entrypoint: str | None, app_name: str | None, cwd: Path) -> AppTarget:
    """Find and import the application; see the module docstring for the order of the rules."""
    if entrypoint is not None:
        if path is not None:
            raise CLIError("Pass either a PATH or '--entrypoint', not both")
        return found_by(target_from_entrypoint(entrypoint, cwd, app_name), "the --entrypoint option")
    if path is not None:
        return found_by(target_from_file(file_for_path(path, cwd), app_name), "the PATH argument")
    configured = entrypoint_from_pyproject(cwd)
    if configured is not None:
        return found_by(target_from_entrypoint(configured, cwd, app_name), "the entrypoint in pyproject.toml")
    return found_by(target_from_file(default_app_file(cwd), app_name), "the default file names")


# ---- the command line ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mode:
    """What ``dev`` and ``run`` differ in."""

    help: str
    host: str
    reload: bool
    dev_tools: bool = False  # route lint, blocking-call detector, Server-Timing


MODES = {
    "dev": Mode("Serve with auto-reload on 127.0.0.1, for development.", "127.0.0.1", reload=True, dev_tools=True),
    "run": Mode("Serve on 0.0.0.0 without reload, for production.", "0.0.0.0", reload=False),
}


def build_parser(prog: str = "nimbleapi") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Serve a nimbleapi (or FastAPI) application.")
    parser.add_argument("--version", action="version", version=version_text())
    add_verbose_option(parser, default=False)
    with_alias = prog == "nimbleapi"  # the fastapi command is FastAPI's; the alias is managed as nimbleapi
    # ``fastapi`` shows fastapi-cli's commands; ``routes`` works under both names.
    choices = "{dev,run,routes,alias}" if with_alias else "{dev,run}"
    commands = parser.add_subparsers(dest="command", required=True, metavar=choices)
    for name, mode in MODES.items():
        command = commands.add_parser(name, help=mode.help, description=mode.help)
        add_serve_options(command, mode, default_server_for(prog))
    add_routes_command(commands)
    if with_alias:
        add_alias_command(commands)
    return parser


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("nimbleapi")
    except PackageNotFoundError:  # run from a checkout that is not installed
        own = "(not installed)"
    return f"nimbleapi {own}, providing FastAPI {FASTAPI_VERSION}'s API"


def add_verbose_option(parser: argparse.ArgumentParser, default: object) -> None:
    """``--verbose`` before or after the subcommand; the subcommand's must not reset the other."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="explain how the app was found and imported, and show the server's debug logs",
    )


ROUTES_HELP = "Print the application's routes and what the route lint finds in them."


def add_routes_command(commands: Any) -> None:
    command = commands.add_parser("routes", help=ROUTES_HELP, description=ROUTES_HELP)
    add_discovery_options(command)
    command.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    command.add_argument("--check", action="store_true", help="exit with status 1 when the lint finds a problem")
    add_verbose_option(command, default=argparse.SUPPRESS)


def add_discovery_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("path", nargs="?", help="Python file or package directory containing the app")
    add(
        "-e",
        "--entrypoint",
        metavar="MODULE:ATTR",
        help="import the app from here instead of from PATH, e.g. 'pkg.main:app'",
    )
    add(
        "--app",
        dest="app_name",
        metavar="NAME",
        help="name of the app object in the module (default: 'app', 'api', or the first FastAPI instance)",
    )


def add_serve_options(parser: argparse.ArgumentParser, mode: Mode, default_server: str) -> None:
    add_discovery_options(parser)
    add = parser.add_argument
    add("--host", default=mode.host, help=f"address to bind (default: {mode.host})")
    port = int(os.environ.get(PORT_VARIABLE) or DEFAULT_PORT)
    add("--port", type=int, default=port, help=f"port to bind (default: ${PORT_VARIABLE}, else {DEFAULT_PORT})")
    add(
        "--reload",
        action=argparse.BooleanOptionalAction,
        default=mode.reload,
        help=f"restart the server when files change (default: {'on' if mode.reload else 'off'})",
    )
    add(
        "--reload-dir",
        dest="reload_dirs",
        action="append",
        type=Path,
        metavar="DIR",
        help="watch this directory for changes instead of the app's import directory (repeatable)",
    )
    add("--workers", type=int, default=None, help="number of worker processes (ignored with --reload)")
    if mode.dev_tools:
        add_dev_tool_options(parser)
    add("--root-path", default="", help="ASGI root_path, when served behind a proxy that adds a path prefix")
    add(
        "--proxy-headers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="take the client address and scheme from X-Forwarded-For / X-Forwarded-Proto (default: on)",
    )
    add(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="comma-separated addresses trusted to send proxy headers, '*' for all "
        "(default: $FORWARDED_ALLOW_IPS, else 127.0.0.1,::1)",
    )
    add(
        "--server",
        choices=_servers.SERVERS,
        default=default_server,
        help=f"the HTTP server (default: {default_server}; both come with the 'standard' extra)",
    )
    add(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log one line per request (default: on)",
    )
    add_verbose_option(parser, default=argparse.SUPPRESS)


def add_dev_tool_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--blocking-threshold",
        type=float,
        default=DEFAULT_BLOCKING_MS,
        metavar="MS",
        help=f"warn when an async endpoint or dependency holds the event loop this long; 0: off (default: {DEFAULT_BLOCKING_MS:g})",
    )
    parser.add_argument(
        "--timing",
        action="store_true",
        help="add a Server-Timing header to every response: validation, each dependency, endpoint, serialisation",
    )


def describe(target: AppTarget, options: argparse.Namespace) -> str:
    shown_host = f"[{options.host}]" if ":" in options.host else options.host
    url = (os.environ.get(PUBLIC_URL_VARIABLE) or f"http://{shown_host}:{options.port}").rstrip("/")
    lines = [
        f"Serving {target.import_string}",
        f"  importing from {target.import_root}",
        f"  {url}  (API docs: {url}/docs)",
        f"  server: {options.server}, reload: {'on' if options.reload else 'off'}, workers: {options.workers or 1}",
    ]
    if options.verbose:
        lines += [
            f"  found by {target.found_by}",
            f"  imported as: from {target.module} import {target.attribute}",
            f"  'import fastapi' gives nimbleapi ({Path(__file__).parent})",
        ]
    return "\n".join(lines)


def load_app() -> Any:
    """The app factory the server calls, in this process or in each reload and worker process.

    Those processes start afresh, so the ``fastapi`` alias is installed again here before
    the app's module is imported; the app's import string travels in ``APP_VARIABLE``.
    """
    compat.install()
    module_name, _, attribute = os.environ[APP_VARIABLE].partition(":")
    app = getattr(importlib.import_module(module_name), attribute)
    install_dev_tools(app)
    return app


def install_dev_tools(app: Any) -> None:
    """What ``nimbleapi dev`` asked for (through the environment, to reach reload processes)."""
    if not is_application(app):
        return
    if os.environ.get(TIMING_VARIABLE):
        from ._devtools.timing import install_server_timing

        install_server_timing(app)
    blocking_ms = float(os.environ.get(BLOCKING_VARIABLE) or 0)
    if blocking_ms > 0:
        from ._devtools.blocking import install_blocking_detector

        install_blocking_detector(app, blocking_ms / 1000)


def export_dev_tools(options: argparse.Namespace) -> None:
    """Hand ``dev``'s tool options to the processes that load the app; ``run`` clears them."""
    blocking_ms = getattr(options, "blocking_threshold", 0)
    settings = {
        BLOCKING_VARIABLE: str(blocking_ms) if blocking_ms and blocking_ms > 0 else None,
        TIMING_VARIABLE: "1" if getattr(options, "timing", False) else None,
    }
    for name, value in settings.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def serve(target: AppTarget, options: argparse.Namespace) -> None:
    os.environ[APP_VARIABLE] = target.import_string
    export_dev_tools(options)
    _servers.serve(
        options.server,
        _servers.ServeOptions(
            factory=LOAD_APP,  # an import string, because reload and workers import the app in new processes
            host=options.host,
            port=options.port,
            reload=options.reload,
            reload_dirs=reload_dirs(target, options),
            workers=options.workers,
            root_path=options.root_path,
            proxy_headers=options.proxy_headers,
            forwarded_allow_ips=options.forwarded_allow_ips,
            access_log=options.access_log,
            verbose=options.verbose,
        ),
    )


def reload_dirs(target: AppTarget, options: argparse.Namespace) -> list[str] | None:
    if not options.reload:
        return None
    chosen = options.reload_dirs or [target.import_root]
    return [str(directory.resolve()) for directory in chosen]


def run_command_line(argv: Sequence[str] | None = None) -> int:
    """Parse *argv* (default ``sys.argv[1:]``), find the app and serve it; return the exit status."""
    options = build_parser(_command_name()).parse_args(argv)
    if options.command == "alias":
        return run_alias_command(options.alias_action)
    if options.command == "dev":
        # Lets the application (e.g. frontend(check_dir="auto")) relax production-only checks.
        os.environ.setdefault("FASTAPI_ENV", "development")
    compat.install()  # so that an application written for FastAPI is served unchanged
    try:
        target = resolve_target(options.path, options.entrypoint, options.app_name, Path.cwd())
    except CLIError as error:
        # Like fastapi-cli, the command's own messages go to stdout, where FastAPI's tests read them.
        print(f"Error: {error}", flush=True)
        return 1
    if options.command == "routes":
        return print_routes(target, options)
    print(describe(target, options), flush=True)
    if options.command == "dev":
        print_lint_findings(target)
    serve(target, options)
    return 0


def application(target: AppTarget) -> Any:
    return getattr(importlib.import_module(target.module), target.attribute)


def print_routes(target: AppTarget, options: argparse.Namespace) -> int:
    from . import _lint

    routes = _lint.collect_routes(application(target))
    findings = _lint.lint_routes(routes)
    if options.json:
        document = {"routes": [asdict(route) for route in routes], "findings": [f.as_dict() for f in findings]}
        print(json.dumps(document, indent=2), flush=True)
    else:
        print(_lint.format_table(routes), _lint.format_findings(findings), sep="\n\n", flush=True)
    return 1 if options.check and findings else 0


def print_lint_findings(target: AppTarget) -> None:
    """The route lint at start-up in development: problems only, silent when there are none."""
    from . import _lint

    findings = _lint.lint_app(application(target))
    if findings:
        print(_lint.format_findings(findings), flush=True)


def default_server_for(prog: str) -> str:
    """Granian for ``nimbleapi`` (the faster server, see benchmarks/README.md); uvicorn for ``fastapi``.

    ``fastapi run`` keeps serving exactly as fastapi-cli does, and a command whose preferred
    server is not installed falls back to the other one.
    """
    preferred, other = (_servers.UVICORN, _servers.GRANIAN) if prog == "fastapi" else SERVER_PREFERENCE
    return preferred if _servers.installed(preferred) or not _servers.installed(other) else other


SERVER_PREFERENCE = (_servers.GRANIAN, _servers.UVICORN)


def _server_installed() -> bool:
    return any(_servers.installed(server) for server in _servers.SERVERS)


# FastAPI parity: ``fastapi.cli.cli_main`` is None when the command's dependencies are missing.
cli_main: Callable[[Sequence[str] | None], int] | None = run_command_line if _server_installed() else None


def _command_name() -> str:
    """``fastapi`` while ``nimbleapi.compat`` aliases it, so messages match what the user typed."""
    alias = sys.modules.get("fastapi")
    return "fastapi" if alias is not None and alias is sys.modules.get("nimbleapi") else "nimbleapi"


def _manages_the_alias(argv: Sequence[str] | None) -> bool:
    arguments = sys.argv[1:] if argv is None else argv
    return bool(arguments) and arguments[0] == "alias"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``nimbleapi`` console script and of ``python -m nimbleapi``."""
    if _manages_the_alias(argv):
        # Installing the alias serves nothing, so it must work where the server is not installed.
        status = run_command_line(argv)
    elif cli_main is None:
        message = (
            f'To use the {_command_name()} command, please install "nimbleapi[standard]":\n\n'
            '\tpip install "nimbleapi[standard]"\n'
        )
        print(message)
        raise RuntimeError(message)
    else:
        status = cli_main(argv)
    if status:
        raise SystemExit(status)
