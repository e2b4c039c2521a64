"""Idiomatic Litestar 2 with the same pydantic models (through its pydantic plugin).

Response fields are dropped with DTOs, Litestar's counterpart of FastAPI's
response_model; the dependency chain uses Provide() with a generator for the
session. Litestar's error bodies have their own shape (and a non-int path
segment is a 404 there), so the check compares only statuses on error cases.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Litestar, get, post
from litestar.contrib.pydantic import PydanticDTO
from litestar.di import Provide
from litestar.dto import DTOConfig
from litestar.exceptions import NotAuthorizedException
from litestar.params import Parameter

from harness.models import HELLO, ITEMS, FakeDBSession, ItemIn, ItemOut, UserInDB, parse_bearer


class ItemOutDTO(PydanticDTO[ItemIn]):
    config = DTOConfig(exclude={"internal_code"}, max_nested_depth=2)


class UserOutDTO(PydanticDTO[UserInDB]):
    config = DTOConfig(exclude={"hashed_password"})


@get("/")
async def hello() -> dict[str, str]:
    return HELLO


@get("/sync", sync_to_thread=True)
def hello_sync() -> dict[str, str]:
    return HELLO


@get("/items/{item_id:int}")
async def read_item(
    item_id: int,
    q: str | None = None,
    limit: Annotated[int, Parameter(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    return {"item_id": item_id, "q": q, "limit": limit}


@get("/items")
async def list_items() -> list[ItemOut]:
    return ITEMS


@post("/items", status_code=201, return_dto=ItemOutDTO)
async def create_item(data: ItemIn) -> ItemIn:
    return data


def _unauthorized(detail: str) -> NotAuthorizedException:
    return NotAuthorizedException(detail, headers={"WWW-Authenticate": "Bearer"})


async def provide_token(
    authorization: Annotated[str | None, Parameter(header="Authorization")] = None,
) -> str:
    token = parse_bearer(authorization)
    if token is None:
        raise _unauthorized("Not authenticated")
    return token


async def provide_session(token: str) -> AsyncIterator[FakeDBSession]:
    session = FakeDBSession(token)
    try:
        yield session
    finally:
        session.close()


async def provide_current_user(session: FakeDBSession) -> UserInDB:
    user = session.current_user()
    if user is None:
        raise _unauthorized("Invalid token")
    return user


@get(
    "/users/me",
    return_dto=UserOutDTO,
    dependencies={
        "token": Provide(provide_token),
        "session": Provide(provide_session),
        "current_user": Provide(provide_current_user),
    },
)
async def read_me(current_user: UserInDB) -> UserInDB:
    return current_user


app = Litestar(route_handlers=[hello, hello_sync, read_item, list_items, create_item, read_me], debug=False)
