"""Request data structures: Starlette's, plus an ``UploadFile`` that Pydantic can validate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, BinaryIO, TypeVar, cast

from pydantic import GetJsonSchemaHandler
from pydantic_core import core_schema
from starlette.datastructures import URL as URL
from starlette.datastructures import Address as Address
from starlette.datastructures import FormData as FormData
from starlette.datastructures import Headers as Headers
from starlette.datastructures import QueryParams as QueryParams
from starlette.datastructures import State as State
from starlette.datastructures import UploadFile as StarletteUploadFile


class UploadFile(StarletteUploadFile):
    """An uploaded file: a spooled temporary file with async ``read``/``write``/``seek``/``close``."""

    file: BinaryIO
    filename: str | None
    size: int | None
    headers: Headers
    content_type: str | None

    async def write(self, data: bytes) -> None:
        return await super().write(data)

    async def read(self, size: int = -1) -> bytes:
        return await super().read(size)

    async def seek(self, offset: int) -> None:
        return await super().seek(offset)

    async def close(self) -> None:
        return await super().close()

    @classmethod
    def _validate(cls, value: Any, _info: Any) -> UploadFile:
        if not isinstance(value, StarletteUploadFile):
            raise ValueError(f"Expected UploadFile, received: {type(value)}")
        return cast(UploadFile, value)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: Mapping[str, Any], handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"type": "string", "contentMediaType": "application/octet-stream"}

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: Callable[[Any], Mapping[str, Any]]
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(cls._validate)


class DefaultPlaceholder:
    """Marks a value as a default so that a later, explicit setting can override it."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DefaultPlaceholder) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("DefaultPlaceholder", id(self.value)))


DefaultType = TypeVar("DefaultType")


def Default(value: DefaultType) -> DefaultType:
    """Wrap *value* so that code can tell it apart from a value the user passed."""
    return DefaultPlaceholder(value)  # type: ignore[return-value]


_Unset: Any = Default(None)
