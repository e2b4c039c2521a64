"""Uploaded files spooled to disk are closed (and so gone) when the request ends, however it ends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

from form_helpers import (
    MULTIPART_HEADERS,
    PAST_SPOOL_LIMIT,
    call_asgi,
    field_part,
    file_part,
    multipart_body,
)
from starlette.types import Message

from nimbleapi import FastAPI, Form, HTTPException, UploadFile
from nimbleapi.testclient import TestClient

TempFiles = Callable[[], set[str]]
BIG = b"x" * PAST_SPOOL_LIMIT


def test_files_are_closed_after_a_successful_request(temp_files: TempFiles) -> None:
    app = FastAPI()
    seen: list[UploadFile] = []

    @app.post("/")
    async def upload(files: list[UploadFile]) -> list[int]:
        seen.extend(files)
        assert temp_files(), "a file past the spool limit lives in a temporary file while the endpoint runs"
        return [file.size or 0 for file in files]

    response = TestClient(app).post("/", files=[("files", ("a", BIG)), ("files", ("b", BIG))])
    assert response.json() == [PAST_SPOOL_LIMIT, PAST_SPOOL_LIMIT]
    assert [file.file.closed for file in seen] == [True, True]
    assert temp_files() == set()


def test_files_are_closed_when_the_endpoint_raises(temp_files: TempFiles) -> None:
    app = FastAPI()
    seen: list[UploadFile] = []

    @app.post("/crash")
    async def crash(file: UploadFile) -> None:
        seen.append(file)
        raise RuntimeError("endpoint failure")

    @app.post("/refuse")
    async def refuse(file: UploadFile) -> None:
        seen.append(file)
        raise HTTPException(status_code=409, detail="no")

    client = TestClient(app, raise_server_exceptions=False)
    assert client.post("/crash", files={"file": ("a", BIG)}).status_code == 500
    assert client.post("/refuse", files={"file": ("a", BIG)}).status_code == 409
    assert [file.file.closed for file in seen] == [True, True]
    assert temp_files() == set()


def test_files_are_closed_when_a_sync_endpoint_raises(temp_files: TempFiles) -> None:
    app = FastAPI()

    @app.post("/")
    def crash(file: UploadFile, note: Annotated[str, Form()]) -> None:
        raise ValueError(note)

    response = TestClient(app, raise_server_exceptions=False).post("/", files={"file": ("a", BIG)}, data={"note": "n"})
    assert response.status_code == 500
    assert temp_files() == set()


def test_files_are_closed_when_validation_fails(temp_files: TempFiles) -> None:
    app = FastAPI()

    @app.post("/")
    async def upload(file: UploadFile, count: Annotated[int, Form()]) -> None:
        raise AssertionError("not reached")

    response = TestClient(app).post("/", files={"file": ("a", BIG)}, data={"count": "many"})
    assert response.status_code == 422
    assert temp_files() == set()


def test_files_are_closed_when_the_client_disconnects_mid_upload(temp_files: TempFiles) -> None:
    app = FastAPI()
    calls: list[str] = []

    @app.post("/")
    async def upload(file: UploadFile) -> None:
        calls.append("endpoint")

    half_a_body = file_part("file", "big.bin", BIG) + b"more data that never ends"
    incoming: list[Message] = [
        {"type": "http.request", "body": half_a_body, "more_body": True},
        {"type": "http.disconnect"},
    ]
    response = asyncio.run(call_asgi(app, "/", incoming, MULTIPART_HEADERS))
    assert calls == []
    assert response.status is not None and 400 <= response.status < 500
    assert temp_files() == set()


def test_files_are_closed_when_a_limit_stops_the_upload(temp_files: TempFiles) -> None:
    app = FastAPI(form_limits={"max_files": 1})

    @app.post("/")
    async def upload(files: list[UploadFile]) -> None:
        raise AssertionError("not reached")

    response = TestClient(app).post("/", files=[("files", ("a", BIG)), ("files", ("b", BIG))])
    assert response.status_code == 400
    assert temp_files() == set()


def test_files_are_closed_when_the_body_is_truncated(temp_files: TempFiles) -> None:
    app = FastAPI()

    @app.post("/")
    async def upload(file: UploadFile, name: Annotated[str, Form()]) -> None:
        raise AssertionError("not reached")

    body = multipart_body(field_part("name", "n"), file_part("file", "big.bin", BIG))
    truncated = body[: len(body) // 2]
    response = TestClient(app).post("/", content=truncated, headers=MULTIPART_HEADERS)
    assert 400 <= response.status_code < 500
    assert temp_files() == set()
