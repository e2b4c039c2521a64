"""API key schemes called directly on HTTP and WebSocket connections."""

from __future__ import annotations

from typing import Any

import pytest

from nimbleapi.exceptions import HTTPException
from nimbleapi.security import APIKeyCookie, APIKeyHeader, APIKeyQuery
from nimbleapi.security.api_key import APIKeyBase
from nimbleapi.security.base import SecurityBase

LOCATIONS = [
    pytest.param(APIKeyQuery, {}, "key=secret", id="query"),
    pytest.param(APIKeyHeader, {"Key": "secret"}, "", id="header"),
    pytest.param(APIKeyCookie, {"cookie": "key=secret"}, "", id="cookie"),
]


@pytest.mark.parametrize(("scheme_class", "headers", "query"), LOCATIONS)
def test_key_is_returned_from_its_location(
    scheme_class: type[APIKeyBase], headers: dict[str, str], query: str, make_connection: Any, call_scheme: Any
) -> None:
    scheme = scheme_class(name="key")
    assert call_scheme(scheme, make_connection(headers, query)) == "secret"


@pytest.mark.parametrize(("scheme_class", "headers", "query"), LOCATIONS)
def test_missing_key_is_a_401_with_apikey_challenge(
    scheme_class: type[APIKeyBase], headers: dict[str, str], query: str, make_connection: Any, call_scheme: Any
) -> None:
    scheme = scheme_class(name="other")
    with pytest.raises(HTTPException) as caught:
        call_scheme(scheme, make_connection(headers, query))
    assert caught.value.status_code == 401
    assert caught.value.detail == "Not authenticated"
    assert caught.value.headers == {"WWW-Authenticate": "APIKey"}


@pytest.mark.parametrize(
    ("scheme_class", "headers", "query"),
    [
        pytest.param(APIKeyQuery, {}, "key=", id="query"),
        pytest.param(APIKeyHeader, {"key": ""}, "", id="header"),
    ],
)
def test_empty_key_counts_as_missing(
    scheme_class: type[APIKeyBase], headers: dict[str, str], query: str, make_connection: Any, call_scheme: Any
) -> None:
    with pytest.raises(HTTPException):
        call_scheme(scheme_class(name="key"), make_connection(headers, query))


@pytest.mark.parametrize(("scheme_class", "headers", "query"), LOCATIONS)
def test_missing_key_without_auto_error_gives_none(
    scheme_class: type[APIKeyBase], headers: dict[str, str], query: str, make_connection: Any, call_scheme: Any
) -> None:
    scheme = scheme_class(name="other", auto_error=False)
    assert call_scheme(scheme, make_connection(headers, query)) is None


@pytest.mark.parametrize(
    ("scheme_class", "location"),
    [(APIKeyQuery, "query"), (APIKeyHeader, "header"), (APIKeyCookie, "cookie")],
)
def test_openapi_model_and_default_scheme_name(scheme_class: type[APIKeyBase], location: str) -> None:
    scheme = scheme_class(name="key")
    assert isinstance(scheme, SecurityBase)
    assert scheme.scheme_name == scheme_class.__name__
    assert scheme.model.model_dump(by_alias=True, exclude_none=True, mode="json") == {
        "type": "apiKey",
        "in": location,
        "name": "key",
    }


def test_scheme_name_and_description_are_configurable() -> None:
    scheme = APIKeyHeader(name="X-Key", scheme_name="Token", description="Your key")
    assert scheme.scheme_name == "Token"
    assert scheme.model.description == "Your key"
    assert scheme.auto_error is True


def test_constructor_arguments_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        APIKeyHeader("key")  # type: ignore[misc]
