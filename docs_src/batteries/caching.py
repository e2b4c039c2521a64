from pydantic import BaseModel

from nimbleapi import FastAPI, Request
from nimbleapi.caching import cache, invalidate

app = FastAPI()
ITEMS = {1: "lamp", 2: "desk"}


class Item(BaseModel):
    name: str


@app.get("/items/{item_id}", dependencies=[cache(ttl=60, tags=["items", "item:{item_id}"])])
async def read_item(item_id: int) -> dict[str, object]:
    return {"id": item_id, "name": ITEMS[item_id]}


@app.put("/items/{item_id}")
async def update_item(item_id: int, item: Item, request: Request) -> dict[str, object]:
    ITEMS[item_id] = item.name
    await invalidate(request, tags=[f"item:{item_id}"])  # or key="GET /items/3", prefix="GET /items"
    return {"id": item_id, "name": item.name}
