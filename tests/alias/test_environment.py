"""The alias's file set in a bare directory pair, without starting an interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest

from nimbleapi._alias import files
from nimbleapi._alias.environment import Environment, State, inspect, install, uninstall, write


@pytest.fixture
def environment(tmp_path: Path) -> Environment:
    site = tmp_path / "lib" / "site-packages"
    site.mkdir(parents=True)
    return Environment(site, tmp_path / "bin", "/opt/venv/bin/python")


def write_alias_of(environment: Environment, nimbleapi_version: str) -> None:
    alias = files.alias_files(nimbleapi_version, environment.python, environment.script_record_path)
    for alias_file in [*alias, files.record(alias)]:
        write(environment.path(alias_file.record_path), alias_file)


def test_every_written_file_is_in_the_record_with_its_hash(environment: Environment) -> None:
    assert install(environment).state is State.INSTALLED
    dist_info = environment.site_dir / files.dist_info_name()
    recorded = files.read_record(dist_info / "RECORD")
    written = {str(path.relative_to(environment.site_dir)) for path in environment.site_dir.rglob("*") if path.is_file()}
    assert set(recorded) == written | {"../../bin/fastapi"}
    script = environment.scripts_dir / "fastapi"
    assert recorded["../../bin/fastapi"] == files.hash_entry(script.read_bytes())
    assert script.read_text().startswith("#!/opt/venv/bin/python\n")
    assert script.stat().st_mode & 0o111


def test_an_alias_of_another_release_is_stale_until_installed_again(environment: Environment) -> None:
    write_alias_of(environment, "0.0.1")
    status = inspect(environment)
    assert (status.state, status.problems) == (State.STALE, ("0.0.1",))
    assert install(environment).state is State.INSTALLED


def test_uninstall_of_an_alias_without_record_removes_its_known_files(environment: Environment) -> None:
    install(environment)
    (environment.site_dir / files.dist_info_name() / "RECORD").unlink()
    assert inspect(environment).state is State.DAMAGED
    uninstall(environment)
    assert list(environment.site_dir.iterdir()) == []
    assert list(environment.scripts_dir.iterdir()) == []
