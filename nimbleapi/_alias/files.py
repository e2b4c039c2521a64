"""The files of the ``fastapi`` alias distribution, built in memory before any is written."""

from __future__ import annotations

import base64
import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .._version import FASTAPI_VERSION

DIST_NAME = "fastapi"
INSTALLER = "nimbleapi"  # the INSTALLER file's content marks a distribution as this alias
PTH_NAME = "nimbleapi-fastapi-alias.pth"  # sorts after the ``_``-prefixed .pth of an editable install
SCRIPT_NAME = "fastapi"
# FastAPI's extras that change what is installed; each maps to nimbleapi's counterpart.
EXTRAS = {"standard": "standard", "standard-no-fastapi-cloud-cli": "standard", "all": "standard"}

# One line, run by ``site`` at interpreter start. If nimbleapi was removed, Python starts
# quietly and ``import fastapi`` fails as it would without the alias.
PTH_LINE = (
    'import sys; exec("try:\\n    import nimbleapi.compat\\nexcept ModuleNotFoundError:\\n    pass\\n'
    'else:\\n    nimbleapi.compat.install()")\n'
)

SCRIPT = """#!{python}
# The fastapi command of this environment: FastAPI's entry point, served by nimbleapi.
import sys

from fastapi.cli import main

if __name__ == "__main__":
    sys.exit(main())
"""


def dist_info_name(version: str = FASTAPI_VERSION) -> str:
    return f"{DIST_NAME}-{version}.dist-info"


@dataclass(frozen=True, slots=True)
class AliasFile:
    """One file of the distribution: its path relative to site-packages, as RECORD writes it."""

    record_path: str
    content: bytes
    executable: bool = False

    @property
    def record_line(self) -> str:
        return f"{self.record_path},{hash_entry(self.content)},{len(self.content)}"


def metadata(nimbleapi_version: str) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {DIST_NAME}",
        f"Version: {FASTAPI_VERSION}",
        f"Summary: FastAPI's import name and command, provided by nimbleapi {nimbleapi_version}",
        "Requires-Python: >=3.11",
        # nimbleapi brings what FastAPI's own requirements are for (Starlette, Pydantic,
        # AnyIO, typing-extensions); the pin makes ``pip check`` flag an alias written
        # by another nimbleapi release.
        f"Requires-Dist: nimbleapi=={nimbleapi_version}",
    ]
    for extra, nimbleapi_extra in EXTRAS.items():
        lines += [f"Provides-Extra: {extra}", f'Requires-Dist: nimbleapi[{nimbleapi_extra}]=={nimbleapi_version}; extra == "{extra}"']
    return "\n".join(lines) + "\n"


def alias_files(nimbleapi_version: str, python: str, script_record_path: str) -> list[AliasFile]:
    """Every file but RECORD; ``script_record_path`` is the console script's path relative to site-packages."""
    info = dist_info_name()
    return [
        AliasFile(f"{info}/METADATA", metadata(nimbleapi_version).encode()),
        AliasFile(f"{info}/INSTALLER", f"{INSTALLER}\n".encode()),
        AliasFile(f"{info}/REQUESTED", b""),
        AliasFile(f"{info}/entry_points.txt", f"[console_scripts]\n{SCRIPT_NAME} = fastapi.cli:main\n".encode()),
        AliasFile(f"{info}/top_level.txt", f"{DIST_NAME}\n".encode()),
        AliasFile(PTH_NAME, PTH_LINE.encode()),
        AliasFile(script_record_path, SCRIPT.format(python=python).encode(), executable=True),
    ]


def record(files: list[AliasFile]) -> AliasFile:
    """The RECORD file: one line per file with its hash and size, and itself without either."""
    path = f"{dist_info_name()}/RECORD"
    lines = [file.record_line for file in files] + [f"{path},,"]
    return AliasFile(path, ("\n".join(lines) + "\n").encode())


def read_record(record_file: Path) -> dict[str, str]:
    """RECORD's ``path -> "sha256=..."`` (empty for RECORD itself)."""
    with record_file.open(newline="", encoding="utf-8") as lines:
        return {row[0]: row[1] for row in csv.reader(lines) if row}


def hash_entry(content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"
