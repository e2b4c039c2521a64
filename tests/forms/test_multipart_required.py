"""A route that needs python-multipart fails at declaration, not at its first request, when it is missing."""

from __future__ import annotations

import sys
from typing import Annotated

import pytest

from nimbleapi import FastAPI, File, Form, UploadFile


@pytest.fixture
def without_multipart(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes ``import`` fail as if the package were not installed.
    for name in ("python_multipart", "multipart", "multipart.multipart"):
        monkeypatch.setitem(sys.modules, name, None)


def test_form_route_fails_at_declaration(without_multipart: None) -> None:
    app = FastAPI()
    with pytest.raises(RuntimeError, match='Form data requires "python-multipart" to be installed'):

        @app.post("/login")
        def login(username: Annotated[str, Form()]) -> str:
            return username


@pytest.mark.parametrize("kind", ["upload", "bytes"])
def test_file_route_fails_at_declaration(without_multipart: None, kind: str) -> None:
    app = FastAPI()
    with pytest.raises(RuntimeError, match="pip install python-multipart"):
        if kind == "upload":

            @app.post("/upload")
            def upload(file: UploadFile) -> None: ...

        else:

            @app.post("/upload")
            def upload_bytes(file: Annotated[bytes, File()]) -> None: ...


def test_json_routes_do_not_need_multipart(without_multipart: None) -> None:
    app = FastAPI()

    @app.post("/items")
    def create(item: dict[str, int]) -> dict[str, int]:
        return item

    assert app.openapi()["paths"]["/items"]["post"]["operationId"] == "create_items_post"
