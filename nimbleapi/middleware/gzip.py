"""GZipMiddleware, from Starlette."""

from starlette.middleware.gzip import GZipMiddleware as GZipMiddleware
