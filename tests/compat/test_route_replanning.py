"""Extensions re-plan a declared route the way fastapi-pagination does, with FastAPI's helpers.

They append a dependency to ``route.dependant``, rebuild ``route.body_field`` with
``_get_body_field(body_params=_get_flat_body_params(...))`` and serve
``request_response(route.get_route_handler())``; the edited dependency tree is what runs.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel

from nimbleapi import APIRouter, Body, Depends, FastAPI, Query, WebSocket
from nimbleapi.datastructures import DefaultPlaceholder, _Unset
from nimbleapi.dependencies.utils import (
    _get_body_field,
    _get_flat_body_params,
    _get_flat_fields_from_params,
    _should_embed_body_fields,
    get_parameterless_sub_dependant,
    lenient_issubclass,
)
from nimbleapi.routing import APIRoute, APIWebSocketRoute, request_response
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str


def api_route(app: FastAPI, path: str) -> APIRoute:
    return next(route for route in app.routes if isinstance(route, APIRoute) and route.path == path)


def replan(route: APIRoute, dependency: Any) -> None:
    depends = Depends(dependency)
    route.dependencies.append(depends)
    route.dependant.dependencies.append(get_parameterless_sub_dependant(depends=depends, path=route.path_format))
    route.body_field = _get_body_field(
        body_params=_get_flat_body_params(route.dependant), name=route.unique_id, embed_body_fields=route._embed_body_fields
    )
    route.app = request_response(route.get_route_handler())


def app_listing(path: str, seen: list[Any]) -> tuple[FastAPI, APIRoute]:
    """An app whose one route answers with what its dependencies recorded in *seen*."""
    app = FastAPI()
    app.get(path)(lambda: seen)
    return app, api_route(app, path)


def test_appended_dependency_runs_and_is_validated() -> None:
    seen: list[str] = []
    app, route = app_listing("/items", seen)
    replan(route, lambda page: seen.append(page))
    client = TestClient(app)
    assert client.get("/items", params={"page": 2}).json() == ["2"]
    missing = client.get("/items")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["query", "page"]


def test_rebuilt_body_field_embeds_the_appended_body() -> None:
    app = FastAPI()

    @app.post("/items")
    def create(item: Item) -> Item:
        return item

    route = api_route(app, "/items")
    assert route.body_field is not None and route.body_field.name == "item"
    replan(route, lambda note: None)  # a query parameter only: the body stays as it was
    body_params = _get_flat_body_params(route.dependant)
    assert [field.name for field in body_params] == ["item"]

    def tagged(tag: Annotated[str, Body()]) -> None:
        return None

    route.dependant.dependencies.append(get_parameterless_sub_dependant(depends=Depends(tagged), path=route.path_format))
    body_params = _get_flat_body_params(route.dependant)
    assert [field.name for field in body_params] == ["item", "tag"]
    # Two body values now: the body becomes an object keyed by parameter name.
    route._embed_body_fields = _should_embed_body_fields(body_params)
    route.body_field = _get_body_field(body_params=body_params, name=route.unique_id, embed_body_fields=True)
    route.app = request_response(route.get_route_handler())
    response = TestClient(app).post("/items", params={"note": "n"}, json={"item": {"name": "a"}, "tag": "t"})
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "a"}
    properties = app.openapi()["components"]["schemas"][route.body_field.type_.__name__]["properties"]
    assert set(properties) == {"item", "tag"}


def app_answering_ok(path: str) -> tuple[FastAPI, APIRoute]:
    app = FastAPI()
    app.get(path)(lambda: "ok")
    return app, api_route(app, path)


def test_dependant_edited_before_the_first_request_is_honoured_without_rewrapping() -> None:
    app, route = app_answering_ok("/plain")
    route.dependant.dependencies.append(
        get_parameterless_sub_dependant(depends=Depends(lambda token: None), path=route.path_format)
    )
    client = TestClient(app)
    assert client.get("/plain").status_code == 422
    assert client.get("/plain", params={"token": "t"}).json() == "ok"


class Filters(BaseModel):
    limit: int = 10
    order: str = "asc"


def test_flat_fields_expand_parameter_models() -> None:
    app = FastAPI()

    @app.get("/search")
    def search(filters: Annotated[Filters, Query()], q: str = "") -> None:
        return None

    fields = _get_flat_fields_from_params(api_route(app, "/search").dependant.query_params)
    assert [field.name for field in fields] == ["limit", "order", "q"]


def test_lenient_issubclass_accepts_non_classes() -> None:
    assert lenient_issubclass(Item, BaseModel)
    assert not lenient_issubclass(list[Item], BaseModel)
    assert not lenient_issubclass(None, BaseModel)


def test_unset_is_a_default_placeholder() -> None:
    assert isinstance(_Unset, DefaultPlaceholder)
    assert _Unset.value is None


def test_dependant_edited_after_serving_is_honoured_on_the_next_request() -> None:
    seen: list[str] = []
    app, route = app_listing("/served", seen)
    client = TestClient(app)
    assert client.get("/served").json() == []
    route.dependant.dependencies.append(
        get_parameterless_sub_dependant(depends=Depends(lambda token: seen.append(token)), path=route.path_format)
    )
    assert client.get("/served", params={"token": "t"}).json() == ["t"]
    assert client.get("/served").status_code == 422


def test_an_app_put_in_route_app_is_kept_when_the_dependant_changes() -> None:
    app, route = app_answering_ok("/own")

    async def replacement(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"replaced"})

    route.app = replacement
    route.dependant.query_params.clear()
    assert TestClient(app).get("/own").text == "replaced"


def test_signature_rewritten_after_declaration_is_analysed_when_included_again() -> None:
    """Class-based views (fastapi-utils ``cbv``) declare a method, give it a new ``__signature__``
    whose ``self`` is a dependency, then include the routes again: the new signature counts."""
    import inspect

    router = APIRouter()

    class View:
        def __init__(self) -> None:
            self.greeting = "hello"

        def read(self) -> str:
            return self.greeting

    router.get("/view")(View.read)
    declared = inspect.signature(View.read)
    self_param = next(iter(declared.parameters.values())).replace(default=Depends(View))
    View.read.__signature__ = declared.replace(parameters=[self_param])  # type: ignore[attr-defined]
    rebuilt = APIRouter()
    rebuilt.routes.extend(router.routes)
    app = FastAPI()
    app.include_router(rebuilt)
    assert TestClient(app).get("/view").json() == "hello"


def test_websocket_dependant_edited_after_declaration_is_honoured() -> None:
    app = FastAPI()
    seen: list[str] = []

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(seen)
        await websocket.close()

    route = next(route for route in app.routes if isinstance(route, APIWebSocketRoute))
    route.dependant.dependencies.append(
        get_parameterless_sub_dependant(depends=Depends(lambda room: seen.append(room)), path=route.path_format)
    )
    with TestClient(app).websocket_connect("/ws?room=lobby") as connection:
        assert connection.receive_json() == ["lobby"]
