"""``SecurityScopes``: what a dependency declaring a parameter of this type receives.

The engine recognises the type when it analyses a signature and makes one per request, so
the class lives below the engine; ``nimbleapi.security.oauth2``, its public home as in
FastAPI, re-exports this very class, so ``isinstance`` and subclass checks see one type.
"""

from __future__ import annotations


class SecurityScopes:
    """The scopes required by every ``Security(...)`` on the way to the current dependency.

    Declare a parameter of this type in a dependency and it receives the
    scopes of the endpoint and of all dependants above it.

    Attributes:
        scopes: the scopes, outermost first.
        scope_str: the same scopes joined with spaces, as OAuth2 writes them.
    """

    # Its public home, where FastAPI defines it and where users import it from.
    __module__ = "nimbleapi.security.oauth2"

    def __init__(self, scopes: list[str] | None = None) -> None:
        self.scopes: list[str] = scopes or []
        self.scope_str: str = " ".join(self.scopes)
