"""Functions an extension replaces are called, not skipped by the compiled paths.

Each test replaces one patch point the way instrumentation does (assigning a wrapper to
a module attribute or a class method; ``monkeypatch`` restores it), then serves requests
and checks that the wrapper ran and that the answer is still FastAPI's.
"""

import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Route

import nimbleapi.routing
from nimbleapi import Depends, FastAPI, HTTPException, Request, Response, WebSocket
from nimbleapi._compile.body_limit import ApplicationBodyLimit
from nimbleapi._patch_points import PatchPoint
from nimbleapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from nimbleapi.routing import APIRoute
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float


def items_app(lifespan: Any = None) -> FastAPI:
    app = FastAPI(lifespan=lifespan)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int):  # type: ignore[no-untyped-def]  # no response model
        if item_id == 0:
            raise HTTPException(status_code=404, detail="no item 0")
        return {"item_id": item_id}

    @app.post("/items")
    def create_item(item: Item) -> Item:
        return item

    return app


def calls_recorded(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    """Replace ``owner.name`` with a wrapper that records its first argument, then calls the original."""
    original = getattr(owner, name)
    calls: list[Any] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0] if args else kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


# -- the application's entry and its error layers ------------------------------------------------


def test_replaced_starlette_call_is_what_requests_enter(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = calls_recorded(monkeypatch, Starlette, "__call__")
    app = items_app()
    client = TestClient(app)
    assert client.get("/items/3").json() == {"item_id": 3}
    assert client.get("/items/0").status_code == 404
    assert calls == [app, app]


def test_starlette_call_replaced_at_startup_is_entered_by_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        original = Starlette.__call__

        async def traced(self: Any, scope: Any, receive: Any, send: Any) -> None:
            calls.append(scope["type"])
            await original(self, scope, receive, send)

        monkeypatch.setattr(Starlette, "__call__", traced)
        yield

    with TestClient(items_app(lifespan)) as client:
        assert client.get("/items/3").status_code == 200
    assert calls == ["http"]  # the lifespan itself had entered before the replacement


def test_replacing_the_middleware_stack_chooses_the_entry_again(monkeypatch: pytest.MonkeyPatch) -> None:
    app = items_app()
    client = TestClient(app)
    assert client.get("/items/3").status_code == 200
    calls = calls_recorded(monkeypatch, Starlette, "__call__")
    app.middleware_stack = None
    assert client.get("/items/3").status_code == 200
    assert calls == [app]


def test_replaced_middleware_declaration_builds_fastapis_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    declared = calls_recorded(monkeypatch, Middleware, "__init__")
    app = items_app()
    client = TestClient(app)
    assert client.get("/items/0").json() == {"detail": "no item 0"}
    assert client.get("/items/x").status_code == 422
    classes = [middleware.cls for middleware in declared]
    # FastAPI's order: the application's body limit sits right inside the 500 boundary.
    assert classes == [ServerErrorMiddleware, ApplicationBodyLimit, ExceptionMiddleware, AsyncExitStackMiddleware]
    layers, layer = [], app.middleware_stack
    while layer is not app.router:
        layers.append(type(layer))
        layer = layer.app  # type: ignore[union-attr]
    assert layers == classes


def test_replaced_exception_middleware_answers_handled_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = calls_recorded(monkeypatch, ExceptionMiddleware, "__call__")
    client = TestClient(items_app())
    response = client.get("/items/0")
    assert (response.status_code, response.json()) == (404, {"detail": "no item 0"})
    assert len(calls) == 1


def test_replaced_server_error_middleware_answers_unhandled_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = calls_recorded(monkeypatch, ServerErrorMiddleware, "__call__")
    app = items_app()

    @app.get("/fail")
    async def fail() -> None:
        raise RuntimeError("failed")

    response = TestClient(app, raise_server_exceptions=False).get("/fail")
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert len(calls) == 1


# -- a route's handling ----------------------------------------------------------------------------


def test_replaced_get_request_handler_is_given_fastapis_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    original = nimbleapi.routing.get_request_handler
    given: list[dict[str, Any]] = []

    def traced_get_request_handler(**kwargs: Any) -> Any:
        given.append(kwargs)
        handler = original(**kwargs)

        async def traced(request: Request) -> Any:
            response = await handler(request)
            response.headers["x-traced"] = "yes"
            return response

        return traced

    app = items_app()  # declared before the replacement: routes are compiled on their first request
    monkeypatch.setattr(nimbleapi.routing, "get_request_handler", traced_get_request_handler)
    response = TestClient(app).get("/items/3")
    assert (response.json(), response.headers["x-traced"]) == ({"item_id": 3}, "yes")
    assert set(given[0]) == {
        "dependant", "body_field", "status_code", "response_class", "response_field",
        "response_model_include", "response_model_exclude", "response_model_by_alias",
        "response_model_exclude_unset", "response_model_exclude_defaults", "response_model_exclude_none",
        "dependency_overrides_provider", "embed_body_fields", "strict_content_type",
        "form_limits", "stream_item_field", "is_json_stream",
    }  # fmt: skip
    assert given[0]["dependant"].call.__name__ == "read_item"


def test_replaced_request_response_serves_the_route(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = calls_recorded(monkeypatch, nimbleapi.routing, "request_response")
    client = TestClient(items_app())
    assert client.post("/items", json={"name": "pen", "price": 2}).json() == {"name": "pen", "price": 2.0}
    assert client.post("/items", json={"name": "pen"}).status_code == 422
    assert len(calls) == 1  # once per route, when it is compiled


def test_get_route_handler_replaced_on_apiroute_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    original = APIRoute.get_route_handler

    def get_route_handler(self: APIRoute) -> Any:
        handler = original(self)

        async def tagged(request: Request) -> Any:
            response = await handler(request)
            response.headers["x-route"] = self.path
            return response

        return tagged

    monkeypatch.setattr(APIRoute, "get_route_handler", get_route_handler)
    response = TestClient(items_app()).get("/items/3")
    assert (response.json(), response.headers["x-route"]) == ({"item_id": 3}, "/items/{item_id}")


def test_replaced_serialize_response_serialises_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = calls_recorded(monkeypatch, nimbleapi.routing, "serialize_response")
    client = TestClient(items_app())
    assert client.post("/items", json={"name": "pen", "price": 2}).json() == {"name": "pen", "price": 2.0}
    assert client.get("/items/3").json() == {"item_id": 3}
    assert [call["dump_json"] for call in calls] == [True, False]  # a response model, then none
    assert [call["is_coroutine"] for call in calls] == [False, True]


def test_replaced_run_endpoint_function_calls_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    original = nimbleapi.routing.run_endpoint_function

    async def doubled(*, dependant: Any, values: dict[str, Any], is_coroutine: bool) -> Any:
        return await original(dependant=dependant, values={**values, "item_id": values["item_id"] * 2}, is_coroutine=is_coroutine)

    monkeypatch.setattr(nimbleapi.routing, "run_endpoint_function", doubled)
    assert TestClient(items_app()).get("/items/21").json() == {"item_id": 42}


class SolvedValues(dict[str, Any]):
    """The values a replaced ``solve_dependencies`` hands on, recognisable when the endpoint is called."""


def values_marked(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[bool]]:
    """Replace ``solve_dependencies`` and ``run_endpoint_function`` as tracers do: the first
    records the path it solves for and marks the values it returns, the second whether it
    was given those marked values."""
    solve, run = nimbleapi.routing.solve_dependencies, nimbleapi.routing.run_endpoint_function
    solved_for: list[str] = []
    marked: list[bool] = []

    async def solve_recorded(*, request: Any, **arguments: Any) -> Any:
        solved_for.append(request.url.path)
        result = await solve(request=request, **arguments)
        return dataclasses.replace(result, values=SolvedValues(result.values))

    async def run_recorded(*, dependant: Any, values: dict[str, Any], is_coroutine: bool) -> Any:
        marked.append(isinstance(values, SolvedValues))
        return await run(dependant=dependant, values=values, is_coroutine=is_coroutine)

    monkeypatch.setattr(nimbleapi.routing, "solve_dependencies", solve_recorded)
    monkeypatch.setattr(nimbleapi.routing, "run_endpoint_function", run_recorded)
    return solved_for, marked


def test_replaced_solve_dependencies_solves_each_request(monkeypatch: pytest.MonkeyPatch) -> None:
    solved_for, marked = values_marked(monkeypatch)
    app = items_app()

    def tagged(response: Response) -> str:
        response.headers["x-solved"] = "yes"
        return "tag"

    @app.get("/tagged")
    def read_tagged(tag: str = Depends(tagged)) -> str:
        return tag

    client = TestClient(app)
    assert client.post("/items", json={"name": "pen", "price": 2}).json() == {"name": "pen", "price": 2.0}
    response = client.get("/tagged")
    assert response.json() == "tag" and response.headers["x-solved"] == "yes"  # its sub-response is the answer's
    assert client.get("/items/x").status_code == 422  # its errors are the request's
    assert solved_for == ["/items", "/tagged", "/items/x"]
    assert marked == [True, True]  # the endpoint gets the values it returned


def test_replaced_solve_dependencies_solves_websocket_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    solved_for, _ = values_marked(monkeypatch)
    app = FastAPI()

    @app.websocket("/ws/{value}")
    async def echo(websocket: WebSocket, value: int) -> None:
        await websocket.accept()
        await websocket.send_json(value)
        await websocket.close()

    with TestClient(app).websocket_connect("/ws/5") as websocket:
        assert websocket.receive_json() == 5
    assert solved_for == ["/ws/5"]


def test_replaced_request_body_reads_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fixed_body(self: Request) -> bytes:
        return b'{"name": "from the replacement", "price": 1}'

    monkeypatch.setattr(Request, "body", fixed_body)
    response = TestClient(items_app()).post("/items", json={"name": "sent", "price": 3})
    assert response.json() == {"name": "from the replacement", "price": 1.0}


# -- dispatch -----------------------------------------------------------------------------------------


def test_replaced_apiroute_matches_is_asked_for_every_route(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = calls_recorded(monkeypatch, APIRoute, "matches")
    app = items_app()
    assert TestClient(app).get("/items/3").json() == {"item_id": 3}
    assert [route.path for route in asked if route.path.startswith("/items")] == ["/items/{item_id}"]


def test_replaced_route_handle_serves_the_matched_route(monkeypatch: pytest.MonkeyPatch) -> None:
    handled = calls_recorded(monkeypatch, Route, "handle")
    assert TestClient(items_app()).get("/items/3").json() == {"item_id": 3}
    assert [route.path for route in handled] == ["/items/{item_id}"]


# -- telling originals from replacements -----------------------------------------------------------


class Owner:
    def method(self) -> str:
        return "original"


def replacement(self: Owner) -> str:
    return "replacement"


def test_a_point_is_replaced_while_it_holds_another_function(monkeypatch: pytest.MonkeyPatch) -> None:
    point = PatchPoint(Owner, "method")
    assert not point.replaced()
    monkeypatch.setattr(Owner, "method", replacement)
    assert point.replaced()
    monkeypatch.undo()
    assert not point.replaced()


def test_a_function_replaced_before_registration_counts_as_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Owner, "method", replacement)
    assert PatchPoint(Owner, "method").replaced()


def test_each_replacement_found_is_logged(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    calls_recorded(monkeypatch, Starlette, "__call__")
    calls_recorded(monkeypatch, nimbleapi.routing, "serialize_response")
    with caplog.at_level(logging.DEBUG, logger="nimbleapi.patch_points"):
        assert TestClient(items_app()).get("/items/3").status_code == 200
    messages = [record.getMessage() for record in caplog.records if record.name == "nimbleapi.patch_points"]
    assert messages == [
        "the application's entry: calling the replaced Starlette.__call__",
        "route /items/{item_id}: calling the replaced serialize_response",
    ]


class PassThroughProxy:
    """A wrapper that hands out the wrapped function's attributes, ``__code__`` included."""

    def __init__(self, wrapped: Any) -> None:
        self.__wrapped__ = wrapped

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__wrapped__, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__wrapped__(*args, **kwargs)


def test_a_proxy_showing_the_original_code_counts_as_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Owner, "method", PassThroughProxy(Owner.method))
    assert PatchPoint(Owner, "method").replaced()
