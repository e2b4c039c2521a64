"""Included routers stay nodes of ``app.routes``; what they serve is derived from the tree.

``include_router`` keeps the included router (FastAPI 0.137+): extensions walk the tree
with ``iter_route_contexts`` and see each route as declared (``original_route``) and as
served (prefixed, with the include settings). Requests, ``url_path_for`` and the OpenAPI
document follow the served form, including routes declared after the inclusion.
"""

from __future__ import annotations

import contextvars
import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from starlette.routing import BaseRoute, Match, Route

from nimbleapi import APIRouter, Depends, FastAPI, Form, Request, WebSocket
from nimbleapi.responses import HTMLResponse, PlainTextResponse
from nimbleapi.routing import APIRoute, RouteContext, _IncludedRouter, _iter_routes_with_context, iter_route_contexts
from nimbleapi.routing import request_response
from nimbleapi.testclient import TestClient


def _plain(text: str) -> Any:
    def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{text} {request.url.path}")

    return endpoint


def test_included_router_is_one_node_and_its_routes_are_not_copied() -> None:
    router = APIRouter()

    @router.get("/items")
    def read_items() -> list[int]:
        return [1]

    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/api")

    [node] = app.routes
    assert isinstance(node, _IncludedRouter)
    assert node.original_router is router
    assert router.routes[0].path == "/items"  # the declared route keeps its own path
    assert TestClient(app).get("/api/items").json() == [1]


def test_route_contexts_show_the_declared_and_the_served_route() -> None:
    router = APIRouter(prefix="/items", tags=["items"])

    @router.get("/{item_id}", name="read_item")
    def read_item(item_id: int) -> int:
        return item_id

    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/api", tags=["api"])

    [context] = iter_route_contexts(app.routes)
    assert isinstance(context, RouteContext)
    assert context.original_route is router.routes[0]
    assert context.path == "/api/items/{item_id}"
    assert context.path_format == "/api/items/{item_id}"
    assert (context.name, context.methods, context.endpoint) == ("read_item", {"GET"}, read_item)
    assert context.tags == ["api", "items"]
    assert app.url_path_for("read_item", item_id=3) == "/api/items/3"


def test_effective_context_attributes_make_a_route_copy_serve_the_included_form() -> None:
    """Code that copies ``vars(context)`` onto a copy of the declared route (to re-version it,
    say) gets the route as the inclusion serves it, and a copy that deep-copies cleanly."""
    calls: list[str] = []

    def record() -> None:
        calls.append("include dependency")

    router = APIRouter(prefix="/items")

    @router.get("/{item_id}", tags=["items"])
    def read_item(item_id: int) -> int:
        return item_id

    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/api", tags=["api"], dependencies=[Depends(record)])
    app.state.current = contextvars.ContextVar("current")  # an app that cannot be deep-copied

    [(declared, context)] = _iter_routes_with_context(app.routes)
    settings = {name: value for name, value in vars(context).items() if name not in ("original_route", "starlette_route")}
    assert not [name for name, value in settings.items() if isinstance(value, BaseRoute)]
    copied = copy.copy(declared)
    for name, value in settings.items():
        setattr(copied, name, value)
    copied.app = request_response(copied.get_route_handler())
    assert (copied.path, copied.tags) == ("/api/items/{item_id}", ["api", "items"])
    copy.deepcopy(copied, {id(app): app, id(copied.dependant): copied.dependant})

    served = FastAPI(openapi_url=None)
    served.router.routes.append(copied)
    assert TestClient(served).get("/api/items/3").json() == 3
    assert calls == ["include dependency"]


def test_route_context_matches_the_served_path_and_method_not_the_declared_class() -> None:
    class NeverMatches(APIRoute):
        def matches(self, scope: Any) -> tuple[Match, dict[str, Any]]:
            return Match.NONE, {}

    router = APIRouter(route_class=NeverMatches)
    router.get("/items/{item_id}")(lambda item_id: item_id)
    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/api")
    [context] = iter_route_contexts(app.routes)

    def scope(path: str, method: str = "GET") -> dict[str, Any]:
        return {"type": "http", "path": path, "root_path": "", "method": method}

    match, child_scope = context.matches(scope("/api/items/7"))
    assert match is Match.FULL and child_scope["path_params"] == {"item_id": "7"}
    assert context.matches(scope("/api/items/7", "POST"))[0] is Match.PARTIAL
    assert context.matches(scope("/items/7"))[0] is Match.NONE
    assert TestClient(app).get("/api/items/7").status_code == 404  # serving asks the class


def test_routes_declared_after_inclusion_are_served_and_documented() -> None:
    router = APIRouter()
    app = FastAPI()
    app.include_router(router, prefix="/api", tags=["late"])
    client = TestClient(app)
    assert client.get("/api/later").status_code == 404
    assert "/api/later" not in client.get("/openapi.json").json()["paths"]

    @router.get("/later")
    def read_later() -> str:
        return "later"

    assert client.get("/api/later").json() == "later"
    operation = client.get("/openapi.json").json()["paths"]["/api/later"]["get"]
    assert operation["tags"] == ["late"]


def test_router_included_further_down_after_inclusion_is_served() -> None:
    parent, child = APIRouter(), APIRouter()
    app = FastAPI(openapi_url=None)
    app.include_router(parent, prefix="/api")
    client = TestClient(app)
    assert client.get("/api/child/x").status_code == 404

    parent.include_router(child, prefix="/child")
    child.get("/x")(lambda: "x")
    assert client.get("/api/child/x").json() == "x"


def test_one_router_included_twice_serves_both_prefixes() -> None:
    shared = APIRouter()
    shared.get("/items/{item_id}", name="read_item")(lambda item_id: item_id)
    app = FastAPI(openapi_url=None)
    app.include_router(shared, prefix="/v1")
    app.include_router(shared, prefix="/v2")
    client = TestClient(app)

    assert client.get("/v1/items/a").json() == "a"
    assert client.get("/v2/items/b").json() == "b"
    assert [context.path for context in iter_route_contexts(app.routes)] == [
        "/v1/items/{item_id}",
        "/v2/items/{item_id}",
    ]
    assert app.routes[1].url_path_for("read_item", item_id="c") == "/v2/items/c"


def test_mount_in_an_included_router_gets_the_prefix() -> None:
    sub = FastAPI(openapi_url=None)
    sub.get("/hello")(lambda: "from sub")
    router = APIRouter()
    router.mount("/sub", sub, name="sub")
    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/m")
    client = TestClient(app)

    assert client.get("/m/sub/hello").json() == "from sub"
    assert client.get("/sub/hello").status_code == 404
    [context] = iter_route_contexts(app.routes)
    assert (context.path, context.path_format) == ("/m/sub", "/m/sub/{path}")


def test_host_in_an_included_router_gets_the_prefix() -> None:
    hosted = APIRouter(routes=[Route("/items", _plain("hosted"), name="items")])
    router = APIRouter()
    router.host("{sub}.example.com", hosted, name="hosted")
    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/api")
    client = TestClient(app, base_url="http://api.example.com")

    assert client.get("/api/items").text == "hosted /api/items"
    url = app.url_path_for("hosted:items", sub="api")
    assert (str(url), url.host) == ("/api/items", "api.example.com")


def test_include_settings_reach_requests_and_openapi() -> None:
    calls: list[str] = []

    def outer() -> None:
        calls.append("outer")

    def inner() -> None:
        calls.append("inner")

    router = APIRouter(dependencies=[Depends(inner)], default_response_class=HTMLResponse)

    @router.get("/page", responses={404: {"description": "Missing"}})
    def page() -> str:
        return "<p>page</p>"

    app = FastAPI()
    app.include_router(
        router,
        prefix="/site",
        tags=["site"],
        dependencies=[Depends(outer)],
        responses={401: {"description": "Denied"}},
        deprecated=True,
    )
    client = TestClient(app)

    response = client.get("/site/page")
    assert response.headers["content-type"].startswith("text/html")
    assert calls == ["outer", "inner"]
    operation = client.get("/openapi.json").json()["paths"]["/site/page"]["get"]
    assert operation["tags"] == ["site"]
    assert operation["deprecated"] is True
    assert set(operation["responses"]) == {"200", "401", "404"}


def test_include_in_schema_false_hides_included_routes() -> None:
    router = APIRouter()
    router.get("/hidden")(lambda: "hidden")
    app = FastAPI()
    app.include_router(router, include_in_schema=False)
    client = TestClient(app)
    assert client.get("/hidden").json() == "hidden"
    assert client.get("/openapi.json").json().get("paths", {}) == {}


def test_scope_names_the_declared_route_and_its_served_form() -> None:
    router = APIRouter()

    @router.get("/where")
    def where(request: Request) -> dict[str, str]:
        context = request.scope["fastapi"]["effective_route_context"]
        return {"route": request.scope["route"].path, "served": context.path}

    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/api")
    assert TestClient(app).get("/api/where").json() == {"route": "/where", "served": "/api/where"}


def test_custom_route_class_handle_runs_on_the_declared_route() -> None:
    class Counting(APIRoute):
        calls = 0

        async def handle(self, scope: Any, receive: Any, send: Any) -> None:
            self.calls += 1
            await super().handle(scope, receive, send)

    router = APIRouter(route_class=Counting, dependencies=[Depends(lambda: None)])
    router.get("/items")(lambda: [])
    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/api")
    client = TestClient(app)

    assert client.get("/api/items").json() == []
    assert client.post("/api/items").status_code == 405
    assert router.routes[0].calls == 2


def test_custom_router_matches_is_asked_for_its_routes() -> None:
    class HeaderRouter(APIRouter):
        def matches(self, scope: Any) -> tuple[Match, dict[str, Any]]:
            if (b"x-open", b"yes") not in scope.get("headers", []):
                return Match.NONE, {}
            return super().matches(scope)

    router = HeaderRouter()
    router.get("/items")(lambda: "items")
    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/api")
    client = TestClient(app)

    assert client.get("/api/items").status_code == 404
    assert client.get("/api/items", headers={"x-open": "yes"}).json() == "items"


def test_inclusion_cycles_are_rejected() -> None:
    parent, child = APIRouter(), APIRouter()
    parent.include_router(child, prefix="/child")
    with pytest.raises(AssertionError, match="already includes this router"):
        child.include_router(parent, prefix="/parent")


def test_lifespan_of_an_included_router_runs_with_the_app() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, str]]:
        events.append("start")
        yield {"from_router": "yes"}
        events.append("stop")

    router = APIRouter(lifespan=lifespan)

    @router.get("/state")
    def read_state(request: Request) -> str:
        return request.state.from_router  # type: ignore[no-any-return]

    app = FastAPI(openapi_url=None)
    app.include_router(router)
    with TestClient(app) as client:
        assert events == ["start"]
        assert client.get("/state").json() == "yes"
    assert events == ["start", "stop"]


def test_websocket_in_an_included_router_gets_prefix_and_dependencies() -> None:
    seen: list[str] = []
    router = APIRouter()

    @router.websocket("/ws")
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/api", dependencies=[Depends(lambda: seen.append("dep"))])
    with TestClient(app).websocket_connect("/api/ws") as websocket:
        assert websocket.receive_text() == "hi"
    assert seen == ["dep"]


def test_frontend_of_an_included_router_is_served_under_the_prefix(tmp_path: Any) -> None:
    (tmp_path / "index.html").write_text("<p>app</p>")
    router = APIRouter()
    router.frontend("/", directory=tmp_path)
    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/ui")
    client = TestClient(app)
    assert client.get("/ui/").text == "<p>app</p>"
    assert client.get("/other").status_code == 404


def test_max_body_size_of_the_inclusion_applies() -> None:
    router = APIRouter()

    @router.post("/upload")
    async def upload(request: Request) -> int:
        return len(await request.body())

    app = FastAPI(openapi_url=None)
    app.include_router(router, max_body_size=4)
    client = TestClient(app)
    assert client.post("/upload", content=b"1234").json() == 4
    assert client.post("/upload", content=b"12345").status_code == 413


def test_mount_in_an_included_router_inherits_the_inclusions_body_limit() -> None:
    mounted = FastAPI(openapi_url=None)

    @mounted.post("/echo")
    async def echo(request: Request) -> int:
        return len(await request.body())

    router = APIRouter()
    router.mount("/sub", mounted)
    app = FastAPI(openapi_url=None)
    app.include_router(router, prefix="/m", max_body_size=4)
    client = TestClient(app)
    assert client.post("/m/sub/echo", content=b"1234").json() == 4
    assert client.post("/m/sub/echo", content=b"12345").status_code == 413


def test_include_unique_ids_callbacks_and_content_type_reach_the_served_route() -> None:
    callbacks = APIRouter()

    @callbacks.post("/notify")
    def notify() -> None: ...
    router = APIRouter(strict_content_type=False)

    @router.post("/items")
    def create(item: dict[str, int]) -> dict[str, int]:
        return item

    app = FastAPI()
    app.include_router(
        router,
        prefix="/api",
        callbacks=callbacks.routes,
        generate_unique_id_function=lambda route: f"api-{route.name}",
    )
    client = TestClient(app)

    operation = client.get("/openapi.json").json()["paths"]["/api/items"]["post"]
    assert operation["operationId"] == "api-create"
    assert list(operation["callbacks"]) == ["notify"]
    # the included router's strict_content_type=False: a body without a content type is read as JSON
    response = client.post("/api/items", content=b'{"a": 1}')  # no content-type header
    assert response.json() == {"a": 1}


def test_form_limits_of_the_inclusion_apply_and_the_routers_own_win() -> None:
    router = APIRouter(form_limits={"max_fields": 2})

    @router.post("/typed")
    def typed(a: str = Form(), b: str = Form(), c: str = Form()) -> str:
        return a + b + c

    app = FastAPI(openapi_url=None)
    app.include_router(router, form_limits={"max_fields": 1, "max_files": 0})
    client = TestClient(app)
    # two fields are read (the router's limit), so the answer is about the missing third
    assert client.post("/typed", data={"a": "1", "b": "2"}).status_code == 422
    files = {"upload": ("a.txt", b"x")}
    assert client.post("/typed", data={"a": "1"}, files=files).status_code == 400  # the inclusion's max_files
    assert client.post("/typed", data={"a": "1", "b": "2", "c": "3"}).status_code == 400


def test_settings_combine_the_same_way_at_every_level() -> None:
    # route <- its router <- include_router(...) <- an outer router <- include_router(...)
    calls: list[str] = []

    def mark(name: str) -> Any:
        return Depends(lambda: calls.append(name))

    inner = APIRouter(tags=["router"], dependencies=[mark("router")], responses={404: {"description": "router"}},
                      default_response_class=PlainTextResponse)
    inner.add_api_route(
        "/item", lambda: "ok", tags=["route"], dependencies=[mark("route")], responses={409: {"description": "route"}},
        max_body_size=10,
    )
    outer = APIRouter()
    outer.include_router(inner, prefix="/in", tags=["include"], dependencies=[mark("include")],
                         responses={404: {"description": "include"}, 410: {"description": "include"}})
    app = FastAPI()
    app.include_router(outer, prefix="/out", tags=["outer"], dependencies=[mark("outer")], deprecated=True,
                       max_body_size=1000)

    context: Any = next(c for c in iter_route_contexts(app.routes) if c.path == "/out/in/item")
    assert context.tags == ["outer", "include", "router", "route"]  # outer levels first
    assert context.deprecated is True  # either level's
    assert context.max_body_size == 10  # the innermost level that sets it
    assert {code: value["description"] for code, value in context.responses.items()} == {
        404: "router", 410: "include", 409: "route"  # inner levels update outer ones
    }
    response = TestClient(app).get("/out/in/item")
    assert response.text == "ok" and response.headers["content-type"].startswith("text/plain")  # the router's default
    assert calls == ["outer", "include", "router", "route"]
