"""The OpenAPI document models: aliases, extensions, unions and validation."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from nimbleapi.openapi import models
from nimbleapi.openapi.models import (
    APIKey,
    APIKeyIn,
    Components,
    Example,
    HTTPBearer,
    Info,
    MediaType,
    OAuth2,
    OpenAPI,
    OpenIdConnect,
    Operation,
    Parameter,
    ParameterInType,
    PathItem,
    Reference,
    Schema,
    SecuritySchemeType,
    Server,
    ServerVariable,
)


def dump(model: Any) -> dict[str, Any]:
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")


def test_full_document_round_trips_with_aliases() -> None:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Shop", "version": "1.0", "contact": {"email": "team@example.com"}},
        "paths": {
            "/items/{item_id}": {
                "get": {
                    "operationId": "read_item",
                    "parameters": [
                        {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                        }
                    },
                    "security": [{"OAuth2PasswordBearer": ["read"]}],
                }
            }
        },
        "components": {
            "schemas": {
                "Item": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "extra": True},
                    "required": ["name"],
                    "additionalProperties": False,
                }
            },
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "oauth": {"type": "oauth2", "flows": {"password": {"tokenUrl": "token", "scopes": {}}}},
                "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://example.com/oidc"},
            },
        },
    }
    assert dump(OpenAPI.model_validate(document)) == document


def test_specification_extensions_are_kept() -> None:
    info = Info(title="t", version="1", **{"x-logo": {"url": "logo.png"}})
    assert dump(info) == {"title": "t", "version": "1", "x-logo": {"url": "logo.png"}}
    operation = Operation.model_validate({"responses": {"x-note": "n"}, "x-internal": True})
    assert dump(operation) == {"responses": {"x-note": "n"}, "x-internal": True}


def test_python_keywords_use_trailing_underscore_names() -> None:
    schema = Schema.model_validate({"not": {"type": "null"}, "if": True, "else": False, "$defs": {"A": {}}})
    assert schema.not_ == Schema(type="null")
    assert (schema.if_, schema.else_) == (True, False)
    assert schema.defs == {"A": Schema()}
    parameter = Parameter.model_validate({"name": "q", "in": "query", "schema": {"$ref": "#/x"}})
    assert parameter.in_ is ParameterInType.query
    assert parameter.schema_ is not None
    assert dump(parameter.schema_) == {"$ref": "#/x"}


def test_schema_rejects_invalid_constraints() -> None:
    with pytest.raises(ValidationError):
        Schema(minLength=-1)
    with pytest.raises(ValidationError):
        Schema(multipleOf=0)
    with pytest.raises(ValidationError):
        Schema(type="text")  # type: ignore[arg-type]


def test_reference_requires_dollar_ref() -> None:
    assert dump(Reference.model_validate({"$ref": "#/a"})) == {"$ref": "#/a"}
    with pytest.raises(ValidationError):
        Reference.model_validate({"ref": "#/a"})


def test_server_url_may_be_relative_and_variables_need_values() -> None:
    assert dump(Server(url="/api/v1")) == {"url": "/api/v1"}
    with pytest.raises(ValidationError):
        ServerVariable(default="a", enum=[])


def test_security_scheme_models_fill_their_type() -> None:
    assert APIKey(**{"in": APIKeyIn.cookie}, name="session").type_ is SecuritySchemeType.apiKey
    assert HTTPBearer().scheme == "bearer"
    assert OAuth2(flows={}).type_ is SecuritySchemeType.oauth2  # type: ignore[arg-type]
    assert OpenIdConnect(openIdConnectUrl="u").type_ is SecuritySchemeType.openIdConnect
    with pytest.raises(ValidationError):
        HTTPBearer(scheme="basic")  # type: ignore[arg-type]


def test_components_pick_the_right_security_scheme_model() -> None:
    components = Components.model_validate(
        {"securitySchemes": {"a": {"type": "apiKey", "in": "query", "name": "k"}, "r": {"$ref": "#/x"}}}
    )
    assert components.securitySchemes is not None
    assert isinstance(components.securitySchemes["a"], APIKey)
    assert isinstance(components.securitySchemes["r"], Reference)


def test_callbacks_hold_path_items() -> None:
    operation = Operation.model_validate(
        {"callbacks": {"event": {"{$request.body#/url}": {"post": {"summary": "notify"}}}}}
    )
    assert operation.callbacks is not None
    path_item = operation.callbacks["event"]["{$request.body#/url}"]  # type: ignore[index]
    assert isinstance(path_item, PathItem)
    assert path_item.post is not None and path_item.post.summary == "notify"


def test_example_is_a_typed_dict_with_extensions() -> None:
    adapter = TypeAdapter(Example)
    assert adapter.validate_python({"summary": "s", "value": 1, "x-tag": "t"}) == {
        "summary": "s",
        "value": 1,
        "x-tag": "t",
    }
    media = MediaType.model_validate({"examples": {"one": {"value": {"a": 1}}}})
    assert dump(media) == {"examples": {"one": {"value": {"a": 1}}}}


def test_contact_email_is_validated() -> None:
    with pytest.raises(ValidationError):
        models.Contact(email="not-an-email")


@pytest.mark.parametrize(
    "name",
    [
        "OpenAPI", "Info", "Contact", "License", "Server", "ServerVariable", "PathItem", "Operation",
        "Parameter", "ParameterBase", "Header", "RequestBody", "MediaType", "Encoding", "Response",
        "Components", "Schema", "SchemaOrBool", "SchemaType", "Reference", "Example", "Tag",
        "ExternalDocumentation", "Discriminator", "XML", "Link", "SecurityScheme", "SecuritySchemeType",
        "SecurityBase", "APIKey", "APIKeyIn", "HTTPBase", "HTTPBearer", "OAuthFlow", "OAuthFlowImplicit",
        "OAuthFlowPassword", "OAuthFlowClientCredentials", "OAuthFlowAuthorizationCode", "OAuthFlows",
        "OAuth2", "OpenIdConnect", "ParameterInType", "BaseModelWithConfig", "EmailStr",
    ],
)
def test_public_names_exist(name: str) -> None:
    assert hasattr(models, name)
