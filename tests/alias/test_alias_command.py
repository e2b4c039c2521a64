"""``nimbleapi alias``: a virtualenv's ``fastapi`` becomes nimbleapi for every new process, and goes away cleanly.

Each test uses a fresh virtualenv that imports this environment's packages (see
``venvs.borrowing_this_environment``), so the alias is installed into that venv only.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from venvs import Venv, borrowing_this_environment

from nimbleapi._version import FASTAPI_VERSION, VERSION

PROBE = """
import json, sys
loaded_at_start = sorted(m for m in ("anyio", "starlette", "pydantic") if m in sys.modules)
from importlib.metadata import version
import fastapi, fastapi.routing, nimbleapi, nimbleapi.routing
from fastapi import FastAPI
print(json.dumps({
    "loaded_at_start": loaded_at_start,
    "fastapi_distribution": version("fastapi"),
    "nimbleapi_distribution": version("nimbleapi"),
    "fastapi_version": fastapi.__version__,
    "same_modules": fastapi is nimbleapi and fastapi.routing is nimbleapi.routing,
    "application_class": f"{FastAPI.__module__}.{FastAPI.__qualname__}",
}))
"""


@pytest.fixture
def venv(tmp_path: Path) -> Venv:
    return borrowing_this_environment(tmp_path / "venv")


def alias(venv: Venv, action: str) -> tuple[int, str]:
    done = venv.run("python", "-m", "nimbleapi", "alias", action)
    assert not done.stderr, done.stderr
    return done.returncode, done.stdout


def test_every_new_process_imports_nimbleapi_as_fastapi(venv: Venv) -> None:
    assert alias(venv, "install")[0] == 0
    done = venv.run("python", "-c", PROBE)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "loaded_at_start": [],  # the finder installed at start imports nothing of the framework
        "fastapi_distribution": FASTAPI_VERSION,
        "nimbleapi_distribution": VERSION,
        "fastapi_version": FASTAPI_VERSION,
        "same_modules": True,
        "application_class": "nimbleapi.applications.FastAPI",
    }


def test_without_the_alias_there_is_no_fastapi(venv: Venv) -> None:
    done = venv.run("python", "-c", "import fastapi")
    assert "No module named 'fastapi'" in done.stderr


def test_status_follows_install_and_uninstall(venv: Venv) -> None:
    status, output = alias(venv, "status")
    assert (status, "not installed" in output) == (1, True)
    alias(venv, "install")
    status, output = alias(venv, "status")
    assert (status, f"fastapi {FASTAPI_VERSION} is nimbleapi {VERSION}" in output) == (0, True)
    alias(venv, "uninstall")
    assert alias(venv, "status")[0] == 1


def test_uninstall_leaves_the_venv_as_it_was(venv: Venv) -> None:
    before = venv.files()
    alias(venv, "install")
    assert venv.run("python", "-c", "import fastapi").returncode == 0
    added = venv.files() - before
    assert f"bin/fastapi" in added and any(path.endswith(".pth") for path in added)
    assert alias(venv, "uninstall") == (0, f"Removed the fastapi alias from {venv.site}.\n")
    assert venv.files() == before


def test_pip_sees_fastapi_and_uninstalls_every_file(venv: Venv) -> None:
    before = venv.files()
    alias(venv, "install")
    shown = venv.run("python", "-m", "pip", "show", "fastapi").stdout
    assert f"Version: {FASTAPI_VERSION}" in shown
    assert "Requires: nimbleapi" in shown
    broken = venv.run("python", "-m", "pip", "check").stdout
    assert "fastapi" not in broken and "nimbleapi" not in broken
    uninstalled = venv.run("python", "-m", "pip", "uninstall", "-y", "fastapi")
    assert uninstalled.returncode == 0, uninstalled.stderr
    assert venv.files() == before
    assert alias(venv, "status")[0] == 1


def test_a_damaged_alias_is_reported_and_repaired(venv: Venv) -> None:
    alias(venv, "install")
    pth = next(venv.site.glob("*fastapi*.pth"))
    pth.unlink()
    status, output = alias(venv, "status")
    assert status == 1
    assert f"damaged ({pth.name} is missing)" in output
    assert alias(venv, "install")[0] == 0
    assert pth.is_file()
    assert alias(venv, "status")[0] == 0


def test_the_fastapi_command_is_nimbleapis(venv: Venv) -> None:
    alias(venv, "install")
    version = venv.run("fastapi", "--version")
    assert version.stdout.strip() == f"nimbleapi {VERSION}, providing FastAPI {FASTAPI_VERSION}'s API"
    usage = venv.run("fastapi", "run", "--help").stdout
    assert usage.startswith("usage: fastapi run")
    for option in ("--forwarded-allow-ips", "--proxy-headers", "--root-path", "--workers", "--entrypoint", "--verbose"):
        assert option in usage


PROJECT_TEST = """
import httpx
import pytest
from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"ping": "pong"}


@pytest.mark.anyio
async def test_ping() -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/ping")
    assert response.json() == {"ping": "pong"}
"""


def test_pytest_with_warnings_as_errors_runs_a_fastapi_project(venv: Venv, tmp_path: Path) -> None:
    """The alias is active from interpreter start, yet pytest still rewrites AnyIO's plugin and warns of nothing."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n')
    (project / "test_app.py").write_text(textwrap.dedent(PROJECT_TEST))
    alias(venv, "install")
    done = venv.run("python", "-m", "pytest", "-p", "no:cacheprovider", "-q", "-k", "asyncio", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
