from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel

from nimbleapi import Depends, FastAPI, Header

app = FastAPI()


class Item(BaseModel):
    id: int
    owner: str


def get_db() -> Iterator[dict[int, str]]:
    yield {1: "ann", 2: "bob"}


def current_user(x_user: Annotated[str, Header()] = "guest") -> str:
    return x_user


@app.get("/items/{item_id}")
async def read_item(
    item_id: int, db: Annotated[dict[int, str], Depends(get_db)], user: Annotated[str, Depends(current_user)]
) -> Item:
    return Item(id=item_id, owner=db.get(item_id, user))
