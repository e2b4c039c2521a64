"""Solving dependency trees: FastAPI's order, errors per subtree, caching, and the same
behaviour whether the route's solver is generated code or the step loop (deep trees)."""

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
    assert 'File "<nimbleapi solver ' in rendered
    assert "value = cache[" in rendered  # the generated line itself, from linecache


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
        assert f'.{name}>", line' in rendered and "<nimbleapi solver " in rendered
