"""OpenIdConnect called directly on HTTP and WebSocket connections."""

from __future__ import annotations

from typing import Any

import pytest

from nimbleapi.exceptions import HTTPException
from nimbleapi.security import OpenIdConnect

URL = "https://example.com/.well-known/openid-configuration"


def test_returns_whole_authorization_header(make_connection: Any, call_scheme: Any) -> None:
    connection = make_connection({"Authorization": "Bearer abc"})
    assert call_scheme(OpenIdConnect(openIdConnectUrl=URL), connection) == "Bearer abc"


def test_missing_header_is_a_401_bearer_challenge(make_connection: Any, call_scheme: Any) -> None:
    with pytest.raises(HTTPException) as caught:
        call_scheme(OpenIdConnect(openIdConnectUrl=URL), make_connection())
    assert (caught.value.status_code, caught.value.detail) == (401, "Not authenticated")
    assert caught.value.headers == {"WWW-Authenticate": "Bearer"}


def test_missing_header_without_auto_error_gives_none(make_connection: Any, call_scheme: Any) -> None:
    assert call_scheme(OpenIdConnect(openIdConnectUrl=URL, auto_error=False), make_connection()) is None


def test_model() -> None:
    scheme = OpenIdConnect(openIdConnectUrl=URL, description="OIDC", scheme_name="oidc")
    assert scheme.scheme_name == "oidc"
    assert scheme.model.model_dump(by_alias=True, exclude_none=True, mode="json") == {
        "type": "openIdConnect",
        "openIdConnectUrl": URL,
        "description": "OIDC",
    }
