"""Dependencies that are also steps around a route's compiled app.

Two kinds, both found on the dependency's callable when the route is built (nothing is
looked up per request):

* ``wrap_route_app(app) -> app`` (a response cache, see ``nimbleapi.caching``) wraps the
  route's app wherever the dependency is declared on the route, so it can answer before
  the route's handling runs. As a dependency it does nothing.
* ``route_step(app) -> app`` (a rate limit keyed on the request alone, see
  ``nimbleapi.ratelimit``) does the dependency's whole work around the app, but only
  where the route compiles its own handling and the dependency is declared in
  ``dependencies=[...]`` (it gives the endpoint no value). Elsewhere, as a parameter or
  under another dependency, it runs as the dependency it is.

``solved_dependant`` is what the compiled handling solves: the route's dependant without
the dependencies whose work the steps do, so a route whose only dependencies are steps
takes the compiler's paths for routes without dependencies.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.types import ASGIApp


def wrap_route_steps(dependant: Any, app: ASGIApp, *, compiled: bool = False) -> ASGIApp:
    """*app* inside the steps the route's own dependencies declare (the first declared is
    outermost); *compiled*: the handling solves ``solved_dependant(dependant)``."""
    for sub in reversed(getattr(dependant, "dependencies", None) or ()):
        wrap = getattr(sub.call, "wrap_route_app", None)
        if wrap is None and compiled and sub.name is None:
            wrap = getattr(sub.call, "route_step", None)
        if wrap is not None:
            app = wrap(app)
    return app


def solved_dependant(dependant: Any) -> Any:
    """*dependant* without the declared dependencies whose work is done as route steps."""
    kept = [sub for sub in dependant.dependencies if not _is_step(sub)]
    if len(kept) == len(dependant.dependencies):
        return dependant
    return dataclasses.replace(dependant, dependencies=kept)


def _is_step(sub: Any) -> bool:
    call = sub.call
    return sub.name is None and (hasattr(call, "wrap_route_app") or hasattr(call, "route_step"))
