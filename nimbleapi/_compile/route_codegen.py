"""A route's whole ASGI app written out as Python for one route (``exec``, once).

``generate_route_app(parts, helpers)`` writes, for a route with sub-dependencies, one
coroutine doing what ``nimbleapi._compile.route_app`` composes from a producer (solve,
call the endpoint) and a deliverer (serialise, send): the dependency tree solved inline
(the same code as ``codegen.write_solver_steps`` writes for a solver), the endpoint
called, the answer written to ``send``, and the request's exit stack closed after it.
A request pays no producer, solver or deliverer frame, and an async generator dependency
is advanced to its ``yield`` in place. What is rare (an exception with dependencies with
``yield`` open, function-scoped ones, a ``Response`` to send) calls the composition's
own helpers, so the behaviour is the composition's, line for line.

The source is registered with ``linecache`` as ``<nimbleapi route GET /users/me
app.users:read_me>`` (numbered when that name holds another source), and names what it
holds: ``await get_current_user(**v1)``, ``await read_me(**v0)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp

from .._plan.callables import is_coroutine_callable
from ..exceptions import FastAPIError, RequestValidationError
from .codegen import Writer, compile_function, function_name
from .context import ScopeContext
from .deps import write_solver
from .errors import answer_in_route, records_response_start
from .handler import RESPONSE_NOT_AWAITED, RouteParts
from .threads import in_worker_thread

JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def generate_route_app(parts: RouteParts, helpers: Mapping[str, Any]) -> ASGIApp | None:
    """The route's app as one generated coroutine; None when its shape is not one written
    out here (a body to read, a tree too deep for generated code).

    *helpers*: the composition's ``deliver`` (the route's deliverer), ``send_response``,
    ``finish_in_stacks`` and ``Raising`` (see ``route_app``).
    """
    dependant = parts.plan.dependant
    call = dependant.call
    assert call is not None, "dependant.call must be a function"
    if parts.plan.body.field is not None or not dependant.dependencies:
        return None
    writer = Writer()
    writer.indent = 3
    writer.line("errors = []")
    writer.line("v0 = {}")
    if not write_solver(writer, dependant, parts.plan.body.embedded):
        return None
    endpoint = function_name(call, "endpoint")
    if is_coroutine_callable(call):
        invoke = writer.name(call, endpoint)
    else:
        invoke = writer.name(in_worker_thread(call), f"run_{endpoint}")
    contexts = writer.name(parts.plan.contexts, "endpoint_contexts")
    writer.line("if errors:")
    writer.line(
        f"    raise {writer.name(RequestValidationError, 'RequestValidationError')}"
        f"(errors, body=None, endpoint_ctx={contexts}.for_scope(scope))"
    )
    writer.line(f"content = await {invoke}(**v0)")
    body = writer.lines
    writer.lines = []
    names = {key: writer.name(value, key) for key, value in helpers.items()}
    _write_route(writer, body, parts, names)
    filename = f"<nimbleapi route {parts.solver_title}>"
    app = compile_function(writer, "async def route_app(scope, receive, send):", writer.names, filename)
    return records_response_start(app)


def _write_route(writer: Writer, solve_and_call: list[str], parts: RouteParts, names: Mapping[str, str]) -> None:
    """The frame around the solving and calling lines: exit stacks, delivery, error answers
    (``route_app._app`` written out)."""
    writer.indent = 1
    writer.line(f"ctx = {writer.name(ScopeContext, 'ScopeContext')}(scope, receive, send)")
    writer.line("cache = ctx.cache")
    if parts.overrides_provider is None:
        writer.line("overrides = None")
    else:
        provider = writer.name(parts.overrides_provider, "overrides_provider")
        writer.line("# Looked up as each dependency is reached, so an override set mid-request applies.")
        writer.line(f"overrides = ctx.overrides = {provider}.dependency_overrides")
    writer.line("try:")
    writer.line("    try:")
    writer.lines.extend(solve_and_call)
    writer.line("    except BaseException as exc:")
    writer.line("        if ctx.request_stack is None:")
    writer.line("            raise")
    writer.line(f"        await {names['finish_in_stacks']}(ctx, {names['deliver']}, {names['Raising']}(exc))")
    writer.line("        return")
    writer.line("    if ctx.request_stack is None:")
    writer.indent = 3
    _write_delivery(writer, parts, names)
    writer.indent = 1
    writer.line("    elif ctx.function_stack is None:  # the usual case: only request-scoped dependencies with yield")
    writer.line("        try:")
    writer.indent = 4
    _write_delivery(writer, parts, names)
    writer.indent = 1
    writer.line("        except BaseException as exc:")
    writer.line("            if not await ctx.request_stack.__aexit__(type(exc), exc, exc.__traceback__):")
    writer.line("                raise")
    writer.line("        else:")
    writer.line("            await ctx.request_stack.close()")
    writer.line("            return")
    writer.line(f"        raise {writer.name(_response_not_awaited, 'response_not_awaited')}()")
    writer.line("    else:")
    writer.line(f"        await {names['finish_in_stacks']}(ctx, {names['deliver']}, lambda: content)")
    writer.line("except Exception as exc:")
    answer = writer.name(answer_in_route, "answer_in_route")
    writer.line(f"    if not await {answer}(exc, scope, receive, send, started=ctx.started, connect=ctx.get_connection):")
    writer.line("        raise")


def _write_delivery(writer: Writer, parts: RouteParts, names: Mapping[str, str]) -> None:
    """``deliver(ctx, content)``: plain JSON straight to ``send``, anything else as a Response."""
    send_response = names["send_response"]
    if parts.write_json is None:
        writer.line(f"await {send_response}(ctx, content)")
        return
    response = writer.name(Response, "Response")
    writer.line(f"if ctx.response is not None or ctx.background_tasks is not None or isinstance(content, {response}):")
    writer.line(f"    await {send_response}(ctx, content)")
    writer.line("else:")
    writer.line(f"    body = {writer.name(parts.write_json, 'write_json')}(content, scope)")
    writer.line("    ctx.started = True")
    status, content_type = parts.plan.response.status_code or 200, writer.name(JSON_CONTENT_TYPE, "JSON_CONTENT_TYPE")
    writer.line(
        f'    await send({{"type": "http.response.start", "status": {status!r}, '
        f'"headers": [(b"content-length", str(len(body)).encode("latin-1")), {content_type}]}})'
    )
    writer.line('    await send({"type": "http.response.body", "body": body})')


def _response_not_awaited() -> FastAPIError:
    return FastAPIError(RESPONSE_NOT_AWAITED)

