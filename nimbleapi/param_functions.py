"""Parameter factories: ``Query()``, ``Path()``, ``Body()``, ``Depends()``...

Each returns an instance of the matching class in ``nimbleapi.params``; the options
are those of ``pydantic.Field`` plus the location-specific ones documented there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from . import _lazy, params
from .datastructures import _Unset as _Unset  # noqa: F401  (FastAPI's name here)
from .params import Undefined


def Path(default: Any = ..., **kwargs: Any) -> Any:  # noqa: N802
    """A path parameter (always required)."""
    return params.Path(default, **kwargs)


def Query(default: Any = Undefined, **kwargs: Any) -> Any:  # noqa: N802
    """A query-string parameter."""
    return params.Query(default, **kwargs)


def Header(default: Any = Undefined, *, convert_underscores: bool = True, **kwargs: Any) -> Any:  # noqa: N802
    """A header; ``user_agent`` reads ``user-agent`` unless ``convert_underscores=False``."""
    return params.Header(default, convert_underscores=convert_underscores, **kwargs)


def Cookie(default: Any = Undefined, **kwargs: Any) -> Any:  # noqa: N802
    """A cookie."""
    return params.Cookie(default, **kwargs)


def Body(  # noqa: N802
    default: Any = Undefined, *, embed: bool | None = None, media_type: str = "application/json", **kwargs: Any
) -> Any:
    """A value from the JSON body; ``embed=True`` expects it under its name."""
    return params.Body(default, embed=embed, media_type=media_type, **kwargs)


def Form(default: Any = Undefined, *, media_type: str = "application/x-www-form-urlencoded", **kwargs: Any) -> Any:  # noqa: N802
    """A form field (needs ``python-multipart``)."""
    return params.Form(default, media_type=media_type, **kwargs)


def File(default: Any = Undefined, *, media_type: str = "multipart/form-data", **kwargs: Any) -> Any:  # noqa: N802
    """An uploaded file (needs ``python-multipart``)."""
    return params.File(default, media_type=media_type, **kwargs)


def Depends(  # noqa: N802
    dependency: Callable[..., Any] | None = None,
    *,
    use_cache: bool = True,
    scope: Literal["function", "request", "lifespan"] | None = None,
    max_concurrency: int | None = None,
) -> Any:
    """The parameter's value is what ``dependency`` returns (or yields) for this request."""
    return params.Depends(dependency=dependency, use_cache=use_cache, scope=scope, max_concurrency=max_concurrency)


def Security(  # noqa: N802
    dependency: Callable[..., Any] | None = None,
    *,
    scopes: Sequence[str] | None = None,
    use_cache: bool = True,
) -> Any:
    """Like ``Depends``, and declares the OAuth2 ``scopes`` the dependency requires."""
    return params.Security(dependency=dependency, scopes=scopes, use_cache=use_cache)


# Typed in param_functions.pyi.
_lazy.export_lazily(globals(), {"Example": "nimbleapi.openapi.models"})
