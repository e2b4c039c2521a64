"""Pydantic models, fixture data and a fake database used by every target.

All targets validate and serialise with these very models, so what differs
between targets is the framework's own work, not the model work.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field


class Dimensions(BaseModel):
    width: float
    height: float
    depth: float
    unit: str = "cm"


class Image(BaseModel):
    url: str
    name: str
    width: int | None = None
    height: int | None = None


class ItemOut(BaseModel):
    """What the API returns for an item: ItemIn without `internal_code`."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    description: str | None = None
    price: Annotated[float, Field(gt=0)]
    tax: float | None = None
    quantity: Annotated[int, Field(ge=0)] = 0
    in_stock: bool = True
    tags: list[str] = []
    dimensions: Dimensions
    images: list[Image] = []


class ItemIn(ItemOut):
    """What a client sends: ten fields, one of which must never be echoed back."""

    internal_code: str


class User(BaseModel):
    id: int
    username: str
    email: str
    full_name: str | None = None
    disabled: bool = False


class UserInDB(User):
    hashed_password: str


class ItemQuery(BaseModel):
    """Path and query parameters of GET /items/{item_id}, for targets that validate by hand."""

    item_id: int
    q: str | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 10


# Where each ItemQuery field is read from, to build FastAPI-shaped error locations.
ITEM_QUERY_SOURCES = {"item_id": "path", "q": "query", "limit": "query"}

HELLO = {"message": "Hello, World!"}
NOT_FOUND = {"detail": "Not Found"}
METHOD_NOT_ALLOWED = {"detail": "Method Not Allowed"}
TOKEN = "s3cr3t-token-for-alice"

ITEM_PAYLOAD = {
    "name": "Ergonomic Chair",
    "description": "A chair with lumbar support and adjustable arms",
    "price": 249.99,
    "tax": 20.5,
    "quantity": 12,
    "in_stock": True,
    "tags": ["furniture", "office", "ergonomic"],
    "dimensions": {"width": 60.0, "height": 120.5, "depth": 58.0, "unit": "cm"},
    "images": [
        {"url": "https://img.example/chair-front.png", "name": "front", "width": 800, "height": 600},
        {"url": "https://img.example/chair-side.png", "name": "side", "width": 800, "height": 600},
    ],
    "internal_code": "SKU-CH-0001-INTERNAL",
}


def make_items(count: int) -> list[ItemOut]:
    """Varied items (some optional fields unset) so serialisation is not trivially uniform."""
    return [
        ItemOut(
            name=f"Item {i}",
            description=f"Description of item number {i}" if i % 3 else None,
            price=round(9.99 + i * 1.25, 2),
            tax=round(i * 0.1, 2) if i % 2 else None,
            quantity=i * 3,
            in_stock=bool(i % 4),
            tags=["tag-a", f"tag-{i % 7}"],
            dimensions=Dimensions(width=10.0 + i, height=20.0, depth=5.5),
            images=[Image(url=f"https://img.example/{i}.png", name=f"img-{i}")],
        )
        for i in range(count)
    ]


ITEMS = make_items(100)

_USERS_BY_TOKEN = {
    TOKEN: UserInDB(
        id=1,
        username="alice",
        email="alice@example.com",
        full_name="Alice Liddell",
        hashed_password="$2b$12$abcdefghijklmnopqrstuvwx",
    )
}


class SessionLedger:
    """Counts opened and closed sessions, so the check can prove cleanup ran."""

    opened = 0
    closed = 0


class FakeDBSession:
    """Stands in for a database session: opened per request, must be closed after it."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token
        SessionLedger.opened += 1

    def current_user(self) -> UserInDB | None:
        return _USERS_BY_TOKEN.get(self.token)

    def close(self) -> None:
        SessionLedger.closed += 1


def parse_bearer(authorization: str | None) -> str | None:
    """Return the token of an `Authorization: Bearer <token>` value, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return token
