"""A route's plan holds each per-field decision once, for the compiler and the document alike."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import pytest
from pydantic import BaseModel

from nimbleapi import Body, Depends, FastAPI, Form, Header, Query
from nimbleapi._plan.route_plan import RoutePlan, plan_route
from nimbleapi.routing import APIRoute
from nimbleapi.testclient import TestClient


class Item(BaseModel):
    name: str


class Filters(BaseModel):
    max_price: int = 10
    tags: list[str] = []


def token(token: Annotated[str, Form()]) -> str:
    return token


def route_of(app: FastAPI, path: str) -> APIRoute:
    return next(route for route in app.routes if isinstance(route, APIRoute) and route.path == path)


def params_of(plan: RoutePlan) -> dict[str, tuple[str, ...]]:
    node = plan.node(plan.dependant)
    return {plan.name: tuple(key for _, key in plan.keys) for _, plans in node.params for plan in plans}


def test_header_keys_convert_underscores_once() -> None:
    app = FastAPI()

    @app.get("/h")
    def read(x_token: Annotated[str, Header()], raw_name: Annotated[str, Header(convert_underscores=False)]) -> str:
        return x_token + raw_name

    plan = plan_route(route_of(app, "/h"))
    assert params_of(plan) == {"x_token": ("x-token",), "raw_name": ("raw_name",)}
    response = TestClient(app).get("/h", headers={"x-token": "a", "raw_name": "b"})
    assert response.json() == "ab"


def test_parameter_model_members_and_sequences() -> None:
    app = FastAPI()

    @app.get("/q")
    def read(filters: Annotated[Filters | None, Query()] = None, ids: Annotated[list[int], Query()] = []) -> int:
        return len(ids)

    node = plan_route(route_of(app, "/q")).node(route_of(app, "/q").dependant)
    (location, (model_plan, ids_plan)), = node.params
    assert location == "query"
    assert model_plan.model is Filters
    assert [(member.name, member.is_sequence, member.required) for member in model_plan.members] == [
        ("max_price", False, False),
        ("tags", True, False),
    ]
    assert ids_plan.is_sequence and not ids_plan.required


def test_body_plan_embeds_several_fields() -> None:
    app = FastAPI()

    @app.post("/b")
    def create(item: Item, importance: Annotated[int, Body()]) -> Item:
        return item

    body = plan_route(route_of(app, "/b")).body
    assert body.embedded and not body.is_form and body.media_type == "application/json" and body.required
    assert [field.aliases for field in body.fields] == [("item",), ("importance",)]


def test_body_plan_of_a_form_and_a_dependency() -> None:
    app = FastAPI()

    @app.post("/f")
    def login(username: Annotated[str, Form()], tok: Annotated[str, Depends(token)]) -> str:
        return username + tok

    plan = plan_route(route_of(app, "/f"))
    assert plan.body.is_form and plan.body.embedded
    assert [field.field.name for field in plan.body.fields] == ["username", "token"]
    assert TestClient(app).post("/f", data={"username": "a", "token": "b"}).json() == "ab"


def test_plan_sees_edits_made_before_compilation() -> None:
    app = FastAPI()

    @app.get("/e")
    def read(q: int = 0) -> int:
        return q

    @app.get("/other")
    def other(extra: int = 1) -> int:
        return extra

    route = route_of(app, "/e")
    route.dependant.query_params.append(route_of(app, "/other").dependant.query_params[0])
    assert params_of(plan_route(route)) == {"q": ("q",), "extra": ("extra",)}
    assert "extra" in str(app.openapi()["paths"]["/e"])


def test_plan_is_frozen() -> None:
    app = FastAPI()

    @app.get("/x")
    def read() -> None:
        return None

    plan = plan_route(route_of(app, "/x"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.path = "/y"  # type: ignore[misc]
    assert plan.operation is not None and plan.operation.summary == "Read"
    assert plan.response.status_code is None and plan.methods == ("GET",)
