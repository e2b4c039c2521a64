"""The alias in a virtualenv built from PyPI, with the real servers, pip and a real extension.

Slow (it installs packages), so it is marked ``venv``: the default test run leaves it out
and ``.ci/run`` runs it as its own section (``python -m pytest -m venv``). Every server
listens on a loopback port and is stopped after one request.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from serving import free_port, request_json, stop, wait_until_serving
from venvs import Venv, create

from nimbleapi._version import FASTAPI_VERSION

pytestmark = [pytest.mark.venv, pytest.mark.timeout(900)]

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVERS = ["uvicorn", "gunicorn", "hypercorn"]
EXTENSION = "fastapi-pagination"  # a small, popular package that requires fastapi

APP = """
from fastapi import FastAPI, Query

app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: int, q: str = Query(max_length=5)) -> dict[str, object]:
    return {"item_id": item_id, "q": q, "served_by": type(app).__module__}
"""

SCRIPT = """
import sys

import uvicorn

from app.main import app

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]))
"""


@dataclass(frozen=True)
class AliasedVenv:
    venv: Venv
    project: Path
    files_before_alias: set[str]


def check(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{done.args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def aliased(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AliasedVenv]:
    root = tmp_path_factory.mktemp("real-programs")
    venv = create(root / "venv", with_pip=True)
    check(venv.run("python", "-m", "pip", "install", "-q", str(REPO_ROOT), *SERVERS, timeout=600))
    project = root / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "main.py").write_text(APP)
    (project / "serve.py").write_text(SCRIPT)
    before = venv.files()
    assert "No module named 'fastapi'" in venv.run("python", "-c", "import fastapi").stderr
    check(venv.run("nimbleapi", "alias", "install"))
    yield AliasedVenv(venv, project, before)


def server_command(name: str, port: int) -> list[str]:
    address = f"127.0.0.1:{port}"
    return {
        "uvicorn": ["uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        "uvicorn --workers 2": ["uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        "gunicorn": ["gunicorn", "app.main:app", "-k", "uvicorn.workers.UvicornWorker", "-w", "2", "-b", address],
        "hypercorn": ["hypercorn", "app.main:app", "--bind", address],
        "fastapi run": ["fastapi", "run", "--host", "127.0.0.1", "--port", str(port)],
        "python serve.py": ["python", "serve.py", str(port)],
    }[name]


@pytest.mark.parametrize(
    "server", ["uvicorn", "uvicorn --workers 2", "gunicorn", "hypercorn", "fastapi run", "python serve.py"]
)
def test_an_unmodified_fastapi_app_is_served_by_nimbleapi(aliased: AliasedVenv, server: str) -> None:
    port = free_port()
    command = server_command(server, port)
    program = str(aliased.venv.bin / command[0])
    env = {"PATH": f"{aliased.venv.bin}:/usr/bin:/bin", "VIRTUAL_ENV": str(aliased.venv.root), "PORT": str(port)}
    process = subprocess.Popen(
        [program, *command[1:]], cwd=aliased.project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}/items/3?q=lamp"
    try:
        wait_until_serving(url, process, deadline_seconds=60)
        answer = request_json(url)
    finally:
        output = stop(process)
    assert answer == (200, {"item_id": 3, "q": "lamp", "served_by": "nimbleapi.applications"}), output


def test_an_extension_that_requires_fastapi_keeps_the_alias(aliased: AliasedVenv) -> None:
    venv = aliased.venv
    installed = check(venv.run("python", "-m", "pip", "install", EXTENSION, timeout=600))
    try:
        assert "Successfully installed fastapi-pagination" in installed
        assert "Successfully installed fastapi-" not in installed.replace("fastapi-pagination", "")
        assert check(venv.run("python", "-m", "pip", "check")).strip() == "No broken requirements found."
        assert check(venv.run("nimbleapi", "alias", "status")).startswith(f"fastapi {FASTAPI_VERSION} is nimbleapi")
        probe = "import importlib.metadata as m, fastapi; print(m.version('fastapi'), fastapi.__file__)"
        version, location = check(venv.run("python", "-c", probe)).split()
        assert (version, Path(location).parent.name) == (FASTAPI_VERSION, "nimbleapi")
    finally:
        check(venv.run("python", "-m", "pip", "uninstall", "-y", EXTENSION))


def test_the_real_fastapi_installed_over_the_alias_is_reported_and_left_alone(aliased: AliasedVenv) -> None:
    venv = aliased.venv
    replace = ["python", "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", f"fastapi=={FASTAPI_VERSION}"]
    check(venv.run(*replace, timeout=600))
    try:
        status = venv.run("nimbleapi", "alias", "status")
        assert status.returncode == 1
        assert f"is FastAPI {FASTAPI_VERSION} itself (installed by pip)" in status.stdout
        assert venv.run("nimbleapi", "alias", "install").returncode == 1
        assert venv.run("nimbleapi", "alias", "uninstall").returncode == 1
        assert any(venv.site.glob("fastapi/applications.py"))  # FastAPI's own files, untouched
    finally:
        check(venv.run("python", "-m", "pip", "uninstall", "-y", "fastapi"))
    assert venv.files() == aliased.files_before_alias  # pip removed FastAPI and the alias it had replaced
    check(venv.run("nimbleapi", "alias", "install"))


def test_uninstall_restores_the_venv_file_for_file(aliased: AliasedVenv) -> None:
    venv = aliased.venv
    assert check(venv.run("nimbleapi", "alias", "uninstall")).startswith("Removed the fastapi alias")
    assert venv.files() == aliased.files_before_alias
    assert "No module named 'fastapi'" in venv.run("python", "-c", "import fastapi").stderr
