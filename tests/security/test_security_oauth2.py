"""OAuth2 schemes, the password form classes and SecurityScopes."""

from __future__ import annotations

from typing import Any

import pytest

from nimbleapi.exceptions import HTTPException
from nimbleapi.openapi.models import OAuthFlowPassword, OAuthFlows
from nimbleapi.security import (
    OAuth2,
    OAuth2AuthorizationCodeBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    OAuth2PasswordRequestFormStrict,
    SecurityScopes,
)


def dump(scheme: Any) -> dict[str, Any]:
    return scheme.model.model_dump(by_alias=True, exclude_none=True, mode="json")


def test_plain_oauth2_returns_whole_header(make_connection: Any, call_scheme: Any) -> None:
    connection = make_connection({"Authorization": "Whatever token"})
    assert call_scheme(OAuth2(), connection) == "Whatever token"


def test_plain_oauth2_missing_header(make_connection: Any, call_scheme: Any) -> None:
    with pytest.raises(HTTPException) as caught:
        call_scheme(OAuth2(), make_connection())
    assert (caught.value.status_code, caught.value.detail) == (401, "Not authenticated")
    assert caught.value.headers == {"WWW-Authenticate": "Bearer"}
    assert call_scheme(OAuth2(auto_error=False), make_connection()) is None


def test_plain_oauth2_accepts_flows_as_dict_or_model() -> None:
    as_dict = OAuth2(flows={"password": {"tokenUrl": "token", "scopes": {"me": "Me"}}})
    as_model = OAuth2(flows=OAuthFlows(password=OAuthFlowPassword(tokenUrl="token", scopes={"me": "Me"})))
    expected = {"type": "oauth2", "flows": {"password": {"tokenUrl": "token", "scopes": {"me": "Me"}}}}
    assert dump(as_dict) == dump(as_model) == expected
    assert dump(OAuth2(description="d")) == {"type": "oauth2", "flows": {}, "description": "d"}


BEARERS = [
    pytest.param(lambda **kw: OAuth2PasswordBearer("token", **kw), id="password"),
    pytest.param(lambda **kw: OAuth2AuthorizationCodeBearer("authorize", "token", **kw), id="code"),
]


@pytest.mark.parametrize("factory", BEARERS)
@pytest.mark.parametrize("scheme_word", ["Bearer", "bearer", "BEARER"])
def test_bearer_token_is_returned(factory: Any, scheme_word: str, make_connection: Any, call_scheme: Any) -> None:
    connection = make_connection({"Authorization": f"{scheme_word} abc.def"})
    assert call_scheme(factory(), connection) == "abc.def"


@pytest.mark.parametrize("factory", BEARERS)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic abc"}, {"Authorization": "Token abc"}])
def test_bearer_rejects_missing_or_other_scheme(
    factory: Any, headers: dict[str, str], make_connection: Any, call_scheme: Any
) -> None:
    with pytest.raises(HTTPException) as caught:
        call_scheme(factory(), make_connection(headers))
    assert (caught.value.status_code, caught.value.detail) == (401, "Not authenticated")
    assert caught.value.headers == {"WWW-Authenticate": "Bearer"}
    assert call_scheme(factory(auto_error=False), make_connection(headers)) is None


def test_password_bearer_model() -> None:
    scheme = OAuth2PasswordBearer(tokenUrl="/token", scopes={"read": "Read"}, refreshUrl="/refresh")
    assert scheme.scheme_name == "OAuth2PasswordBearer"
    assert dump(scheme) == {
        "type": "oauth2",
        "flows": {"password": {"tokenUrl": "/token", "refreshUrl": "/refresh", "scopes": {"read": "Read"}}},
    }
    assert dump(OAuth2PasswordBearer("/token"))["flows"] == {"password": {"tokenUrl": "/token", "scopes": {}}}


def test_authorization_code_bearer_model() -> None:
    scheme = OAuth2AuthorizationCodeBearer(
        "authorize", "token", "refresh", scheme_name="Code", description="d", scopes={"a": "A"}
    )
    assert scheme.scheme_name == "Code"
    assert dump(scheme) == {
        "type": "oauth2",
        "description": "d",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "authorize",
                "tokenUrl": "token",
                "refreshUrl": "refresh",
                "scopes": {"a": "A"},
            }
        },
    }


def test_password_form_splits_scopes() -> None:
    form = OAuth2PasswordRequestForm(username="john", password="secret", scope="read  write")
    assert form.scopes == ["read", "write"]
    assert (form.grant_type, form.client_id, form.client_secret) == (None, None, None)
    assert (form.username, form.password) == ("john", "secret")


def test_strict_password_form_requires_grant_type() -> None:
    with pytest.raises(TypeError):
        OAuth2PasswordRequestFormStrict(username="john", password="secret")  # type: ignore[call-arg]
    form = OAuth2PasswordRequestFormStrict("password", "john", "secret", "me", "id", "shh")
    assert isinstance(form, OAuth2PasswordRequestForm)
    assert (form.grant_type, form.scopes, form.client_id, form.client_secret) == ("password", ["me"], "id", "shh")


def test_security_scopes() -> None:
    assert SecurityScopes().scopes == []
    assert SecurityScopes().scope_str == ""
    scopes = SecurityScopes(["me", "items"])
    assert scopes.scope_str == "me items"
