"""The same 1,000 routes as fastapi_routes.py, written for Litestar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Litestar, Router, get, post
from litestar.contrib.pydantic import PydanticDTO
from litestar.di import Provide
from litestar.dto import DTOConfig
from litestar.exceptions import NotAuthorizedException
from litestar.params import Parameter

from harness.models import HELLO, ITEMS, FakeDBSession, ItemIn, ItemOut, UserInDB, parse_bearer

SHAPES = 5


class ItemOutDTO(PydanticDTO[ItemIn]):
    config = DTOConfig(exclude={"internal_code"}, max_nested_depth=2)


class UserOutDTO(PydanticDTO[UserInDB]):
    config = DTOConfig(exclude={"hashed_password"})


async def provide_token(authorization: Annotated[str | None, Parameter(header="Authorization")] = None) -> str:
    token = parse_bearer(authorization)
    if token is None:
        raise NotAuthorizedException("Not authenticated", headers={"WWW-Authenticate": "Bearer"})
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
        raise NotAuthorizedException("Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return user


def _handlers(group: int) -> list[Any]:
    @get("/hello", name=f"hello_{group}")
    async def hello() -> dict[str, str]:
        return HELLO

    @get("/items/{item_id:int}", name=f"read_item_{group}")
    async def read_item(item_id: int, q: str | None = None,
                        limit: Annotated[int, Parameter(ge=1, le=100)] = 10) -> dict[str, Any]:
        return {"item_id": item_id, "q": q, "limit": limit}

    @post("/items", status_code=201, return_dto=ItemOutDTO, name=f"create_item_{group}")
    async def create_item(data: ItemIn) -> ItemIn:
        return data

    @get("/users/me", return_dto=UserOutDTO, name=f"read_me_{group}", dependencies={
        "token": Provide(provide_token), "session": Provide(provide_session),
        "current_user": Provide(provide_current_user)})
    async def read_me(current_user: UserInDB) -> UserInDB:
        return current_user

    @get("/items", name=f"list_items_{group}")
    async def list_items() -> list[ItemOut]:
        return ITEMS

    return [hello, read_item, create_item, read_me, list_items]


def build_app(routes: int) -> Any:
    routers = [Router(path=f"/g{group}", tags=[f"group {group % 10}"], route_handlers=_handlers(group))
               for group in range(routes // SHAPES)]
    return Litestar(route_handlers=routers, debug=False)


def openapi(app: Any) -> dict[str, Any]:
    document: dict[str, Any] = app.openapi_schema.to_schema()
    return document
