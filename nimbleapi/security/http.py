"""HTTP authentication schemes read from the ``Authorization`` header.

Every rejection is a 401 whose ``WWW-Authenticate`` challenge names the
scheme the client should use (``Basic``, ``Bearer``, ``Digest``, ...).
"""

from __future__ import annotations

from base64 import b64decode

from pydantic import BaseModel
from starlette.requests import HTTPConnection
from starlette.status import HTTP_401_UNAUTHORIZED

from nimbleapi.exceptions import HTTPException
from nimbleapi.openapi.models import HTTPBase as HTTPBaseModel
from nimbleapi.openapi.models import HTTPBearer as HTTPBearerModel
from nimbleapi.security.base import SecurityBase
from nimbleapi.security.utils import get_authorization_scheme_param


# The two credential models carry comments, not docstrings, so that their JSON
# Schema has no description when an application uses them as response models.


class HTTPBasicCredentials(BaseModel):
    # The dependency result of HTTPBasic.
    username: str
    password: str


class HTTPAuthorizationCredentials(BaseModel):
    # The dependency result of HTTPBase, HTTPBearer and HTTPDigest: the scheme as
    # the client spelled it, and the rest of the header, unparsed.
    scheme: str
    credentials: str


class HTTPBase(SecurityBase):
    """An ``Authorization: <scheme> <credentials>`` header with any scheme.

    Args:
        scheme: the HTTP authentication scheme documented in OpenAPI.
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        description: the scheme's description in OpenAPI.
        auto_error: when false, missing credentials give ``None`` instead of a 401.
    """

    model: HTTPBaseModel

    def __init__(
        self,
        *,
        scheme: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = HTTPBaseModel(scheme=scheme, description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.model.scheme.title()}

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(
            status_code=HTTP_401_UNAUTHORIZED,
            detail="Not authenticated",
            headers=self.make_authenticate_headers(),
        )

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        return self._read_credentials(request, expected_scheme=None)

    def _unauthenticated(self) -> None:
        """Reject the request, or let it through anonymously when ``auto_error`` is off."""
        if self.auto_error:
            raise self.make_not_authenticated_error()
        return None

    def _read_credentials(
        self, request: HTTPConnection, expected_scheme: str | None
    ) -> HTTPAuthorizationCredentials | None:
        """Parse the header; ``expected_scheme`` (lower case) is checked case-insensitively."""
        scheme, credentials = get_authorization_scheme_param(request.headers.get("Authorization"))
        if not (scheme and credentials):
            self._unauthenticated()
            return None
        if expected_scheme is not None and scheme.lower() != expected_scheme:
            self._unauthenticated()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBasic(HTTPBase):
    """HTTP Basic authentication: a base64 ``username:password`` pair.

    A header with another scheme counts as missing credentials; a Basic header
    that does not decode is always a 401, even with ``auto_error=False``,
    because the client did try to authenticate and got it wrong.

    Args:
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        realm: when set, the challenge reads ``Basic realm="<realm>"``.
        description: the scheme's description in OpenAPI.
        auto_error: when false, missing credentials give ``None`` instead of a 401.
    """

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        realm: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = HTTPBaseModel(scheme="basic", description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.realm = realm
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        if self.realm:
            return {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        return {"WWW-Authenticate": "Basic"}

    async def __call__(self, request: HTTPConnection) -> HTTPBasicCredentials | None:  # type: ignore[override]
        scheme, encoded = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "basic":
            self._unauthenticated()
            return None
        try:
            decoded = b64decode(encoded).decode("ascii")
        except ValueError as exc:  # covers binascii.Error and UnicodeDecodeError
            raise self.make_not_authenticated_error() from exc
        username, colon, password = decoded.partition(":")
        if not colon:
            raise self.make_not_authenticated_error()
        return HTTPBasicCredentials(username=username, password=password)


class HTTPBearer(HTTPBase):
    """HTTP Bearer authentication: ``Authorization: Bearer <token>``.

    Args:
        bearerFormat: a hint for the token format in OpenAPI (for example ``JWT``).
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        description: the scheme's description in OpenAPI.
        auto_error: when false, a missing or non-Bearer header gives ``None`` instead of a 401.
    """

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,  # noqa: N803 - the OpenAPI field name
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = HTTPBearerModel(bearerFormat=bearerFormat, description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        return self._read_credentials(request, expected_scheme="bearer")


class HTTPDigest(HTTPBase):
    """HTTP Digest authentication; the digest parameters are returned unparsed.

    Args:
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        description: the scheme's description in OpenAPI.
        auto_error: when false, a missing or non-Digest header gives ``None`` instead of a 401.
    """

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = HTTPBaseModel(scheme="digest", description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        return self._read_credentials(request, expected_scheme="digest")
