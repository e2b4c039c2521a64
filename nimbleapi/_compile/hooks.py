"""Calling the endpoint and serialising its answer through FastAPI's module functions.

FastAPI's request handler calls ``fastapi.routing.run_endpoint_function`` and
``fastapi.routing.serialize_response`` by name, so profilers and tracers replace them to
time or record each call. nimbleapi's handlers do the same work inline. When an extension
replaced one of them (see ``nimbleapi._patch_points``), the route is compiled with
``compile_hooked_finisher``, which calls the replacement the way FastAPI does: the
endpoint through ``run_endpoint_function(dependant=, values=, is_coroutine=)``, a return
value that is not a ``Response`` through ``serialize_response(...)``, then the response
FastAPI builds from what it returned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Scope

from .._plan.callables import is_coroutine_callable
from .._telemetry.observe import operation, run_in_operation
from ..datastructures import DefaultPlaceholder
from ..dependencies.models import Dependant
from .._plan.http import is_body_allowed_for_status_code
from .._plan.route_plan import RoutePlan
from .respond import serialize_response
from .streaming import _copy_sub_response_headers, _response_kwargs

EndpointRunner = Callable[..., Awaitable[Any]]
# ``await solve_dependencies(request=, dependant=, body=, ...) -> SolvedDependency`` (FastAPI's signature).
DependenciesSolver = Callable[..., Awaitable[Any]]
Serializer = Callable[..., Awaitable[Any]]
# ``await finish(values, ctx, scope) -> Response``: the endpoint called, and its answer.
Finisher = Callable[[dict[str, Any], Any, Scope], Awaitable[Response]]


async def run_endpoint_function(*, dependant: Any, values: dict[str, Any], is_coroutine: bool) -> Any:
    """Call the endpoint of *dependant* with *values*: awaited, or in the threadpool (FastAPI's
    helper), in its ``fastapi.endpoint`` span when the request is traced."""
    assert dependant.call is not None, "dependant.call must be a function"
    if is_coroutine:
        with operation("endpoint", dependant.call):
            return await dependant.call(**values)
    return await run_in_threadpool(run_in_operation, "endpoint", dependant.call, values)


def compile_hooked_finisher(plan: RoutePlan, run: EndpointRunner | None, serialize: Serializer | None) -> Finisher:
    """``await finish(values, ctx, scope) -> Response`` through *run* and *serialize* (None: the originals)."""
    run = run or run_endpoint_function
    serialize = serialize or serialize_response
    dependant, contexts, field = plan.dependant, plan.contexts, plan.response.field
    assert dependant.call is not None, "dependant.call must be a function"
    is_coroutine = is_coroutine_callable(dependant.call)
    response_class = plan.response.response_class
    dump_json = field is not None and isinstance(response_class, DefaultPlaceholder)
    actual_class: type[Response] = response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class
    options, status_code = plan.response.options.as_kwargs(), plan.response.status_code

    async def finish(values: dict[str, Any], ctx: Any, scope: Scope) -> Response:
        content = await run(dependant=dependant, values=values, is_coroutine=is_coroutine)
        if isinstance(content, Response):
            if content.background is None:
                content.background = ctx.background_tasks
            return content
        serialized = await serialize(
            field=field,
            response_content=content,
            **options,
            is_coroutine=is_coroutine,
            endpoint_ctx=contexts.for_scope(scope),
            dump_json=dump_json,
        )
        kwargs = _response_kwargs(status_code, ctx)
        if dump_json:
            response = Response(content=serialized, media_type="application/json", **kwargs)
        else:
            response = actual_class(serialized, **kwargs)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        return _copy_sub_response_headers(response, ctx)

    return finish


def solve_through(
    solve_dependencies: DependenciesSolver,
    dependant: Dependant,
    overrides_provider: Any,
    embed_body_fields: bool,
    *,
    websocket: bool = False,
) -> Callable[[Any], Awaitable[tuple[dict[str, Any], list[Any]]]]:
    """``await solve(ctx)`` by a replacement of FastAPI's ``solve_dependencies``, called with
    the arguments FastAPI's handler gives it. The values it returns are handed on as they
    are (a tracer may recognise them when the endpoint is called); its background tasks and
    sub-response are the request's. A WebSocket session has no body to pass."""

    async def solve(ctx: Any) -> tuple[dict[str, Any], list[Any]]:
        body = {} if websocket else {"body": ctx.body}
        solved = await solve_dependencies(
            request=ctx.connection,
            dependant=dependant,
            **body,
            dependency_overrides_provider=overrides_provider,
            async_exit_stack=ctx.request_stack,
            embed_body_fields=embed_body_fields,
        )
        ctx.background_tasks, ctx.response = solved.background_tasks, solved.response
        return solved.values, solved.errors

    return solve
