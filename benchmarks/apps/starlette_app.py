"""Plain Starlette with validation written by hand, using the same pydantic models.

Errors are built in FastAPI's shapes (422 detail list, {"detail": ...}) so the
check can compare this target exactly with FastAPI.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from harness.models import (
    HELLO,
    ITEM_QUERY_SOURCES,
    ITEMS,
    FakeDBSession,
    ItemIn,
    ItemOut,
    ItemQuery,
    User,
    parse_bearer,
)

_dump_item = TypeAdapter(ItemOut).dump_json
_dump_items = TypeAdapter(list[ItemOut]).dump_json
_dump_user = TypeAdapter(User).dump_json
_JSON = "application/json"
_BEARER = {"WWW-Authenticate": "Bearer"}


def _validation_error(exc: ValidationError, source: Callable[[str], str]) -> JSONResponse:
    """FastAPI's 422 body: pydantic's errors with the request location put first in `loc`."""
    detail = []
    for error in exc.errors(include_url=False):
        error["loc"] = (source(str(error["loc"][0])), *error["loc"])
        detail.append(error)
    return JSONResponse({"detail": detail}, status_code=422)


async def hello(request: Request) -> Response:
    return JSONResponse(HELLO)


def hello_sync(request: Request) -> Response:  # Starlette runs a plain `def` in its threadpool
    return JSONResponse(HELLO)


async def read_item(request: Request) -> Response:
    raw = {**request.query_params, "item_id": request.path_params["item_id"]}
    try:
        params = ItemQuery.model_validate(raw)
    except ValidationError as exc:
        return _validation_error(exc, lambda field: ITEM_QUERY_SOURCES.get(field, "query"))
    return JSONResponse({"item_id": params.item_id, "q": params.q, "limit": params.limit})


async def list_items(request: Request) -> Response:
    return Response(_dump_items(ITEMS), media_type=_JSON)


async def create_item(request: Request) -> Response:
    try:
        item = ItemIn.model_validate_json(await request.body())
    except ValidationError as exc:
        return _validation_error(exc, lambda field: "body")
    return Response(_dump_item(item), status_code=201, media_type=_JSON)


async def read_me(request: Request) -> Response:
    token = parse_bearer(request.headers.get("authorization"))
    if token is None:
        raise HTTPException(401, "Not authenticated", _BEARER)
    session = FakeDBSession(token)
    try:
        user = session.current_user()
        if user is None:
            raise HTTPException(401, "Invalid token", _BEARER)
        return Response(_dump_user(user), media_type=_JSON)
    finally:
        session.close()


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


app = Starlette(
    routes=[
        Route("/", hello),
        Route("/sync", hello_sync),
        Route("/items/{item_id}", read_item),
        Route("/items", list_items, methods=["GET"]),
        Route("/items", create_item, methods=["POST"]),
        Route("/users/me", read_me),
    ],
    exception_handlers={HTTPException: http_exception},
)
