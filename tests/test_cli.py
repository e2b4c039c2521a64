"""The ``nimbleapi`` command: finding the application, the options passed to the server, and serving."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from serving import free_port, request_json, stop, wait_until_serving

from nimbleapi import _servers, cli, compat
from nimbleapi._servers import ServeOptions
from nimbleapi.cli import AppTarget, CLIError, resolve_target, run_command_line

REPO_ROOT = Path(__file__).resolve().parents[1]
APP_SOURCE = "from nimbleapi import FastAPI\n\n{name} = FastAPI()\n"


@pytest.fixture(autouse=True)
def restore_fastapi_alias() -> Iterator[None]:
    """The command aliases ``fastapi`` to nimbleapi in its process; undo that after each test here."""
    was_installed = any(isinstance(finder, compat.FastAPIAliasFinder) for finder in sys.meta_path)
    yield
    if not was_installed:
        compat.uninstall()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project directory as the working directory; modules imported from it are forgotten afterwards."""
    monkeypatch.chdir(tmp_path)
    saved_path = list(sys.path)
    yield tmp_path
    sys.path[:] = saved_path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def write(root: Path, relative: str, source: str = "") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    importlib.invalidate_caches()
    return path


def resolve(project: Path, path: str | None = None, entrypoint: str | None = None, app: str | None = None) -> AppTarget:
    return resolve_target(path, entrypoint, app, project)


# ---- finding the module ----------------------------------------------------------------


def test_file_outside_a_package_imports_from_its_directory(project: Path) -> None:
    write(project, "src/main.py", APP_SOURCE.format(name="app"))
    target = resolve(project, "src/main.py")
    assert target == AppTarget("main", "app", project / "src")
    assert str(project / "src") in sys.path


def test_file_inside_packages_gets_its_dotted_name(project: Path) -> None:
    write(project, "pkg/__init__.py")
    write(project, "pkg/sub/__init__.py")
    write(project, "pkg/sub/service.py", APP_SOURCE.format(name="app"))
    target = resolve(project, "pkg/sub/service.py")
    assert target == AppTarget("pkg.sub.service", "app", project)
    assert target.import_string == "pkg.sub.service:app"


def test_package_directory_imports_the_package(project: Path) -> None:
    write(project, "pkg/__init__.py", APP_SOURCE.format(name="app"))
    assert resolve(project, "pkg").import_string == "pkg:app"


def test_plain_directory_is_searched_for_default_files(project: Path) -> None:
    write(project, "service/api.py", APP_SOURCE.format(name="app"))
    assert resolve(project, "service") == AppTarget("api", "app", project / "service")


def test_without_path_main_py_comes_before_app_py(project: Path) -> None:
    write(project, "app.py", APP_SOURCE.format(name="app"))
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert resolve(project).module == "main"


def test_without_path_app_package_main_is_found(project: Path) -> None:
    write(project, "app/__init__.py")
    write(project, "app/main.py", APP_SOURCE.format(name="app"))
    assert resolve(project) == AppTarget("app.main", "app", project)


def test_without_path_pyproject_entrypoint_is_used(project: Path) -> None:
    write(project, "pyproject.toml", '[tool.fastapi]\nentrypoint = "server.web:application"\n')
    write(project, "server/__init__.py")
    write(project, "server/web.py", APP_SOURCE.format(name="application"))
    write(project, "main.py", APP_SOURCE.format(name="app"))  # the entrypoint wins over default files
    assert resolve(project) == AppTarget("server.web", "application", project)


def test_entrypoint_imports_module_and_attribute(project: Path) -> None:
    write(project, "server/__init__.py")
    write(project, "server/web.py", APP_SOURCE.format(name="application"))
    assert resolve(project, entrypoint="server.web:application").import_string == "server.web:application"


def test_entrypoint_without_attribute_discovers_the_app(project: Path) -> None:
    write(project, "web.py", APP_SOURCE.format(name="api"))
    assert resolve(project, entrypoint="web").import_string == "web:api"


# ---- finding the application in the module ----------------------------------------------


def test_object_named_api_is_found(project: Path) -> None:
    write(project, "main.py", APP_SOURCE.format(name="api"))
    assert resolve(project, "main.py").attribute == "api"


def test_first_fastapi_instance_is_found_under_any_name(project: Path) -> None:
    write(project, "main.py", 'from nimbleapi import FastAPI\n\napp = "not an application"\nserver = FastAPI()\n')
    assert resolve(project, "main.py").attribute == "server"


def test_app_option_names_the_object(project: Path) -> None:
    write(project, "main.py", "from nimbleapi import FastAPI\n\napp = FastAPI()\nadmin = FastAPI()\n")
    assert resolve(project, "main.py", app="admin").attribute == "admin"


# ---- errors the user can fix ----------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "arguments", "message"),
    [
        pytest.param({}, {"path": "missing.py"}, "Path does not exist missing.py", id="missing-path"),
        pytest.param({}, {}, "Could not find a default file to run", id="no-default-file"),
        pytest.param({"main.py": "x = 1\n"}, {"path": "main.py"}, "Could not find a FastAPI app", id="no-app"),
        pytest.param(
            {"main.py": APP_SOURCE.format(name="app")},
            {"path": "main.py", "app": "nope"},
            "Could not find app name 'nope'",
            id="unknown-app-name",
        ),
        pytest.param({}, {"entrypoint": "nowhere.mod:app"}, "Could not import module 'nowhere.mod'", id="bad-module"),
        pytest.param(
            {"web.py": APP_SOURCE.format(name="app")},
            {"entrypoint": "web:missing"},
            "Could not find app name 'missing'",
            id="bad-attribute",
        ),
        pytest.param(
            {"main.py": ""}, {"path": "main.py", "entrypoint": "main:app"}, "not both", id="path-and-entrypoint"
        ),
    ],
)
def test_user_errors_are_reported(
    project: Path, files: dict[str, str], arguments: dict[str, str], message: str
) -> None:
    for relative, source in files.items():
        write(project, relative, source)
    with pytest.raises(CLIError, match=message):
        resolve(project, **arguments)


def test_import_errors_inside_the_app_propagate(project: Path) -> None:
    """A missing dependency of the user's code is their bug: it keeps its traceback."""
    write(project, "main.py", "import a_package_that_is_not_installed\n")
    with pytest.raises(ModuleNotFoundError, match="a_package_that_is_not_installed"):
        resolve(project, "main.py")


def test_error_is_printed_and_exit_status_is_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command_line(["dev", "non_existent_file.py"]) == 1
    assert "Path does not exist non_existent_file.py" in capsys.readouterr().out


# ---- what reaches the server -------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    server: str
    app: Any
    options: ServeOptions


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Served]:
    """Replace ``_servers.serve``; record the server chosen, the application it would serve and the options."""
    monkeypatch.setenv(cli.APP_VARIABLE, "")  # restored after the test; the command sets it
    monkeypatch.setenv(cli.BLOCKING_VARIABLE, "")
    monkeypatch.setenv(cli.TIMING_VARIABLE, "")
    calls: list[Served] = []

    def record(server: str, options: ServeOptions) -> None:
        module_name, _, attribute = options.factory.partition(":")
        calls.append(Served(server, getattr(importlib.import_module(module_name), attribute)(), options))

    monkeypatch.setattr(_servers, "serve", record)
    return calls


def test_dev_serves_locally_with_reload(project: Path, served: list[Served]) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert run_command_line(["dev"]) == 0
    [call] = served
    assert call.app is sys.modules["main"].app
    options = call.options
    assert (options.host, options.port, options.reload) == ("127.0.0.1", 8000, True)
    assert options.reload_dirs == [str(project)]
    assert options.proxy_headers is True
    assert options.access_log is True


def test_run_serves_on_all_interfaces_without_reload(project: Path, served: list[Served]) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert run_command_line(["run"]) == 0
    [call] = served
    assert (call.options.host, call.options.reload, call.options.workers) == ("0.0.0.0", False, None)


def test_options_reach_the_server(project: Path, served: list[Served]) -> None:
    write(project, "pkg/__init__.py")
    write(project, "pkg/web.py", "from nimbleapi import FastAPI\n\nsite = FastAPI()\n")
    arguments = ["run", "-e", "pkg.web:site", "--host", "::1", "--port", "9001", "--workers", "3"]
    arguments += ["--root-path", "/api", "--no-proxy-headers", "--reload", "--no-access-log"]
    assert run_command_line(arguments) == 0
    [call] = served
    assert call.app is sys.modules["pkg.web"].site
    options = call.options
    assert (options.host, options.port, options.workers, options.root_path) == ("::1", 9001, 3, "/api")
    assert (options.proxy_headers, options.reload, options.access_log) == (False, True, False)


def test_fastapi_cli_options_reach_the_server(project: Path, served: list[Served]) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    write(project, "src/placeholder.txt")
    arguments = ["dev", "--forwarded-allow-ips", "10.0.0.1,10.0.0.2", "--reload-dir", "src", "--reload-dir", "."]
    assert run_command_line(arguments) == 0
    [call] = served
    assert call.options.forwarded_allow_ips == "10.0.0.1,10.0.0.2"
    assert call.options.reload_dirs == [str(project / "src"), str(project)]
    assert call.options.verbose is False


def test_port_comes_from_the_port_variable(project: Path, served: list[Served], monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    monkeypatch.setenv("PORT", "9123")
    assert run_command_line(["run"]) == 0
    assert run_command_line(["run", "--port", "9124"]) == 0
    assert [call.options.port for call in served] == [9123, 9124]


@pytest.mark.parametrize("server", _servers.SERVERS)
def test_server_option_chooses_the_server(project: Path, served: list[Served], server: str) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert run_command_line(["run", "--server", server]) == 0
    assert served[0].server == server


def test_nimbleapi_serves_with_granian_and_fastapi_with_uvicorn(project: Path, served: list[Served]) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert run_command_line(["run"]) == 0
    compat.install()
    importlib.import_module("fastapi")  # as the fastapi command's entry point has: the name is nimbleapi
    assert run_command_line(["run"]) == 0
    assert [call.server for call in served] == ["granian", "uvicorn"]


def test_options_map_onto_uvicorn_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    monkeypatch.setenv(cli.APP_VARIABLE, "")
    write(project, "main.py", APP_SOURCE.format(name="app"))
    arguments = ["run", "--server", "uvicorn", "--workers", "2", "--root-path", "/api", "--forwarded-allow-ips", "*"]
    assert run_command_line([*arguments, "--no-access-log", "-v"]) == 0
    [(factory, options)] = calls
    assert (factory, options["factory"]) == (cli.LOAD_APP, True)
    assert {key: options[key] for key in ("workers", "root_path", "forwarded_allow_ips", "access_log")} == {
        "workers": 2,
        "root_path": "/api",
        "forwarded_allow_ips": "*",
        "access_log": False,
    }
    assert options["log_level"] == "debug"


@pytest.mark.parametrize("arguments", [["run", "--verbose"], ["run", "-v"], ["--verbose", "run"]])
def test_verbose_explains_the_discovery_and_logs_debug(
    project: Path, served: list[Served], capsys: pytest.CaptureFixture[str], arguments: list[str]
) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert run_command_line(arguments) == 0
    output = capsys.readouterr().out
    assert "found by the default file names" in output
    assert "imported as: from main import app" in output
    assert served[0].options.verbose is True


def test_without_verbose_the_discovery_is_not_explained(
    project: Path, served: list[Served], capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert run_command_line(["run", "main.py"]) == 0
    assert "found by" not in capsys.readouterr().out


def test_public_url_is_shown_instead_of_the_bound_address(
    project: Path, served: list[Served], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    monkeypatch.setenv("FASTAPI_PUBLIC_URL", "https://api.example.com/")
    assert run_command_line(["run"]) == 0
    assert "https://api.example.com  (API docs: https://api.example.com/docs)" in capsys.readouterr().out


def test_version_names_both_releases(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_command_line(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"nimbleapi {version('nimbleapi')}, providing FastAPI 0.165.0's API"


def test_app_written_for_fastapi_is_served_on_nimbleapi(project: Path, served: list[Served]) -> None:
    write(project, "main.py", "from fastapi import FastAPI\n\napp = FastAPI()\n")
    assert run_command_line(["run", "main.py"]) == 0
    [call] = served
    assert type(call.app).__module__ == "nimbleapi.applications"


def test_dev_no_reload_turns_reload_off(project: Path, served: list[Served]) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    run_command_line(["dev", "--no-reload"])
    assert served[0].options.reload is False


def test_missing_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_command_line([])
    assert exit_info.value.code == 2
    assert "{dev,run,routes,alias}" in capsys.readouterr().err


# ---- main() and the missing server ---------------------------------------------------


def test_main_without_server_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "cli_main", None)
    with pytest.raises(RuntimeError, match="To use the nimbleapi command, please install"):
        cli.main([])
    assert 'pip install "nimbleapi[standard]"' in capsys.readouterr().out


def test_main_manages_the_alias_without_the_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "cli_main", None)
    with pytest.raises(SystemExit):  # status: 1 here, as this environment has no alias installed
        cli.main(["alias", "status"])
    output = capsys.readouterr().out
    assert "fastapi" in output
    assert "please install" not in output


def test_main_names_the_fastapi_command_under_the_compat_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    compat.install()
    fastapi_cli = importlib.import_module("fastapi.cli")
    monkeypatch.setattr(fastapi_cli, "cli_main", None)
    with pytest.raises(RuntimeError, match="To use the fastapi command, please install"):
        fastapi_cli.main()


def test_main_exits_with_the_command_status(project: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "missing.py"])
    assert exit_info.value.code == 1


# ---- as a process ------------------------------------------------------------------------


def subprocess_env() -> dict[str, str]:
    """The environment for ``python -m nimbleapi``, importing this checkout even when it is not installed."""
    python_path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": python_path, "PYTHONIOENCODING": "utf-8"}


def test_python_m_nimbleapi_reports_missing_path(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nimbleapi", "dev", "non_existent_file.py"],
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        encoding="utf-8",
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "Path does not exist non_existent_file.py" in result.stdout


def test_run_serves_the_example_app() -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "nimbleapi", "run", "examples/app.py", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_serving(base_url + "/", server)
        assert request_json(base_url + "/") == (200, {"message": "Inventory API", "docs": "/docs"})
        status, created = request_json(base_url + "/items", {"name": "lamp", "price": 30})
        assert status == 201
        assert request_json(f"{base_url}/items/{created['id']}") == (200, created)
    finally:
        output = stop(server)
    assert "Serving app:app" in output


# ---- nimbleapi routes: the table and the route lint ---------------------------------------

LINT_APP = '''
from pydantic import BaseModel

from nimbleapi import Depends, FastAPI


class User(BaseModel):
    name: str


app = FastAPI()


def current_token(token: str = "") -> str:
    return token


@app.get("/users/{user_id}", response_model=User)
def read_user(user_id: int, token: str = Depends(current_token)) -> dict[str, str]:
    return {"name": "x"}


@app.get("/users/me")
def read_me() -> None:
    return None
'''


def test_routes_prints_the_table_then_the_findings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "lintme.py", LINT_APP)
    assert run_command_line(["routes", "lintme.py"]) == 0
    out = capsys.readouterr().out
    table, findings = out.split("\n\n")
    row = next(line for line in table.splitlines() if "/users/{user_id}" in line)
    assert row.split()[:3] == ["GET", "/users/{user_id}", "read_user"]
    assert "lintme.py:18" in row and "current_token" in row and row.rstrip().endswith("User")
    assert "[shadowed] GET /users/me -> lintme:read_me (lintme.py:23) can never match GET" in findings
    assert "lintme.py:23" in findings and "lintme.py:18" in findings


def test_routes_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "lintme.py", LINT_APP)
    assert run_command_line(["routes", "lintme.py", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    by_path = {route["path"]: route for route in document["routes"]}
    assert by_path["/users/{user_id}"]["methods"] == ["GET"]
    assert by_path["/users/{user_id}"]["response_model"] == "User"
    [finding] = document["findings"]
    assert finding["kind"] == "shadowed"
    assert finding["route"]["name"] == "read_me" and finding["other"]["name"] == "read_user"


def test_check_exits_1_on_findings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "lintme.py", LINT_APP)
    assert run_command_line(["routes", "lintme.py", "--check"]) == 1


def test_dev_prints_the_findings_before_serving(
    project: Path, capsys: pytest.CaptureFixture[str], served: list[Served]
) -> None:
    write(project, "lintme.py", LINT_APP)
    assert run_command_line(["dev", "lintme.py"]) == 0
    assert served
    assert "[shadowed] GET /users/me ->" in capsys.readouterr().out


def test_the_command_still_imports_after_fastapi_cli_was_imported_through_the_alias(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compat.install()
    assert importlib.import_module("fastapi.cli") is cli
    assert cli.__spec__ is not None and cli.__spec__.name == "nimbleapi.cli"  # relative imports stay quiet
    write(project, "lintme.py", LINT_APP)
    assert run_command_line(["routes", "lintme.py"]) == 0


# ---- dev tools: installed by ``dev`` only --------------------------------------------------


def middleware_classes(app: Any) -> list[str]:
    return [entry.cls.__name__ for entry in app.user_middleware]


def test_dev_installs_the_blocking_call_detector(project: Path, served: list[Served]) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert run_command_line(["dev", "--blocking-threshold", "250"]) == 0
    [call] = served
    app = call.app
    assert middleware_classes(app) == ["BlockingDetector"]
    assert app.user_middleware[0].kwargs["threshold"] == 0.25


def test_dev_timing_installs_server_timing(
    project: Path, served: list[Served], monkeypatch: pytest.MonkeyPatch
) -> None:
    import nimbleapi.routing

    for name in ("run_endpoint_function", "serialize_response"):  # process-wide hooks: restored after
        monkeypatch.setattr(nimbleapi.routing, name, getattr(nimbleapi.routing, name))
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert run_command_line(["dev", "--timing", "--blocking-threshold", "0"]) == 0
    [call] = served
    app = call.app
    assert middleware_classes(app) == ["ServerTiming"]


def test_run_installs_no_dev_tools(project: Path, served: list[Served], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.BLOCKING_VARIABLE, "100")  # left over in the environment: still nothing
    monkeypatch.setenv(cli.TIMING_VARIABLE, "1")
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert run_command_line(["run"]) == 0
    [call] = served
    app = call.app
    assert middleware_classes(app) == []


def test_blocking_threshold_zero_turns_the_detector_off(project: Path, served: list[Served]) -> None:
    write(project, "main.py", APP_SOURCE.format(name="app"))
    assert run_command_line(["dev", "--blocking-threshold", "0"]) == 0
    [call] = served
    app = call.app
    assert middleware_classes(app) == []
