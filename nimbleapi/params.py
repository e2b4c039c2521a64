"""Parameter declarations: the classes behind ``Query()``, ``Body()``, ``Depends()``...

They are records only; the analysis phase reads them once per route.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AliasChoices, AliasPath, Discriminator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from . import _lazy
from .concurrency import _DependencyConcurrency
from .datastructures import _Unset
from .exceptions import FastAPIDeprecationWarning

if TYPE_CHECKING:
    from .openapi.models import Example as Example

Undefined = PydanticUndefined


class ParamTypes(Enum):
    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


def _field_kwargs(
    default: Any,
    *,
    default_factory: Callable[[], Any] | None = _Unset,
    annotation: Any | None = None,
    alias: str | None = _Unset,
    alias_priority: int | None = _Unset,
    validation_alias: str | AliasPath | AliasChoices | None = _Unset,
    serialization_alias: str | None = _Unset,
    title: str | None = _Unset,
    description: str | None = _Unset,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | re.Pattern[str] | None = None,
    regex: str | None = None,
    discriminator: str | Discriminator | None = _Unset,
    strict: bool | None = _Unset,
    validate_default: bool | None = _Unset,
    union_mode: Literal["smart", "left_to_right"] | None = _Unset,
    fail_fast: bool | None = _Unset,
    multiple_of: float | None = _Unset,
    allow_inf_nan: bool | None = _Unset,
    max_digits: int | None = _Unset,
    decimal_places: int | None = _Unset,
    examples: list[Any] | None = _Unset,
    deprecated: Any = _Unset,
    json_schema_extra: dict[str, Any] | Callable[[dict[str, Any]], None] | None = _Unset,
) -> dict[str, Any]:
    """Translate FastAPI-style parameter options into ``FieldInfo`` keyword arguments."""
    if regex is not None:
        warnings.warn(
            "`regex` has been deprecated, please use `pattern` instead",
            category=FastAPIDeprecationWarning,
            stacklevel=5,
        )
    if serialization_alias in (_Unset, None) and isinstance(alias, str):
        serialization_alias = alias
    if validation_alias in (_Unset, None):
        validation_alias = alias
    kwargs = dict(
        default=default,
        default_factory=default_factory,
        annotation=annotation,
        alias=alias,
        alias_priority=alias_priority,
        validation_alias=validation_alias,
        serialization_alias=serialization_alias,
        title=title,
        description=description,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern or regex,
        discriminator=discriminator,
        strict=strict,
        validate_default=validate_default,
        union_mode=union_mode,
        fail_fast=fail_fast,
        multiple_of=multiple_of,
        allow_inf_nan=allow_inf_nan,
        max_digits=max_digits,
        decimal_places=decimal_places,
        examples=examples,
        deprecated=deprecated,
        json_schema_extra=json_schema_extra,
    )
    return {key: value for key, value in kwargs.items() if value is not _Unset}


def _warn_example(example: Any) -> None:
    if example is not _Unset:
        warnings.warn(
            "`example` has been deprecated, please use `examples` instead",
            category=FastAPIDeprecationWarning,
            stacklevel=5,
        )


class Param(FieldInfo):  # type: ignore[misc]
    """A parameter read from the path, query string, headers or cookies."""

    in_: ParamTypes

    def __init__(
        self,
        default: Any = Undefined,
        *,
        example: Any = _Unset,
        openapi_examples: dict[str, Any] | None = None,
        include_in_schema: bool = True,
        **kwargs: Any,
    ) -> None:
        _warn_example(example)
        self.example = example
        self.include_in_schema = include_in_schema
        self.openapi_examples = openapi_examples
        super().__init__(**_field_kwargs(default, **kwargs))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.default})"


class Path(Param):  # type: ignore[misc]
    in_ = ParamTypes.path

    def __init__(self, default: Any = ..., **kwargs: Any) -> None:
        if default is not ...:
            raise AssertionError("Path parameters cannot have a default value")
        self.in_ = self.in_
        super().__init__(default, **kwargs)


class Query(Param):  # type: ignore[misc]
    in_ = ParamTypes.query


class Header(Param):  # type: ignore[misc]
    in_ = ParamTypes.header

    def __init__(self, default: Any = Undefined, *, convert_underscores: bool = True, **kwargs: Any) -> None:
        self.convert_underscores = convert_underscores
        super().__init__(default, **kwargs)


class Cookie(Param):  # type: ignore[misc]
    in_ = ParamTypes.cookie


class Body(FieldInfo):  # type: ignore[misc]
    """A value read from the request body."""

    def __init__(
        self,
        default: Any = Undefined,
        *,
        embed: bool | None = None,
        media_type: str = "application/json",
        example: Any = _Unset,
        openapi_examples: dict[str, Any] | None = None,
        include_in_schema: bool = True,
        **kwargs: Any,
    ) -> None:
        _warn_example(example)
        self.embed = embed
        self.media_type = media_type
        self.example = example
        self.include_in_schema = include_in_schema
        self.openapi_examples = openapi_examples
        super().__init__(**_field_kwargs(default, **kwargs))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.default})"


class Form(Body):  # type: ignore[misc]
    """A field of an urlencoded or multipart form body."""

    def __init__(self, default: Any = Undefined, *, media_type: str = "application/x-www-form-urlencoded", **kwargs: Any) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class File(Form):  # type: ignore[misc]
    """A file part of a multipart form body."""

    def __init__(self, default: Any = Undefined, *, media_type: str = "multipart/form-data", **kwargs: Any) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


@dataclass(frozen=True)
class Depends:
    """Declares that a parameter's value is the result of calling ``dependency``."""

    dependency: Callable[..., Any] | None = None
    use_cache: bool = True
    scope: Literal["function", "request", "lifespan"] | None = None
    max_concurrency: int | None = field(default=None, kw_only=True)
    # One limiter per declaration, kept through dataclasses.replace(); identity also
    # stops typing.Annotated from merging two separate declarations.
    _concurrency: _DependencyConcurrency | None = field(default=None, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.max_concurrency is None:
            object.__setattr__(self, "_concurrency", None)
            return
        if type(self.max_concurrency) is not int or self.max_concurrency < 1:
            raise ValueError("max_concurrency must be a positive integer or None")
        if self._concurrency is None or self._concurrency.max_concurrency != self.max_concurrency:
            object.__setattr__(self, "_concurrency", _DependencyConcurrency(self.max_concurrency))


@dataclass(frozen=True)
class Security(Depends):
    """A dependency that also declares OAuth2 scopes."""

    scopes: Sequence[str] | None = None


_lazy.export_lazily(globals(), {"Example": "nimbleapi.openapi.models"})
