"""Solving dependency trees: FastAPI's order, errors per subtree, caching, and the same
behaviour whether the route's solver is generated code or the step loop (deep trees)."""

import linecache
import traceback
from typing import Annotated, Any

import pytest
from asgi_calls import run

from nimbleapi import Depends, FastAPI, Query
from nimbleapi._compile import codegen


def chain_app(depth: int, calls: list[str]) -> FastAPI:
    """``/`` depends on a chain of *depth* dependencies; the innermost reads ``?n=``."""

    def innermost(n: Annotated[int, Query()]) -> int:
        calls.append("0")
        return n

    previous: Any = innermost
    for level in range(1, depth):

        def link(value: Annotated[int, Depends(previous)], level: int = level) -> int:
            calls.append(str(level))
            return value + 1

        previous = link

    app = FastAPI()

    @app.get("/")
    async def endpoint(total: Annotated[int, Depends(previous)]) -> Any:
        return total

    return app


@pytest.mark.parametrize("depth", [3, codegen.MAX_DEPTH + 6])
def test_dependency_chain_runs_innermost_first(depth: int) -> None:
    calls: list[str] = []
    assert run(chain_app(depth, calls), "GET", "/", query=b"n=5").json() == 5 + depth - 1
    assert calls == [str(level) for level in range(depth)]


@pytest.mark.parametrize("depth", [3, codegen.MAX_DEPTH + 6])
def test_error_in_a_subtree_skips_only_the_dependencies_above_it(depth: int) -> None:
    calls: list[str] = []
    answer = run(chain_app(depth, calls), "GET", "/", query=b"n=x")
    assert answer.status == 422
    assert [error["loc"] for error in answer.json()["detail"]] == [["query", "n"]]
    assert calls == []


def test_sibling_of_a_failing_dependency_still_runs() -> None:
    calls: list[str] = []

    def failing(n: Annotated[int, Query()]) -> int:
        calls.append("failing")
        return n

    def sibling() -> str:
        calls.append("sibling")
        return "s"

    app = FastAPI()

    @app.get("/")
    async def endpoint(a: Annotated[int, Depends(failing)], b: Annotated[str, Depends(sibling)]) -> Any:
        return "unreachable"

    assert run(app, "GET", "/", query=b"n=x").status == 422
    assert calls == ["sibling"]


def test_shared_dependency_runs_once_unless_caching_is_off() -> None:
    calls: list[str] = []

    async def shared() -> int:
        calls.append("shared")
        return len(calls)

    def left(value: Annotated[int, Depends(shared)]) -> int:
        return value

    def right(value: Annotated[int, Depends(shared, use_cache=False)]) -> int:
        return value

    app = FastAPI()

    @app.get("/")
    async def endpoint(a: Annotated[int, Depends(left)], b: Annotated[int, Depends(right)], c: Annotated[int, Depends(shared)]) -> Any:
        return [a, b, c]

    assert run(app, "GET", "/").json() == [1, 2, 1]
    assert calls == ["shared", "shared"]


@pytest.mark.usefixtures("generated_solver")
def test_generated_solver_is_shown_in_tracebacks() -> None:
    def broken() -> None:
        raise LookupError("in a dependency")

    app = FastAPI()

    @app.get("/")
    async def endpoint(_: Annotated[None, Depends(broken)]) -> Any:
        return None

    with pytest.raises(LookupError) as caught:
        run(app, "GET", "/")
    rendered = "".join(traceback.format_exception(caught.value))
    assert 'File "<nimbleapi route ' in rendered
    assert "value = cache[" in rendered  # the generated line itself, from linecache


@pytest.mark.usefixtures("generated_solver")
def test_routes_of_the_same_shape_keep_their_own_solver_names() -> None:
    def broken() -> None:
        raise LookupError("in a dependency")

    app = FastAPI()

    @app.get("/first")
    async def first(_: Annotated[None, Depends(broken)]) -> Any:
        return None

    @app.get("/second")
    async def second(_: Annotated[None, Depends(broken)]) -> Any:
        return None

    for name in ("first", "second"):
        with pytest.raises(LookupError) as caught:
            run(app, "GET", f"/{name}")
        rendered = "".join(traceback.format_exception(caught.value))
        assert f'<nimbleapi route GET /{name} {__name__}:' in rendered
        assert f'.{name}>", line' in rendered


def solver_lines(error: BaseException) -> list[tuple[str, str]]:
    """(file name, source line) of each generated solver frame in *error*'s traceback."""
    return [
        (frame.filename, frame.line or "")
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith("<nimbleapi route ")
    ]


def failing_app(path: str, dependency_name: str) -> FastAPI:
    """An app whose endpoint (always called ``endpoint``) depends on a failing dependency
    named *dependency_name*, behind a working one."""

    def working() -> int:
        return 1

    def failing(value: Annotated[int, Depends(working)]) -> int:
        raise LookupError(dependency_name)

    failing.__name__ = failing.__qualname__ = dependency_name
    app = FastAPI()

    @app.post(path)
    async def endpoint(value: Annotated[int, Depends(failing)]) -> Any:
        return value

    return app


@pytest.mark.usefixtures("generated_solver")
def test_a_traceback_shows_the_line_of_its_own_routes_solver() -> None:
    # Same endpoint name and shape; other dependencies, paths, applications: each traceback
    # names its route and shows the line that called its own dependency.
    apps = [failing_app("/orders", "load_order"), failing_app("/users", "load_user"), failing_app("/orders", "load_cart")]
    errors = []
    for app in apps:
        with pytest.raises(LookupError) as caught:
            run(app, "POST", app.routes[-1].path)  # type: ignore[attr-defined]
        errors.append(caught.value)
    (orders_file, orders_line), (users_file, users_line), (cart_file, cart_line) = [solver_lines(e)[-1] for e in errors]
    assert "await run_load_order(ctx, v1)" in orders_line and "await run_load_user(ctx, v1)" in users_line
    assert "await run_load_cart(ctx, v1)" in cart_line
    assert orders_file.startswith("<nimbleapi route POST /orders ") and users_file.startswith("<nimbleapi route POST /users ")
    assert len({orders_file, users_file, cart_file}) == 3  # the same route declared twice keeps both sources
    for filename, line in ((orders_file, orders_line), (users_file, users_line), (cart_file, cart_line)):
        assert line in "".join(linecache.getlines(filename))


@pytest.mark.usefixtures("generated_solver")
def test_generated_solver_names_what_it_holds() -> None:
    def get_db() -> str:
        raise LookupError("no database")

    app = FastAPI()

    @app.get("/items")
    async def read_items(db: Annotated[str, Depends(get_db)], q: Annotated[str | None, Query()] = None) -> Any:
        return db

    with pytest.raises(LookupError) as caught:
        run(app, "GET", "/items")
    filename, line = solver_lines(caught.value)[-1]
    assert line.strip() == "value = cache[get_db_key] if get_db_key in cache else await run_get_db(ctx, v1)"
    source = "".join(linecache.getlines(filename))
    assert "if overrides and get_db_dependency.call in overrides:" in source
    assert "fill_query_values(get_query_values(ctx), v0, errors)" in source


@pytest.mark.usefixtures("generated_solver")
def test_a_route_reading_a_body_shows_its_generated_solver_in_tracebacks() -> None:
    # A route with a body is solved by the generated solver alone (not a whole generated route).
    def load_cart() -> int:
        raise LookupError("no cart")

    app = FastAPI()

    @app.post("/carts")
    async def add(item: dict[str, int], cart: Annotated[int, Depends(load_cart)]) -> Any:
        return cart

    with pytest.raises(LookupError) as caught:
        run(app, "POST", "/carts", body=b'{"a": 1}')
    rendered = "".join(traceback.format_exception(caught.value))
    assert f'File "<nimbleapi solver POST /carts {__name__}:' in rendered
    assert "await run_load_cart(ctx, v1)" in rendered
