"""Route handlers with telemetry: FastAPI's steps, each in its span.

A traced handler opens ``fastapi.dependencies``, ``fastapi.endpoint`` and
``fastapi.serialization`` around those steps, fills in the request's ``TelemetryData``
and logs validation failures. Everything constant per route (the endpoint's
``code.function.name``, the solver, the body reader) is fixed when the route compiles;
per request only the request's telemetry state is read from the context. A request
without telemetry (excluded, or no provider) runs the same steps without spans.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic_core import PydanticUndefined
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from .._compile.context import connection_context
from .._compile.deps import RequestContext, Solver
from .._compile.handler import RouteParts, compile_finisher, compile_request_body_reader, compile_route_solver, request_response, websocket_solver
from .._compile.handler import endpoint_context
from .._compile.route_app import serves_compiled
from .._compile.hooks import DependenciesSolver, Serializer, compile_hooked_finisher
from .._compile.respond import serialize_response
from .._compile.threads import in_worker_thread
from .._plan.callables import is_coroutine_callable
from ..dependencies.models import Dependant
from ..exceptions import RequestValidationError, WebSocketRequestValidationError
from ..telemetry._api import (
    _NO_OPERATION,
    _function_name,
    _get_request_telemetry,
    _OperationSpan,
    _RequestTelemetry,
    _validation_failed,
    TelemetryData,
)
from .compiled import compile_traced_app

Undefined = PydanticUndefined


class _Steps:
    """The spans of one route's steps, their attributes fixed at compile time."""

    __slots__ = ("attributes", "template")

    def __init__(self, call: Callable[..., Any], template: str) -> None:
        self.attributes = {"code.function.name": _function_name(call)}
        self.template = template

    def start(self, state: _RequestTelemetry | None) -> TelemetryData | None:
        """Announce the route (its template under the mounts the request went through)
        and return the request's data, if it has telemetry."""
        if state is None:
            return None
        state.route = state._mount_prefix + self.template
        return state.data

    def span(self, state: _RequestTelemetry | None, name: str) -> Any:
        if state is None or state.tracer is None:
            return _NO_OPERATION
        return _OperationSpan(state.tracer, name, self.attributes, False)

    async def solve(
        self, state: _RequestTelemetry | None, data: TelemetryData | None, solve: Solver, ctx: RequestContext
    ) -> tuple[dict[str, Any], list[Any]]:
        """The route's dependencies solved in the dependencies span; the outcome is recorded
        on the request's data, if it has telemetry."""
        with self.span(state, "fastapi.dependencies"):
            values, errors = await solve(ctx)
            if data is not None:
                data.values, data.errors = values, errors
        return values, errors


def compile_traced_route_app(parts: RouteParts, untraced: ASGIApp) -> ASGIApp:
    """The route's ASGI app: FastAPI's handler with its telemetry for a request that has
    telemetry, *untraced* (the route's usual app) for any other."""
    if serves_compiled(parts):
        traced = compile_traced_app(parts)
    else:
        traced = request_response(traced_request_handler(parts), reads_body=parts.plan.body.field is not None)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("fastapi.telemetry") is None:
            await untraced(scope, receive, send)
        else:
            await traced(scope, receive, send)

    return app


def traced_request_handler(parts: RouteParts) -> Callable[[Request], Awaitable[Response]]:
    call = parts.plan.dependant.call
    assert call is not None, "dependant.call must be a function"
    contexts, overrides_provider = parts.plan.contexts, parts.overrides_provider
    steps = _Steps(call, contexts.path)
    solve = compile_route_solver(parts)
    read_body = compile_request_body_reader(parts)
    finish = _traced_finisher(parts, steps)

    async def handler(request: Request) -> Response:
        state = _get_request_telemetry()
        data = steps.start(state)
        if data is not None:
            data.request = request
        try:
            body = await read_body(request)
        except RequestValidationError as exc:
            _validation_failed(exc)
            raise
        if data is not None:
            data.body = None if body is Undefined else body
        scope = request.scope
        ctx = connection_context(request, body, overrides_provider)
        values, errors = await steps.solve(state, data, solve, ctx)
        if errors:
            error = RequestValidationError(errors, body=None if body is Undefined else body, endpoint_ctx=contexts.for_scope(scope))
            _validation_failed(error)
            raise error
        return await finish(values, ctx, scope, state)

    return handler


TracedFinisher = Callable[[dict[str, Any], Any, Any, "_RequestTelemetry | None"], Awaitable[Response]]


def _traced_finisher(parts: RouteParts, steps: _Steps) -> TracedFinisher:
    """The endpoint called in its span, its answer serialised in another; streamed answers
    and replaced FastAPI helpers keep their own handling."""
    if parts.stream_respond is None and (parts.run_endpoint is not None or parts.serialize is not None):
        # Replaced FastAPI helpers: the original run_endpoint_function opens the endpoint
        # span (a replacement that calls it keeps it), the handler the serialization span.
        hooked = compile_hooked_finisher(parts.plan, parts.run_endpoint, _traced_serializer(parts.serialize, steps))

        def finish_hooked(values: dict[str, Any], ctx: Any, scope: Any, state: Any) -> Awaitable[Response]:
            return hooked(values, ctx, scope)

        return finish_hooked
    if parts.stream_respond is not None:
        plain = compile_finisher(parts)

        def finish_plainly(values: dict[str, Any], ctx: Any, scope: Any, state: Any) -> Awaitable[Response]:
            return plain(values, ctx, scope)

        return finish_plainly
    call, respond, contexts = parts.plan.dependant.call, parts.respond, parts.plan.contexts
    assert call is not None
    invoke = _traced_endpoint(call, steps)

    async def finish(values: dict[str, Any], ctx: Any, scope: Any, state: _RequestTelemetry | None) -> Response:
        content = await invoke(state, values)
        if isinstance(content, Response):
            return respond(content, ctx.background_tasks, ctx.response, contexts.static)
        with steps.span(state, "fastapi.serialization"):
            return respond(content, ctx.background_tasks, ctx.response, contexts.for_scope(scope))

    return finish


def _traced_serializer(serialize: Serializer | None, steps: _Steps) -> Serializer:
    """*serialize* (FastAPI's ``serialize_response`` when None) in the request's serialization span."""
    serialize_in_span = serialize or serialize_response

    async def serialize_traced(**arguments: Any) -> Any:
        with steps.span(_get_request_telemetry(), "fastapi.serialization"):
            return await serialize_in_span(**arguments)

    return serialize_traced


def _traced_endpoint(call: Callable[..., Any], steps: _Steps) -> Callable[[Any, dict[str, Any]], Awaitable[Any]]:
    """``await invoke(state, values)``: the endpoint in its ``fastapi.endpoint`` span; a sync
    endpoint's span opens in the worker thread that runs it (the request's context is
    copied there), so what it does is traced from that thread."""
    if is_coroutine_callable(call):

        async def invoke_async(state: _RequestTelemetry | None, values: dict[str, Any]) -> Any:
            with steps.span(state, "fastapi.endpoint"):
                return await call(**values)

        return invoke_async

    def run_traced(**values: Any) -> Any:
        with steps.span(_get_request_telemetry(), "fastapi.endpoint"):
            return call(**values)

    in_thread = in_worker_thread(run_traced)

    def invoke_in_thread(state: _RequestTelemetry | None, values: dict[str, Any]) -> Awaitable[Any]:
        return in_thread(**values)

    return invoke_in_thread


def traced_websocket_handler(
    dependant: Dependant,
    dependency_overrides_provider: Any = None,
    embed_body_fields: bool = False,
    *,
    path: str = "",
    solve_dependencies: DependenciesSolver | None = None,
) -> Callable[[WebSocket], Awaitable[None]]:
    """A WebSocket endpoint's handler with its dependency and endpoint spans."""
    call = dependant.call
    assert call is not None
    steps, static_ctx = _Steps(call, path), endpoint_context(call)
    solve = websocket_solver(dependant, dependency_overrides_provider, embed_body_fields, path, solve_dependencies)

    async def handler(websocket: WebSocket) -> None:
        state = _get_request_telemetry()
        data = steps.start(state)
        if data is not None:
            data.websocket = websocket
        scope = websocket.scope
        ctx = connection_context(websocket, None, dependency_overrides_provider)
        values, errors = await steps.solve(state, data, solve, ctx)
        if errors:
            endpoint_ctx: Any = {**static_ctx, "path": f"WS {scope.get('root_path', '').rstrip('/')}{path}"}
            error = WebSocketRequestValidationError(errors, endpoint_ctx=endpoint_ctx)
            _validation_failed(error)
            raise error
        with steps.span(state, "fastapi.endpoint"):
            await call(**values)

    return handler
