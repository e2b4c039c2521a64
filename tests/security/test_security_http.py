"""HTTP authentication schemes called directly on HTTP and WebSocket connections."""

from __future__ import annotations

from base64 import b64encode
from typing import Any

import pytest

from nimbleapi.exceptions import HTTPException
from nimbleapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    HTTPDigest,
)
from nimbleapi.security.http import HTTPBase


def basic(value: str) -> dict[str, str]:
    return {"Authorization": "Basic " + b64encode(value.encode()).decode()}


def rejection(scheme: Any, connection: Any, call_scheme: Any) -> HTTPException:
    with pytest.raises(HTTPException) as caught:
        call_scheme(scheme, connection)
    assert caught.value.status_code == 401
    assert caught.value.detail == "Not authenticated"
    return caught.value


# --- HTTPBase ---------------------------------------------------------------------------


def test_base_returns_scheme_and_credentials(make_connection: Any, call_scheme: Any) -> None:
    scheme = HTTPBase(scheme="Other")
    result = call_scheme(scheme, make_connection({"Authorization": "Other  secret "}))
    assert result == HTTPAuthorizationCredentials(scheme="Other", credentials="secret")


@pytest.mark.parametrize("header", [None, "", "Other", "Other "])
def test_base_without_credentials_challenges_with_scheme(
    header: str | None, make_connection: Any, call_scheme: Any
) -> None:
    headers = {} if header is None else {"Authorization": header}
    error = rejection(HTTPBase(scheme="other"), make_connection(headers), call_scheme)
    assert error.headers == {"WWW-Authenticate": "Other"}


def test_base_without_auto_error_gives_none(make_connection: Any, call_scheme: Any) -> None:
    assert call_scheme(HTTPBase(scheme="Other", auto_error=False), make_connection()) is None


def test_base_model() -> None:
    scheme = HTTPBase(scheme="Other", description="Custom")
    assert scheme.scheme_name == "HTTPBase"
    assert scheme.model.model_dump(by_alias=True, exclude_none=True, mode="json") == {
        "type": "http",
        "scheme": "Other",
        "description": "Custom",
    }


# --- HTTPBasic --------------------------------------------------------------------------


def test_basic_decodes_username_and_password(make_connection: Any, call_scheme: Any) -> None:
    result = call_scheme(HTTPBasic(), make_connection(basic("john:se:cret")))
    assert result == HTTPBasicCredentials(username="john", password="se:cret")


def test_basic_scheme_is_case_insensitive(make_connection: Any, call_scheme: Any) -> None:
    headers = {"Authorization": "bAsIc " + b64encode(b"john:secret").decode()}
    assert call_scheme(HTTPBasic(), make_connection(headers)).username == "john"


def test_basic_missing_credentials_challenge(make_connection: Any, call_scheme: Any) -> None:
    error = rejection(HTTPBasic(), make_connection(), call_scheme)
    assert error.headers == {"WWW-Authenticate": "Basic"}


def test_basic_realm_is_in_challenge(make_connection: Any, call_scheme: Any) -> None:
    error = rejection(HTTPBasic(realm="simple"), make_connection(), call_scheme)
    assert error.headers == {"WWW-Authenticate": 'Basic realm="simple"'}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": "Basic notabase64token"}, id="bad-base64"),
        pytest.param(basic("johnsecret"), id="no-colon"),
        pytest.param({"Authorization": "Basic " + b64encode("jöhn:x".encode()).decode()}, id="not-ascii"),
        pytest.param({"Authorization": "Basic"}, id="empty"),
    ],
)
def test_basic_malformed_credentials_are_rejected_even_without_auto_error(
    headers: dict[str, str], make_connection: Any, call_scheme: Any
) -> None:
    error = rejection(HTTPBasic(auto_error=False), make_connection(headers), call_scheme)
    assert error.headers == {"WWW-Authenticate": "Basic"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer token"}])
def test_basic_without_auto_error_ignores_other_schemes(
    headers: dict[str, str], make_connection: Any, call_scheme: Any
) -> None:
    assert call_scheme(HTTPBasic(auto_error=False), make_connection(headers)) is None


def test_basic_other_scheme_is_rejected(make_connection: Any, call_scheme: Any) -> None:
    rejection(HTTPBasic(), make_connection({"Authorization": "Bearer token"}), call_scheme)


def test_basic_model() -> None:
    scheme = HTTPBasic(scheme_name="Login", description="d")
    assert scheme.scheme_name == "Login"
    assert scheme.model.model_dump(by_alias=True, exclude_none=True, mode="json") == {
        "type": "http",
        "scheme": "basic",
        "description": "d",
    }


# --- HTTPBearer and HTTPDigest ----------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme_class", "name"), [(HTTPBearer, "Bearer"), (HTTPDigest, "Digest")]
)
def test_credentials_are_returned_with_clients_spelling(
    scheme_class: type[HTTPBase], name: str, make_connection: Any, call_scheme: Any
) -> None:
    headers = {"Authorization": f"{name.upper()} secret"}
    result = call_scheme(scheme_class(), make_connection(headers))
    assert result == HTTPAuthorizationCredentials(scheme=name.upper(), credentials="secret")


@pytest.mark.parametrize(
    ("scheme_class", "challenge", "other"),
    [(HTTPBearer, "Bearer", "Basic"), (HTTPDigest, "Digest", "Bearer")],
)
@pytest.mark.parametrize("kind", ["missing", "no-credentials", "other-scheme"])
def test_bad_header_is_a_401_challenge(
    scheme_class: type[HTTPBase],
    challenge: str,
    other: str,
    kind: str,
    make_connection: Any,
    call_scheme: Any,
) -> None:
    headers = {
        "missing": {},
        "no-credentials": {"Authorization": challenge},
        "other-scheme": {"Authorization": f"{other} secret"},
    }[kind]
    error = rejection(scheme_class(), make_connection(headers), call_scheme)
    assert error.headers == {"WWW-Authenticate": challenge}
    assert call_scheme(scheme_class(auto_error=False), make_connection(headers)) is None


def test_bearer_model_with_format() -> None:
    scheme = HTTPBearer(bearerFormat="JWT", description="token")
    assert scheme.scheme_name == "HTTPBearer"
    assert scheme.model.model_dump(by_alias=True, exclude_none=True, mode="json") == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "token",
    }


def test_digest_model() -> None:
    assert HTTPDigest().model.model_dump(by_alias=True, exclude_none=True, mode="json") == {
        "type": "http",
        "scheme": "digest",
    }
