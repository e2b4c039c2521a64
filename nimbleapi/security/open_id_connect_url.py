"""OpenID Connect: documents the discovery URL, returns the raw ``Authorization`` header."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.status import HTTP_401_UNAUTHORIZED

from nimbleapi.exceptions import HTTPException
from nimbleapi.openapi.models import OpenIdConnect as OpenIdConnectModel
from nimbleapi.security.base import SecurityBase


class OpenIdConnect(SecurityBase):
    """OpenID Connect authentication.

    The dependency result is the whole ``Authorization`` header; validating it
    against the provider is the application's job.

    Args:
        openIdConnectUrl: the provider's discovery document URL.
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        description: the scheme's description in OpenAPI.
        auto_error: when false, a missing header gives ``None`` instead of a 401.
    """

    def __init__(
        self,
        *,
        openIdConnectUrl: str,  # noqa: N803 - the OpenAPI field name
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = OpenIdConnectModel(openIdConnectUrl=openIdConnectUrl, description=description)
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
        if self.auto_error:
            raise self.make_not_authenticated_error()
        return None
