"""A 1,000-route application in FastAPI source, built on FastAPI or (aliased) on nimbleapi.

Routes come in groups of five shapes, the ones the request benchmarks time:
no inputs, path + constrained query, body model with response model, a
three-level dependency chain with a `yield` dependency, and a list response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query

from harness.models import HELLO, ITEMS, FakeDBSession, ItemIn, ItemOut, User, UserInDB, parse_bearer

SHAPES = 5


async def get_token(authorization: Annotated[str | None, Header()] = None) -> str:
    token = parse_bearer(authorization)
    if token is None:
        raise HTTPException(401, "Not authenticated", {"WWW-Authenticate": "Bearer"})
    return token


async def get_session(token: Annotated[str, Depends(get_token)]) -> AsyncIterator[FakeDBSession]:
    session = FakeDBSession(token)
    try:
        yield session
    finally:
        session.close()


async def get_current_user(session: Annotated[FakeDBSession, Depends(get_session)]) -> UserInDB:
    user = session.current_user()
    if user is None:
        raise HTTPException(401, "Invalid token", {"WWW-Authenticate": "Bearer"})
    return user


def _endpoints() -> list[tuple[str, str, dict[str, Any], Callable[..., Any]]]:
    """Fresh endpoint functions for every group, as distinct handlers in a real app would be."""

    async def hello():
        return HELLO

    async def read_item(item_id: int, q: str | None = None, limit: Annotated[int, Query(ge=1, le=100)] = 10):
        return {"item_id": item_id, "q": q, "limit": limit}

    async def create_item(item: ItemIn):
        return item

    async def read_me(user: Annotated[UserInDB, Depends(get_current_user)]):
        return user

    async def list_items():
        return ITEMS

    return [
        ("GET", "/hello", {}, hello),
        ("GET", "/items/{item_id}", {}, read_item),
        ("POST", "/items", {"response_model": ItemOut, "status_code": 201}, create_item),
        ("GET", "/users/me", {"response_model": User}, read_me),
        ("GET", "/items", {"response_model": list[ItemOut]}, list_items),
    ]


def build_app(routes: int) -> Any:
    app = FastAPI()
    for group in range(routes // SHAPES):
        router = APIRouter(prefix=f"/g{group}", tags=[f"group {group % 10}"])
        for method, path, options, endpoint in _endpoints():
            router.add_api_route(path, endpoint, methods=[method], **options)
        app.include_router(router)
    return app


def openapi(app: Any) -> dict[str, Any]:
    document: dict[str, Any] = app.openapi()
    return document
