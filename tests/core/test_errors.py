"""Errors: HTTPException, the 422 validation body, exception handlers, middleware and the
errors raised while an application is being declared.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test, which a postponed annotation cannot see.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from nimbleapi import Body, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from nimbleapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from nimbleapi.exceptions import RequestValidationError, ResponseValidationError
from nimbleapi.middleware.cors import CORSMiddleware
from nimbleapi.responses import JSONResponse, PlainTextResponse
from nimbleapi.testclient import TestClient

# --- HTTPException -------------------------------------------------------------------------


def raising_app(exc: Exception) -> FastAPI:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> None:
        raise exc

    return app


def test_http_exception_string_detail() -> None:
    response = TestClient(raising_app(HTTPException(status_code=404, detail="Item not found"))).get("/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


def test_http_exception_structured_detail() -> None:
    detail = {"code": "E1", "fields": ["a", "b"]}
    response = TestClient(raising_app(HTTPException(status_code=409, detail=detail))).get("/")
    assert response.status_code == 409
    assert response.json() == {"detail": detail}


def test_http_exception_without_detail_uses_status_phrase() -> None:
    response = TestClient(raising_app(HTTPException(status_code=403))).get("/")
    assert response.json() == {"detail": "Forbidden"}


def test_http_exception_headers_are_sent() -> None:
    exc = HTTPException(status_code=401, detail="nope", headers={"WWW-Authenticate": "Bearer"})
    response = TestClient(raising_app(exc)).get("/")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_http_exception_with_bodyless_status_sends_no_body() -> None:
    response = TestClient(raising_app(HTTPException(status_code=304))).get("/")
    assert response.status_code == 304
    assert response.content == b""


def test_starlette_http_exception_is_handled_like_nimbleapi_one() -> None:
    response = TestClient(raising_app(StarletteHTTPException(status_code=418, detail="teapot"))).get("/")
    assert response.status_code == 418
    assert response.json() == {"detail": "teapot"}


def test_http_exception_from_dependency() -> None:
    def guard() -> None:
        raise HTTPException(status_code=400, detail="guarded")

    app = FastAPI()
    app.get("/", dependencies=[Depends(guard)])(lambda: "unreachable")

    response = TestClient(app).get("/")
    assert response.status_code == 400
    assert response.json() == {"detail": "guarded"}


def test_http_exception_from_async_endpoint() -> None:
    app = FastAPI()

    @app.get("/")
    async def endpoint() -> None:
        raise HTTPException(status_code=429, detail="slow down")

    assert TestClient(app).get("/").status_code == 429


def test_http_exception_is_a_starlette_http_exception() -> None:
    exc = HTTPException(status_code=400, detail="d")
    assert isinstance(exc, StarletteHTTPException)
    assert exc.status_code == 400
    assert exc.detail == "d"


def test_unhandled_exception_returns_plain_500() -> None:
    app = raising_app(RuntimeError("boom"))
    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_unhandled_exception_propagates_to_test_client() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        TestClient(raising_app(RuntimeError("boom"))).get("/")


# --- RequestValidationError body -------------------------------------------------------------


def test_validation_error_body_has_only_detail_list() -> None:
    app = FastAPI()

    @app.get("/typed")
    def typed(n: int) -> int:
        return n

    response = TestClient(app).get("/typed?n=x")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["query", "n"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "x",
            }
        ]
    }


def test_validation_error_has_ctx_for_constraint() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint(n: Annotated[int, Query(ge=10)]) -> int:
        return n

    error = TestClient(app).get("/?n=3").json()["detail"][0]
    assert error == {
        "type": "greater_than_equal",
        "loc": ["query", "n"],
        "msg": "Input should be greater than or equal to 10",
        "input": "3",
        "ctx": {"ge": 10},
    }


def test_validation_error_from_model_validator_has_encoded_ctx() -> None:
    class Signup(BaseModel):
        age: int

        @field_validator("age")
        @classmethod
        def adult(cls, value: int) -> int:
            if value < 18:
                raise ValueError("too young")
            return value

    app = FastAPI()

    @app.post("/")
    def endpoint(signup: Signup) -> int:
        return signup.age

    error = TestClient(app).post("/", json={"age": 3}).json()["detail"][0]
    assert error == {
        "type": "value_error",
        "loc": ["body", "age"],
        "msg": "Value error, too young",
        "input": 3,
        "ctx": {"error": {}},
    }


def test_validation_errors_from_all_locations_are_combined() -> None:
    class Payload(BaseModel):
        size: int

    app = FastAPI()

    @app.post("/{item_id}")
    def endpoint(item_id: int, payload: Payload, q: int) -> None:
        pass

    response = TestClient(app).post("/x?q=y", json={"size": "z"})
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["path", "item_id"], "int_parsing"),
        (["query", "q"], "int_parsing"),
        (["body", "size"], "int_parsing"),
    ]


def test_validation_error_from_dependency_param() -> None:
    def needs_token(token: str) -> str:
        return token

    app = FastAPI()
    app.get("/")(lambda token=Depends(needs_token): token)

    error = TestClient(app).get("/").json()["detail"][0]
    assert error["loc"] == ["query", "token"]
    assert error["type"] == "missing"


def test_validation_error_exposes_errors_and_body_to_handlers() -> None:
    app = FastAPI()

    @app.exception_handler(RequestValidationError)
    async def custom(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {"count": len(exc.errors()), "first_loc": list(exc.errors()[0]["loc"]), "body": exc.body},
            status_code=400,
        )

    @app.post("/")
    def endpoint(value: Annotated[int, Body(embed=True)]) -> int:
        return value

    response = TestClient(app).post("/", json={"value": "x"})
    assert response.status_code == 400
    assert response.json() == {"count": 1, "first_loc": ["body", "value"], "body": {"value": "x"}}


def test_default_validation_handler_can_be_reused() -> None:
    app = FastAPI()
    seen: list[str] = []

    @app.exception_handler(RequestValidationError)
    async def logging_handler(request: Request, exc: RequestValidationError) -> Response:
        seen.append(request.url.path)
        return await request_validation_exception_handler(request, exc)

    @app.get("/v")
    def endpoint(n: int) -> int:
        return n

    response = TestClient(app).get("/v")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "n"]
    assert seen == ["/v"]


# --- custom exception handlers ---------------------------------------------------------------


class TeapotError(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def test_handler_for_custom_exception() -> None:
    app = FastAPI()

    @app.exception_handler(TeapotError)
    async def teapot(request: Request, exc: TeapotError) -> JSONResponse:
        return JSONResponse({"message": f"{exc.name} is a teapot"}, status_code=418)

    @app.get("/")
    def endpoint() -> None:
        raise TeapotError("kettle")

    response = TestClient(app).get("/")
    assert response.status_code == 418
    assert response.json() == {"message": "kettle is a teapot"}


def test_handler_for_exception_subclass_catches_subclasses() -> None:
    class SpecificError(TeapotError):
        pass

    app = FastAPI()
    app.add_exception_handler(TeapotError, lambda request, exc: PlainTextResponse("base", status_code=400))

    @app.get("/")
    def endpoint() -> None:
        raise SpecificError("s")

    assert TestClient(app).get("/").text == "base"


def test_exception_handlers_argument_of_app() -> None:
    async def teapot(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("from constructor", status_code=418)

    app = FastAPI(exception_handlers={TeapotError: teapot})

    @app.get("/")
    def endpoint() -> None:
        raise TeapotError("x")

    assert TestClient(app).get("/").text == "from constructor"


def test_overriding_http_exception_handler() -> None:
    app = FastAPI()

    @app.exception_handler(StarletteHTTPException)
    async def as_text(request: Request, exc: StarletteHTTPException) -> PlainTextResponse:
        return PlainTextResponse(f"text: {exc.detail}", status_code=exc.status_code)

    @app.get("/")
    def endpoint() -> None:
        raise HTTPException(status_code=404, detail="gone")

    client = TestClient(app)
    response = client.get("/")
    assert response.status_code == 404
    assert response.text == "text: gone"
    assert client.get("/unknown-route").text == "text: Not Found"


def test_default_http_exception_handler_can_be_reused() -> None:
    app = FastAPI()
    seen: list[int] = []

    @app.exception_handler(StarletteHTTPException)
    async def counting(request: Request, exc: StarletteHTTPException) -> Response:
        seen.append(exc.status_code)
        return await http_exception_handler(request, exc)

    response = TestClient(app).get("/missing")
    assert response.json() == {"detail": "Not Found"}
    assert seen == [404]


def test_handler_registered_by_status_code() -> None:
    app = FastAPI()

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("custom 404", status_code=404)

    response = TestClient(app).get("/nothing")
    assert response.status_code == 404
    assert response.text == "custom 404"


def test_handler_for_exception_runs_for_unhandled_errors() -> None:
    app = FastAPI()

    @app.exception_handler(Exception)
    async def everything(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse(f"caught {type(exc).__name__}", status_code=500)

    @app.get("/")
    def endpoint() -> None:
        raise KeyError("k")

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.text == "caught KeyError"


def test_sync_exception_handler_is_supported() -> None:
    app = FastAPI()

    def sync_handler(request: Request, exc: TeapotError) -> PlainTextResponse:
        return PlainTextResponse("sync handler", status_code=418)

    app.add_exception_handler(TeapotError, sync_handler)  # type: ignore[arg-type]

    @app.get("/")
    def endpoint() -> None:
        raise TeapotError("x")

    assert TestClient(app).get("/").text == "sync handler"


# --- middleware -----------------------------------------------------------------------------


def test_http_middleware_decorator_wraps_requests() -> None:
    app = FastAPI()

    @app.middleware("http")
    async def add_header(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["X-Process"] = "done"
        return response

    app.get("/")(lambda: "ok")

    response = TestClient(app).get("/")
    assert response.json() == "ok"
    assert response.headers["x-process"] == "done"


def test_http_middleware_can_short_circuit() -> None:
    app = FastAPI()

    @app.middleware("http")
    async def block(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.headers.get("x-block"):
            return PlainTextResponse("blocked", status_code=403)
        return await call_next(request)

    app.get("/")(lambda: "ok")

    client = TestClient(app)
    assert client.get("/", headers={"x-block": "1"}).text == "blocked"
    assert client.get("/").json() == "ok"


def test_http_middleware_sees_handled_http_exceptions() -> None:
    app = FastAPI()
    statuses: list[int] = []

    @app.middleware("http")
    async def record(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        statuses.append(response.status_code)
        return response

    TestClient(app).get("/missing")
    assert statuses == [404]


def test_middleware_declared_later_runs_outermost() -> None:
    app = FastAPI()
    order: list[str] = []

    @app.middleware("http")
    async def first(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        order.append("first")
        return await call_next(request)

    @app.middleware("http")
    async def second(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        order.append("second")
        return await call_next(request)

    app.get("/")(lambda: order.append("endpoint"))
    TestClient(app).get("/")

    assert order == ["second", "first", "endpoint"]


class StampMiddleware:
    """A pure ASGI middleware that adds a header naming itself."""

    def __init__(self, app: ASGIApp, stamp: str) -> None:
        self.app = app
        self.stamp = stamp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-stamp", self.stamp.encode())]
            await send(message)

        await self.app(scope, receive, stamped)


def test_add_middleware_with_pure_asgi_class_and_options() -> None:
    app = FastAPI()
    app.add_middleware(StampMiddleware, stamp="asgi")
    app.get("/")(lambda: "ok")

    assert TestClient(app).get("/").headers["x-stamp"] == "asgi"


def test_add_middleware_with_base_http_middleware() -> None:
    class Tag(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: Any) -> Response:
            response = await call_next(request)
            response.headers["X-Tag"] = "base"
            return response

    app = FastAPI()
    app.add_middleware(Tag)
    app.get("/")(lambda: "ok")

    assert TestClient(app).get("/").headers["x-tag"] == "base"


def test_middleware_argument_of_app() -> None:
    app = FastAPI(middleware=[Middleware(StampMiddleware, stamp="ctor")])
    app.get("/")(lambda: "ok")

    assert TestClient(app).get("/").headers["x-stamp"] == "ctor"


def test_middleware_cannot_be_added_after_startup() -> None:
    app = FastAPI()
    app.get("/")(lambda: "ok")
    with TestClient(app) as client:
        client.get("/")
        with pytest.raises(RuntimeError, match="Cannot add middleware after an application has started"):
            app.add_middleware(StampMiddleware, stamp="late")


def test_user_middleware_sees_unhandled_exception_as_500_from_outside() -> None:
    app = FastAPI()
    app.add_middleware(StampMiddleware, stamp="s")

    @app.get("/")
    def endpoint() -> None:
        raise RuntimeError("x")

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500


def test_cors_middleware_answers_preflight() -> None:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["https://example.org"], allow_methods=["GET"])
    app.get("/")(lambda: "ok")

    response = TestClient(app).options(
        "/", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://example.org"


# --- definition-time errors ------------------------------------------------------------------


def test_path_param_with_default_in_annotated_style_is_rejected() -> None:
    app = FastAPI()
    with pytest.raises(AssertionError, match="Path parameters cannot have default values"):

        @app.get("/items/{item_id}")
        def item(item_id: Annotated[int, Path()] = 1) -> int:  # pragma: no cover
            return item_id


def test_path_function_with_default_is_rejected() -> None:
    with pytest.raises(AssertionError, match="Path parameters cannot have a default value"):
        Path(default=1)


def test_query_marker_on_path_param_is_rejected() -> None:
    app = FastAPI()
    with pytest.raises(AssertionError, match="Cannot use `Query` for path param 'item_id'"):

        @app.get("/items/{item_id}")
        def item(item_id: Annotated[int, Query()]) -> int:  # pragma: no cover
            return item_id


def test_depends_in_annotated_and_default_together_is_rejected() -> None:
    def dep() -> int:  # pragma: no cover
        return 1

    app = FastAPI()
    with pytest.raises(
        AssertionError, match="Cannot specify `Depends` in `Annotated` and default value together for 'value'"
    ):

        @app.get("/")
        def endpoint(value: Annotated[int, Depends(dep)] = Depends(dep)) -> int:  # pragma: no cover
            return value


def test_default_inside_annotated_marker_is_rejected() -> None:
    app = FastAPI()
    with pytest.raises(AssertionError, match="`Query` default value cannot be set in `Annotated` for 'q'"):

        @app.get("/")
        def endpoint(q: Annotated[str, Query(default="x")]) -> str:  # pragma: no cover
            return q


def test_annotated_marker_and_marker_default_together_is_rejected() -> None:
    app = FastAPI()
    with pytest.raises(
        AssertionError, match="Cannot specify FastAPI annotations in `Annotated` and default value together for 'q'"
    ):

        @app.get("/")
        def endpoint(q: Annotated[str, Query()] = Query()) -> str:  # pragma: no cover
            return q


def test_response_model_with_bodyless_status_code_is_rejected() -> None:
    class Out(BaseModel):
        a: int

    app = FastAPI()
    with pytest.raises(AssertionError, match="Status code 204 must not have a response body"):
        app.get("/", status_code=204, response_model=Out)(lambda: None)


def test_pydantic_v1_models_are_rejected_at_declaration() -> None:
    from pydantic import v1

    from nimbleapi.exceptions import PydanticV1NotSupportedError

    class Item(v1.BaseModel):
        name: str

    def create(item: Item) -> None:  # pragma: no cover
        return None

    app = FastAPI()
    with pytest.raises(PydanticV1NotSupportedError, match="Please update the param item"):
        app.post("/items")(create)
    with pytest.raises(PydanticV1NotSupportedError, match="Please update the response model"):
        app.get("/items", response_model=list[Item])(lambda: [])


def test_non_callable_endpoint_is_rejected() -> None:
    app = FastAPI()
    with pytest.raises(AssertionError, match="An endpoint must be a callable"):
        app.add_api_route("/", "not callable")  # type: ignore[arg-type]


def test_unsupported_path_param_type_is_rejected() -> None:
    app = FastAPI()
    with pytest.raises(AssertionError, match="Path params must be of one of the supported types"):

        @app.get("/items/{item_id}")
        def item(item_id: list[int]) -> None:  # pragma: no cover
            pass


# --- error reports for developers -----------------------------------------------------------


def test_response_validation_error_names_the_endpoint() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}", response_model=int)
    def broken_item(item_id: str) -> Any:
        return "not an int"

    with pytest.raises(ResponseValidationError) as caught:
        TestClient(app).get("/items/a")
    report = str(caught.value)
    assert report.startswith("1 validation error:\n  {'type': 'int_parsing', 'loc': ('response',)")
    location = f'File "{__file__}", line {broken_item.__code__.co_firstlineno}, in broken_item'
    assert report.endswith(f"\n\n  {location}\n    GET /items/{{item_id}}")
    assert caught.value.body == "not an int"


def test_request_validation_error_str_lists_errors() -> None:
    exc = RequestValidationError(
        [{"type": "missing", "loc": ("query", "q"), "msg": "Field required", "input": None}], body={"a": 1}
    )
    assert str(exc) == (
        "1 validation error:\n  {'type': 'missing', 'loc': ('query', 'q'), 'msg': 'Field required', 'input': None}"
    )
    assert exc.body == {"a": 1}


def test_http_middleware_raising_http_exception_is_not_turned_into_json() -> None:
    app = FastAPI()

    @app.middleware("http")
    async def reject(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        raise HTTPException(status_code=401, detail="from middleware")

    app.get("/")(lambda: "ok")

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500


def test_non_finite_numbers_in_a_422_are_written_as_null() -> None:
    app = FastAPI()

    class Tagged(BaseModel):
        tags: list[int]

    @app.post("/tagged")
    def tagged(item: Tagged) -> Tagged:
        return item

    response = TestClient(app).post(
        "/tagged", content=b'{"tags": [1e999, NaN]}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert [error["input"] for error in response.json()["detail"]] == [None, None]
