"""An inventory API: create, list, read, update and delete items kept in memory.

Serve it with ``nimbleapi run examples/app.py`` (or ``nimbleapi dev examples/app.py``
while editing), then open http://127.0.0.1:8000/docs.

Written with FastAPI's API only, so ``from fastapi import ...`` would work the same
once ``nimbleapi.compat.install()`` has run.
"""

from __future__ import annotations

from itertools import count
from typing import Annotated

from pydantic import BaseModel, Field

from nimbleapi import Depends, FastAPI, Header, HTTPException, Path, Query, status


class ItemIn(BaseModel):
    """What a client sends to create or replace an item."""

    name: str = Field(min_length=1, max_length=100)
    price: float = Field(gt=0, description="Unit price in euros")
    tags: list[str] = []


class ItemPatch(BaseModel):
    """A partial update: fields that are left out, or sent as null, keep their value."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    price: float | None = Field(default=None, gt=0)
    tags: list[str] | None = None


class Item(ItemIn):
    id: int


class StoredItem(Item):
    """The stored record; ``created_by`` is internal and never leaves the server."""

    created_by: str


class ItemStore:
    """An in-memory table of items; swap it for a database-backed class with the same methods."""

    def __init__(self) -> None:
        self.items: dict[int, StoredItem] = {}
        self.ids = count(1)

    def add(self, data: ItemIn, created_by: str) -> StoredItem:
        item = StoredItem(id=next(self.ids), created_by=created_by, **data.model_dump())
        self.items[item.id] = item
        return item

    def get(self, item_id: int) -> StoredItem:
        try:
            return self.items[item_id]
        except KeyError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Item {item_id} not found") from None


store = ItemStore()


def get_store() -> ItemStore:
    """The store every endpoint works on; tests override this dependency with a fresh one."""
    return store


def get_user(x_user: Annotated[str, Header(min_length=1)] = "anonymous") -> str:
    """Who is making the request, from the ``X-User`` header."""
    return x_user


class Page(BaseModel):
    offset: int
    limit: int


def paginate(
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page:
    return Page(offset=offset, limit=limit)


Store = Annotated[ItemStore, Depends(get_store)]
ItemId = Annotated[int, Path(ge=1, description="The item's id")]

app = FastAPI(title="Inventory", version="1.0.0", description="An example nimbleapi application.")


@app.get("/")
def read_root() -> dict[str, str]:
    return {"message": "Inventory API", "docs": "/docs"}


@app.get("/items", response_model=list[Item], tags=["items"])
def list_items(
    items: Store,
    page: Annotated[Page, Depends(paginate)],
    tag: Annotated[str | None, Query(max_length=50)] = None,
) -> list[StoredItem]:
    matching = [item for item in items.items.values() if tag is None or tag in item.tags]
    return matching[page.offset : page.offset + page.limit]


@app.post("/items", response_model=Item, status_code=status.HTTP_201_CREATED, tags=["items"])
def create_item(data: ItemIn, items: Store, user: Annotated[str, Depends(get_user)]) -> StoredItem:
    return items.add(data, created_by=user)


@app.get("/items/{item_id}", response_model=Item, tags=["items"])
def read_item(item_id: ItemId, items: Store) -> StoredItem:
    return items.get(item_id)


@app.put("/items/{item_id}", response_model=Item, tags=["items"])
def replace_item(item_id: ItemId, data: ItemIn, items: Store) -> StoredItem:
    current = items.get(item_id)
    items.items[item_id] = StoredItem(id=item_id, created_by=current.created_by, **data.model_dump())
    return items.items[item_id]


@app.patch("/items/{item_id}", response_model=Item, tags=["items"])
def update_item(item_id: ItemId, changes: ItemPatch, items: Store) -> StoredItem:
    current = items.get(item_id)
    items.items[item_id] = current.model_copy(update=changes.model_dump(exclude_none=True))
    return items.items[item_id]


@app.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["items"])
def delete_item(item_id: ItemId, items: Store) -> None:
    items.get(item_id)
    del items.items[item_id]
