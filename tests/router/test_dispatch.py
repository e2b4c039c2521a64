"""Dispatch shortcuts answer exactly as Starlette's matching and exception handling would.

The router answers a path no route takes without raising ``HTTPException(404)`` when the
application's handler is the default one, matches stock path operations without their
``matches`` call, and skips ``Route.handle`` when the method is known to be allowed. Each
test pins what a user sees when one of those shortcuts must not apply, or applies.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from nimbleapi import APIRouter, FastAPI, Request
from nimbleapi.exception_handlers import http_exception_handler
from nimbleapi.responses import PlainTextResponse, Response
from nimbleapi.routing import APIRoute
from nimbleapi.testclient import TestClient


def test_unknown_path_gets_the_default_404_response() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def read(item_id: int) -> int:
        return item_id

    response = TestClient(app).get("/nothing/here")
    assert response.status_code == 404
    assert response.content == b'{"detail":"Not Found"}'
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.content))


def test_unknown_path_goes_through_a_custom_http_exception_handler() -> None:
    app = FastAPI()
    seen: list[str] = []

    @app.exception_handler(StarletteHTTPException)
    async def record(request: Request, exc: StarletteHTTPException) -> Response:
        seen.append(request.url.path)
        return await http_exception_handler(request, exc)

    assert TestClient(app).get("/missing").json() == {"detail": "Not Found"}
    assert seen == ["/missing"]


def test_404_of_a_mounted_router_reaches_the_application_handler() -> None:
    app = FastAPI()
    inner = APIRouter()

    @inner.get("/known")
    def known() -> str:
        return "ok"

    @app.exception_handler(404)
    async def custom(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse(f"no {request.url.path}", status_code=404)

    app.mount("/sub", inner)
    client = TestClient(app)
    assert client.get("/sub/known").json() == "ok"
    response = client.get("/sub/unknown")
    assert (response.status_code, response.text) == (404, "no /sub/unknown")


def test_path_parameters_of_a_mount_reach_the_routes_inside() -> None:
    app = FastAPI()
    inner = APIRouter()

    @inner.get("/items/{item_id}")
    def read(item_id: int, request: Request) -> dict[str, Any]:
        return {"item_id": item_id, "path_params": request.path_params}

    app.mount("/tenants/{tenant}", inner)
    response = TestClient(app).get("/tenants/acme/items/3")
    assert response.json() == {"item_id": 3, "path_params": {"tenant": "acme", "item_id": "3"}}


def test_a_route_class_with_its_own_matching_is_asked() -> None:
    class VersionedRoute(APIRoute):
        def matches(self, scope: Any) -> tuple[Match, dict[str, Any]]:
            match, child_scope = super().matches(scope)
            headers = dict(scope["headers"])
            if match is Match.FULL and headers.get(b"x-version") != b"2":
                return Match.NONE, {}
            return match, child_scope

    app = FastAPI()
    app.router.route_class = VersionedRoute

    @app.get("/things/{thing_id}")
    def read(thing_id: int) -> int:
        return thing_id

    client = TestClient(app)
    assert client.get("/things/1", headers={"x-version": "2"}).json() == 1
    assert client.get("/things/1").status_code == 404


def test_wrong_method_on_a_parameter_path_is_405_with_allow() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def read(item_id: int) -> int:
        return item_id

    response = TestClient(app).delete("/items/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json() == {"detail": "Method Not Allowed"}


def test_trailing_slash_redirect_still_found_among_candidates() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}/")
    def read(item_id: int) -> int:
        return item_id

    response = TestClient(app).get("/items/5", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith("/items/5/")
