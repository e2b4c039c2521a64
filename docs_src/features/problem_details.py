from pydantic import BaseModel

from nimbleapi import FastAPI, HTTPException

app = FastAPI(errors="problem+json")
STOCK = {"A1": 0, "B2": 4}


class Item(BaseModel):
    name: str
    price: float


@app.get("/items/{item_id}")
def read_item(item_id: int) -> dict[str, int]:
    raise HTTPException(404, "Item not found")


@app.post("/items")
def create_item(item: Item) -> Item:
    return item


@app.post("/orders/{sku}")
def order(sku: str) -> dict[str, str]:
    if STOCK.get(sku, 0) == 0:
        # A typed problem: its own type URI, a title, and an extension member (sku).
        raise HTTPException(409, {"type": "https://example.com/probs/out-of-stock", "title": "Out of stock", "sku": sku})
    return {"ordered": sku}
