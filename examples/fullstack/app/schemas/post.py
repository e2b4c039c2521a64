from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PostCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(max_length=20_000)
    published: bool = False


class PostUpdate(BaseModel):
    """PATCH body: only the fields sent are changed (``exclude_unset``)."""

    title: str = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]
    body: str = Field(default=None, max_length=20_000)  # type: ignore[assignment]
    published: bool = None  # type: ignore[assignment]


class PostOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author_id: int
    title: str
    body: str
    published: bool
    created_at: datetime
    updated_at: datetime
