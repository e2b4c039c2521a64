"""Behaviour that must hold on every pydantic release nimbleapi accepts (2.11 and newer).

pydantic 2.11's ``FieldInfo`` has no ``asdict()`` (added in 2.12); the tests take it away
to run route declaration the way it runs there.
"""

from typing import Annotated

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from nimbleapi import Body, FastAPI, Query
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str


@pytest.fixture
def fieldinfo_without_asdict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(FieldInfo, "asdict", raising=False)  # already absent on 2.11


@pytest.mark.usefixtures("fieldinfo_without_asdict")
def test_parameters_keep_alias_and_constraints_without_fieldinfo_asdict() -> None:
    app = FastAPI()

    @app.get("/pages")
    def pages(number: Annotated[int, Query(alias="page-number", ge=1)] = 1) -> list[int]:
        return [number]

    client = TestClient(app)
    assert client.get("/pages", params={"page-number": "3"}).json() == [3]
    invalid = client.get("/pages", params={"page-number": "0"})
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["query", "page-number"]


@pytest.mark.usefixtures("fieldinfo_without_asdict")
def test_embedded_body_and_response_model_without_fieldinfo_asdict() -> None:
    app = FastAPI()

    @app.post("/items")
    def create(item: Annotated[Item, Body(embed=True, description="the item")]) -> Item:
        return item

    client = TestClient(app)
    assert client.post("/items", json={"item": {"name": "a"}}).json() == {"name": "a"}
    assert client.post("/items", json={"name": "a"}).status_code == 422
    body = app.openapi()["components"]["schemas"]
    assert any("item" in schema.get("properties", {}) for schema in body.values())
