"""HTTPSRedirectMiddleware, from Starlette."""

from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware as HTTPSRedirectMiddleware
