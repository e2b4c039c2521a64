"""Route lint: shadowed routes, duplicates, operation-id collisions, undeclared path parameters."""

from __future__ import annotations

from typing import Any

from nimbleapi import APIRouter, Depends, FastAPI
from nimbleapi._lint import lint_app, path_covers

THIS_FILE = "test_lint.py"


def kinds(app: FastAPI) -> list[str]:
    return [finding.kind for finding in lint_app(app)]


def test_parameter_route_declared_first_shadows_a_literal_one() -> None:
    app = FastAPI()

    @app.get("/users/{user_id}")
    def read_user(user_id: int) -> None: ...

    @app.get("/users/me")
    def read_me() -> None: ...

    [finding] = lint_app(app)
    assert finding.kind == "shadowed"
    assert finding.route.path == "/users/me" and finding.other is not None and finding.other.path == "/users/{user_id}"
    assert "read_me" in finding.message and "read_user" in finding.message
    assert f"{THIS_FILE}:{read_me.__code__.co_firstlineno}" in finding.message
    assert f"{THIS_FILE}:{read_user.__code__.co_firstlineno}" in finding.message


def test_literal_route_declared_first_is_fine() -> None:
    app = FastAPI()

    @app.get("/users/me")
    def read_me() -> None: ...

    @app.get("/users/{user_id}")
    def read_user(user_id: int) -> None: ...

    assert lint_app(app) == []


def test_other_methods_do_not_shadow() -> None:
    app = FastAPI()

    @app.post("/users/{user_id}")
    def update_user(user_id: int) -> None: ...

    @app.get("/users/me")
    def read_me() -> None: ...

    assert lint_app(app) == []


def test_duplicate_method_and_path_across_included_routers() -> None:
    app = FastAPI()
    router = APIRouter()

    @app.get("/v1/items/{item_id}")
    def first(item_id: str) -> None: ...

    @router.get("/items/{key}")
    def second(key: str) -> None: ...

    app.include_router(router, prefix="/v1")
    [finding] = lint_app(app)
    assert finding.kind == "duplicate"
    assert finding.route.endpoint.endswith("second") and finding.other is not None
    assert finding.other.endpoint.endswith("first")


def test_operation_id_collision_names_both_routes() -> None:
    app = FastAPI()

    @app.get("/a", operation_id="fetch")
    def read_a() -> None: ...

    @app.get("/b", operation_id="fetch")
    def read_b() -> None: ...

    [finding] = lint_app(app)
    assert finding.kind == "operation-id"
    assert "read_a" in finding.message and "read_b" in finding.message


def test_routes_left_out_of_the_schema_have_no_operation_id() -> None:
    app = FastAPI()

    @app.get("/a", operation_id="fetch")
    def read_a() -> None: ...

    @app.get("/b", operation_id="fetch", include_in_schema=False)
    def read_b() -> None: ...

    assert lint_app(app) == []


def test_path_parameter_missing_from_the_signature() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def read_item() -> None: ...

    [finding] = lint_app(app)
    assert finding.kind == "path-param" and "'item_id'" in finding.message


def test_path_parameter_read_by_a_dependency_counts_as_declared() -> None:
    app = FastAPI()

    def load_item(item_id: int) -> int:
        return item_id

    @app.get("/items/{item_id}")
    def read_item(item: Any = Depends(load_item)) -> None: ...

    assert lint_app(app) == []


def test_convertors_decide_what_a_parameter_segment_covers() -> None:
    assert path_covers("/n/{n:int}", "/n/42")
    assert not path_covers("/n/{n:int}", "/n/abc")
    assert not path_covers("/n/{n:int}", "/n/{name}")
    assert path_covers("/n/{name}", "/n/{n:int}")
    assert path_covers("/files/{rest:path}", "/files/a/b")
    assert not path_covers("/files/{rest:path}", "/files")
    assert not path_covers("/a/{x}", "/a/{x}/b")
