"""The example application in ``examples/app.py``, exercised through HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from nimbleapi.testclient import TestClient

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "examples" / "app.py"


@pytest.fixture
def client(example: ModuleType) -> Iterator[TestClient]:
    """A client on an empty store, swapped in through ``dependency_overrides``."""
    fresh_store = example.ItemStore()
    example.app.dependency_overrides[example.get_store] = lambda: fresh_store
    with TestClient(example.app) as test_client:
        yield test_client
    example.app.dependency_overrides.clear()


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/items", json={"name": "hammer", "price": 9.5, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_root_points_to_docs(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"message": "Inventory API", "docs": "/docs"}


def test_create_returns_201_with_the_new_item(client: TestClient) -> None:
    response = client.post("/items", json={"name": "hammer", "price": 9.5, "tags": ["tools"]})
    assert response.status_code == 201
    assert response.json() == {"id": 1, "name": "hammer", "price": 9.5, "tags": ["tools"]}


def test_response_model_hides_internal_fields(client: TestClient) -> None:
    created = create(client)
    assert "created_by" not in created
    assert "created_by" not in client.get(f"/items/{created['id']}").json()


def test_create_records_the_user_header(client: TestClient, example: ModuleType) -> None:
    store = example.app.dependency_overrides[example.get_store]()
    client.post("/items", json={"name": "saw", "price": 20}, headers={"X-User": "ada"})
    create(client)
    assert [item.created_by for item in store.items.values()] == ["ada", "anonymous"]


def test_invalid_body_is_rejected_with_422(client: TestClient) -> None:
    response = client.post("/items", json={"name": "", "price": -1})
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert {(tuple(error["loc"]), error["type"]) for error in errors} == {
        (("body", "name"), "string_too_short"),
        (("body", "price"), "greater_than"),
    }


def test_read_item(client: TestClient) -> None:
    created = create(client, tags=["tools"])
    response = client.get(f"/items/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_missing_item_is_404_with_detail(client: TestClient) -> None:
    response = client.get("/items/42")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item 42 not found"}


def test_path_parameter_is_validated(client: TestClient) -> None:
    assert client.get("/items/0").status_code == 422
    response = client.get("/items/abc")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "int_parsing"
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


def test_list_paginates_and_filters_by_tag(client: TestClient) -> None:
    for number in range(5):
        create(client, name=f"item-{number}", tags=["even" if number % 2 == 0 else "odd"])
    page = client.get("/items", params={"offset": 1, "limit": 2}).json()
    assert [item["name"] for item in page] == ["item-1", "item-2"]
    even = client.get("/items", params={"tag": "even"}).json()
    assert [item["name"] for item in even] == ["item-0", "item-2", "item-4"]


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"limit": 0}, id="limit-too-small"),
        pytest.param({"limit": 101}, id="limit-too-large"),
        pytest.param({"offset": -1}, id="negative-offset"),
    ],
)
def test_list_rejects_out_of_range_pagination(client: TestClient, params: dict[str, int]) -> None:
    response = client.get("/items", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]


def test_replace_item(client: TestClient) -> None:
    created = create(client)
    response = client.put(f"/items/{created['id']}", json={"name": "mallet", "price": 12})
    assert response.status_code == 200
    assert response.json() == {"id": created["id"], "name": "mallet", "price": 12.0, "tags": []}


def test_patch_changes_only_the_fields_sent(client: TestClient) -> None:
    created = create(client, tags=["tools"])
    response = client.patch(f"/items/{created['id']}", json={"price": 11})
    assert response.status_code == 200
    assert response.json() == {**created, "price": 11.0}


def test_delete_returns_204_and_removes_the_item(client: TestClient) -> None:
    created = create(client)
    response = client.delete(f"/items/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"/items/{created['id']}").status_code == 404


def test_openapi_documents_the_item_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"] == {
        "title": "Inventory",
        "version": "1.0.0",
        "description": "An example nimbleapi application.",
    }
    assert set(schema["paths"]) == {"/", "/items", "/items/{item_id}"}
    assert set(schema["paths"]["/items/{item_id}"]) == {"get", "put", "patch", "delete"}
    assert "created_by" not in schema["components"]["schemas"]["Item"]["properties"]
