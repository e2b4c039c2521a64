"""JSON request bodies: models, several bodies, embedding, scalars, nesting and malformed input.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test, which a postponed annotation cannot see.
"""

from typing import Annotated, Any

from pydantic import BaseModel, Field

from nimbleapi import APIRouter, Body, FastAPI, Path
from nimbleapi.exceptions import RequestValidationError
from nimbleapi.responses import JSONResponse
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float
    description: str | None = None
    tax: float | None = None


class User(BaseModel):
    username: str
    full_name: str | None = None


def item_app() -> FastAPI:
    app = FastAPI()

    @app.post("/items")
    def create_item(item: Item) -> dict[str, Any]:
        return {"item": item.model_dump(), "type": type(item).__name__}

    return app


def errors_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    return response.json()["detail"]


# --- single model body ----------------------------------------------------------------------


def test_model_body_is_parsed_into_the_model() -> None:
    response = TestClient(item_app()).post("/items", json={"name": "Foo", "price": 3.5})
    assert response.status_code == 200
    assert response.json() == {
        "item": {"name": "Foo", "price": 3.5, "description": None, "tax": None},
        "type": "Item",
    }


def test_model_body_coerces_field_types() -> None:
    response = TestClient(item_app()).post("/items", json={"name": "Foo", "price": "2"})
    assert response.json()["item"]["price"] == 2.0


def test_model_body_field_errors_are_located_under_body() -> None:
    response = TestClient(item_app()).post("/items", json={"name": "Foo", "price": "cheap"})
    assert errors_of(response) == [
        {
            "type": "float_parsing",
            "loc": ["body", "price"],
            "msg": "Input should be a valid number, unable to parse string as a number",
            "input": "cheap",
        }
    ]


def test_model_body_missing_fields_are_each_reported() -> None:
    response = TestClient(item_app()).post("/items", json={"description": "d"})
    assert errors_of(response) == [
        {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": {"description": "d"}},
        {"type": "missing", "loc": ["body", "price"], "msg": "Field required", "input": {"description": "d"}},
    ]


def test_required_body_missing_entirely() -> None:
    response = TestClient(item_app()).post("/items")
    assert errors_of(response) == [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]


def test_body_of_wrong_json_type_for_model() -> None:
    response = TestClient(item_app()).post("/items", json=["not", "an", "object"])
    assert errors_of(response) == [
        {
            "type": "model_attributes_type",
            "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
            "input": ["not", "an", "object"],
        }
    ]


def test_optional_body_is_none_when_absent() -> None:
    app = FastAPI()

    @app.post("/maybe")
    def maybe(item: Item | None = None) -> dict[str, Any]:
        return {"item": item}

    client = TestClient(app)
    assert client.post("/maybe").json() == {"item": None}
    assert client.post("/maybe", json={"name": "n", "price": 1}).json()["item"]["name"] == "n"


def test_body_with_path_and_query_params() -> None:
    app = FastAPI()

    @app.put("/items/{item_id}")
    def update(item_id: int, item: Item, q: str | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "name": item.name, "q": q}

    response = TestClient(app).put("/items/4?q=z", json={"name": "N", "price": 1})
    assert response.json() == {"item_id": 4, "name": "N", "q": "z"}


def test_model_with_field_alias_reads_alias() -> None:
    class Person(BaseModel):
        first_name: str = Field(alias="firstName")

    app = FastAPI()

    @app.post("/people")
    def people(person: Person) -> str:
        return person.first_name

    client = TestClient(app)
    assert client.post("/people", json={"firstName": "Ada"}).json() == "Ada"
    assert errors_of(client.post("/people", json={"first_name": "Ada"}))[0]["loc"] == ["body", "firstName"]


def test_body_validation_error_input_is_the_received_value() -> None:
    response = TestClient(item_app()).post("/items", json={"name": ["not", "a", "string"], "price": 1})
    error = errors_of(response)[0]
    assert error == {
        "type": "string_type",
        "loc": ["body", "name"],
        "msg": "Input should be a valid string",
        "input": ["not", "a", "string"],
    }


# --- several bodies / embed ------------------------------------------------------------------


def test_two_model_bodies_are_read_from_keys_named_after_params() -> None:
    app = FastAPI()

    @app.post("/both")
    def both(item: Item, user: User) -> dict[str, str]:
        return {"item": item.name, "user": user.username}

    response = TestClient(app).post("/both", json={"item": {"name": "I", "price": 1}, "user": {"username": "U"}})
    assert response.json() == {"item": "I", "user": "U"}


def test_two_model_bodies_missing_one_reports_its_key() -> None:
    app = FastAPI()

    @app.post("/both")
    def both(item: Item, user: User) -> None:
        pass

    response = TestClient(app).post("/both", json={"item": {"name": "I", "price": 1}})
    assert errors_of(response) == [{"type": "missing", "loc": ["body", "user"], "msg": "Field required", "input": None}]


def test_errors_inside_embedded_bodies_include_the_param_name() -> None:
    app = FastAPI()

    @app.post("/both")
    def both(item: Item, user: User) -> None:
        pass

    response = TestClient(app).post("/both", json={"item": {"name": "I"}, "user": {"username": "U"}})
    assert errors_of(response) == [
        {"type": "missing", "loc": ["body", "item", "price"], "msg": "Field required", "input": {"name": "I"}}
    ]


def test_singular_body_value_with_model() -> None:
    app = FastAPI()

    @app.post("/rate")
    def rate(item: Item, importance: Annotated[int, Body()]) -> dict[str, Any]:
        return {"name": item.name, "importance": importance}

    response = TestClient(app).post("/rate", json={"item": {"name": "I", "price": 1}, "importance": "5"})
    assert response.json() == {"name": "I", "importance": 5}


def test_embed_true_wraps_single_model_in_key() -> None:
    app = FastAPI()

    @app.post("/embed")
    def embed(item: Annotated[Item, Body(embed=True)]) -> str:
        return item.name

    client = TestClient(app)
    assert client.post("/embed", json={"item": {"name": "E", "price": 1}}).json() == "E"
    error = errors_of(client.post("/embed", json={"name": "E", "price": 1}))[0]
    assert error["loc"] == ["body", "item"]
    assert error["type"] == "missing"


def test_embed_uses_alias_as_key() -> None:
    app = FastAPI()

    @app.post("/embed")
    def embed(item: Item = Body(embed=True, alias="thing")) -> str:
        return item.name

    assert TestClient(app).post("/embed", json={"thing": {"name": "A", "price": 1}}).json() == "A"


def test_scalar_body_without_embed_is_the_whole_body() -> None:
    app = FastAPI()

    @app.post("/count")
    def count(value: Annotated[int, Body()]) -> int:
        return value * 2

    client = TestClient(app)
    assert client.post("/count", json=21).json() == 42
    assert errors_of(client.post("/count", json="x"))[0]["loc"] == ["body"]


def test_scalar_body_with_embed() -> None:
    app = FastAPI()

    @app.post("/count")
    def count(value: Annotated[int, Body(embed=True)]) -> int:
        return value

    assert TestClient(app).post("/count", json={"value": 7}).json() == 7


def test_two_scalar_bodies() -> None:
    app = FastAPI()

    @app.post("/pair")
    def pair(a: Annotated[int, Body()], b: Annotated[str, Body()]) -> list[Any]:
        return [a, b]

    assert TestClient(app).post("/pair", json={"a": 1, "b": "two"}).json() == [1, "two"]


def test_body_constraints_are_enforced() -> None:
    app = FastAPI()

    @app.post("/limited")
    def limited(n: Annotated[int, Body(embed=True, gt=0, le=10)]) -> int:
        return n

    client = TestClient(app)
    assert client.post("/limited", json={"n": 10}).json() == 10
    error = errors_of(client.post("/limited", json={"n": 11}))[0]
    assert error["type"] == "less_than_equal"
    assert error["loc"] == ["body", "n"]


def test_body_default_when_embedded_key_missing() -> None:
    app = FastAPI()

    @app.post("/defaults")
    def defaults(a: Annotated[int, Body()] = 1, b: Annotated[int, Body()] = 2) -> int:
        return a + b

    client = TestClient(app)
    assert client.post("/defaults", json={"a": 10}).json() == 12
    assert client.post("/defaults").json() == 3


def test_optional_embedded_body_is_none_when_missing() -> None:
    app = FastAPI()

    @app.post("/opt")
    def opt(item: Annotated[Item | None, Body(embed=True)] = None) -> dict[str, Any]:
        return {"item": None if item is None else item.name}

    client = TestClient(app)
    assert client.post("/opt").json() == {"item": None}
    assert client.post("/opt", json={"item": {"name": "x", "price": 1}}).json() == {"item": "x"}


def test_embedded_bodies_when_body_is_not_an_object() -> None:
    app = FastAPI()

    @app.post("/both")
    def both(item: Item, user: User) -> None:
        pass

    response = TestClient(app).post("/both", json=[1, 2])
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {("body", "item"), ("body", "user")}


def test_mutable_body_default_is_not_shared_between_requests() -> None:
    app = FastAPI()

    @app.post("/acc")
    def acc(data: Annotated[dict[str, int], Body(embed=True)] = {}) -> dict[str, int]:  # noqa: B006
        data["count"] = data.get("count", 0) + 1
        return data

    client = TestClient(app)
    assert client.post("/acc").json() == {"count": 1}
    assert client.post("/acc").json() == {"count": 1}


# --- nested, list and dict bodies --------------------------------------------------------------


class Image(BaseModel):
    url: str
    name: str


class Offer(BaseModel):
    name: str
    tags: set[str] = set()
    images: list[Image] | None = None


def test_nested_model_body() -> None:
    app = FastAPI()

    @app.post("/offers")
    def offers(offer: Offer) -> dict[str, Any]:
        return {"tags": sorted(offer.tags), "image_names": [i.name for i in offer.images or []]}

    body = {"name": "o", "tags": ["b", "a", "b"], "images": [{"url": "u", "name": "first"}]}
    assert TestClient(app).post("/offers", json=body).json() == {"tags": ["a", "b"], "image_names": ["first"]}


def test_nested_model_error_location_goes_through_the_list_index() -> None:
    app = FastAPI()

    @app.post("/offers")
    def offers(offer: Offer) -> None:
        pass

    body = {"name": "o", "images": [{"url": "u", "name": "ok"}, {"url": "u"}]}
    error = errors_of(TestClient(app).post("/offers", json=body))[0]
    assert error["loc"] == ["body", "images", 1, "name"]


def test_list_of_models_body() -> None:
    app = FastAPI()

    @app.post("/images")
    def images(images: list[Image]) -> list[str]:
        return [i.url for i in images]

    body = [{"url": "a", "name": "A"}, {"url": "b", "name": "B"}]
    assert TestClient(app).post("/images", json=body).json() == ["a", "b"]


def test_list_body_errors_are_located_by_index() -> None:
    app = FastAPI()

    @app.post("/images")
    def images(images: list[Image]) -> None:
        pass

    error = errors_of(TestClient(app).post("/images", json=[{"url": "a"}]))[0]
    assert error["loc"] == ["body", 0, "name"]


def test_dict_body_converts_keys_and_values() -> None:
    app = FastAPI()

    @app.post("/weights")
    def weights(weights: dict[int, float]) -> dict[str, Any]:
        return {"keys": sorted(weights), "total": sum(weights.values())}

    response = TestClient(app).post("/weights", json={"1": 0.5, "2": 1.5})
    assert response.json() == {"keys": [1, 2], "total": 2.0}


def test_field_constraints_inside_model() -> None:
    class Product(BaseModel):
        title: str = Field(max_length=5)

    app = FastAPI()

    @app.post("/products")
    def products(product: Product) -> str:
        return product.title

    error = errors_of(TestClient(app).post("/products", json={"title": "too long"}))[0]
    assert error == {
        "type": "string_too_long",
        "loc": ["body", "title"],
        "msg": "String should have at most 5 characters",
        "input": "too long",
        "ctx": {"max_length": 5},
    }


def test_body_with_path_param_of_same_model_field_name() -> None:
    app = FastAPI()

    @app.put("/items/{name}")
    def update(name: Annotated[str, Path()], item: Item) -> list[str]:
        return [name, item.name]

    response = TestClient(app).put("/items/path-name", json={"name": "body-name", "price": 1})
    assert response.json() == ["path-name", "body-name"]


def test_union_of_models_body_picks_matching_model() -> None:
    app = FastAPI()

    @app.post("/either")
    def either(body: Item | User) -> str:
        return type(body).__name__

    client = TestClient(app)
    assert client.post("/either", json={"name": "n", "price": 1}).json() == "Item"
    assert client.post("/either", json={"username": "u"}).json() == "User"


def test_dict_body_with_body_marker() -> None:
    app = FastAPI()

    @app.post("/anything")
    def anything(payload: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        return {"keys": sorted(payload)}

    assert TestClient(app).post("/anything", json={"b": 1, "a": [1]}).json() == {"keys": ["a", "b"]}


# --- malformed input and content types ----------------------------------------------------------


def test_invalid_json_gives_json_invalid_error() -> None:
    response = TestClient(item_app()).post(
        "/items", content=b'{"name": "x", "price": }', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "json_invalid",
                "loc": ["body", 23],
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": "Expecting value"},
            }
        ]
    }


def test_truncated_json_reports_its_position() -> None:
    response = TestClient(item_app()).post(
        "/items", content=b'{"name": "x"', headers={"content-type": "application/json"}
    )
    error = errors_of(response)[0]
    assert error["type"] == "json_invalid"
    assert error["loc"] == ["body", 12]
    assert error["ctx"] == {"error": "Expecting ',' delimiter"}


def test_json_suffix_content_type_is_parsed() -> None:
    response = TestClient(item_app()).post(
        "/items",
        content=b'{"name": "x", "price": 1}',
        headers={"content-type": "application/vnd.api+json"},
    )
    assert response.status_code == 200
    assert response.json()["item"]["name"] == "x"


def test_json_content_type_with_charset_is_parsed() -> None:
    response = TestClient(item_app()).post(
        "/items",
        content=b'{"name": "x", "price": 1}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


def test_non_json_content_type_body_is_not_parsed_as_json() -> None:
    raw = b'{"name": "x", "price": 1}'
    response = TestClient(item_app()).post("/items", content=raw, headers={"content-type": "text/plain"})
    assert errors_of(response) == [
        {
            "type": "model_attributes_type",
            "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
            "input": raw.decode(),
        }
    ]


def test_missing_content_type_is_not_parsed_when_strict() -> None:
    raw = b'{"name": "x", "price": 1}'
    response = TestClient(item_app()).post("/items", content=raw)
    assert response.status_code == 422
    assert errors_of(response)[0]["type"] == "model_attributes_type"


def test_missing_content_type_is_parsed_when_app_not_strict() -> None:
    app = FastAPI(strict_content_type=False)

    @app.post("/items")
    def create(item: Item) -> str:
        return item.name

    response = TestClient(app).post("/items", content=b'{"name": "lax", "price": 1}')
    assert response.json() == "lax"


def test_empty_content_type_counts_as_none_sent() -> None:
    app = FastAPI(strict_content_type=False)

    @app.post("/items")
    def create(item: Item) -> str:
        return item.name

    @app.post("/names")
    def name(value: str = Body(alias="wire")) -> str:
        return value

    client = TestClient(app)
    assert client.post("/items", content=b'{"name": "lax", "price": 1}', headers={"content-type": ""}).json() == "lax"
    # read as JSON, so a JSON list is not taken for a string
    response = client.post("/names", content=b"[1]", headers={"content-type": ""})
    assert response.status_code == 422
    assert errors_of(response)[0]["type"] == "string_type"


def test_route_level_strict_content_type_overrides_router() -> None:
    def lax(item: Item) -> str:
        return item.name

    def strict(item: Item) -> str:
        return item.name

    router = APIRouter()
    router.add_api_route("/lax", lax, methods=["POST"], strict_content_type=False)
    router.add_api_route("/strict", strict, methods=["POST"])
    app = FastAPI()
    app.include_router(router)

    client = TestClient(app)
    raw = b'{"name": "n", "price": 1}'
    assert client.post("/lax", content=raw).json() == "n"
    assert client.post("/strict", content=raw).status_code == 422


def test_router_level_strict_content_type() -> None:
    router = APIRouter(strict_content_type=False)

    @router.post("/lax")
    def lax(item: Item) -> str:
        return item.name

    app = FastAPI()
    app.include_router(router)
    assert TestClient(app).post("/lax", content=b'{"name": "r", "price": 1}').json() == "r"


def test_non_strict_still_ignores_explicit_non_json_content_type() -> None:
    app = FastAPI(strict_content_type=False)

    @app.post("/items")
    def create(item: Item) -> str:
        return item.name

    response = TestClient(app).post(
        "/items", content=b'{"name": "n", "price": 1}', headers={"content-type": "text/plain"}
    )
    assert response.status_code == 422


def test_empty_body_with_json_content_type_counts_as_missing() -> None:
    response = TestClient(item_app()).post("/items", content=b"", headers={"content-type": "application/json"})
    assert errors_of(response) == [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]


def test_get_request_can_carry_a_body() -> None:
    app = FastAPI()

    @app.get("/search")
    def search(item: Item) -> str:
        return item.name

    response = TestClient(app).request("GET", "/search", json={"name": "g", "price": 1})
    assert response.json() == "g"


def test_request_validation_error_body_is_exposed_to_handlers() -> None:
    app = item_app()

    @app.exception_handler(RequestValidationError)
    async def echo(request: Any, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"body": exc.body}, status_code=400)

    response = TestClient(app).post("/items", json={"name": "x"})
    assert response.status_code == 400
    assert response.json() == {"body": {"name": "x"}}


def test_json_null_body_for_required_model() -> None:
    response = TestClient(item_app()).post("/items", content=b"null", headers={"content-type": "application/json"})
    assert errors_of(response) == [
        {
            "type": "model_attributes_type",
            "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
            "input": None,
        }
    ]


def test_body_that_is_not_utf8_gives_400() -> None:
    response = TestClient(item_app()).post(
        "/items", content=b'{"name": "\xff", "price": 1}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}
