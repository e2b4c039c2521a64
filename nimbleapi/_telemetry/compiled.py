"""Traced requests served by the route's compiled app, with FastAPI's step spans.

``compile_traced_app(parts)`` builds, once per route, the producer and deliverer of
``nimbleapi._compile.route_app`` with the steps FastAPI traces wrapped in their spans:
solving the dependencies (``fastapi.dependencies``), calling the endpoint
(``fastapi.endpoint``) and serialising its answer (``fastapi.serialization``). Span names,
attributes and the route template are fixed here. Per request the route reads only the
request's telemetry state from the scope: the route it announces, the ``TelemetryData``
it fills in for processors, the tracer (none when operation spans are off).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from pydantic_core import PydanticUndefined
from starlette.responses import Response
from starlette.types import ASGIApp, Scope

from .._compile.context import ScopeContext
from .._compile.deps import compile_reader, compile_solver
from .._compile.handler import RouteParts
from .._compile.respond import JSONWriter
from .._compile.route_app import BodyReader, Producer, app_around, compile_deliverer
from .._compile.threads import in_worker_thread
from .._plan.callables import is_coroutine_callable
from ..exceptions import RequestValidationError
from ..telemetry._api import _end_operation, _get_request_telemetry, _RequestTelemetry, _validation_failed
from .steps import StepSpan

Undefined = PydanticUndefined
Solve = Callable[[ScopeContext], Awaitable[tuple[dict[str, Any], list[Any]]]]


def compile_traced_app(parts: RouteParts) -> ASGIApp:
    """The route's compiled app for requests with telemetry (``serves_compiled(parts)``)."""
    call = parts.plan.dependant.call
    assert call is not None, "dependant.call must be a function"
    serialization = StepSpan("serialization", call)
    traced_parts = replace(
        parts,
        write_json=None if parts.write_json is None else _traced_writer(parts.write_json, serialization),
        respond=_traced_responder(parts.respond, serialization),
    )
    return app_around(parts, _traced_producer(parts), compile_deliverer(traced_parts))


def _traced_producer(parts: RouteParts) -> Producer:
    """``produce(ctx)``: FastAPI's traced steps up to the endpoint's return value. The
    dependency and endpoint spans are opened here, around the awaited steps themselves."""
    call, contexts, template = parts.plan.dependant.call, parts.plan.contexts, parts.plan.contexts.path
    assert call is not None
    dependencies, endpoint = StepSpan("dependencies", call), StepSpan("endpoint", call)
    solve = _solver(parts)
    read_body = None if parts.plan.body.field is None else BodyReader(parts.strict_content_type, contexts)
    call_in_thread = None if is_coroutine_callable(call) else _endpoint_in_thread(call, endpoint)

    async def produce(ctx: ScopeContext) -> Any:
        scope = ctx.scope
        state: _RequestTelemetry = scope["fastapi.telemetry"]
        state.route = state._mount_prefix + template
        data = state.data
        body = Undefined
        if read_body is not None:
            try:
                body = ctx.body = await read_body(ctx)
            except RequestValidationError as exc:
                if data is not None:
                    data.request = ctx.connection
                _validation_failed(exc)
                raise
        if data is not None:  # the request once its body is read: ``request.body()`` gives it again
            data.request = ctx.connection
            data.body = None if body is Undefined else body
        tracer = state.tracer
        if tracer is None:
            values, errors = await solve(ctx)
            if data is not None:
                data.values, data.errors = values, errors
        else:
            span, token = dependencies.start(tracer)
            try:
                values, errors = await solve(ctx)
                if data is not None:
                    data.values, data.errors = values, errors
            except BaseException as exc:
                _end_operation(span, token, exc)
                raise
            _end_operation(span, token, None)
        if errors:
            error = RequestValidationError(errors, body=None if body is Undefined else body, endpoint_ctx=contexts.for_scope(scope))
            _validation_failed(error)
            raise error
        if call_in_thread is not None:
            return await call_in_thread(tracer, values)
        if tracer is None:
            return await call(**values)
        span, token = endpoint.start(tracer)
        try:
            result = await call(**values)
        except BaseException as exc:
            _end_operation(span, token, exc)
            raise
        _end_operation(span, token, None)
        return result

    return produce


def _solver(parts: RouteParts) -> Solve:
    """The route's dependency solver (its parameter reader, when that is all it needs)."""
    read = compile_reader(parts.plan.dependant)
    if read is None:
        return compile_solver(parts.plan.dependant, embed_body_fields=parts.plan.body.embedded, title=parts.solver_title)

    async def solve_parameters(ctx: ScopeContext) -> tuple[dict[str, Any], list[Any]]:
        return read(ctx)

    return solve_parameters


def _endpoint_in_thread(call: Callable[..., Any], endpoint: StepSpan) -> Callable[[Any, dict[str, Any]], Awaitable[Any]]:
    """``await invoke(tracer, values)`` for a sync endpoint: its span opens in the worker
    thread that runs it, so what it does is traced from that thread."""

    def run_traced(tracer: Any, values: dict[str, Any]) -> Any:
        return endpoint.call(tracer, call, **values)

    run_in_thread = in_worker_thread(run_traced)

    def invoke_in_thread(tracer: Any, values: dict[str, Any]) -> Awaitable[Any]:
        return run_in_thread(tracer=tracer, values=values)

    return invoke_in_thread


def _traced_writer(write: JSONWriter, serialization: StepSpan) -> JSONWriter:
    def write_traced(content: Any, scope: Scope) -> bytes:
        return serialization.call(scope["fastapi.telemetry"].tracer, write, content, scope)

    return write_traced


def _traced_responder(respond: Callable[..., Response], serialization: StepSpan) -> Callable[..., Response]:
    """``respond(content, ...)``, in the serialization span unless *content* is a Response already."""

    def respond_traced(content: Any, *args: Any) -> Response:
        if isinstance(content, Response):
            return respond(content, *args)
        state = _get_request_telemetry()
        return serialization.call(None if state is None else state.tracer, respond, content, *args)

    return respond_traced
