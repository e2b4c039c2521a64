from typing import Annotated

from pydantic import BaseModel, Field

from nimbleapi import Body, FastAPI

# JSON bodies are read into memory; past this many bytes the answer is 413.
app = FastAPI(max_buffered_body_size=1024 * 1024)


class Address(BaseModel):
    street: str
    city: str


class Customer(BaseModel):
    name: str = Field(min_length=1)
    email: str
    addresses: list[Address] = []


@app.post("/customers", status_code=201)
def create_customer(customer: Customer) -> Customer:
    return customer


@app.post("/customers/{customer_id}/note")
def add_note(customer_id: int, note: Annotated[str, Body(embed=True)], urgent: Annotated[bool, Body()] = False) -> dict[str, object]:
    # Two body parameters: the body is an object with one key per parameter.
    return {"customer_id": customer_id, "note": note, "urgent": urgent}
