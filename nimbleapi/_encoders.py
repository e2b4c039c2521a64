"""``jsonable_encoder``: turn any Python object into JSON-compatible data (public as
``nimbleapi.encoders``, which re-exports these very objects: a type added to
``ENCODERS_BY_TYPE`` there is one the engine encodes).

The request path does not use this module for typed responses (pydantic-core writes
those straight to bytes); it serves untyped fallbacks, exception details and users.
"""

from __future__ import annotations

import dataclasses
import datetime
import warnings
from collections import defaultdict, deque
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface, IPv6Network
from pathlib import Path, PurePath
from re import Pattern
from types import GeneratorType
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from pydantic.networks import AnyUrl, NameEmail
from pydantic.types import SecretBytes, SecretStr
from pydantic_core import PydanticUndefinedType, Url

from ._plan.annotations import is_pydantic_v1_model_instance as is_pydantic_v1_model_instance
from .exceptions import PydanticV1NotSupportedError
from .types import IncEx

with warnings.catch_warnings():
    # pydantic.color is deprecated in favour of pydantic_extra_types; still encode its values.
    warnings.simplefilter("ignore")
    try:
        from pydantic.color import Color
    except ImportError:  # pragma: no cover
        Color = None  # type: ignore[assignment,misc]

try:
    from pydantic_extra_types.color import Color as PyExtraColor
except ImportError:  # pragma: no cover - optional package
    PyExtraColor = None


def isoformat(value: datetime.date | datetime.time) -> str:
    return value.isoformat()


def decimal_encoder(value: Decimal) -> int | float:
    """Whole decimals become ints (``Decimal('1')`` -> 1), others floats."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


ENCODERS_BY_TYPE: dict[type[Any], Callable[[Any], Any]] = {
    bytes: lambda value: value.decode(),
    datetime.date: isoformat,
    datetime.datetime: isoformat,
    datetime.time: isoformat,
    datetime.timedelta: lambda value: value.total_seconds(),
    Decimal: decimal_encoder,
    Enum: lambda value: value.value,
    frozenset: list,
    deque: list,
    GeneratorType: list,
    IPv4Address: str,
    IPv4Interface: str,
    IPv4Network: str,
    IPv6Address: str,
    IPv6Interface: str,
    IPv6Network: str,
    NameEmail: str,
    Path: str,
    Pattern: lambda value: value.pattern,
    SecretBytes: str,
    SecretStr: str,
    set: list,
    UUID: str,
    Url: str,
    AnyUrl: str,
}
for _color_type in (Color, PyExtraColor):
    if _color_type is not None:
        ENCODERS_BY_TYPE[_color_type] = str


def generate_encoders_by_class_tuples(
    type_encoder_map: dict[Any, Callable[[Any], Any]],
) -> dict[Callable[[Any], Any], tuple[Any, ...]]:
    grouped: dict[Callable[[Any], Any], tuple[Any, ...]] = defaultdict(tuple)
    for type_, encoder in type_encoder_map.items():
        grouped[encoder] += (type_,)
    return grouped


encoders_by_class_tuples = generate_encoders_by_class_tuples(ENCODERS_BY_TYPE)


def jsonable_encoder(
    obj: Any,
    include: IncEx | None = None,
    exclude: IncEx | None = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: dict[Any, Callable[[Any], Any]] | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """Convert *obj* (models, dataclasses, dates, enums, containers...) to JSON-compatible data."""
    flags = dict(
        by_alias=by_alias,
        exclude_unset=exclude_unset,
        exclude_defaults=exclude_defaults,
        exclude_none=exclude_none,
        custom_encoder=custom_encoder,
        sqlalchemy_safe=sqlalchemy_safe,
    )
    if custom_encoder:
        if type(obj) in custom_encoder:
            return custom_encoder[type(obj)](obj)
        for encoder_type, encode in custom_encoder.items():
            if isinstance(obj, encoder_type):
                return encode(obj)
    if include is not None and not isinstance(include, (set, dict)):
        include = set[Any](include)
    if exclude is not None and not isinstance(exclude, (set, dict)):
        exclude = set[Any](exclude)
    if isinstance(obj, BaseModel):
        dumped = obj.model_dump(
            mode="json",
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_none=exclude_none,
            exclude_defaults=exclude_defaults,
        )
        return _pruned_json(dumped, exclude_none, sqlalchemy_safe)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable_encoder(dataclasses.asdict(obj), include=include, exclude=exclude, **flags)  # type: ignore[arg-type]
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, (str, int, float, type(None))):
        return obj
    if isinstance(obj, PydanticUndefinedType):
        return None
    if isinstance(obj, dict):
        return _encode_dict(obj, include, exclude, flags)
    if isinstance(obj, (list, set, frozenset, GeneratorType, tuple, deque)):
        return [jsonable_encoder(item, include=include, exclude=exclude, **flags) for item in obj]  # type: ignore[arg-type]
    encoder = ENCODERS_BY_TYPE.get(type(obj))
    if encoder is not None:
        return encoder(obj)
    for encoder, classes in encoders_by_class_tuples.items():
        if isinstance(obj, classes):
            return encoder(obj)
    if is_pydantic_v1_model_instance(obj):
        raise PydanticV1NotSupportedError(
            f"pydantic.v1 models are no longer supported by FastAPI. Please update the model {obj!r}."
        )
    return jsonable_encoder(_object_to_dict(obj), include=include, exclude=exclude, **flags)  # type: ignore[arg-type]


def _encode_dict(obj: dict[Any, Any], include: Any, exclude: Any, flags: dict[str, Any]) -> dict[Any, Any]:
    allowed = set(obj)
    if include is not None:
        allowed &= set(include)
    if exclude is not None:
        allowed -= set(exclude)
    sqlalchemy_safe = flags["sqlalchemy_safe"]
    exclude_none = flags["exclude_none"]
    encoded = {}
    for key, value in obj.items():
        if key not in allowed or (value is None and exclude_none):
            continue
        if sqlalchemy_safe and isinstance(key, str) and key.startswith("_sa"):
            continue
        encoded[jsonable_encoder(key, **flags)] = jsonable_encoder(value, **flags)
    return encoded


def _pruned_json(data: Any, exclude_none: bool, sqlalchemy_safe: bool) -> Any:
    """What encoding a model's JSON-mode dump again would give, without asking each value its
    type: the dump holds only dicts with string keys, lists and scalars, so all that pass can
    still change is dropping None values (``exclude_none``) and ``_sa`` keys (``sqlalchemy_safe``)."""
    if type(data) is dict:
        return {
            key: _pruned_json(value, exclude_none, sqlalchemy_safe)
            for key, value in data.items()
            if not (value is None and exclude_none) and not (sqlalchemy_safe and key.startswith("_sa"))
        }
    if type(data) is list:
        return [_pruned_json(item, exclude_none, sqlalchemy_safe) for item in data]
    return data


def _object_to_dict(obj: Any) -> dict[Any, Any]:
    """Last resort for unknown objects: ``dict(obj)``, else ``vars(obj)``."""
    errors: list[Exception] = []
    try:
        return dict(obj)
    except Exception as exc:
        errors.append(exc)
    try:
        attributes: dict[Any, Any] = vars(obj)
        return attributes
    except Exception as exc:
        errors.append(exc)
        raise ValueError(errors) from exc
