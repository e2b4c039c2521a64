"""Install, inspect and remove the ``fastapi`` alias distribution in one Python environment."""

from __future__ import annotations

import importlib.metadata
import os
import sys
import sysconfig
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from . import files
from .files import AliasFile


@dataclass(frozen=True, slots=True)
class Environment:
    """Where an environment keeps importable files and console scripts."""

    site_dir: Path
    scripts_dir: Path
    python: str  # the interpreter the console script runs

    @classmethod
    def current(cls) -> Environment:
        """The environment of the running interpreter (a virtualenv's, when one is active)."""
        return cls(Path(sysconfig.get_path("purelib")), Path(sysconfig.get_path("scripts")), sys.executable)

    @property
    def script_record_path(self) -> str:
        return os.path.relpath(self.scripts_dir / files.SCRIPT_NAME, self.site_dir).replace(os.sep, "/")

    def path(self, record_path: str) -> Path:
        return Path(os.path.normpath(self.site_dir / record_path))


class State(Enum):
    ABSENT = "absent"  # no fastapi distribution at all
    INSTALLED = "installed"  # the alias, intact, written for this nimbleapi
    STALE = "stale"  # the alias, written by another nimbleapi release
    DAMAGED = "damaged"  # the alias, with files missing or changed
    REAL_FASTAPI = "real-fastapi"  # FastAPI itself (or another distribution named fastapi)


@dataclass(frozen=True, slots=True)
class Status:
    state: State
    version: str | None = None  # of the fastapi distribution found
    dist_info: Path | None = None
    installer: str | None = None
    problems: tuple[str, ...] = ()  # what is missing or changed, or which release wrote the alias


def nimbleapi_version() -> str:
    return importlib.metadata.version("nimbleapi")


def find_dist_info(environment: Environment) -> Path | None:
    found = sorted(environment.site_dir.glob(f"{files.DIST_NAME}-*.dist-info"))
    return found[0] if found else None


def inspect(environment: Environment) -> Status:
    """What ``fastapi`` is in this environment: nothing, the alias (in which shape), or FastAPI itself."""
    dist_info = find_dist_info(environment)
    if dist_info is None:
        return Status(State.ABSENT)
    distribution = importlib.metadata.PathDistribution(dist_info)
    version = distribution.version
    installer = (distribution.read_text("INSTALLER") or "").strip()
    if installer != files.INSTALLER:
        return Status(State.REAL_FASTAPI, version, dist_info, installer or None)
    problems = changed_files(environment, dist_info)
    if problems:
        return Status(State.DAMAGED, version, dist_info, installer, problems)
    written_for = next((r.partition("==")[2] for r in distribution.requires or [] if r.startswith("nimbleapi==")), "")
    if written_for != nimbleapi_version():
        return Status(State.STALE, version, dist_info, installer, (written_for,))
    return Status(State.INSTALLED, version, dist_info, installer)


def changed_files(environment: Environment, dist_info: Path) -> tuple[str, ...]:
    record_file = dist_info / "RECORD"
    if not record_file.is_file():
        return ("RECORD",)
    problems = []
    for record_path, expected in files.read_record(record_file).items():
        path = environment.path(record_path)
        if not path.is_file():
            problems.append(f"{record_path} is missing")
        elif expected and files.hash_entry(path.read_bytes()) != expected:
            problems.append(f"{record_path} was changed")
    return tuple(problems)


def install(environment: Environment) -> Status:
    """Write the alias (replacing an earlier one); refuse to touch a real FastAPI."""
    status = inspect(environment)
    if status.state is State.REAL_FASTAPI:
        return status
    if status.state is not State.ABSENT:
        uninstall(environment)
    alias = files.alias_files(nimbleapi_version(), environment.python, environment.script_record_path)
    for alias_file in [*alias, files.record(alias)]:
        write(environment.path(alias_file.record_path), alias_file)
    return inspect(environment)


def write(path: Path, alias_file: AliasFile) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(alias_file.content)
    if alias_file.executable:
        path.chmod(0o755)


def uninstall(environment: Environment) -> Status:
    """Remove every file the alias's RECORD lists, then its dist-info folder; leave a real FastAPI alone."""
    status = inspect(environment)
    if status.dist_info is None or status.state is State.REAL_FASTAPI:
        return status
    record_file = status.dist_info / "RECORD"
    listed = files.read_record(record_file) if record_file.is_file() else {}
    # Without a RECORD, the files the alias always writes outside its folder go too.
    for record_path in listed or [files.PTH_NAME, environment.script_record_path]:
        environment.path(record_path).unlink(missing_ok=True)
    for leftover in status.dist_info.iterdir():  # a RECORD-less alias still owns its folder
        leftover.unlink()
    status.dist_info.rmdir()
    return status
