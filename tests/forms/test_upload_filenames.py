"""A client-supplied filename is only data: reported as sent, never used to create or name a file."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from form_helpers import PAST_SPOOL_LIMIT

from nimbleapi import FastAPI, UploadFile
from nimbleapi.testclient import TestClient

HOSTILE_NAMES = [
    "../../../../escaped.txt",
    "..\\..\\escaped.txt",
    "/absolute/escaped.txt",
    "spool/escaped.txt",
    "escaped.txt\x00.png",
]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty directory, with temporary files going to an empty ``spool/`` inside it."""
    spool = tmp_path / "work" / "spool"
    spool.mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    return tmp_path


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_hostile_filename_is_never_used_as_a_path(sandbox: Path, filename: str) -> None:
    app = FastAPI()
    spooled_names: list[Any] = []

    @app.post("/")
    async def upload(file: UploadFile) -> dict[str, Any]:
        spooled_names.append(getattr(file.file, "name", None))
        return {"filename": file.filename, "size": file.size}

    response = TestClient(app).post("/", files={"file": (filename, b"x" * PAST_SPOOL_LIMIT)})
    assert response.status_code == 200
    assert response.json()["size"] == PAST_SPOOL_LIMIT
    assert "escaped" in response.json()["filename"]  # reported to the endpoint as data
    # Nothing anywhere in the sandbox, inside or outside the spool directory, was named after it.
    created = [path for path in sandbox.rglob("*") if path.is_file()]
    assert created == []
    assert not any(isinstance(name, str) and "escaped" in name for name in spooled_names)


@pytest.mark.skipif(sys.platform == "win32", reason="Windows temporary files keep a name until closed")
def test_spooled_file_has_no_name_on_disk(sandbox: Path) -> None:
    app = FastAPI()
    listing: list[list[str]] = []

    @app.post("/")
    async def upload(file: UploadFile) -> int:
        listing.append(os.listdir(sandbox / "work" / "spool"))
        return file.size or 0

    assert TestClient(app).post("/", files={"file": ("a.bin", b"x" * PAST_SPOOL_LIMIT)}).json() == PAST_SPOOL_LIMIT
    # The file past the spool limit is on disk while the endpoint runs, but anonymous.
    assert listing == [[]]
