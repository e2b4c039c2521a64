"""Exceptions raised by nimbleapi and by applications built on it.

Hierarchy::

    starlette HTTPException
    └── HTTPException                     raise from endpoints/dependencies -> JSON error response
    starlette WebSocketException
    └── WebSocketException                close a WebSocket with a code and reason
    RuntimeError
    └── FastAPIError                      a mistake in how an application is declared
        ├── DependencyScopeError          a dependency outlives one it depends on
        ├── RouteDefinitionError          an endpoint signature that cannot be served
        └── PydanticV1NotSupportedError   a pydantic.v1 model was used
    Exception
    └── ValidationException               carries pydantic-style error dicts
        ├── RequestValidationError        -> 422 with {"detail": errors}
        ├── WebSocketRequestValidationError -> close 1008
        └── ResponseValidationError       the endpoint returned data its response model rejects
    UserWarning
    └── FastAPIDeprecationWarning
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from pydantic import BaseModel, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.exceptions import WebSocketException as StarletteWebSocketException


class EndpointContext(TypedDict, total=False):
    function: str
    path: str
    file: str
    line: int


class HTTPException(StarletteHTTPException):
    """An HTTP error to send to the client; ``detail`` may be any JSON-able value."""

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)


class WebSocketException(StarletteWebSocketException):
    """Close the WebSocket connection with ``code`` and an optional ``reason``."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        super().__init__(code=code, reason=reason)


RequestErrorModel: type[BaseModel] = create_model("Request")
WebSocketErrorModel: type[BaseModel] = create_model("WebSocket")


class FastAPIError(RuntimeError):
    """A nimbleapi-specific error in how an application is declared or used."""


class DependencyScopeError(FastAPIError):
    """A dependency depends on another dependency with a narrower scope."""


class RouteDefinitionError(FastAPIError):
    """An endpoint or dependency signature that nimbleapi cannot serve."""


class PydanticV1NotSupportedError(FastAPIError):
    """A ``pydantic.v1`` model was used; only Pydantic v2 models are supported."""


class FastAPIDeprecationWarning(UserWarning):
    """Deprecation warning that is shown by default (unlike DeprecationWarning)."""


class ValidationException(Exception):
    def __init__(self, errors: Sequence[Any], *, endpoint_ctx: EndpointContext | None = None) -> None:
        self._errors = errors
        self.endpoint_ctx = endpoint_ctx
        ctx = endpoint_ctx or {}
        self.endpoint_function = ctx.get("function")
        self.endpoint_path = ctx.get("path")
        self.endpoint_file = ctx.get("file")
        self.endpoint_line = ctx.get("line")

    def errors(self) -> Sequence[Any]:
        return self._errors

    def _format_endpoint_context(self) -> str:
        if not (self.endpoint_file and self.endpoint_line and self.endpoint_function):
            return f"\n  Endpoint: {self.endpoint_path}" if self.endpoint_path else ""
        where = f'\n  File "{self.endpoint_file}", line {self.endpoint_line}, in {self.endpoint_function}'
        return where + (f"\n    {self.endpoint_path}" if self.endpoint_path else "")

    def __str__(self) -> str:
        count = len(self._errors)
        lines = [f"{count} validation error{'s' if count != 1 else ''}:"]
        lines.extend(f"  {error}" for error in self._errors)
        return ("\n".join(lines) + "\n" + self._format_endpoint_context()).rstrip()


class RequestValidationError(ValidationException):
    def __init__(
        self, errors: Sequence[Any], *, body: Any = None, endpoint_ctx: EndpointContext | None = None
    ) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self.body = body


class WebSocketRequestValidationError(ValidationException):
    def __init__(self, errors: Sequence[Any], *, endpoint_ctx: EndpointContext | None = None) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)


class ResponseValidationError(ValidationException):
    def __init__(
        self, errors: Sequence[Any], *, body: Any = None, endpoint_ctx: EndpointContext | None = None
    ) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self.body = body
