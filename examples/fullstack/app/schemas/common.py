from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total so a client can page through all of it."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Message(BaseModel):
    detail: str
