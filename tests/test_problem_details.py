"""``FastAPI(errors="problem+json")``: RFC 9457 answers for errors, and their OpenAPI description."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from nimbleapi import FastAPI, HTTPException
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float


def make_app(**options: object) -> FastAPI:
    app = FastAPI(**options)  # type: ignore[arg-type]

    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict[str, int]:
        if item_id == 0:
            raise HTTPException(404, "Item not found", headers={"x-reason": "gone"})
        if item_id == 1:
            raise HTTPException(409, {"type": "https://example.com/probs/sold", "title": "Sold out", "sku": "A1"})
        if item_id == 2:
            raise RuntimeError("password=hunter2")
        if item_id == 3:
            raise HTTPException(400, ["a", "b"])
        return {"item_id": item_id}

    @app.post("/items")
    def create_item(item: Item) -> Item:
        return item

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app(errors="problem+json"), raise_server_exceptions=False)


def test_http_exception_is_a_problem(client: TestClient) -> None:
    response = client.get("/items/0")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-reason"] == "gone"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Item not found",
        "instance": "/items/0",
    }


def test_a_dict_detail_sets_type_title_and_extension_members(client: TestClient) -> None:
    body = client.get("/items/1").json()
    assert body == {
        "type": "https://example.com/probs/sold",
        "title": "Sold out",
        "status": 409,
        "sku": "A1",
        "instance": "/items/1",
    }


def test_another_detail_goes_in_an_extension_member(client: TestClient) -> None:
    assert client.get("/items/3").json()["detail_data"] == ["a", "b"]


def test_validation_errors_are_an_extension_member(client: TestClient) -> None:
    response = client.post("/items", json={"name": "lamp"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["type"], body["title"], body["status"], body["instance"]) == (
        "about:blank",
        "Unprocessable Content",
        422,
        "/items",
    )
    assert body["detail"] == "The request is not valid: 1 error, listed in 'errors'."
    assert body["errors"] == [{"type": "missing", "loc": ["body", "price"], "msg": "Field required", "input": {"name": "lamp"}}]


def test_path_validation_and_routing_errors_too(client: TestClient) -> None:
    assert client.get("/items/abc").json()["errors"][0]["loc"] == ["path", "item_id"]
    not_found = client.get("/nowhere")
    assert (not_found.status_code, not_found.json()["title"]) == (404, "Not Found")
    assert not_found.headers["content-type"] == "application/problem+json"


def test_unhandled_error_is_a_500_problem_without_the_message(client: TestClient) -> None:
    response = client.get("/items/2")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Internal Server Error" and body["status"] == 500
    assert "hunter2" not in response.text


def test_handlers_the_application_declares_win() -> None:
    from starlette.responses import PlainTextResponse

    app = make_app(errors="problem+json")

    @app.exception_handler(HTTPException)
    async def own(request: object, exc: HTTPException) -> PlainTextResponse:
        return PlainTextResponse("mine", exc.status_code)

    assert TestClient(app).get("/items/0").text == "mine"


def test_the_default_stays_fastapi_bodies() -> None:
    client = TestClient(make_app())
    response = client.get("/items/0")
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{"detail":"Item not found"}'
    assert client.post("/items", json={}).json()["detail"][0]["type"] == "missing"


def test_unknown_style_is_rejected() -> None:
    with pytest.raises(ValueError, match="errors must be one of 'fastapi', 'problem\\+json'"):
        FastAPI(errors="xml")  # type: ignore[arg-type]


def test_openapi_describes_the_problems() -> None:
    document = make_app(errors="problem+json").openapi()
    responses = document["paths"]["/items"]["post"]["responses"]
    assert responses["422"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/ValidationProblem"}}
    }
    assert responses["default"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    schemas = document["components"]["schemas"]
    assert {"Problem", "ValidationProblem", "ValidationError"} <= set(schemas)
    assert "HTTPValidationError" not in schemas
    assert schemas["Problem"]["required"] == ["type", "title", "status"]


def test_openapi_default_is_unchanged() -> None:
    plain = make_app().openapi()
    assert "Problem" not in plain["components"]["schemas"]
    assert "default" not in plain["paths"]["/items"]["post"]["responses"]
