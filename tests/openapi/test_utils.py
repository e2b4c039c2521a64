"""Public helpers of ``nimbleapi.openapi.utils`` used directly, outside ``app.openapi()``."""

from __future__ import annotations

import warnings
from typing import Annotated

import pytest
from pydantic import BaseModel

from nimbleapi import APIRouter, Depends, FastAPI, Query
from nimbleapi.exceptions import FastAPIDeprecationWarning
from nimbleapi.openapi.utils import (
    generate_operation_id,
    get_fields_from_routes,
    get_openapi,
    get_openapi_path,
    status_code_ranges,
    validation_error_definition,
    validation_error_response_definition,
)
from nimbleapi.security import HTTPBearer


class Pet(BaseModel):
    name: str


def pet_router() -> APIRouter:
    router = APIRouter()

    @router.get("/pets/{pet_id}")
    def read_pet(pet_id: int) -> Pet:
        return Pet(name="Rex")

    return router


def test_get_openapi_on_a_router_s_routes() -> None:
    document = get_openapi(
        title="Pets",
        version="2.0",
        summary="All the pets",
        description="Pet shop",
        terms_of_service="https://example.com/terms",
        contact={"name": "Shop"},
        license_info={"name": "MIT"},
        routes=pet_router().routes,
        servers=[{"url": "https://pets.example.com"}],
        tags=[{"name": "pets"}],
        external_docs={"url": "https://example.com/docs"},
    )
    assert list(document) == ["openapi", "info", "servers", "paths", "components", "tags", "externalDocs"]
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {
        "title": "Pets",
        "summary": "All the pets",
        "description": "Pet shop",
        "termsOfService": "https://example.com/terms",
        "contact": {"name": "Shop"},
        "license": {"name": "MIT"},
        "version": "2.0",
    }
    operation = document["paths"]["/pets/{pet_id}"]["get"]
    assert operation["operationId"] == "read_pet_pets__pet_id__get"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Pet"
    }
    assert set(document["components"]["schemas"]) == {"HTTPValidationError", "Pet", "ValidationError"}


def test_validation_error_components_are_fastapis() -> None:
    document = get_openapi(title="t", version="1", routes=pet_router().routes)
    schemas = document["components"]["schemas"]
    assert schemas["ValidationError"] == validation_error_definition
    assert schemas["HTTPValidationError"] == validation_error_response_definition
    assert validation_error_definition["required"] == ["loc", "msg", "type"]
    assert set(validation_error_definition["properties"]) == {"loc", "msg", "type", "input", "ctx"}


def test_no_validation_error_without_inputs() -> None:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    document = app.openapi()
    assert "422" not in document["paths"]["/ping"]["get"]["responses"]
    assert "components" not in document


def test_duplicate_operation_id_warns() -> None:
    app = FastAPI()

    @app.get("/a", operation_id="same")
    def first() -> None:
        return None

    @app.get("/b", operation_id="same")
    def second() -> None:
        return None

    with pytest.warns(UserWarning, match="Duplicate Operation ID same for function second"):
        app.openapi()


def test_generate_operation_id_is_deprecated() -> None:
    route = pet_router().routes[0]
    with pytest.warns(FastAPIDeprecationWarning):
        assert generate_operation_id(route=route, method="GET") == "read_pet_pets__pet_id__get"


def test_get_openapi_path_returns_operations_and_security() -> None:
    bearer = HTTPBearer()
    router = APIRouter()

    @router.post("/secret", dependencies=[Depends(bearer)])
    def secret(limit: Annotated[int, Query(le=10)] = 5) -> None:
        return None

    route = router.routes[0]
    fields = get_fields_from_routes(router.routes)
    from nimbleapi._openapi.schemas import build_definitions

    field_mapping, _ = build_definitions(fields)
    operation_ids: set[str] = set()
    path_item, schemes, definitions = get_openapi_path(
        route=route, operation_ids=operation_ids, model_name_map={}, field_mapping=field_mapping
    )
    assert list(path_item) == ["post"]
    assert path_item["post"]["security"] == [{"HTTPBearer": []}]
    assert path_item["post"]["parameters"][0]["schema"] == {
        "type": "integer",
        "maximum": 10,
        "default": 5,
        "title": "Limit",
    }
    assert schemes == {"HTTPBearer": {"type": "http", "scheme": "bearer"}}
    assert set(definitions) == {"ValidationError", "HTTPValidationError"}
    assert operation_ids == {"secret_secret_post"}


def test_status_code_ranges() -> None:
    assert status_code_ranges["4XX"] == "Client Error"
    assert status_code_ranges["DEFAULT"] == "Default Response"


def test_hidden_routes_add_no_schemas() -> None:
    app = FastAPI()

    @app.post("/hidden", include_in_schema=False)
    def hidden(pet: Pet) -> Pet:
        return pet

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        document = app.openapi()
    assert document["paths"] == {}
    assert "components" not in document


def test_invalid_additional_response_key_raises() -> None:
    app = FastAPI()

    @app.get("/a", responses={"hello": {"description": "Not a status code"}})
    def a() -> None:
        return None

    with pytest.raises(ValueError):
        app.openapi()
