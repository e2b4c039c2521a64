"""The common base of every security scheme.

The dependency analysis recognises a security scheme by ``isinstance(call,
SecurityBase)`` and reads two attributes from it: ``model``, the OpenAPI
security scheme object, and ``scheme_name``, its key under
``components.securitySchemes``.
"""

from __future__ import annotations

from nimbleapi.openapi.models import SecurityBase as SecurityBaseModel


class SecurityBase:
    """Base class for security schemes, built-in or user-defined."""

    model: SecurityBaseModel
    scheme_name: str
