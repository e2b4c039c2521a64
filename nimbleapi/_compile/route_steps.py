"""Dependencies that are also steps around a route's compiled app.

A dependency callable with a ``wrap_route_app(app) -> app`` method (a response cache, see
``nimbleapi.caching``) wraps the route's ASGI app once, when the route is compiled, so it
can answer before the route's handling runs. Nothing is looked up per request.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp


def wrap_route_steps(dependant: Any, app: ASGIApp) -> ASGIApp:
    """*app* inside the steps the route's own dependencies declare (the first declared is outermost)."""
    for sub in reversed(getattr(dependant, "dependencies", None) or ()):
        wrap = getattr(sub.call, "wrap_route_app", None)
        if wrap is not None:
            app = wrap(app)
    return app
