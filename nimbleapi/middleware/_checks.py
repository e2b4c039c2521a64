"""Start-up checks of the user's middleware configuration: warnings, never refusals.

Run once, when the application builds its middleware stack; nothing here runs per request.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from ..logger import logger

CREDENTIALED_WILDCARD_CORS = (
    "CORSMiddleware allows credentials for every origin (allow_origins=['*'] or an "
    "allow_origin_regex that matches any origin, with allow_credentials=True): any website, "
    "and the 'null' origin of sandboxed pages and local files, can send requests with the "
    "user's cookies and read the answers. List the origins that may do so instead, e.g. "
    "allow_origins=['https://app.example.com'], or set allow_credentials=False."
)

# Origins no sensible allow-list accepts: a page on any site, and a sandboxed page or file.
_STRANGERS = ("https://unrelated-site.invalid", "null")


def warn_about_unsafe_middleware(user_middleware: Sequence[Middleware]) -> None:
    """Log a warning for each middleware configured in a way that exposes users."""
    for middleware in user_middleware:
        cls, args, kwargs = middleware
        if isinstance(cls, type) and issubclass(cls, CORSMiddleware) and _credentials_for_anyone(cls, args, kwargs):
            logger.warning(CREDENTIALED_WILDCARD_CORS)


def _credentials_for_anyone(cls: type, args: Sequence[Any], kwargs: dict[str, Any]) -> bool:
    try:
        options = inspect.signature(cls).bind_partial(None, *args, **kwargs).arguments
    except TypeError:  # Starlette reports the mistake itself when it builds the middleware
        return False
    if not options.get("allow_credentials", False):
        return False
    if "*" in options.get("allow_origins", ()):
        return True
    pattern = options.get("allow_origin_regex")
    return isinstance(pattern, str) and any(re.fullmatch(pattern, origin) for origin in _STRANGERS)
