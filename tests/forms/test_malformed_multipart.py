"""Malformed form bodies are answered with a 4xx and an error detail, never a 500 or a logged traceback."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import pytest
from form_helpers import (
    BOUNDARY,
    MULTIPART_HEADERS,
    field_part,
    file_part,
    multipart_body,
)

from nimbleapi import FastAPI, Form, UploadFile
from nimbleapi.testclient import TestClient

GOOD = multipart_body(field_part("name", "ann"), file_part("file", "a.txt", b"hello", "text/plain"))


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()

    @app.post("/")
    async def upload(file: UploadFile, name: Annotated[str, Form()]) -> dict[str, Any]:
        return {"name": name, "content": (await file.read()).decode()}

    return TestClient(app, raise_server_exceptions=False)


def test_well_formed_body_is_accepted(client: TestClient) -> None:
    assert client.post("/", content=GOOD, headers=MULTIPART_HEADERS).json() == {"name": "ann", "content": "hello"}


MALFORMED = [
    pytest.param({"content-type": "multipart/form-data"}, GOOD, 400, id="missing-boundary"),
    pytest.param({"content-type": "multipart/form-data; boundary="}, GOOD, 400, id="empty-boundary"),
    pytest.param(MULTIPART_HEADERS, GOOD.replace(BOUNDARY.encode(), b"someotherboundary"), 400, id="wrong-boundary"),
    pytest.param(MULTIPART_HEADERS, GOOD.replace(b"Content-Type: text/plain", b"Content-Type text/plain"), 400, id="header-without-colon"),
    pytest.param(MULTIPART_HEADERS, GOOD.replace(b'Content-Disposition: form-data; name="name"\r\n', b""), 400, id="part-without-disposition"),
    pytest.param(MULTIPART_HEADERS, GOOD.replace(b' name="file";', b""), 400, id="disposition-without-name"),
    pytest.param(MULTIPART_HEADERS, b"\x00\xff" * 200, 400, id="binary-garbage"),
    pytest.param(MULTIPART_HEADERS, GOOD[: len(GOOD) - 30], 422, id="truncated-inside-a-part"),
    pytest.param(MULTIPART_HEADERS, GOOD[:50], 422, id="truncated-inside-headers"),
    pytest.param(MULTIPART_HEADERS, b"", 422, id="empty-body"),
]


@pytest.mark.parametrize(("headers", "body", "status"), MALFORMED)
def test_malformed_body_is_a_client_error(
    client: TestClient, caplog: pytest.LogCaptureFixture, headers: dict[str, str], body: bytes, status: int
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = client.post("/", content=body, headers=headers)
    assert response.status_code == status
    assert "detail" in response.json()
    assert [record for record in caplog.records if record.exc_info] == []


def test_missing_boundary_names_the_problem(client: TestClient) -> None:
    response = client.post("/", content=GOOD, headers={"content-type": "multipart/form-data"})
    assert response.json() == {"detail": "Missing boundary in multipart."}


def test_part_without_name_names_the_problem(client: TestClient) -> None:
    response = client.post("/", content=GOOD.replace(b' name="file";', b""), headers=MULTIPART_HEADERS)
    assert response.json() == {"detail": 'The Content-Disposition header field "name" must be provided.'}


def test_undecodable_urlencoded_body_is_a_client_error(client: TestClient) -> None:
    response = client.post("/", content=b"%%%&&&==\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 422


def test_unknown_charset_falls_back_instead_of_failing(client: TestClient) -> None:
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}; charset=no-such-charset"}
    assert client.post("/", content=GOOD, headers=headers).json() == {"name": "ann", "content": "hello"}
