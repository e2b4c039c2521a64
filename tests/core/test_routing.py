"""Routing: declaring operations, routers, mounts, matching order and the 404/405/redirect answers.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test, which a postponed annotation cannot see.
"""

import gzip
import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import NoMatchFound, Route

from nimbleapi import APIRouter, Body, Depends, FastAPI, Header, HTTPException, Request, Response
from nimbleapi.exceptions import FastAPIDeprecationWarning, RequestValidationError
from nimbleapi.routing import APIRoute
from nimbleapi.testclient import TestClient

# --- verb decorators -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
def test_verb_decorator_routes_only_its_own_method(method: str) -> None:
    app = FastAPI()
    getattr(app, method)("/thing")(lambda: {"method": method})
    client = TestClient(app)

    assert client.request(method.upper(), "/thing").json() == {"method": method}
    other = "PUT" if method != "put" else "GET"
    assert client.request(other, "/thing").status_code == 405


def test_head_decorator_answers_head_without_body() -> None:
    app = FastAPI()

    @app.head("/thing")
    def head_thing() -> None:
        return None

    response = TestClient(app).head("/thing")
    assert response.status_code == 200
    assert response.content == b""


def test_trace_decorator_routes_trace() -> None:
    app = FastAPI()

    @app.trace("/thing")
    def trace_thing() -> dict[str, str]:
        return {"traced": "yes"}

    response = TestClient(app).request("TRACE", "/thing")
    assert response.status_code == 200
    assert response.json() == {"traced": "yes"}


def test_get_route_does_not_answer_head() -> None:
    app = FastAPI()
    app.get("/thing")(lambda: {"a": 1})

    response = TestClient(app).head("/thing")
    assert response.status_code == 405


def test_router_verb_decorators_register_routes() -> None:
    router = APIRouter()

    @router.post("/made", status_code=201)
    def make() -> dict[str, bool]:
        return {"made": True}

    app = FastAPI()
    app.include_router(router)
    response = TestClient(app).post("/made")
    assert response.status_code == 201
    assert response.json() == {"made": True}


def test_decorator_returns_the_original_function() -> None:
    app = FastAPI()

    def endpoint() -> str:
        return "same"

    assert app.get("/")(endpoint) is endpoint


# --- api_route / add_api_route -------------------------------------------------------------


def test_api_route_serves_every_listed_method() -> None:
    app = FastAPI()

    @app.api_route("/multi", methods=["GET", "POST"])
    def multi() -> str:
        return "ok"

    client = TestClient(app)
    assert client.get("/multi").json() == "ok"
    assert client.post("/multi").json() == "ok"
    assert client.delete("/multi").status_code == 405


def test_api_route_defaults_to_get() -> None:
    app = FastAPI()
    app.api_route("/only-get")(lambda: "got")
    client = TestClient(app)

    assert client.get("/only-get").json() == "got"
    assert client.post("/only-get").status_code == 405


def test_api_route_methods_are_case_insensitive() -> None:
    app = FastAPI()
    app.api_route("/lower", methods=["post"])(lambda: "posted")

    assert TestClient(app).post("/lower").json() == "posted"


def test_add_api_route_registers_endpoint_with_options() -> None:
    app = FastAPI()

    def create(name: str) -> dict[str, str]:
        return {"name": name}

    app.add_api_route("/create", create, methods=["PUT"], status_code=202, name="creator")
    response = TestClient(app).put("/create", params={"name": "x"})
    assert response.status_code == 202
    assert response.json() == {"name": "x"}
    assert app.url_path_for("creator") == "/create"


def test_router_add_api_route_is_served_after_include() -> None:
    router = APIRouter(prefix="/r")
    router.add_api_route("/plain", lambda: "plain")
    app = FastAPI()
    app.include_router(router)

    assert TestClient(app).get("/r/plain").json() == "plain"


def test_routes_are_api_route_instances_with_declared_metadata() -> None:
    app = FastAPI()

    @app.post("/items", name="make_item", tags=["items"], summary="Make", status_code=201)
    def make_item() -> None:
        pass

    route = next(r for r in app.routes if getattr(r, "path", None) == "/items")
    assert isinstance(route, APIRoute)
    assert route.methods == {"POST"}
    assert route.name == "make_item"
    assert route.tags == ["items"]
    assert route.summary == "Make"
    assert route.status_code == 201
    assert route.endpoint is make_item


def test_route_name_defaults_to_function_name() -> None:
    app = FastAPI()

    @app.get("/named")
    def some_function_name() -> None:
        pass

    assert app.url_path_for("some_function_name") == "/named"


def test_add_route_registers_plain_starlette_endpoint() -> None:
    app = FastAPI()

    async def raw(request: Any) -> PlainTextResponse:
        return PlainTextResponse("raw " + request.url.path)

    app.add_route("/raw", raw)
    response = TestClient(app).get("/raw")
    assert response.text == "raw /raw"


# --- APIRouter prefix / tags / dependencies / responses --------------------------------------


def test_router_prefix_is_prepended() -> None:
    router = APIRouter(prefix="/api")
    router.get("/ping")(lambda: "pong")
    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)

    assert client.get("/api/ping").json() == "pong"
    assert client.get("/ping").status_code == 404


def test_include_router_prefix_stacks_with_router_prefix() -> None:
    router = APIRouter(prefix="/inner")
    router.get("/leaf")(lambda: "leaf")
    app = FastAPI()
    app.include_router(router, prefix="/outer")

    assert TestClient(app).get("/outer/inner/leaf").json() == "leaf"


def test_router_prefix_with_empty_route_path() -> None:
    router = APIRouter(prefix="/items")
    router.get("")(lambda: ["all"])
    app = FastAPI()
    app.include_router(router)

    assert TestClient(app).get("/items").json() == ["all"]


def test_router_prefix_must_start_with_slash() -> None:
    with pytest.raises(AssertionError, match="A path prefix must start with '/'"):
        APIRouter(prefix="api")


def test_router_prefix_must_not_end_with_slash() -> None:
    with pytest.raises(AssertionError, match="A path prefix must not end with '/'"):
        APIRouter(prefix="/api/")


def test_include_router_prefix_must_not_end_with_slash() -> None:
    app = FastAPI()
    with pytest.raises(AssertionError, match="A path prefix must not end with '/'"):
        app.include_router(APIRouter(), prefix="/x/")


def test_router_tags_are_combined_with_route_and_include_tags() -> None:
    router = APIRouter(tags=["router"])
    router.get("/tagged", tags=["route"])(lambda: None)
    app = FastAPI()
    app.include_router(router, tags=["include"])

    operation = app.openapi()["paths"]["/tagged"]["get"]
    assert operation["tags"] == ["include", "router", "route"]


def test_router_dependencies_run_for_every_route() -> None:
    calls: list[str] = []

    def record(x_token: str = Header()) -> None:
        calls.append(x_token)

    router = APIRouter(dependencies=[Depends(record)])
    router.get("/a")(lambda: "a")
    router.get("/b")(lambda: "b")
    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)

    assert client.get("/a", headers={"x-token": "1"}).json() == "a"
    assert client.get("/b", headers={"x-token": "2"}).json() == "b"
    assert calls == ["1", "2"]
    assert client.get("/a").status_code == 422


def test_include_router_dependencies_run_before_router_dependencies() -> None:
    order: list[str] = []

    def router_dep() -> None:
        order.append("router")

    def include_dep() -> None:
        order.append("include")

    def route_dep() -> None:
        order.append("route")

    router = APIRouter(dependencies=[Depends(router_dep)])
    router.get("/x", dependencies=[Depends(route_dep)])(lambda: order.append("endpoint"))
    app = FastAPI()
    app.include_router(router, dependencies=[Depends(include_dep)])
    TestClient(app).get("/x")

    assert order == ["include", "router", "route", "endpoint"]


def test_router_responses_appear_in_openapi() -> None:
    router = APIRouter(responses={404: {"description": "Missing"}})
    router.get("/thing")(lambda: None)
    app = FastAPI()
    app.include_router(router, responses={418: {"description": "Teapot"}})

    responses = app.openapi()["paths"]["/thing"]["get"]["responses"]
    assert responses["404"] == {"description": "Missing"}
    assert responses["418"] == {"description": "Teapot"}
    assert "200" in responses


def test_include_router_deprecated_marks_operations() -> None:
    router = APIRouter()
    router.get("/old")(lambda: None)
    app = FastAPI()
    app.include_router(router, deprecated=True)

    assert app.openapi()["paths"]["/old"]["get"]["deprecated"] is True


def test_include_router_include_in_schema_false_hides_operations() -> None:
    router = APIRouter()
    router.get("/hidden")(lambda: "still served")
    app = FastAPI()
    app.include_router(router, include_in_schema=False)

    assert "/hidden" not in app.openapi().get("paths", {})
    assert TestClient(app).get("/hidden").json() == "still served"


def test_router_default_response_class_applies_to_routes() -> None:
    router = APIRouter(default_response_class=PlainTextResponse)
    router.get("/text")(lambda: "hello")
    app = FastAPI()
    app.include_router(router)

    response = TestClient(app).get("/text")
    assert response.text == "hello"
    assert response.headers["content-type"].startswith("text/plain")


def test_router_prefix_with_path_parameter() -> None:
    router = APIRouter(prefix="/users/{user_id}")

    @router.get("/items/{item_id}")
    def item(user_id: int, item_id: int) -> list[int]:
        return [user_id, item_id]

    app = FastAPI()
    app.include_router(router)
    assert TestClient(app).get("/users/2/items/3").json() == [2, 3]


def test_router_default_response_class_and_include_default_precedence() -> None:
    router = APIRouter(default_response_class=PlainTextResponse)
    router.get("/x")(lambda: "which")
    app = FastAPI()
    app.include_router(router, default_response_class=HTMLResponse)

    assert TestClient(app).get("/x").headers["content-type"].startswith("text/plain")


def test_router_empty_and_slash_paths_are_distinct_routes() -> None:
    router = APIRouter(prefix="/r")
    router.get("")(lambda: "empty")
    router.get("/")(lambda: "slash")
    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)

    assert client.get("/r").json() == "empty"
    assert client.get("/r/").json() == "slash"


# --- nested routers -------------------------------------------------------------------------


def test_nested_include_router_combines_prefixes() -> None:
    leaf = APIRouter(prefix="/leaf")
    leaf.get("/item")(lambda: "deep")
    middle = APIRouter(prefix="/middle")
    middle.include_router(leaf)
    app = FastAPI()
    app.include_router(middle, prefix="/top")

    assert TestClient(app).get("/top/middle/leaf/item").json() == "deep"


def test_nested_include_router_runs_dependencies_outermost_first() -> None:
    order: list[str] = []
    leaf = APIRouter(dependencies=[Depends(lambda: order.append("leaf"))])
    leaf.get("/x")(lambda: order.append("endpoint"))
    middle = APIRouter(dependencies=[Depends(lambda: order.append("middle"))])
    middle.include_router(leaf)
    app = FastAPI(dependencies=[Depends(lambda: order.append("app"))])
    app.include_router(middle)
    TestClient(app).get("/x")

    assert order == ["app", "middle", "leaf", "endpoint"]


def test_same_router_can_be_included_twice_under_different_prefixes() -> None:
    router = APIRouter()
    router.get("/who")(lambda: "me")
    app = FastAPI()
    app.include_router(router, prefix="/v1")
    app.include_router(router, prefix="/v2")
    client = TestClient(app)

    assert client.get("/v1/who").json() == "me"
    assert client.get("/v2/who").json() == "me"


# --- mounts -----------------------------------------------------------------------------


def test_mounted_sub_application_serves_under_its_path() -> None:
    sub = FastAPI()

    @sub.get("/hello")
    def hello() -> dict[str, str]:
        return {"from": "sub"}

    app = FastAPI()
    app.mount("/sub", sub)
    client = TestClient(app)

    assert client.get("/sub/hello").json() == {"from": "sub"}
    assert client.get("/hello").status_code == 404


def test_mounted_sub_application_keeps_its_own_exception_handlers() -> None:
    sub = FastAPI()

    @sub.exception_handler(ValueError)
    async def on_value_error(request: Any, exc: ValueError) -> PlainTextResponse:
        return PlainTextResponse("sub handled", status_code=409)

    @sub.get("/boom")
    def boom() -> None:
        raise ValueError("x")

    app = FastAPI()
    app.mount("/sub", sub)
    response = TestClient(app).get("/sub/boom")
    assert response.status_code == 409
    assert response.text == "sub handled"


def test_mounted_sub_application_openapi_uses_mount_path_as_server() -> None:
    sub = FastAPI()
    sub.get("/x")(lambda: None)
    app = FastAPI()
    app.mount("/sub", sub)

    document = TestClient(app).get("/sub/openapi.json").json()
    assert document["servers"] == [{"url": "/sub"}]
    assert "/x" in document["paths"]


def test_mounted_sub_application_routes_not_in_parent_openapi() -> None:
    sub = FastAPI()
    sub.get("/x")(lambda: None)
    app = FastAPI()
    app.get("/own")(lambda: None)
    app.mount("/sub", sub)

    assert list(app.openapi()["paths"]) == ["/own"]


def test_mounted_sub_application_request_sees_root_path() -> None:
    sub = FastAPI()

    @sub.get("/scope")
    def scope_info(request: Request) -> dict[str, str]:
        return {"root_path": request.scope["root_path"], "url": str(request.url.path)}

    app = FastAPI()
    app.mount("/sub", sub)
    assert TestClient(app).get("/sub/scope").json() == {"root_path": "/sub", "url": "/sub/scope"}


def test_mount_declared_first_shadows_later_route_under_its_path() -> None:
    sub = FastAPI()
    sub.get("/x")(lambda: "mounted")
    app = FastAPI()
    app.mount("/area", sub)
    app.get("/area/x")(lambda: "direct")  # pragma: no cover - shadowed

    assert TestClient(app).get("/area/x").json() == "mounted"


def test_route_declared_before_mount_wins() -> None:
    sub = FastAPI()
    sub.get("/x")(lambda: "mounted")
    app = FastAPI()
    app.get("/area/x")(lambda: "direct")
    app.mount("/area", sub)

    client = TestClient(app)
    assert client.get("/area/x").json() == "direct"


def test_mounted_app_unknown_path_is_its_404() -> None:
    sub = FastAPI()
    app = FastAPI()
    app.mount("/sub", sub)

    response = TestClient(app).get("/sub/missing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_mounted_plain_starlette_app() -> None:
    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse("starlette here")

    app = FastAPI()
    app.mount("/legacy", Starlette(routes=[Route("/hello", hello)]))

    assert TestClient(app).get("/legacy/hello").text == "starlette here"


# --- url_path_for ------------------------------------------------------------------------


def test_url_path_for_fills_path_parameters() -> None:
    app = FastAPI()

    @app.get("/users/{user_id}/items/{item_id}")
    def user_item(user_id: int, item_id: str) -> None:
        pass

    assert app.url_path_for("user_item", user_id=3, item_id="abc") == "/users/3/items/abc"


def test_url_path_for_includes_router_prefix() -> None:
    router = APIRouter(prefix="/api")

    @router.get("/things/{thing_id}")
    def get_thing(thing_id: int) -> None:
        pass

    app = FastAPI()
    app.include_router(router)
    assert app.url_path_for("get_thing", thing_id=5) == "/api/things/5"


def test_url_path_for_unknown_name_raises() -> None:
    app = FastAPI()
    with pytest.raises(NoMatchFound):
        app.url_path_for("nothing_here")


def test_request_url_for_builds_absolute_url() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}", name="item")
    def item(item_id: int) -> None:
        pass

    @app.get("/link")
    def link(request: Request) -> str:
        return str(request.url_for("item", item_id=7))

    assert TestClient(app).get("/link").json() == "http://testserver/items/7"


# --- path parameters and convertors ---------------------------------------------------------


def test_path_convertor_captures_slashes() -> None:
    app = FastAPI()

    @app.get("/files/{file_path:path}")
    def read_file(file_path: str) -> dict[str, str]:
        return {"file_path": file_path}

    assert TestClient(app).get("/files/a/b/c.txt").json() == {"file_path": "a/b/c.txt"}


def test_path_convertor_keeps_leading_slash_after_double_slash() -> None:
    app = FastAPI()

    @app.get("/files/{file_path:path}")
    def read_file(file_path: str) -> str:
        return file_path

    assert TestClient(app).get("/files//etc/passwd").json() == "/etc/passwd"


def test_int_convertor_passes_an_int() -> None:
    app = FastAPI()

    @app.get("/n/{n:int}")
    def number(n: int) -> dict[str, Any]:
        return {"n": n, "type": type(n).__name__}

    assert TestClient(app).get("/n/42").json() == {"n": 42, "type": "int"}


def test_int_convertor_does_not_match_non_digits() -> None:
    app = FastAPI()
    app.get("/n/{n:int}")(lambda n: n)

    response = TestClient(app).get("/n/abc")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_int_convertor_falls_through_to_later_route() -> None:
    app = FastAPI()
    app.get("/n/{n:int}")(lambda n: "int")
    app.get("/n/{name}")(lambda name: "str")
    client = TestClient(app)

    assert client.get("/n/1").json() == "int"
    assert client.get("/n/one").json() == "str"


def test_path_parameter_does_not_match_slash() -> None:
    app = FastAPI()
    app.get("/items/{item_id}")(lambda item_id: item_id)

    assert TestClient(app).get("/items/a/b").status_code == 404


def test_path_parameter_is_percent_decoded() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: str) -> str:
        return item_id

    assert TestClient(app).get("/items/a%20b").json() == "a b"


def test_uuid_convertor() -> None:
    app = FastAPI()

    @app.get("/objects/{object_id:uuid}")
    def obj(object_id: uuid.UUID) -> str:
        return str(object_id)

    client = TestClient(app)
    value = "12345678-1234-5678-1234-567812345678"
    assert client.get(f"/objects/{value}").json() == value
    assert client.get("/objects/not-a-uuid").status_code == 404


def test_float_convertor() -> None:
    app = FastAPI()

    @app.get("/scale/{factor:float}")
    def scale(factor: float) -> float:
        return factor * 2

    client = TestClient(app)
    assert client.get("/scale/1.5").json() == 3.0
    assert client.get("/scale/abc").status_code == 404


# --- matching order ---------------------------------------------------------------------


def test_route_path_regex_matches_its_path() -> None:
    app = FastAPI()
    app.get("/items/all")(lambda: "all")
    app.get("/items/{item_id}")(lambda item_id: item_id)
    static, dynamic = app.routes[-2:]

    assert static.path_regex.match("/items/all") is not None
    assert static.path_regex.match("/items/al") is None
    assert dynamic.path_regex.match("/items/7").groupdict() == {"item_id": "7"}
    assert (static.path_format, static.param_convertors) == ("/items/all", {})


def test_route_path_regex_can_be_replaced() -> None:
    import re

    app = FastAPI()
    app.get("/items")(lambda: "items")
    route = app.routes[-1]
    route.path_regex = re.compile("^/things$")

    assert route.path_regex.pattern == "^/things$"


def test_static_path_declared_first_wins_over_parameter() -> None:
    app = FastAPI()

    @app.get("/users/me")
    def me() -> str:
        return "current user"

    @app.get("/users/{user_id}")
    def user(user_id: str) -> str:
        return f"user {user_id}"

    client = TestClient(app)
    assert client.get("/users/me").json() == "current user"
    assert client.get("/users/7").json() == "user 7"


def test_parameter_path_declared_first_shadows_static_path() -> None:
    app = FastAPI()

    @app.get("/users/{user_id}")
    def user(user_id: str) -> str:
        return f"user {user_id}"

    @app.get("/users/me")
    def me() -> str:  # pragma: no cover - shadowed
        return "current user"

    assert TestClient(app).get("/users/me").json() == "user me"


def test_typed_parameter_declared_first_rejects_static_segment_with_422() -> None:
    app = FastAPI()

    @app.get("/users/{user_id}")
    def user(user_id: int) -> int:  # pragma: no cover - never valid here
        return user_id

    @app.get("/users/me")
    def me() -> str:  # pragma: no cover - shadowed
        return "current user"

    response = TestClient(app).get("/users/me")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "user_id"]


def test_first_of_two_identical_routes_wins() -> None:
    app = FastAPI()
    app.get("/dup")(lambda: "first")
    app.get("/dup")(lambda: "second")

    assert TestClient(app).get("/dup").json() == "first"


def test_same_path_different_methods_reach_their_own_endpoint() -> None:
    app = FastAPI()
    app.get("/res")(lambda: "read")
    app.post("/res")(lambda: "create")
    app.delete("/res")(lambda: "remove")
    client = TestClient(app)

    assert client.get("/res").json() == "read"
    assert client.post("/res").json() == "create"
    assert client.delete("/res").json() == "remove"


def test_later_route_with_matching_method_wins_over_earlier_partial_match() -> None:
    app = FastAPI()
    app.get("/items/{item_id}")(lambda item_id: "get")
    app.put("/items/special")(lambda: "put special")

    assert TestClient(app).put("/items/special").json() == "put special"


def test_routes_added_to_router_after_include_are_served() -> None:
    router = APIRouter()
    app = FastAPI()
    app.include_router(router, prefix="/late")
    router.get("/added")(lambda: "late route")

    assert TestClient(app).get("/late/added").json() == "late route"


def test_route_added_after_first_request_is_served() -> None:
    app = FastAPI()
    app.get("/first")(lambda: "first")
    client = TestClient(app)
    assert client.get("/first").json() == "first"

    app.get("/second")(lambda: "second")
    assert client.get("/second").json() == "second"


def test_router_included_after_first_request_is_served() -> None:
    app = FastAPI()
    app.get("/first")(lambda: "first")
    client = TestClient(app)
    assert client.get("/first").json() == "first"

    router = APIRouter(prefix="/late")
    router.get("/x")(lambda: "late")
    app.include_router(router)
    assert client.get("/late/x").json() == "late"


# --- 404 / 405 / redirect_slashes -----------------------------------------------------------


def test_unknown_path_returns_404_json() -> None:
    response = TestClient(FastAPI()).get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert response.headers["content-type"] == "application/json"


def test_wrong_method_returns_405_json_with_allow_header() -> None:
    app = FastAPI()
    app.get("/only-get")(lambda: None)

    response = TestClient(app).post("/only-get")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == "GET"


def test_405_allow_header_lists_methods_of_a_multi_method_route() -> None:
    app = FastAPI()
    app.api_route("/both", methods=["GET", "POST"])(lambda: None)

    response = TestClient(app).delete("/both")
    assert response.status_code == 405
    assert sorted(response.headers["allow"].split(", ")) == ["GET", "POST"]


def test_405_is_answered_by_the_first_route_whose_path_matches() -> None:
    app = FastAPI()
    app.get("/split")(lambda: None)
    app.post("/split")(lambda: None)

    response = TestClient(app).delete("/split")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_missing_trailing_slash_redirects() -> None:
    app = FastAPI()
    app.get("/items/")(lambda: "slash")
    client = TestClient(app)

    response = client.get("/items", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/items/"
    assert client.get("/items").json() == "slash"


def test_extra_trailing_slash_redirects() -> None:
    app = FastAPI()
    app.get("/items")(lambda: "bare")

    response = TestClient(app).get("/items/?q=1", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/items?q=1"


def test_redirect_slashes_disabled_gives_404() -> None:
    app = FastAPI(redirect_slashes=False)
    app.get("/items/")(lambda: "slash")

    response = TestClient(app).get("/items", follow_redirects=False)
    assert response.status_code == 404


def test_router_redirect_slashes_false_disables_redirect_for_its_routes() -> None:
    router = APIRouter(redirect_slashes=False)
    router.get("/hello/")(lambda: "hi")
    app = FastAPI()
    app.include_router(router)

    assert TestClient(app).get("/hello", follow_redirects=False).status_code == 307


def test_http_exception_from_endpoint_returns_its_status() -> None:
    app = FastAPI()

    @app.get("/missing/{item_id}")
    def missing(item_id: str) -> None:
        raise HTTPException(status_code=404, detail=f"no {item_id}")

    response = TestClient(app).get("/missing/z")
    assert response.status_code == 404
    assert response.json() == {"detail": "no z"}


def test_trailing_slash_redirect_keeps_path_parameters() -> None:
    app = FastAPI()
    app.get("/items/{item_id}/")(lambda item_id: item_id)

    response = TestClient(app).get("/items/7", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/items/7/"


def test_redirect_applies_to_post_preserving_method() -> None:
    app = FastAPI()

    @app.post("/submit/")
    def submit(value: Annotated[int, Body(embed=True)]) -> int:
        return value

    response = TestClient(app).post("/submit", json={"value": 5})
    assert response.status_code == 200
    assert response.json() == 5


def test_later_full_match_beats_trailing_slash_redirect() -> None:
    app = FastAPI()
    app.get("/page/")(lambda: "with slash")
    app.get("/{anything}")(lambda anything: f"catch-all {anything}")

    response = TestClient(app).get("/page", follow_redirects=False)
    assert response.status_code == 200
    assert response.json() == "catch-all page"


def test_405_comes_from_route_whose_convertor_matched() -> None:
    app = FastAPI()
    app.get("/c/{x}")(lambda x: x)
    app.put("/c/{x:int}")(lambda x: x)
    client = TestClient(app)

    assert client.put("/c/1").json() == 1
    response = client.put("/c/x")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_custom_405_handler() -> None:
    app = FastAPI()
    app.get("/only-get")(lambda: None)

    @app.exception_handler(405)
    async def not_allowed(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("try GET", status_code=405)

    assert TestClient(app).post("/only-get").text == "try GET"


def test_api_route_with_explicit_head_answers_head() -> None:
    app = FastAPI()
    app.api_route("/both", methods=["GET", "HEAD"])(lambda: "body")
    client = TestClient(app)

    head = client.head("/both")
    assert head.status_code == 200
    assert head.content == b""
    post = client.post("/both")
    assert sorted(post.headers["allow"].split(", ")) == ["GET", "HEAD"]


# --- route classes and metadata -------------------------------------------------------------------------


def test_include_in_schema_false_route_is_served_but_undocumented() -> None:
    app = FastAPI()
    app.get("/secret", include_in_schema=False)(lambda: "shh")

    assert TestClient(app).get("/secret").json() == "shh"
    assert "/secret" not in app.openapi().get("paths", {})


def test_custom_route_class_on_router_is_used() -> None:
    class MarkedRoute(APIRoute):
        def get_route_handler(self) -> Any:
            original = super().get_route_handler()

            async def handler(request: Any) -> Any:
                response = await original(request)
                response.headers["x-marked"] = "yes"
                return response

            return handler

    router = APIRouter(route_class=MarkedRoute)
    router.get("/marked")(lambda: "m")
    app = FastAPI()
    app.include_router(router)

    response = TestClient(app).get("/marked")
    assert response.json() == "m"
    assert response.headers["x-marked"] == "yes"


def test_root_path_argument_is_deprecated_but_visible_to_requests() -> None:
    with pytest.warns(FastAPIDeprecationWarning, match="The `root_path` parameter is deprecated"):
        app = FastAPI(root_path="/proxy")

    @app.get("/where")
    def where(request: Request) -> str:
        return request.scope["root_path"]

    assert TestClient(app).get("/where").json() == "/proxy"


def test_app_routes_lists_declared_operations() -> None:
    app = FastAPI()
    app.get("/one")(lambda: 1)
    app.post("/two")(lambda: 2)

    paths = {route.path for route in app.routes if isinstance(route, APIRoute)}
    assert paths == {"/one", "/two"}


def test_router_routes_carry_their_prefixed_paths_after_include() -> None:
    router = APIRouter(prefix="/p")
    router.get("/x")(lambda: None)
    app = FastAPI()
    app.include_router(router)

    assert "/p/x" in app.openapi()["paths"]
    assert [route.path for route in router.routes] == ["/p/x"]


class GzipRequest(Request):
    """A request whose body is transparently decompressed when sent gzip-encoded."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            raw = await super().body()
            if "gzip" in self.headers.getlist("Content-Encoding"):
                raw = gzip.decompress(raw)
            self._body = raw
        return self._body


class GzipRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await original(GzipRequest(request.scope, request.receive))

        return handler


def test_route_class_can_replace_the_request_object() -> None:
    app = FastAPI()
    app.router.route_class = GzipRoute

    @app.post("/sum")
    async def total(numbers: Annotated[list[int], Body()]) -> int:
        return sum(numbers)

    client = TestClient(app)
    compressed = gzip.compress(json.dumps([1, 2, 3]).encode())
    headers = {"content-encoding": "gzip", "content-type": "application/json"}
    assert client.post("/sum", content=compressed, headers=headers).json() == 6
    assert client.post("/sum", json=[4, 5]).json() == 9


def test_route_class_can_intercept_request_validation_errors() -> None:
    class EchoingRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
                try:
                    return await original(request)
                except RequestValidationError as exc:
                    body = (await request.body()).decode()
                    raise HTTPException(status_code=422, detail={"count": len(exc.errors()), "body": body}) from exc

            return handler

    router = APIRouter(route_class=EchoingRoute)

    @router.post("/numbers")
    def numbers(values: Annotated[list[int], Body()]) -> int:
        return sum(values)

    app = FastAPI()
    app.include_router(router)

    response = TestClient(app).post("/numbers", json=["a", "b"])
    assert response.status_code == 422
    assert response.json() == {"detail": {"count": 2, "body": '["a","b"]'}}


# --- path templates --------------------------------------------------------------------------


def test_parameter_followed_by_literal_suffix() -> None:
    app = FastAPI()

    @app.get("/files/{name}.txt")
    def text_file(name: str) -> str:
        return name

    client = TestClient(app)
    assert client.get("/files/readme.txt").json() == "readme"
    assert client.get("/files/readme.md").status_code == 404


def test_two_parameters_in_one_segment() -> None:
    app = FastAPI()

    @app.get("/range/{start}-{end}")
    def span(start: int, end: int) -> int:
        return end - start

    assert TestClient(app).get("/range/3-10").json() == 7


def test_parameter_in_middle_segment() -> None:
    app = FastAPI()

    @app.get("/users/{user_id}/items/{item_id}")
    def user_item(user_id: int, item_id: str) -> list[Any]:
        return [user_id, item_id]

    client = TestClient(app)
    assert client.get("/users/1/items/x").json() == [1, "x"]
    assert client.get("/users/1/things/x").status_code == 404


def test_paths_are_case_sensitive() -> None:
    app = FastAPI()
    app.get("/Items")(lambda: "upper")

    client = TestClient(app)
    assert client.get("/Items").json() == "upper"
    assert client.get("/items").status_code == 404


def test_non_ascii_static_path_matches_percent_encoded_request() -> None:
    app = FastAPI()
    app.get("/café")(lambda: "coffee")

    assert TestClient(app).get("/caf%C3%A9").json() == "coffee"


def test_encoded_slash_in_parameter_does_not_match_single_segment() -> None:
    app = FastAPI()
    app.get("/items/{item_id}")(lambda item_id: item_id)

    assert TestClient(app).get("/items/a%2Fb").status_code == 404


def test_root_path_route() -> None:
    app = FastAPI()
    app.get("/")(lambda: "root")

    assert TestClient(app).get("/").json() == "root"


def test_route_class_may_return_a_plain_function_as_handler() -> None:
    # A synchronous handler runs in the threadpool; what it raises is answered as usual.
    class SyncRoute(APIRoute):
        def get_route_handler(self) -> Any:
            def handler(request: Request) -> Response:
                if request.query_params.get("fail"):
                    raise HTTPException(status_code=418, detail="no tea")
                return PlainTextResponse("sync")

            return handler

    app = FastAPI()
    app.router.route_class = SyncRoute
    app.get("/tea")(lambda: None)

    client = TestClient(app)
    assert client.get("/tea").text == "sync"
    failed = client.get("/tea", params={"fail": "1"})
    assert (failed.status_code, failed.json()) == (418, {"detail": "no tea"})
