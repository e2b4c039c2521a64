"""API key schemes: a secret read from a query parameter, a header or a cookie."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.status import HTTP_401_UNAUTHORIZED

from nimbleapi.exceptions import HTTPException
from nimbleapi.openapi.models import APIKey, APIKeyIn
from nimbleapi.security.base import SecurityBase


class APIKeyBase(SecurityBase):
    """Shared behaviour of the three API key locations.

    The dependency result is the key as a string, or ``None`` when the key is
    absent and ``auto_error`` is false.
    """

    model: APIKey

    def __init__(
        self,
        location: APIKeyIn,
        name: str,
        description: str | None,
        scheme_name: str | None,
        auto_error: bool,
    ) -> None:
        self.auto_error = auto_error
        self.model = APIKey(**{"in": location}, name=name, description=description)  # type: ignore[arg-type]  # "in" is a keyword
        self.scheme_name = scheme_name or type(self).__name__

    def make_not_authenticated_error(self) -> HTTPException:
        """The 401 sent when the key is missing.

        HTTP requires a ``WWW-Authenticate`` challenge on every 401, and API keys
        have no registered scheme, so the challenge names ``APIKey``.
        """
        return HTTPException(
            status_code=HTTP_401_UNAUTHORIZED,
            detail="Not authenticated",
            headers={"WWW-Authenticate": "APIKey"},
        )

    def check_api_key(self, api_key: str | None) -> str | None:
        """Return the key, or reject an absent/empty one according to ``auto_error``."""
        if api_key:
            return api_key
        if self.auto_error:
            raise self.make_not_authenticated_error()
        return None


class APIKeyQuery(APIKeyBase):
    """An API key sent as the query parameter ``name``.

    Args:
        name: the query parameter that carries the key.
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        description: the scheme's description in OpenAPI.
        auto_error: when false, a missing key gives ``None`` instead of a 401.
    """

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(APIKeyIn.query, name, description, scheme_name, auto_error)

    async def __call__(self, request: HTTPConnection) -> str | None:
        return self.check_api_key(request.query_params.get(self.model.name))


class APIKeyHeader(APIKeyBase):
    """An API key sent in the header ``name`` (matched case-insensitively).

    Args:
        name: the header that carries the key.
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        description: the scheme's description in OpenAPI.
        auto_error: when false, a missing key gives ``None`` instead of a 401.
    """

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(APIKeyIn.header, name, description, scheme_name, auto_error)

    async def __call__(self, request: HTTPConnection) -> str | None:
        return self.check_api_key(request.headers.get(self.model.name))


class APIKeyCookie(APIKeyBase):
    """An API key sent as the cookie ``name``.

    Args:
        name: the cookie that carries the key.
        scheme_name: the scheme's name in OpenAPI; defaults to the class name.
        description: the scheme's description in OpenAPI.
        auto_error: when false, a missing key gives ``None`` instead of a 401.
    """

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(APIKeyIn.cookie, name, description, scheme_name, auto_error)

    async def __call__(self, request: HTTPConnection) -> str | None:
        return self.check_api_key(request.cookies.get(self.model.name))
