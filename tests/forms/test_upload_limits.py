"""Form limits: part counts, field size, file size and total body size, per app and per route; never a 500."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from form_helpers import MULTIPART_HEADERS, field_part, file_part, multipart_body

from nimbleapi import APIRouter, FastAPI, Form, Request, UploadFile
from nimbleapi.routing import APIRoute
from nimbleapi.testclient import TestClient


async def echo(files: list[UploadFile] | None = None, text: Annotated[list[str] | None, Form()] = None) -> dict[str, Any]:
    return {"files": [file.size for file in files or []], "text": text or []}


def client_for(**app_options: Any) -> TestClient:
    app = FastAPI(**app_options)
    app.post("/")(echo)
    return TestClient(app, raise_server_exceptions=False)


def test_default_limits_accept_ordinary_forms() -> None:
    response = client_for().post("/", data={"text": ["a", "b"]}, files=[("files", ("f", b"12345"))])
    assert response.json() == {"files": [5], "text": ["a", "b"]}


def test_too_many_fields_is_a_400() -> None:
    client = client_for(form_limits={"max_fields": 2})
    assert client.post("/", data={"text": ["a", "b"]}).status_code == 200
    response = client.post("/", data={"text": ["a", "b", "c"]})
    assert response.status_code == 400
    assert response.json() == {"detail": "Too many fields. Maximum number of fields is 2."}


def test_too_many_fields_in_multipart_is_a_400() -> None:
    body = multipart_body(field_part("text", "a"), field_part("text", "b"))
    response = client_for(form_limits={"max_fields": 1}).post("/", content=body, headers=MULTIPART_HEADERS)
    assert response.status_code == 400
    assert response.json() == {"detail": "Too many fields. Maximum number of fields is 1."}


def test_too_many_files_is_a_400() -> None:
    client = client_for(form_limits={"max_files": 1})
    assert client.post("/", files=[("files", ("a", b"1"))]).json()["files"] == [1]
    response = client.post("/", files=[("files", ("a", b"1")), ("files", ("b", b"2"))])
    assert response.status_code == 400
    assert response.json() == {"detail": "Too many files. Maximum number of files is 1."}


def test_oversized_field_is_a_400() -> None:
    client = client_for(form_limits={"max_part_size": 1024})
    assert client.post("/", files={"text": (None, "x" * 1024)}).status_code == 200
    response = client.post("/", files={"text": (None, "x" * 1025)})
    assert response.status_code == 400
    assert response.json() == {"detail": "Part exceeded maximum size of 1KB."}


def test_oversized_urlencoded_field_is_a_400() -> None:
    response = client_for(form_limits={"max_part_size": 10}).post("/", data={"text": "x" * 11})
    assert response.status_code == 400


def test_oversized_file_is_a_413() -> None:
    client = client_for(form_limits={"max_file_size": 1000})
    assert client.post("/", files={"files": ("a", b"x" * 1000)}).json()["files"] == [1000]
    response = client.post("/", files={"files": ("a", b"x" * 1001)})
    assert response.status_code == 413
    assert response.json() == {"detail": "File exceeded maximum size of 1000 bytes."}


def test_file_size_limit_applies_to_each_file_not_the_sum() -> None:
    files = [("files", ("a", b"x" * 800)), ("files", ("b", b"x" * 800))]
    response = client_for(form_limits={"max_file_size": 1000}).post("/", files=files)
    assert response.json()["files"] == [800, 800]


def test_file_size_limit_does_not_apply_to_fields() -> None:
    response = client_for(form_limits={"max_file_size": 10}).post("/", files={"text": (None, "x" * 100)})
    assert response.status_code == 200


def test_oversized_body_is_a_413() -> None:
    client = client_for(max_body_size=2000)
    assert client.post("/", files={"files": ("a", b"x" * 1000)}).status_code == 200
    response = client.post("/", files={"files": ("a", b"x" * 5000)})
    assert response.status_code == 413


def test_oversized_streamed_body_without_length_is_a_413() -> None:
    body = multipart_body(file_part("files", "a", b"x" * 5000))

    def chunks() -> Any:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    response = client_for(max_body_size=2000).post("/", content=chunks(), headers=MULTIPART_HEADERS)
    assert response.status_code == 413


def test_route_limits_override_app_limits() -> None:
    app = FastAPI(form_limits={"max_fields": 1, "max_file_size": 10})
    app.post("/default")(echo)
    app.post("/generous", form_limits={"max_fields": 5})(echo)
    client = TestClient(app)
    three = {"text": ["a", "b", "c"]}
    assert client.post("/default", data=three).status_code == 400
    assert client.post("/generous", data=three).json()["text"] == ["a", "b", "c"]
    # Keys the route leaves out keep the app's value.
    assert client.post("/generous", files={"files": ("a", b"x" * 11)}).status_code == 413


def test_router_limits_apply_to_their_routes() -> None:
    router = APIRouter(form_limits={"max_files": 0})
    router.post("/")(echo)
    app = FastAPI()
    app.include_router(router, prefix="/limited")
    app.post("/")(echo)
    client = TestClient(app)
    assert client.post("/limited/", files={"files": ("a", b"1")}).status_code == 400
    assert client.post("/", files={"files": ("a", b"1")}).status_code == 200


@pytest.mark.parametrize(
    "limits",
    [
        pytest.param({"max_fields": -1}, id="negative"),
        pytest.param({"max_file_size": 1.5}, id="not-an-int"),
        pytest.param({"max_files": True}, id="bool"),
        pytest.param({"max_size": 10}, id="unknown-key"),
    ],
)
def test_invalid_route_limits_fail_at_declaration(limits: dict[str, Any]) -> None:
    app = FastAPI()
    with pytest.raises(ValueError):
        app.post("/", form_limits=limits)(echo)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "limits",
    [{"max_fields": 0}, {"max_files": 0}, {"max_part_size": 1}, {"max_file_size": 1}],
    ids=["fields", "files", "part", "file"],
)
def test_limit_violations_are_client_errors_not_500(limits: dict[str, Any]) -> None:
    response = client_for(form_limits=limits).post("/", data={"text": "hello"}, files={"files": ("a", b"hello")})
    assert response.status_code in (400, 413)
    assert "detail" in response.json()


async def one_field(text: Annotated[str, Form()]) -> str:
    return text


def test_app_limits_reach_routes_given_to_the_app_directly() -> None:
    route = APIRoute("/", one_field, methods=["POST"], form_limits={"max_part_size": 3})
    client = TestClient(FastAPI(routes=[route], form_limits={"max_fields": 1, "max_part_size": 1}))
    assert client.post("/", files={"text": (None, "abc")}).json() == "abc"  # the route's own size limit wins
    assert client.post("/", files={"text": (None, "abcd")}).status_code == 400
    assert client.post("/", files={"text": (None, "a"), "other": (None, "b")}).status_code == 400  # the app's


def test_app_limits_reach_the_routes_of_a_mounted_application() -> None:
    route = APIRoute("/", one_field, methods=["POST"], form_limits={"max_fields": 1})
    app = FastAPI(form_limits={"max_part_size": 2, "max_fields": 0})
    app.mount("/child", FastAPI(routes=[route]))
    client = TestClient(app)
    assert client.post("/child/", files={"text": (None, "ab")}).json() == "ab"
    assert client.post("/child/", files={"text": (None, "abc")}).status_code == 400


def test_a_route_that_adds_its_own_fastapi_scope_entries_keeps_the_inherited_limits() -> None:
    class RouteWithMetadata(APIRoute):
        def matches(self, scope: Any) -> Any:
            match, child_scope = super().matches(scope)
            child_scope["fastapi"] = {"marked": True}
            return match, child_scope

    async def endpoint(request: Request, text: Annotated[str, Form()]) -> list[Any]:
        return [text, request.scope["fastapi"]["marked"]]

    client = TestClient(FastAPI(form_limits={"max_fields": 1}, routes=[RouteWithMetadata("/", endpoint, methods=["POST"])]))
    assert client.post("/", data={"text": "ok"}).json() == ["ok", True]
    assert client.post("/", data={"text": "ok", "extra": "v"}).status_code == 400
