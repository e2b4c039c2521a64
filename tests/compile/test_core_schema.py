"""Start-up reading of pydantic-core schemas: when asking for aliases cannot change the output."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, computed_field, field_serializer
from pydantic.alias_generators import to_camel

from nimbleapi import FastAPI
from nimbleapi._compile.core_schema import serializes_alike_by_alias, takes_text_as_is
from nimbleapi.testclient import TestClient


class Plain(BaseModel):
    name: str
    tags: list[str] = []


class Nested(BaseModel):
    inner: Plain
    more: dict[str, Plain] = {}


class FieldsNamedLikeSchemaKeys(BaseModel):
    type: str
    alias: int
    serialization_alias: str


class Aliased(BaseModel):
    name: str = Field(serialization_alias="Name")


class Generated(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel)
    some_field: int


class InnerAliased(BaseModel):
    inner: Aliased


class AliasedComputed(BaseModel):
    @computed_field(alias="Total")  # type: ignore[prop-decorator]
    @property
    def total(self) -> int:
        return 1


class CustomSerializer(BaseModel):
    name: str

    @field_serializer("name")
    def upper(self, value: str) -> str:
        return value.upper()


@pytest.mark.parametrize(
    "annotation", [Plain, Nested, list[Plain], dict[str, list[Plain]], int, FieldsNamedLikeSchemaKeys]
)
def test_schemas_without_aliases_serialise_alike(annotation: Any) -> None:
    assert serializes_alike_by_alias(TypeAdapter(annotation).core_schema)


@pytest.mark.parametrize(
    "annotation", [Aliased, Generated, list[InnerAliased], AliasedComputed, CustomSerializer, Plain | Aliased]
)
def test_aliases_or_custom_functions_keep_by_alias(annotation: Any) -> None:
    assert not serializes_alike_by_alias(TypeAdapter(annotation).core_schema)


def test_response_models_keep_their_aliases_by_default_and_drop_them_when_asked() -> None:
    app = FastAPI()

    @app.get("/aliased", response_model=list[InnerAliased])
    def aliased() -> Any:
        return [{"inner": {"name": "x"}}]

    @app.get("/unaliased", response_model=list[InnerAliased], response_model_by_alias=False)
    def unaliased() -> Any:
        return [{"inner": {"name": "x"}}]

    @app.get("/plain", response_model=list[Plain])
    def plain() -> Any:
        return [{"name": "x"}]

    client = TestClient(app)
    assert client.get("/aliased").json() == [{"inner": {"Name": "x"}}]
    assert client.get("/unaliased").json() == [{"inner": {"name": "x"}}]
    assert client.get("/plain").json() == [{"name": "x", "tags": []}]


@pytest.mark.parametrize(
    ("annotation", "as_is"),
    [
        pytest.param(str, True, id="str"),
        pytest.param(str | None, True, id="optional-str"),
        pytest.param(Annotated[str, Field(max_length=3)], False, id="constrained"),
        pytest.param(Annotated[str, Field(strict=True)], False, id="strict"),
        pytest.param(Annotated[str, StringConstraints(strip_whitespace=True)], False, id="stripped"),
        pytest.param(int, False, id="int"),
        pytest.param(Literal["a", "b"], False, id="literal"),
    ],
)
def test_text_is_taken_as_is_only_where_validation_cannot_change_it(annotation: Any, as_is: bool) -> None:
    assert takes_text_as_is(TypeAdapter(annotation)) is as_is
    if as_is:
        assert TypeAdapter(annotation).validate_python(" Ab ") == " Ab "
