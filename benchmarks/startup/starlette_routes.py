"""The same 1,000 routes for plain Starlette (no OpenAPI document: Starlette does not generate one)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Mount, Route

from apps import starlette_app as handlers

SHAPES = 5


def build_app(routes: int) -> Any:
    groups = [
        Mount(f"/g{group}", routes=[
            Route("/hello", handlers.hello),
            Route("/items/{item_id}", handlers.read_item),
            Route("/items", handlers.create_item, methods=["POST"]),
            Route("/users/me", handlers.read_me),
            Route("/items", handlers.list_items, methods=["GET"]),
        ])
        for group in range(routes // SHAPES)
    ]
    return Starlette(routes=groups, exception_handlers={HTTPException: handlers.http_exception})


openapi = None
