# The project's own tests, also unchanged.
from fastapi.testclient import TestClient

from .main import app

client = TestClient(app)


def test_place_order() -> None:
    response = client.post("/orders", json={"product": "tea"}, headers={"X-Customer": "ada"})
    assert response.status_code == 201
    assert response.json()["order"] == {"product": "tea", "quantity": 1}


def test_customer_header_is_required() -> None:
    response = client.post("/orders", json={"product": "tea"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "x-customer"]
