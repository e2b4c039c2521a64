"""OAuth2 schemes, the password-flow login form, and ``SecurityScopes``.

The bearer schemes only extract the token; checking it (signature, expiry,
scopes) is the application's job, usually in a dependency built on them.
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from starlette.requests import HTTPConnection
from starlette.status import HTTP_401_UNAUTHORIZED

from nimbleapi._plan.scopes import SecurityScopes as SecurityScopes
from nimbleapi.exceptions import HTTPException
from nimbleapi.openapi.models import OAuth2 as OAuth2Model
from nimbleapi.openapi.models import OAuthFlows as OAuthFlowsModel
from nimbleapi.param_functions import Form
from nimbleapi.security.base import SecurityBase
from nimbleapi.security.utils import get_authorization_scheme_param


class OAuth2PasswordRequestForm:
    """The form a client posts to log in with the OAuth2 password flow.

    Use it as a dependency of the token endpoint. The form fields are
    ``grant_type`` (optional, must be ``password`` when sent), ``username``,
    ``password``, ``scope`` (space-separated, exposed as the list ``scopes``),
    ``client_id`` and ``client_secret``.
    """

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """`OAuth2PasswordRequestForm`, but ``grant_type=password`` is required, as the spec says."""

    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


class OAuth2(SecurityBase):
    """Generic OAuth2: documents the given ``flows``, returns the raw ``Authorization`` header.

    Args:
        flows: the OAuth2 flows, as an ``OAuthFlows`` model or its dict form.
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        description: the scheme's description in OpenAPI.
        auto_error: when false, a missing header gives ``None`` instead of a 401.
    """

    def __init__(
        self,
        *,
        flows: OAuthFlowsModel | dict[str, dict[str, Any]] = OAuthFlowsModel(),
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        # A dict is validated into OAuthFlows by the OAuth2 model itself.
        self.model = OAuth2Model(flows=cast(OAuthFlowsModel, flows), description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(
            status_code=HTTP_401_UNAUTHORIZED,
            detail="Not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )

    async def __call__(self, request: HTTPConnection) -> str | None:
        authorization = request.headers.get("Authorization")
        if authorization:
            return authorization
        self._unauthenticated()
        return None

    def _unauthenticated(self) -> None:
        """Reject the request, or let it through anonymously when ``auto_error`` is off."""
        if self.auto_error:
            raise self.make_not_authenticated_error()
        return None

    def _bearer_token(self, request: HTTPConnection) -> str | None:
        """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive)."""
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "bearer":
            self._unauthenticated()
            return None
        return token


class OAuth2PasswordBearer(OAuth2):
    """OAuth2 password flow: the client gets a token from ``tokenUrl`` and sends it as a Bearer token.

    The dependency result is the token string.

    Args:
        tokenUrl: where the client posts username and password (relative URLs allowed).
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        scopes: the available scopes, name to description, for OpenAPI.
        description: the scheme's description in OpenAPI.
        auto_error: when false, a missing or non-Bearer header gives ``None`` instead of a 401.
        refreshUrl: where a token can be refreshed, for OpenAPI.
    """

    def __init__(
        self,
        tokenUrl: str,  # noqa: N803 - the OpenAPI field name
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,  # noqa: N803
    ) -> None:
        password_flow = {"tokenUrl": tokenUrl, "refreshUrl": refreshUrl, "scopes": scopes or {}}
        super().__init__(
            flows=OAuthFlowsModel(password=cast(Any, password_flow)),
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )

    async def __call__(self, request: HTTPConnection) -> str | None:
        return self._bearer_token(request)


class OAuth2AuthorizationCodeBearer(OAuth2):
    """OAuth2 authorization code flow; the client sends the resulting token as a Bearer token.

    The dependency result is the token string.

    Args:
        authorizationUrl: where the user authorises the client.
        tokenUrl: where the client exchanges the code for a token.
        refreshUrl: where a token can be refreshed, for OpenAPI.
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        scopes: the available scopes, name to description, for OpenAPI.
        description: the scheme's description in OpenAPI.
        auto_error: when false, a missing or non-Bearer header gives ``None`` instead of a 401.
    """

    def __init__(
        self,
        authorizationUrl: str,  # noqa: N803 - the OpenAPI field name
        tokenUrl: str,  # noqa: N803
        refreshUrl: str | None = None,  # noqa: N803
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        code_flow = {
            "authorizationUrl": authorizationUrl,
            "tokenUrl": tokenUrl,
            "refreshUrl": refreshUrl,
            "scopes": scopes or {},
        }
        super().__init__(
            flows=OAuthFlowsModel(authorizationCode=cast(Any, code_flow)),
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )

    async def __call__(self, request: HTTPConnection) -> str | None:
        return self._bearer_token(request)
