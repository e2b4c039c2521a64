"""The application written for FastAPI, as a FastAPI user would write it.

The same source runs on FastAPI and, with `fastapi` aliased to nimbleapi by
nimbleapi.compat, on nimbleapi (harness/targets.py executes it twice). So it
imports only from `fastapi` and uses only FastAPI's public API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query

from harness.models import HELLO, ITEMS, FakeDBSession, ItemIn, ItemOut, User, UserInDB, parse_bearer

from harness.telemetry import app_telemetry

# Defaults kept: /docs, /redoc and /openapi.json are registered, as in a real app. The
# telemetry setting is FastAPI's default (None) except for the `_otel` targets.
app = FastAPI(telemetry=app_telemetry())

# Endpoints carry no return annotation on purpose: FastAPI would turn one into a
# response model and validate every answer, which the other targets do not do.


@app.get("/")
async def hello():
    return HELLO


@app.get("/sync")
def hello_sync():
    return HELLO


@app.get("/items/{item_id}")
async def read_item(
    item_id: int,
    q: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
):
    return {"item_id": item_id, "q": q, "limit": limit}


@app.get("/items", response_model=list[ItemOut])
async def list_items():
    return ITEMS


@app.post("/items", response_model=ItemOut, status_code=201)
async def create_item(item: ItemIn):
    return item  # the response model leaves out internal_code


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


async def get_token(authorization: Annotated[str | None, Header()] = None) -> str:
    token = parse_bearer(authorization)
    if token is None:
        raise _unauthorized("Not authenticated")
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
        raise _unauthorized("Invalid token")
    return user


@app.get("/users/me", response_model=User)
async def read_me(user: Annotated[UserInDB, Depends(get_current_user)]):
    return user  # the response model leaves out hashed_password
