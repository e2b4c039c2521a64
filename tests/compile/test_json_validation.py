"""JSON bodies validated from their bytes give exactly what parsing, then validating, gives."""

from __future__ import annotations

import datetime
import json
import decimal
import uuid
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nimbleapi import FastAPI
from nimbleapi._compile.json_validation import direct_json_validator
from nimbleapi._plan.fields import create_model_field
from nimbleapi.testclient import TestClient


class Plain(BaseModel):
    name: str = Field(min_length=1)
    count: int = 0
    ratio: float | None = None
    tags: list[str] = []
    extra: dict[str, int] = {}
    kind: Literal["a", "b"] = "a"


class Nested(BaseModel):
    inner: Plain
    items: list[Plain] = []


class FieldsNamedLikeSchemaKeys(BaseModel):
    type: str
    strict: bool = False
    config: dict[str, int] = {}


class Strict(BaseModel):
    model_config = ConfigDict(strict=True)
    when: datetime.date


class WithDecimal(BaseModel):
    amount: decimal.Decimal


class WithUnion(BaseModel):
    value: datetime.datetime | str


class WithValidator(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def shout(cls, value: str) -> str:
        return value.upper()


class WithBytes(BaseModel):
    model_config = ConfigDict(val_json_bytes="base64")
    data: bytes


class WithUUID(BaseModel):
    id: uuid.UUID


def _validator_for(annotation: Any) -> Any:
    return direct_json_validator(create_model_field(name="body", type_=annotation))


@pytest.mark.parametrize(
    "annotation", [Plain, Nested, list[Plain], Plain | None, dict[str, list[int]], FieldsNamedLikeSchemaKeys]
)
def test_plain_schemas_are_validated_from_bytes(annotation: Any) -> None:
    assert _validator_for(annotation) is not None


@pytest.mark.parametrize("annotation", [Strict, WithDecimal, WithUnion, WithValidator, WithBytes, WithUUID])
def test_schemas_that_json_mode_reads_differently_are_not(annotation: Any) -> None:
    assert _validator_for(annotation) is None


def _echo_app(model: Any) -> TestClient:
    app = FastAPI()

    def echo(body: Any) -> Any:
        return {"repr": repr(body)}

    echo.__annotations__ = {"body": model}  # the model under test, resolved (no string annotation)
    app.post("/")(echo)
    return TestClient(app)


@pytest.mark.parametrize(
    "payload",
    [
        b'{"name": "x", "count": 1.0, "ratio": 1e400}',
        b'{"name": "x", "count": 1, "count": 2}',
        b'\xef\xbb\xbf{"name": "bom"}',
        b'{"name": "x", "tags": ["a"], "extra": {"k": 1, "k": 3}, "kind": "b"}',
        b'{"name": "x", "ratio": 12345678901234567890123}',
    ],
)
def test_bodies_give_what_parsing_first_gives(payload: bytes) -> None:
    response = _echo_app(Plain).post("/", content=payload, headers={"content-type": "application/json"})
    try:
        expected = repr(Plain.model_validate(json.loads(payload)))
    except ValidationError as exc:
        assert response.status_code == 422
        assert [error["type"] for error in response.json()["detail"]] == [error["type"] for error in exc.errors()]
    else:
        assert response.status_code == 200
        assert response.json() == {"repr": expected}


def test_invalid_json_is_reported_as_before() -> None:
    response = _echo_app(Plain).post("/", content=b'{"name": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert response.json()["detail"][0]["loc"] == ["body", 9]


def test_validation_errors_carry_the_parsed_input() -> None:
    response = _echo_app(Plain).post("/", json={"name": "", "count": "x"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [error["loc"] for error in detail] == [["body", "name"], ["body", "count"]]
    assert detail[1]["input"] == "x"


def test_strict_models_still_reject_strings_for_dates() -> None:
    response = _echo_app(Strict).post("/", json={"when": "2024-01-02"})
    assert response.status_code == 422


def test_decimal_keeps_the_value_json_loads_gives() -> None:
    response = _echo_app(WithDecimal).post("/", content=b'{"amount": 1.10}', headers={"content-type": "application/json"})
    assert response.json() == {"repr": "WithDecimal(amount=Decimal('1.1'))"}


def test_a_body_that_is_not_declared_json_is_not_parsed() -> None:
    response = _echo_app(Plain).post("/", content=b'{"name": "x"}', headers={"content-type": "text/plain"})
    assert response.status_code == 422


def test_a_lone_surrogate_is_a_422_with_the_input_escaped() -> None:
    # json.loads reads "\\ud800" into a lone surrogate, which no UTF-8 body can carry as is.
    response = _echo_app(Plain).post("/", content=b'{"name": "\\ud800"}', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert b'"input":"\\ud800"' in response.content
    assert response.json()["detail"][0]["type"] == "string_unicode"


def _app_with_dependency_and_body() -> TestClient:
    from nimbleapi import Depends, Header, Request
    from nimbleapi.exceptions import RequestValidationError
    from nimbleapi.responses import JSONResponse

    app = FastAPI()

    def caller(x_user: str = Header()) -> str:
        return x_user

    @app.exception_handler(RequestValidationError)
    async def show(request: Request, exc: RequestValidationError) -> JSONResponse:
        locs = [list(error["loc"]) for error in exc.errors()]
        return JSONResponse({"locs": locs, "body": exc.body}, status_code=422)

    @app.post("/items")
    def create(item: Plain, limit: int = 10, user: str = Depends(caller)) -> dict[str, Any]:
        return {"user": user, "item": item.model_dump(), "limit": limit}

    return TestClient(app)


def test_a_body_beside_dependencies_and_parameters_is_validated_once() -> None:
    response = _app_with_dependency_and_body().post("/items", json={"name": "x", "count": 2}, headers={"x-user": "ann"})
    assert response.status_code == 200
    assert response.json() == {
        "user": "ann",
        "item": {"name": "x", "count": 2, "ratio": None, "tags": [], "extra": {}, "kind": "a"},
        "limit": 10,
    }


def test_other_errors_beside_a_valid_body_carry_the_parsed_body() -> None:
    client = _app_with_dependency_and_body()
    response = client.post("/items?limit=many", json={"name": "x"})
    assert response.status_code == 422
    assert response.json() == {"locs": [["header", "x-user"], ["query", "limit"]], "body": {"name": "x"}}


def test_body_errors_beside_other_errors_are_all_reported() -> None:
    response = _app_with_dependency_and_body().post("/items", json={"name": ""})
    assert response.status_code == 422
    assert response.json() == {"locs": [["header", "x-user"], ["body", "name"]], "body": {"name": ""}}
