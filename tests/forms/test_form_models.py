"""Form models: flat models, optional models, unions of models, and how OpenAPI describes them.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to models local to this module's tests.
"""

from typing import Annotated, Any, Literal, get_args

import pytest
from pydantic import BaseModel, BeforeValidator, ConfigDict, Tag

from nimbleapi import FastAPI, Form, UploadFile
from nimbleapi.dependencies.utils import _normalize_form_model
from nimbleapi.routing import APIRoute
from nimbleapi.testclient import TestClient


class Address(BaseModel):
    street: str
    city: str = "Paris"


class Text(BaseModel):
    kind: Literal["text"]
    value: str
    urgent: bool = False


class Lines(BaseModel):
    kind: Literal["lines"]
    value: list[str]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


app = FastAPI()


@app.post("/combined")
def combined(token: Annotated[str, Form()], address: Annotated[Address, Form()]) -> dict[str, Any]:
    return {"token": token, "address": address.model_dump()}


@app.post("/optional")
def optional(address: Annotated[Address | None, Form()] = None) -> dict[str, Any] | None:
    return address.model_dump() if address else None


@app.post("/union")
def union(message: Annotated[Text | Lines, Form()]) -> dict[str, Any]:
    return message.model_dump(exclude_unset=True)


@app.post("/tagged")
def tagged(message: Annotated[Text | Lines, Form(discriminator="kind")]) -> dict[str, Any]:
    return message.model_dump(exclude_unset=True)


@app.post("/strict")
def strict(data: Annotated[Strict, Form()]) -> str:
    return data.name


@app.post("/with-file")
def with_file(address: Annotated[Address, Form()], photo: UploadFile) -> dict[str, Any]:
    return {"city": address.city, "photo": photo.filename}


client = TestClient(app)


def test_model_fields_sit_next_to_other_fields() -> None:
    response = client.post("/combined", data={"token": "t", "street": "Main"})
    assert response.json() == {"token": "t", "address": {"street": "Main", "city": "Paris"}}


def test_model_errors_are_located_at_the_body() -> None:
    response = client.post("/combined", data={"token": "t"})
    assert response.status_code == 422
    assert [(error["type"], error["loc"]) for error in response.json()["detail"]] == [("missing", ["body", "street"])]


def test_optional_model_is_none_when_none_of_its_fields_is_sent() -> None:
    assert client.post("/optional", data={}).json() is None
    assert client.post("/optional", data={"unrelated": "x"}).json() is None


def test_optional_model_is_validated_once_one_of_its_fields_is_sent() -> None:
    assert client.post("/optional", data={"street": "Main"}).json() == {"street": "Main", "city": "Paris"}
    response = client.post("/optional", data={"city": "Lyon"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "street"]


@pytest.mark.parametrize("path", ["/union", "/tagged"])
def test_union_picks_the_branch_matching_the_fields(path: str) -> None:
    assert client.post(path, data={"kind": "text", "value": "hi"}).json() == {"kind": "text", "value": "hi"}
    assert client.post(path, data={"kind": "lines", "value": ["a", "b"]}).json() == {"kind": "lines", "value": ["a", "b"]}


@pytest.mark.parametrize("path", ["/union", "/tagged"])
def test_each_union_branch_reads_repeated_keys_by_its_own_types(path: str) -> None:
    # A single value is a one-item list for the list branch, and empty items are kept in lists.
    assert client.post(path, data={"kind": "lines", "value": ["only"]}).json()["value"] == ["only"]
    assert client.post(path, data={"kind": "lines", "value": ["", "b"]}).json()["value"] == ["", "b"]


@pytest.mark.parametrize(("path", "branch"), [("/union", "Text"), ("/tagged", "text")])
def test_empty_value_is_missing_in_the_union_branch(path: str, branch: str) -> None:
    response = client.post(path, data={"kind": "text", "value": ""})
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert (error["type"], error["loc"]) == ("missing", ["body", branch, "value"])


def test_union_parameter_declares_each_member_normalized_by_the_public_helper() -> None:
    # Extensions find the members validated as form data by this very function in the
    # parameter's own annotation, and re-validate migrated bodies with it.
    route = next(route for route in app.routes if isinstance(route, APIRoute) and route.path == "/union")
    members = get_args(route.dependant.body_params[0].field_info.annotation)
    validators = [item.func for member in members for item in member.__metadata__ if isinstance(item, BeforeValidator)]
    assert [(validator.func, validator.keywords) for validator in validators] == [
        (_normalize_form_model, {"model": Text}),
        (_normalize_form_model, {"model": Lines}),
    ]
    tags = [item.tag for member in members for item in member.__metadata__ if isinstance(item, Tag)]
    assert tags == ["Text", "Lines"]


def test_multipart_union_branch_is_read_the_same_way() -> None:
    files = [("kind", (None, "lines")), ("value", (None, "x")), ("value", (None, "y"))]
    assert client.post("/tagged", files=files).json() == {"kind": "lines", "value": ["x", "y"]}


def test_forbidden_extra_fields_are_rejected() -> None:
    assert client.post("/strict", data={"name": "n"}).json() == "n"
    response = client.post("/strict", data={"name": "n", "other": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"


def test_model_and_file_in_one_multipart_form() -> None:
    response = client.post("/with-file", data={"street": "Main", "city": "Lyon"}, files={"photo": ("p.png", b"\x89PNG")})
    assert response.json() == {"city": "Lyon", "photo": "p.png"}


def schema_of(path: str) -> dict[str, Any]:
    document = app.openapi()
    reference = document["paths"][path]["post"]["requestBody"]["content"]
    media = next(iter(reference.values()))["schema"]
    if "$ref" in media:
        return dict(document["components"]["schemas"][media["$ref"].rsplit("/", 1)[1]])
    return dict(media)


def test_openapi_merges_the_model_into_the_form_schema() -> None:
    schema = schema_of("/combined")
    assert schema["properties"] == {"token": {"type": "string", "title": "Token"}}
    assert schema["required"] == ["token"]
    assert schema["allOf"] == [{"$ref": "#/components/schemas/Address"}]


def test_openapi_describes_an_optional_model_as_absent_or_valid() -> None:
    schema = schema_of("/optional")
    absent = {"not": {"anyOf": [{"required": ["city"]}, {"required": ["street"]}]}}
    assert schema["allOf"] == [{"anyOf": [absent, {"anyOf": [{"$ref": "#/components/schemas/Address"}], "title": "Address"}]}]
    assert "required" not in app.openapi()["paths"]["/optional"]["post"]["requestBody"]


def test_openapi_describes_a_tagged_union_with_its_discriminator() -> None:
    schema = schema_of("/tagged")
    assert schema["oneOf"] == [{"$ref": "#/components/schemas/Text"}, {"$ref": "#/components/schemas/Lines"}]
    assert schema["discriminator"]["propertyName"] == "kind"


def test_openapi_uses_multipart_for_a_form_with_files() -> None:
    content = app.openapi()["paths"]["/with-file"]["post"]["requestBody"]["content"]
    assert list(content) == ["multipart/form-data"]
    schema = schema_of("/with-file")
    assert schema["properties"]["photo"] == {"type": "string", "contentMediaType": "application/octet-stream", "title": "Photo"}
    assert schema["allOf"] == [{"$ref": "#/components/schemas/Address"}]
