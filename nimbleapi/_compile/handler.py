"""The request handler of an ``APIRoute`` in FastAPI's shape, and the parts it is built from.

``route_parts(route)`` resolves a route's declared options once. ``build_request_handler``
returns FastAPI's ``handler(request) -> Response``, which ``APIRoute.get_route_handler``
returns (so overrides of it keep working); ``request_response`` serves it with the two
exit stacks dependencies with ``yield`` close. The route's own, faster ASGI app is built
from the same parts by ``nimbleapi._compile.route_app``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from contextlib import AsyncExitStack
import dataclasses
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticUndefined
from .._starlette import wrap_app_handling_exceptions
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .._plan.callables import is_async_gen_callable, is_coroutine_callable, is_gen_callable
from .._plan.describe import EndpointContexts as EndpointContexts
from .._plan.describe import endpoint_context as endpoint_context
from .._plan.route_plan import DeclaredRoute, RoutePlan, handler_arguments as handler_arguments, plan_from_arguments, plan_route
from ..datastructures import DefaultPlaceholder
from ..dependencies.models import Dependant
from ..exceptions import FastAPIError, RequestValidationError
from .body import parse_request_json
from .body_limit import buffering_receive, unreadable_body
from .codegen import solver_title
from .context import connection_context
from .deps import Solver, compile_solver
from .forms import read_form
from .hooks import DependenciesSolver, solve_through, EndpointRunner, Finisher, Serializer, compile_hooked_finisher
from .respond import JSONWriter, compile_json_writer, compile_responder
from .route_steps import solved_dependant
from .streaming import compile_stream_responder, is_event_stream_class
from .threads import in_worker_thread, release_thread_result

Undefined = PydanticUndefined
RouteHandler = Callable[[Request], Awaitable[Response]]


def build_request_handler(parts: RouteParts) -> RouteHandler:
    """FastAPI's ``handler(request) -> Response`` for a route's parts."""
    contexts, overrides_provider = parts.plan.contexts, parts.overrides_provider
    solve = compile_route_solver(parts)
    read_body = compile_request_body_reader(parts)
    finish = compile_finisher(parts)

    async def handler(request: Request) -> Response:
        body = await read_body(request)
        scope = request.scope
        ctx = connection_context(request, body, overrides_provider)
        values, errors = await solve(ctx)
        if errors:
            raise RequestValidationError(errors, body=None if body is Undefined else body, endpoint_ctx=contexts.for_scope(scope))
        return await finish(values, ctx, scope)

    return handler


def compile_route_solver(parts: RouteParts) -> Solver:
    """``await solve(ctx)``: the route's dependencies solved (see ``solver_for``)."""
    plan = parts.plan
    return solver_for(plan.dependant, parts.overrides_provider, plan.body.embedded, parts.solver_title, parts.solve_dependencies)


def websocket_solver(
    dependant: Dependant, overrides_provider: Any, embed_body_fields: bool, path: str, solve_dependencies: DependenciesSolver | None
) -> Solver:
    """``await solve(ctx)`` for a WebSocket endpoint (see ``solver_for``); a session has no body."""
    call = dependant.call
    assert call is not None
    title = solver_title(["WS"], path, call)
    return solver_for(dependant, overrides_provider, embed_body_fields, title, solve_dependencies, websocket=True)


def solver_for(
    dependant: Dependant,
    overrides_provider: Any,
    embed_body_fields: bool,
    title: str | None,
    solve_dependencies: DependenciesSolver | None,
    *,
    websocket: bool = False,
) -> Solver:
    """The compiled solver of *dependant*, or, when FastAPI's ``solve_dependencies`` was
    replaced (*solve_dependencies*), that replacement called as FastAPI's handler calls it."""
    if solve_dependencies is None:
        return compile_solver(dependant, embed_body_fields=embed_body_fields, title=title)
    return solve_through(solve_dependencies, dependant, overrides_provider, embed_body_fields, websocket=websocket)


def compile_request_body_reader(parts: RouteParts) -> Callable[[Request], Awaitable[Any]]:
    """``await read_body(request)``: the route's body as FastAPI's handler reads it (form data,
    parsed JSON, or Undefined when the route has no body)."""
    body, contexts = parts.plan.body, parts.plan.contexts
    reads_form = body.field is not None and body.is_form
    reads_json = body.field is not None and not body.is_form
    strict_content_type, form_limits = parts.strict_content_type, parts.form_limits

    async def read_body(request: Request) -> Any:
        try:
            if reads_form:
                return await read_form(request, form_limits)
            if not reads_json:
                return Undefined
            raw = await request.body()
        except HTTPException:
            raise
        except Exception as exc:
            raise unreadable_body(exc, request.scope) from exc
        return parse_request_json(raw, request.headers.get("content-type"), strict_content_type, contexts, request.scope)

    return read_body


def compile_finisher(parts: RouteParts) -> Finisher:
    """``await finish(values, ctx, scope) -> Response``: the endpoint called with the solved
    values, and its answer. Through replaced FastAPI helpers when there are any."""
    contexts, stream_respond = parts.plan.contexts, parts.stream_respond
    if stream_respond is not None:  # FastAPI streams without run_endpoint_function or serialize_response

        def finish_stream(values: dict[str, Any], ctx: Any, scope: Scope) -> Awaitable[Response]:
            return stream_respond(values, ctx, contexts.for_scope(scope))

        return finish_stream
    if parts.run_endpoint is not None or parts.serialize is not None:
        return compile_hooked_finisher(parts.plan, parts.run_endpoint, parts.serialize)
    call, respond = parts.plan.dependant.call, parts.respond
    assert call is not None, "dependant.call must be a function"
    invoke = call if is_coroutine_callable(call) else in_worker_thread(call)

    async def finish(values: dict[str, Any], ctx: Any, scope: Scope) -> Response:
        content = await invoke(**values)
        endpoint_ctx = contexts.static if isinstance(content, Response) else contexts.for_scope(scope)
        return respond(content, ctx.background_tasks, ctx.response, endpoint_ctx)

    return finish


RESPONSE_NOT_AWAITED = (
    "Response not awaited. There's a high chance that the application code is raising an exception and "
    "a dependency with yield has a block with a bare except, or a block with except Exception, and is not "
    "raising the exception again. Read more about it in the docs: "
    "https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/#dependencies-with-yield-and-except"
)


def request_response(func: Callable[[Request], Awaitable[Response] | Response], *, reads_body: bool = False) -> ASGIApp:
    """An ASGI app calling ``func(request)``, with the exit stacks dependencies with yield need.

    *reads_body*: the route has body parameters, read whole unless multipart, so the
    request's ``receive`` holds them to ``max_buffered_body_size``.
    """
    handler: Callable[[Request], Awaitable[Response]]
    if is_coroutine_callable(func):
        handler = func  # type: ignore[assignment]
    else:

        async def handler(request: Request) -> Response:
            try:
                return await run_in_threadpool(func, request)  # type: ignore[arg-type]
            except BaseException as exc:
                release_thread_result(exc)
                raise

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, buffering_receive(scope, receive) if reads_body else receive, send)

        async def run(scope: Scope, receive: Receive, send: Send) -> None:
            sent = False
            async with AsyncExitStack() as request_stack:
                scope["fastapi_inner_astack"] = request_stack
                async with AsyncExitStack() as function_stack:
                    scope["fastapi_function_astack"] = function_stack
                    response = await handler(request)
                await response(scope, receive, send)
                sent = True
            if not sent:
                raise FastAPIError(RESPONSE_NOT_AWAITED)

        await wrap_app_handling_exceptions(run, request)(scope, receive, send)

    return app


# ---- what a route's request handling is built from ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class RouteParts:
    """What a route's request handling is built from, resolved from the route once."""

    plan: RoutePlan  # the route's plan: its tree, body, response and endpoint description
    respond: Callable[..., Response]
    overrides_provider: Any
    strict_content_type: bool
    form_limits: Any = None
    stream_respond: Callable[..., Awaitable[Response]] | None = None
    write_json: JSONWriter | None = None
    # Replacements of FastAPI's ``run_endpoint_function`` / ``serialize_response`` to call.
    run_endpoint: EndpointRunner | None = None
    serialize: Serializer | None = None
    # A replacement of FastAPI's ``solve_dependencies`` to solve the dependencies with.
    solve_dependencies: DependenciesSolver | None = None
    # What the generated dependency solver is called in tracebacks (``solver_title``).
    solver_title: str | None = None

    def request_handler(self) -> RouteHandler:
        """FastAPI's ``handler(request) -> Response`` for these parts."""
        return build_request_handler(self)


def compile_parts(
    arguments: Mapping[str, Any],
    *,
    run_endpoint: EndpointRunner | None = None,
    serialize: Serializer | None = None,
    solve_dependencies: DependenciesSolver | None = None,
    path: str | None = None,
    methods: Collection[str] | None = None,
) -> RouteParts:
    """The parts of a route from FastAPI's ``get_request_handler`` arguments (every parameter
    by name). *run_endpoint*, *serialize*: replacements of FastAPI's helpers to call;
    *path*: the path in error messages (the dependant's, unless given); *methods*: the
    route's, for the name of its generated code; *solve_dependencies*: a replacement of
    FastAPI's ``solve_dependencies`` to call."""
    parts = parts_of_plan(plan_from_arguments(arguments, path=path, methods=methods), arguments, run_endpoint, serialize)
    return parts if solve_dependencies is None else dataclasses.replace(parts, solve_dependencies=solve_dependencies)


def parts_of_plan(
    plan: RoutePlan, arguments: Mapping[str, Any], run_endpoint: EndpointRunner | None, serialize: Serializer | None
) -> RouteParts:
    """The parts built from a route's plan (and the arguments a plan does not hold: the
    overrides provider, content-type strictness, form limits)."""
    dependant, response, contexts = plan.dependant, plan.response, plan.contexts
    call = dependant.call
    assert call is not None, "dependant.call must be a function"
    answer = {"response_class": response.response_class, "options": response.options, "status_code": response.status_code}
    stream_respond = None
    if is_async_gen_callable(call) or is_gen_callable(call):
        stream_respond = compile_stream_responder(
            is_sse=is_event_stream_class(response.response_class),
            is_json=response.is_json_stream,
            call=call,
            stream_item_field=response.stream_item_field,
            **answer,
        )
    strict = arguments["strict_content_type"]
    return RouteParts(
        plan=plan,
        respond=compile_responder(response_field=response.field, **answer),
        overrides_provider=arguments["dependency_overrides_provider"],
        strict_content_type=strict.value if isinstance(strict, DefaultPlaceholder) else strict,
        form_limits=arguments["form_limits"],
        stream_respond=stream_respond,
        write_json=compile_json_writer(response_field=response.field, context_of=contexts.for_scope, **answer),
        run_endpoint=run_endpoint,
        serialize=serialize,
        solver_title=solver_title(plan.methods, contexts.path, call),
    )


def route_parts(route: DeclaredRoute) -> RouteParts:
    """The parts of *route* (an ``APIRoute``): its plan, built as its compilation starts,
    without the dependencies done as route steps (``route_steps``): they are not solved."""
    plan = plan_route(route)
    plan = dataclasses.replace(plan, dependant=solved_dependant(plan.dependant))
    return parts_of_plan(plan, handler_arguments(route), None, None)
