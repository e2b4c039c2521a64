"""TrustedHostMiddleware, from Starlette."""

from starlette.middleware.trustedhost import TrustedHostMiddleware as TrustedHostMiddleware
