"""Responses: serialising return values, response models and their options, status codes,
the injected Response, response classes and jsonable_encoder.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test, which a postponed annotation cannot see.
"""

import dataclasses
import datetime as dt
import enum
import uuid
from collections.abc import Iterator
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path as FilePath
from pathlib import PurePosixPath
from typing import Any

import pytest
from pydantic import BaseModel, Field

from nimbleapi import APIRouter, Depends, FastAPI, HTTPException, Response
from nimbleapi.encoders import jsonable_encoder
from nimbleapi.exceptions import FastAPIDeprecationWarning, FastAPIError, ResponseValidationError
from nimbleapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    ORJSONResponse,
    PlainTextResponse,
    RedirectResponse,
    StreamingResponse,
)
from nimbleapi.testclient import TestClient
from nimbleapi.routing import iter_route_contexts


class UserIn(BaseModel):
    username: str
    password: str
    email: str | None = None


class UserOut(BaseModel):
    username: str
    email: str | None = None


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float = 10.5
    tags: list[str] = []


@dataclasses.dataclass
class Point:
    x: int
    y: int


def get_json(app: FastAPI, path: str = "/") -> Any:
    response = TestClient(app).get(path)
    assert response.status_code == 200, response.text
    return response.json()


# --- plain return values ---------------------------------------------------------------------


def test_dict_is_returned_as_json() -> None:
    app = FastAPI()
    app.get("/")(lambda: {"a": 1, "b": [True, None]})

    response = TestClient(app).get("/")
    assert response.json() == {"a": 1, "b": [True, None]}
    assert response.headers["content-type"] == "application/json"


def test_list_is_returned_as_json() -> None:
    app = FastAPI()
    app.get("/")(lambda: [1, "two", 3.0])

    assert get_json(app) == [1, "two", 3.0]


def test_none_is_returned_as_json_null() -> None:
    app = FastAPI()
    app.get("/")(lambda: None)

    response = TestClient(app).get("/")
    assert response.content == b"null"


def test_string_is_returned_as_json_string() -> None:
    app = FastAPI()
    app.get("/")(lambda: "text")

    assert TestClient(app).get("/").content == b'"text"'


def test_model_instance_is_serialised() -> None:
    app = FastAPI()
    app.get("/")(lambda: Item(name="n"))

    assert get_json(app) == {"name": "n", "description": None, "price": 10.5, "tags": []}


def test_dataclass_instance_is_serialised() -> None:
    app = FastAPI()
    app.get("/")(lambda: Point(x=1, y=2))

    assert get_json(app) == {"x": 1, "y": 2}


def test_special_types_without_response_model_are_encoded() -> None:
    app = FastAPI()
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")

    @app.get("/")
    def special() -> Any:
        return {
            "when": dt.datetime(2024, 5, 6, 7, 8, 9),
            "day": dt.date(2024, 5, 6),
            "id": ident,
            "tags": {"only"},
            "nested": [Point(x=1, y=2)],
        }

    assert get_json(app) == {
        "when": "2024-05-06T07:08:09",
        "day": "2024-05-06",
        "id": str(ident),
        "tags": ["only"],
        "nested": [{"x": 1, "y": 2}],
    }


def test_decimal_without_response_model_is_a_number() -> None:
    app = FastAPI()
    app.get("/")(lambda: {"price": Decimal("1.5"), "whole": Decimal("2")})

    assert get_json(app) == {"price": 1.5, "whole": 2}


def test_async_endpoint_return_value_is_serialised() -> None:
    app = FastAPI()

    @app.get("/")
    async def endpoint() -> dict[str, str]:
        return {"async": "yes"}

    assert get_json(app) == {"async": "yes"}


def test_returned_tuple_is_a_json_array() -> None:
    app = FastAPI()
    app.get("/")(lambda: (1, "two"))

    assert get_json(app) == [1, "two"]


def test_untyped_timedelta_is_encoded_as_seconds() -> None:
    app = FastAPI()
    app.get("/")(lambda: {"span": dt.timedelta(minutes=1, seconds=30)})

    assert get_json(app) == {"span": 90.0}


def test_untyped_infinity_is_a_server_error() -> None:
    app = FastAPI()
    app.get("/")(lambda: {"value": float("inf")})

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500


def test_untyped_model_keeps_its_own_serialisation() -> None:
    class Priced(BaseModel):
        span: dt.timedelta
        price: Decimal

    app = FastAPI()
    app.get("/")(lambda: Priced(span=dt.timedelta(minutes=1), price=Decimal("2.5")))

    assert get_json(app) == {"span": "PT1M", "price": "2.5"}


# --- response_model ------------------------------------------------------------------------


def test_response_model_filters_out_undeclared_fields() -> None:
    app = FastAPI()

    @app.post("/users", response_model=UserOut)
    def create(user: UserIn) -> Any:
        return user

    response = TestClient(app).post("/users", json={"username": "u", "password": "secret"})
    assert response.json() == {"username": "u", "email": None}


def test_response_model_validates_dicts() -> None:
    app = FastAPI()

    @app.get("/", response_model=UserOut)
    def endpoint() -> Any:
        return {"username": "u", "password": "hidden", "email": "e@x.org"}

    assert get_json(app) == {"username": "u", "email": "e@x.org"}


def test_response_model_reads_attributes_of_arbitrary_objects() -> None:
    class Record:
        def __init__(self) -> None:
            self.username = "from-attrs"
            self.email = None
            self.password = "hidden"

    app = FastAPI()

    @app.get("/", response_model=UserOut)
    def endpoint() -> Any:
        return Record()

    assert get_json(app) == {"username": "from-attrs", "email": None}


def test_response_model_list_of_models() -> None:
    app = FastAPI()

    @app.get("/", response_model=list[UserOut])
    def endpoint() -> Any:
        return [UserIn(username="a", password="p"), {"username": "b", "password": "q"}]

    assert get_json(app) == [{"username": "a", "email": None}, {"username": "b", "email": None}]


def test_routes_with_the_same_response_model_keep_their_own_response_fields() -> None:
    router = APIRouter()
    router.get("/a", response_model=list[UserOut])(lambda: [{"username": "a", "password": "p"}])
    router.get("/b", response_model=list[UserOut])(lambda: [{"username": "b"}])
    app = FastAPI()
    app.include_router(router, prefix="/v1")
    client = TestClient(app)

    contexts = iter_route_contexts(app.routes)
    fields = [context.response_field for context in contexts if context.path.startswith("/v1")]
    assert [field.name for field in fields] == ["Response__lambda__v1_a_get", "Response__lambda__v1_b_get"]
    assert fields[0].field_info is not fields[1].field_info
    assert client.get("/v1/a").json() == [{"username": "a", "email": None}]
    assert client.get("/v1/b").json() == [{"username": "b", "email": None}]


def test_response_model_coerces_values() -> None:
    app = FastAPI()

    @app.get("/", response_model=dict[str, int])
    def endpoint() -> Any:
        return {"a": "1", "b": 2.0}

    assert get_json(app) == {"a": 1, "b": 2}


def test_response_model_dataclass() -> None:
    app = FastAPI()

    @app.get("/", response_model=Point)
    def endpoint() -> Any:
        return {"x": "3", "y": 4}

    assert get_json(app) == {"x": 3, "y": 4}


def test_return_annotation_is_used_as_response_model() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> UserOut:
        return UserIn(username="u", password="secret")  # type: ignore[return-value]

    assert get_json(app) == {"username": "u", "email": None}


def test_return_annotation_subclass_instance_is_filtered_to_annotation() -> None:
    class UserWithSecret(UserOut):
        secret: str

    app = FastAPI()

    @app.get("/")
    def endpoint() -> UserOut:
        return UserWithSecret(username="u", secret="s")

    assert get_json(app) == {"username": "u", "email": None}


def test_explicit_response_model_wins_over_return_annotation() -> None:
    app = FastAPI()

    @app.get("/", response_model=UserOut)
    def endpoint() -> UserIn:
        return UserIn(username="u", password="p")

    assert get_json(app) == {"username": "u", "email": None}


def test_response_model_none_disables_annotation_filtering() -> None:
    app = FastAPI()

    @app.get("/", response_model=None)
    def endpoint() -> UserOut:
        return UserIn(username="u", password="visible")  # type: ignore[return-value]

    assert get_json(app) == {"username": "u", "password": "visible", "email": None}


def test_response_annotation_is_not_a_response_model() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> Response:
        return PlainTextResponse("direct")

    assert TestClient(app).get("/").text == "direct"


def test_union_of_response_classes_annotation_is_rejected_at_definition() -> None:
    app = FastAPI()

    with pytest.raises(FastAPIError, match="response_model=None"):

        @app.get("/")
        def endpoint() -> RedirectResponse | JSONResponse:  # pragma: no cover - never registered
            return JSONResponse({})


def test_union_of_response_classes_with_response_model_none() -> None:
    app = FastAPI()

    @app.get("/", response_model=None)
    def endpoint(go: bool = False) -> RedirectResponse | JSONResponse:
        if go:
            return RedirectResponse("/elsewhere")
        return JSONResponse({"stay": True})

    client = TestClient(app)
    assert client.get("/").json() == {"stay": True}
    assert client.get("/?go=1", follow_redirects=False).status_code == 307


def test_invalid_response_raises_response_validation_error() -> None:
    app = FastAPI()

    @app.get("/", response_model=UserOut)
    def endpoint() -> Any:
        return {"email": "no-username"}

    with pytest.raises(ResponseValidationError) as caught:
        TestClient(app).get("/")
    errors = caught.value.errors()
    assert len(errors) == 1
    assert errors[0]["type"] == "missing"
    assert tuple(errors[0]["loc"]) == ("response", "username")


def test_invalid_response_is_a_500_for_the_client() -> None:
    app = FastAPI()

    @app.get("/", response_model=int)
    def endpoint() -> Any:
        return "not a number"

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_response_validation_error_can_be_handled() -> None:
    app = FastAPI()

    @app.exception_handler(ResponseValidationError)
    async def handler(request: Any, exc: ResponseValidationError) -> JSONResponse:
        return JSONResponse({"problems": len(exc.errors())}, status_code=502)

    @app.get("/", response_model=UserOut)
    def endpoint() -> Any:
        return {}

    response = TestClient(app).get("/")
    assert response.status_code == 502
    assert response.json() == {"problems": 1}


def test_return_annotation_list_of_models_validates_dicts() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> list[Item]:
        return [{"name": "from dict"}]  # type: ignore[list-item]

    assert get_json(app) == [{"name": "from dict", "description": None, "price": 10.5, "tags": []}]


def test_return_annotation_none_returns_null() -> None:
    app = FastAPI()

    @app.post("/")
    def endpoint() -> None:
        return None

    assert TestClient(app).post("/").content == b"null"


def test_typed_timedelta_is_an_iso_duration() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> dt.timedelta:
        return dt.timedelta(minutes=1, seconds=30)

    assert get_json(app) == "PT1M30S"


def test_typed_decimal_is_a_string() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> Decimal:
        return Decimal("1.50")

    assert get_json(app) == "1.50"


def test_typed_nan_float_is_null() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> float:
        return float("nan")

    assert TestClient(app).get("/").content == b"null"


def test_typed_str_return_does_not_coerce_an_int() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> str:
        return 5  # type: ignore[return-value]

    with pytest.raises(ResponseValidationError):
        TestClient(app).get("/")


# --- response_model_* options ---------------------------------------------------------------


def test_response_model_exclude_unset() -> None:
    app = FastAPI()

    @app.get("/", response_model=Item, response_model_exclude_unset=True)
    def endpoint() -> Any:
        return Item(name="n", price=10.5)

    assert get_json(app) == {"name": "n", "price": 10.5}


def test_response_model_exclude_unset_for_dict_return() -> None:
    app = FastAPI()

    @app.get("/", response_model=Item, response_model_exclude_unset=True)
    def endpoint() -> Any:
        return {"name": "n", "tags": ["t"]}

    assert get_json(app) == {"name": "n", "tags": ["t"]}


def test_response_model_exclude_defaults() -> None:
    app = FastAPI()

    @app.get("/", response_model=Item, response_model_exclude_defaults=True)
    def endpoint() -> Any:
        return Item(name="n", price=10.5, description="d")

    assert get_json(app) == {"name": "n", "description": "d"}


def test_response_model_exclude_none() -> None:
    app = FastAPI()

    @app.get("/", response_model=Item, response_model_exclude_none=True)
    def endpoint() -> Any:
        return Item(name="n", description=None)

    assert get_json(app) == {"name": "n", "price": 10.5, "tags": []}


def test_response_model_include_set() -> None:
    app = FastAPI()

    @app.get("/", response_model=Item, response_model_include={"name", "price"})
    def endpoint() -> Any:
        return Item(name="n", description="d")

    assert get_json(app) == {"name": "n", "price": 10.5}


def test_response_model_exclude_set() -> None:
    app = FastAPI()

    @app.get("/", response_model=Item, response_model_exclude={"tags", "description"})
    def endpoint() -> Any:
        return Item(name="n", description="d")

    assert get_json(app) == {"name": "n", "price": 10.5}


def test_response_model_include_accepts_a_list() -> None:
    app = FastAPI()

    @app.get("/", response_model=Item, response_model_include=["name"])  # type: ignore[arg-type]
    def endpoint() -> Any:
        return Item(name="n")

    assert get_json(app) == {"name": "n"}


def test_response_model_exclude_nested_dict() -> None:
    class Wrapper(BaseModel):
        item: Item
        note: str

    app = FastAPI()

    @app.get("/", response_model=Wrapper, response_model_exclude={"item": {"tags", "price"}})
    def endpoint() -> Any:
        return Wrapper(item=Item(name="n"), note="x")

    assert get_json(app) == {"item": {"name": "n", "description": None}, "note": "x"}


class Aliased(BaseModel):
    full_name: str = Field(alias="fullName")


def test_response_model_uses_aliases_by_default() -> None:
    app = FastAPI()

    @app.get("/", response_model=Aliased)
    def endpoint() -> Any:
        return {"fullName": "A B"}

    assert get_json(app) == {"fullName": "A B"}


def test_response_model_by_alias_false_uses_field_names() -> None:
    app = FastAPI()

    @app.get("/", response_model=Aliased, response_model_by_alias=False)
    def endpoint() -> Any:
        return Aliased(fullName="A B")

    assert get_json(app) == {"full_name": "A B"}


def test_response_model_options_also_apply_to_annotation() -> None:
    app = FastAPI()

    @app.get("/", response_model_exclude_none=True)
    def endpoint() -> Item:
        return Item(name="n")

    assert get_json(app) == {"name": "n", "price": 10.5, "tags": []}


def test_response_model_exclude_unset_nested_models() -> None:
    class Outer(BaseModel):
        items: list[Item]
        note: str = "default"

    app = FastAPI()

    @app.get("/", response_model=Outer, response_model_exclude_unset=True)
    def endpoint() -> Any:
        return Outer(items=[Item(name="a"), Item(name="b", price=2)])

    assert get_json(app) == {"items": [{"name": "a"}, {"name": "b", "price": 2.0}]}


def test_serialization_alias_is_used_in_response() -> None:
    class Out(BaseModel):
        internal: str = Field(serialization_alias="public")

    app = FastAPI()

    @app.get("/")
    def endpoint() -> Out:
        return Out(internal="v")

    assert get_json(app) == {"public": "v"}


# --- status codes ------------------------------------------------------------------------------


def test_status_code_argument_sets_status() -> None:
    app = FastAPI()
    app.post("/", status_code=201)(lambda: {"created": True})

    response = TestClient(app).post("/")
    assert response.status_code == 201
    assert response.json() == {"created": True}


def test_status_code_204_sends_no_body() -> None:
    app = FastAPI()

    @app.delete("/", status_code=204)
    def remove() -> None:
        return None

    response = TestClient(app).delete("/")
    assert response.status_code == 204
    assert response.content == b""
    assert "content-length" not in response.headers


def test_status_code_304_sends_no_body() -> None:
    app = FastAPI()
    app.get("/", status_code=304)(lambda: None)

    response = TestClient(app).get("/")
    assert response.status_code == 304
    assert response.content == b""


def test_status_code_accepts_http_status_enum() -> None:
    app = FastAPI()
    app.post("/", status_code=HTTPStatus.ACCEPTED)(lambda: "ok")

    assert TestClient(app).post("/").status_code == 202


def test_router_route_status_code() -> None:
    router = APIRouter()
    router.put("/", status_code=202)(lambda: "accepted")
    app = FastAPI()
    app.include_router(router)

    assert TestClient(app).put("/").status_code == 202


# --- the injected Response -----------------------------------------------------------------


def test_injected_response_sets_headers() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint(response: Response) -> dict[str, str]:
        response.headers["X-Custom"] = "value"
        return {"body": "kept"}

    result = TestClient(app).get("/")
    assert result.headers["x-custom"] == "value"
    assert result.json() == {"body": "kept"}


def test_injected_response_sets_cookies() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint(response: Response) -> str:
        response.set_cookie(key="flavour", value="oat", httponly=True)
        return "cookie set"

    result = TestClient(app).get("/")
    assert result.cookies["flavour"] == "oat"
    assert "HttpOnly" in result.headers["set-cookie"]


def test_injected_response_changes_status_code() -> None:
    app = FastAPI()

    @app.put("/", status_code=200)
    def endpoint(response: Response, created: bool = False) -> str:
        if created:
            response.status_code = 201
        return "done"

    client = TestClient(app)
    assert client.put("/").status_code == 200
    assert client.put("/?created=true").status_code == 201


def test_injected_response_in_dependency_sets_header() -> None:
    def add_header(response: Response) -> None:
        response.headers["X-From-Dependency"] = "yes"

    app = FastAPI()
    app.get("/", dependencies=[Depends(add_header)])(lambda: "ok")

    assert TestClient(app).get("/").headers["x-from-dependency"] == "yes"


def test_injected_response_headers_do_not_apply_to_returned_response() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint(response: Response) -> Response:
        response.headers["X-Lost"] = "yes"
        return PlainTextResponse("own")

    result = TestClient(app).get("/")
    assert result.text == "own"
    assert "x-lost" not in result.headers


def test_injected_response_headers_are_dropped_when_http_exception_raised() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint(response: Response) -> None:
        response.headers["X-Partial"] = "1"
        raise HTTPException(status_code=400, detail="bad")

    result = TestClient(app).get("/")
    assert result.status_code == 400
    assert "x-partial" not in result.headers


def test_injected_response_status_code_wins_over_route_status_code() -> None:
    app = FastAPI()

    @app.post("/", status_code=201)
    def endpoint(response: Response) -> str:
        response.status_code = 202
        return "accepted"

    assert TestClient(app).post("/").status_code == 202


def test_injected_response_delete_cookie() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint(response: Response) -> str:
        response.delete_cookie("session")
        return "logged out"

    set_cookie = TestClient(app).get("/").headers["set-cookie"]
    assert set_cookie.startswith("session=")
    assert "Max-Age=0" in set_cookie


# --- returning a Response directly -----------------------------------------------------------


def test_returned_response_is_sent_as_is() -> None:
    app = FastAPI()

    @app.get("/", response_model=UserOut, status_code=201)
    def endpoint() -> Any:
        return JSONResponse({"unfiltered": True}, status_code=418, headers={"X-Raw": "1"})

    result = TestClient(app).get("/")
    assert result.status_code == 418
    assert result.json() == {"unfiltered": True}
    assert result.headers["x-raw"] == "1"


def test_returned_plain_response_with_media_type() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> Response:
        return Response(content="<a/>", media_type="application/xml")

    result = TestClient(app).get("/")
    assert result.text == "<a/>"
    assert result.headers["content-type"] == "application/xml"


def test_response_class_html() -> None:
    app = FastAPI()
    app.get("/", response_class=HTMLResponse)(lambda: "<h1>hi</h1>")

    result = TestClient(app).get("/")
    assert result.text == "<h1>hi</h1>"
    assert result.headers["content-type"] == "text/html; charset=utf-8"


def test_response_class_plain_text() -> None:
    app = FastAPI()
    app.get("/", response_class=PlainTextResponse)(lambda: "plain")

    result = TestClient(app).get("/")
    assert result.text == "plain"
    assert result.headers["content-type"] == "text/plain; charset=utf-8"


def test_response_class_redirect_with_returned_url() -> None:
    app = FastAPI()
    app.get("/", response_class=RedirectResponse)(lambda: "/target")

    result = TestClient(app).get("/", follow_redirects=False)
    assert result.status_code == 307
    assert result.headers["location"] == "/target"


def test_response_class_redirect_with_status_code() -> None:
    app = FastAPI()
    app.get("/", response_class=RedirectResponse, status_code=302)(lambda: "/target")

    assert TestClient(app).get("/", follow_redirects=False).status_code == 302


def test_returned_redirect_response_is_followed() -> None:
    app = FastAPI()
    app.get("/from")(lambda: RedirectResponse("/to"))
    app.get("/to")(lambda: "arrived")

    assert TestClient(app).get("/from").json() == "arrived"


def test_streaming_response_streams_all_chunks() -> None:
    app = FastAPI()

    def chunks() -> Iterator[bytes]:
        yield b"one,"
        yield b"two"

    app.get("/")(lambda: StreamingResponse(chunks(), media_type="text/csv"))

    result = TestClient(app).get("/")
    assert result.content == b"one,two"
    assert result.headers["content-type"].startswith("text/csv")


def test_async_streaming_response() -> None:
    app = FastAPI()

    async def chunks() -> Any:
        for part in ["a", "b", "c"]:
            yield part

    @app.get("/")
    async def endpoint() -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="text/plain")

    assert TestClient(app).get("/").text == "abc"


def test_file_response(tmp_path: FilePath) -> None:
    target = tmp_path / "report.txt"
    target.write_text("file body")
    app = FastAPI()
    app.get("/")(lambda: FileResponse(target, filename="report.txt"))

    result = TestClient(app).get("/")
    assert result.text == "file body"
    assert result.headers["content-disposition"] == 'attachment; filename="report.txt"'
    assert result.headers["content-type"].startswith("text/plain")


def test_response_class_file_with_returned_path(tmp_path: FilePath) -> None:
    target = tmp_path / "data.json"
    target.write_text('{"k": 1}')
    app = FastAPI()
    app.get("/", response_class=FileResponse)(lambda: str(target))

    result = TestClient(app).get("/")
    assert result.json() == {"k": 1}


def test_default_response_class_on_app() -> None:
    app = FastAPI(default_response_class=PlainTextResponse)
    app.get("/")(lambda: "as text")

    result = TestClient(app).get("/")
    assert result.text == "as text"
    assert result.headers["content-type"].startswith("text/plain")


def test_route_response_class_overrides_default_response_class() -> None:
    app = FastAPI(default_response_class=PlainTextResponse)
    app.get("/", response_class=HTMLResponse)(lambda: "<p/>")

    assert TestClient(app).get("/").headers["content-type"].startswith("text/html")


def test_include_router_default_response_class() -> None:
    router = APIRouter()
    router.get("/")(lambda: "from router")
    app = FastAPI()
    app.include_router(router, default_response_class=HTMLResponse)

    assert TestClient(app).get("/").headers["content-type"].startswith("text/html")


def test_json_response_class_explicit_with_response_model() -> None:
    app = FastAPI()

    @app.get("/", response_class=JSONResponse, response_model=UserOut)
    def endpoint() -> Any:
        return {"username": "u", "password": "p"}

    assert get_json(app) == {"username": "u", "email": None}


def test_response_headers_include_content_length() -> None:
    app = FastAPI()
    app.get("/")(lambda: {"k": "v"})

    result = TestClient(app).get("/")
    assert result.headers["content-length"] == str(len(result.content))


def test_orjson_response_is_deprecated_but_works() -> None:
    app = FastAPI()
    app.get("/", response_class=ORJSONResponse)(lambda: {"fast": True})

    with pytest.warns(FastAPIDeprecationWarning, match="ORJSONResponse is deprecated"):
        result = TestClient(app).get("/")
    assert result.json() == {"fast": True}


def test_plain_response_class_sends_returned_bytes() -> None:
    app = FastAPI()
    app.get("/", response_class=Response)(lambda: b"\x00raw")

    result = TestClient(app).get("/")
    assert result.content == b"\x00raw"
    assert "content-type" not in result.headers


def test_custom_json_response_class_renders_validated_data() -> None:
    class Enveloped(JSONResponse):
        media_type = "application/vnd.example+json"

        def render(self, content: Any) -> bytes:
            return super().render({"data": content})

    app = FastAPI()

    @app.get("/", response_class=Enveloped)
    def endpoint() -> UserOut:
        return UserIn(username="u", password="p")  # type: ignore[return-value]

    result = TestClient(app).get("/")
    assert result.headers["content-type"] == "application/vnd.example+json"
    assert result.json() == {"data": {"username": "u", "email": None}}


def test_custom_response_class_with_untyped_return() -> None:
    class Enveloped(JSONResponse):
        def render(self, content: Any) -> bytes:
            return super().render({"data": content})

    app = FastAPI()
    app.get("/", response_class=Enveloped)(lambda: {"when": dt.date(2020, 1, 2)})

    assert get_json(app) == {"data": {"when": "2020-01-02"}}


def test_returned_json_response_keeps_its_own_status_over_route_status() -> None:
    app = FastAPI()
    app.post("/", status_code=201)(lambda: JSONResponse({"own": True}))

    assert TestClient(app).post("/").status_code == 200


def test_head_operation_sends_headers_without_body() -> None:
    app = FastAPI()

    @app.head("/")
    def endpoint(response: Response) -> None:
        response.headers["x-exists"] = "yes"

    result = TestClient(app).head("/")
    assert result.status_code == 200
    assert result.headers["x-exists"] == "yes"
    assert result.content == b""


# --- jsonable_encoder ------------------------------------------------------------------------


class Shade(enum.Enum):
    dark = "dark"


def test_jsonable_encoder_converts_common_types() -> None:
    ident = uuid.uuid4()
    encoded = jsonable_encoder(
        {
            "dt": dt.datetime(2020, 1, 2, 3, 4, 5),
            "date": dt.date(2020, 1, 2),
            "time": dt.time(1, 2, 3),
            "delta": dt.timedelta(minutes=1, seconds=30),
            "uuid": ident,
            "enum": Shade.dark,
            "set": {1},
            "tuple": (1, 2),
            "bytes": b"raw",
            "path": PurePosixPath("/a/b"),
            "decimal": Decimal("1.5"),
            "int_decimal": Decimal("3"),
        }
    )
    assert encoded == {
        "dt": "2020-01-02T03:04:05",
        "date": "2020-01-02",
        "time": "01:02:03",
        "delta": 90.0,
        "uuid": str(ident),
        "enum": "dark",
        "set": [1],
        "tuple": [1, 2],
        "bytes": "raw",
        "path": "/a/b",
        "decimal": 1.5,
        "int_decimal": 3,
    }


def test_jsonable_encoder_model_and_dataclass() -> None:
    assert jsonable_encoder(Item(name="n")) == {"name": "n", "description": None, "price": 10.5, "tags": []}
    assert jsonable_encoder(Point(x=1, y=2)) == {"x": 1, "y": 2}


def test_jsonable_encoder_model_options() -> None:
    item = Item(name="n", description=None)
    assert jsonable_encoder(item, exclude_none=True) == {"name": "n", "price": 10.5, "tags": []}
    assert jsonable_encoder(item, exclude_unset=True) == {"name": "n", "description": None}
    assert jsonable_encoder(item, include={"name"}) == {"name": "n"}
    assert jsonable_encoder(item, exclude={"tags", "price", "description"}) == {"name": "n"}
    assert jsonable_encoder(Item(name="n", price=10.5), exclude_defaults=True) == {"name": "n"}


def test_jsonable_encoder_uses_aliases_unless_told_not_to() -> None:
    value = Aliased(fullName="x")
    assert jsonable_encoder(value) == {"fullName": "x"}
    assert jsonable_encoder(value, by_alias=False) == {"full_name": "x"}


def test_jsonable_encoder_custom_encoder() -> None:
    encoded = jsonable_encoder({"when": dt.date(2020, 1, 2)}, custom_encoder={dt.date: lambda d: d.year})
    assert encoded == {"when": 2020}


def test_jsonable_encoder_dict_exclude_none() -> None:
    assert jsonable_encoder({"a": None, "b": 1}, exclude_none=True) == {"b": 1}


def test_jsonable_encoder_object_with_dict() -> None:
    class Plain:
        def __init__(self) -> None:
            self.a = 1
            self.b = "two"

    assert jsonable_encoder(Plain()) == {"a": 1, "b": "two"}


def test_jsonable_encoder_rejects_unencodable_object() -> None:
    with pytest.raises(ValueError):
        jsonable_encoder(object())
