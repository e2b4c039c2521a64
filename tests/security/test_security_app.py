"""Security schemes used as dependencies of a real application.

No ``from __future__ import annotations`` here: the endpoints are defined inside
test functions and their annotations refer to local variables, which string
annotations could not resolve.
"""

from collections.abc import Callable
from typing import Annotated, Any

import pytest
from starlette.testclient import WebSocketDenialResponse

from nimbleapi import Depends, FastAPI, Security, WebSocket
from nimbleapi.encoders import jsonable_encoder
from nimbleapi.security import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    HTTPBasic,
    HTTPBearer,
    HTTPDigest,
    OAuth2,
    OAuth2AuthorizationCodeBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    OAuth2PasswordRequestFormStrict,
    OpenIdConnect,
    SecurityScopes,
)
from nimbleapi.security.http import HTTPBase
from nimbleapi.testclient import TestClient

# (factory, request path, request headers, expected dependency result, challenge)
SCHEMES = [
    pytest.param(
        lambda **kw: HTTPBase(scheme="Other", **kw),
        "/", {"Authorization": "Other secret"}, {"scheme": "Other", "credentials": "secret"}, "Other",
        id="http-base",
    ),
    pytest.param(
        HTTPBasic,
        "/", {"Authorization": "Basic am9objpzZWNyZXQ="}, {"username": "john", "password": "secret"}, "Basic",
        id="http-basic",
    ),
    pytest.param(
        HTTPBearer,
        "/", {"Authorization": "Bearer secret"}, {"scheme": "Bearer", "credentials": "secret"}, "Bearer",
        id="http-bearer",
    ),
    pytest.param(
        HTTPDigest,
        "/", {"Authorization": "Digest secret"}, {"scheme": "Digest", "credentials": "secret"}, "Digest",
        id="http-digest",
    ),
    pytest.param(lambda **kw: APIKeyQuery(name="key", **kw), "/?key=secret", {}, "secret", "APIKey", id="key-query"),
    pytest.param(lambda **kw: APIKeyHeader(name="key", **kw), "/", {"key": "secret"}, "secret", "APIKey", id="key-header"),
    pytest.param(
        lambda **kw: APIKeyCookie(name="key", **kw), "/", {"Cookie": "key=secret"}, "secret", "APIKey", id="key-cookie"
    ),
    pytest.param(OAuth2, "/", {"Authorization": "Bearer secret"}, "Bearer secret", "Bearer", id="oauth2"),
    pytest.param(
        lambda **kw: OAuth2PasswordBearer(tokenUrl="/token", **kw),
        "/", {"Authorization": "Bearer secret"}, "secret", "Bearer",
        id="oauth2-password",
    ),
    pytest.param(
        lambda **kw: OAuth2AuthorizationCodeBearer(authorizationUrl="/authorize", tokenUrl="/token", **kw),
        "/", {"Authorization": "Bearer secret"}, "secret", "Bearer",
        id="oauth2-code",
    ),
    pytest.param(
        lambda **kw: OpenIdConnect(openIdConnectUrl="/openid", **kw),
        "/", {"Authorization": "Bearer secret"}, "Bearer secret", "Bearer",
        id="openid-connect",
    ),
]
PARAMS = ("factory", "path", "headers", "expected", "challenge")


def http_app(scheme: Any) -> TestClient:
    app = FastAPI()

    @app.get("/")
    def read(credentials: Any = Security(scheme)) -> Any:
        return credentials

    return TestClient(app)


def websocket_app(scheme: Any) -> TestClient:
    app = FastAPI()

    @app.websocket("/")
    async def talk(websocket: WebSocket, credentials: Any = Security(scheme)) -> None:
        await websocket.accept()
        await websocket.send_json(jsonable_encoder(credentials))
        await websocket.close()

    return TestClient(app)


@pytest.mark.parametrize(PARAMS, SCHEMES)
def test_valid_credentials_reach_the_endpoint(
    factory: Callable[..., Any], path: str, headers: dict[str, str], expected: Any, challenge: str
) -> None:
    response = http_app(factory()).get(path, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == expected


@pytest.mark.parametrize(PARAMS, SCHEMES)
def test_missing_credentials_are_a_401_challenge(
    factory: Callable[..., Any], path: str, headers: dict[str, str], expected: Any, challenge: str
) -> None:
    response = http_app(factory()).get("/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["WWW-Authenticate"] == challenge


@pytest.mark.parametrize(PARAMS, SCHEMES)
def test_missing_optional_credentials_give_none(
    factory: Callable[..., Any], path: str, headers: dict[str, str], expected: Any, challenge: str
) -> None:
    response = http_app(factory(auto_error=False)).get("/")
    assert response.status_code == 200, response.text
    assert response.json() is None


@pytest.mark.parametrize(PARAMS, SCHEMES)
def test_websocket_receives_credentials(
    factory: Callable[..., Any], path: str, headers: dict[str, str], expected: Any, challenge: str
) -> None:
    with websocket_app(factory()).websocket_connect(path, headers=headers) as websocket:
        assert websocket.receive_json() == expected


@pytest.mark.parametrize(PARAMS, SCHEMES)
def test_websocket_without_credentials_is_denied(
    factory: Callable[..., Any], path: str, headers: dict[str, str], expected: Any, challenge: str
) -> None:
    with pytest.raises(WebSocketDenialResponse) as caught:
        with websocket_app(factory()).websocket_connect("/"):
            pass  # pragma: no cover - the connection is refused
    assert caught.value.status_code == 401
    assert caught.value.json() == {"detail": "Not authenticated"}
    assert caught.value.headers["WWW-Authenticate"] == challenge


def test_basic_realm_and_malformed_credentials() -> None:
    client = http_app(HTTPBasic(realm="simple", auto_error=False))
    response = client.get("/", headers={"Authorization": "Basic notabase64token"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="simple"'
    assert client.get("/", auth=("john", "secret")).json() == {"username": "john", "password": "secret"}


def test_schemes_are_documented_in_openapi() -> None:
    app = FastAPI()
    key = APIKeyHeader(name="X-Key", description="A key")
    oauth = OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Read me"}, scheme_name="Login")

    @app.get("/key")
    def with_key(value: str = Security(key)) -> str:
        return value

    @app.get("/me")
    def with_scopes(token: Annotated[str, Security(oauth, scopes=["me"])]) -> str:
        return token

    document = TestClient(app).get("/openapi.json").json()
    assert document["components"]["securitySchemes"] == {
        "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Key", "description": "A key"},
        "Login": {"type": "oauth2", "flows": {"password": {"tokenUrl": "token", "scopes": {"me": "Read me"}}}},
    }
    assert document["paths"]["/key"]["get"]["security"] == [{"APIKeyHeader": []}]
    assert document["paths"]["/me"]["get"]["security"] == [{"Login": ["me"]}]


def test_security_scopes_collect_the_scopes_of_every_dependant() -> None:
    app = FastAPI()

    def current_scopes(security_scopes: SecurityScopes) -> list[str]:
        return security_scopes.scopes

    def user(scopes: Annotated[list[str], Security(current_scopes, scopes=["me"])]) -> list[str]:
        return scopes

    @app.get("/")
    def read(scopes: Annotated[list[str], Security(user, scopes=["items"])]) -> list[str]:
        return scopes

    assert TestClient(app).get("/").json() == ["items", "me"]


def login_app(form_class: type[OAuth2PasswordRequestForm]) -> TestClient:
    app = FastAPI()

    @app.post("/login")
    def login(form: Annotated[OAuth2PasswordRequestForm, Depends(form_class)]) -> dict[str, Any]:
        return vars(form)

    return TestClient(app)


def test_password_form_is_read_from_the_body() -> None:
    response = login_app(OAuth2PasswordRequestForm).post(
        "/login", data={"username": "john", "password": "secret", "scope": "me items"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "grant_type": None,
        "username": "john",
        "password": "secret",
        "scopes": ["me", "items"],
        "client_id": None,
        "client_secret": None,
    }


def test_password_form_missing_fields_are_422() -> None:
    response = login_app(OAuth2PasswordRequestFormStrict).post("/login", data={"username": "john"})
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "grant_type"], ["body", "password"]]


def test_password_form_checks_grant_type() -> None:
    response = login_app(OAuth2PasswordRequestForm).post(
        "/login", data={"username": "john", "password": "secret", "grant_type": "passwords"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "string_pattern_mismatch",
            "loc": ["body", "grant_type"],
            "msg": "String should match pattern '^password$'",
            "input": "passwords",
            "ctx": {"pattern": "^password$"},
        }
    ]


def test_password_form_schema_marks_secrets() -> None:
    document = login_app(OAuth2PasswordRequestForm).get("/openapi.json").json()
    properties = document["components"]["schemas"]["Body_login_login_post"]["properties"]
    assert properties["password"] == {"type": "string", "format": "password", "title": "Password"}
    assert properties["client_secret"]["format"] == "password"
    assert properties["grant_type"]["anyOf"][0] == {"type": "string", "pattern": "^password$"}
    assert properties["scope"] == {"type": "string", "title": "Scope", "default": ""}
