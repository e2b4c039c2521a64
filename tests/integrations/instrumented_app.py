"""The application and requests the instrumentation tests replay, written as FastAPI code.

Imported by the scripts that run one instrumented process each (``sentry_run.py``,
``opentelemetry_run.py``), after ``fastapi`` was aliased to nimbleapi and the instrumentation
was set up, as an application module would be.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel

# (method, url, JSON body or None): one request each, in this order.
REQUESTS: list[tuple[str, str, Any]] = [
    ("GET", "/items/3", None),
    ("GET", "/items/abc", None),
    ("GET", "/sync/abc", None),
    ("POST", "/items", {"name": "x", "price": 1.5}),
    ("GET", "/hello", None),
    ("GET", "/unavailable", None),
    ("GET", "/api/users/7?q=z", None),
    ("GET", "/background", None),
    ("GET", "/nope", None),
]


class Item(BaseModel):
    name: str
    price: float


def optional_query(q: str | None = None) -> str | None:
    return q


def record_nothing() -> None:
    """A background task."""


def build_app(app: FastAPI | None = None) -> FastAPI:
    app = FastAPI() if app is None else app
    users = APIRouter(prefix="/api")

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> Any:
        raise ZeroDivisionError("division by zero in read_item")

    @app.get("/sync/{name}")
    def sync_endpoint(name: str) -> Any:
        raise ValueError("failure in a sync endpoint")

    @app.post("/items")
    async def create_item(item: Item) -> Any:
        raise RuntimeError("failure after reading the body")

    @app.get("/hello")
    async def hello() -> Any:
        return {"hello": "world"}

    @app.get("/unavailable")
    async def unavailable() -> Any:
        raise HTTPException(status_code=503, detail="down for maintenance")

    @users.get("/users/{user_id}")
    async def read_user(user_id: int, q: Annotated[str | None, Depends(optional_query)]) -> Any:
        return {"user_id": user_id, "q": q}

    @app.get("/background")
    async def with_background_task(tasks: BackgroundTasks) -> Any:
        tasks.add_task(record_nothing)
        return {}

    app.include_router(users)
    return app


def replay(app: FastAPI) -> Iterator[tuple[str, int]]:
    """Send the requests of ``REQUESTS`` one by one; after each, yields ``("METHOD url", status)``
    (the caller collects what the instrumentation recorded for it before the next one)."""
    client = TestClient(app, raise_server_exceptions=False, headers={"cookie": "theme=dark"})
    for method, url, body in REQUESTS:
        response = client.request(method, url, json=body)
        yield f"{method} {url}", response.status_code
