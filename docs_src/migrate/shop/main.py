# A FastAPI project, unchanged: it imports `fastapi` and runs on nimbleapi.
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

app = FastAPI(title="Shop")
app.add_middleware(CORSMiddleware, allow_origins=["https://shop.example.com"], allow_methods=["*"])


class Order(BaseModel):
    product: str
    quantity: int = 1


orders: list[Order] = []


def customer(x_customer: Annotated[str, Header()]) -> str:
    if not x_customer.isalnum():
        raise HTTPException(status_code=400, detail="Bad customer id")
    return x_customer


@app.post("/orders", status_code=201)
def place_order(order: Order, who: Annotated[str, Depends(customer)]) -> dict[str, object]:
    orders.append(order)
    return {"customer": who, "order": order, "position": len(orders)}


@app.get("/orders")
def list_orders() -> list[Order]:
    return orders
