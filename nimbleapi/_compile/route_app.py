"""The ASGI app of an ``APIRoute`` that keeps FastAPI's ``get_route_handler``.

``compile_route_app(parts)`` specialises one app per route at start-up. Per request it
reads the ASGI scope directly and builds a ``Request`` only when something asks for one
(a parameter, an exception handler); it opens the exit stacks only when a dependency with
``yield`` is reached (statically declared or brought by an override at run time); it
writes plain JSON answers without a ``Response`` object; and it answers exceptions with
the application's handlers as Starlette's ``request_response`` would (route level, after
the dependencies with ``yield`` have seen them).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticUndefined
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .._patch_points import PatchPoint, replaced_points
from .._plan.callables import is_coroutine_callable
from ..exceptions import FastAPIError, RequestValidationError
from .body import ValidatedBody, parse_request_json, parses_as_json
from .body_limit import BufferedBodyTooLarge, buffered_body_limit, unreadable_body
from .context import ScopeContext
from .deps import compile_reader, compile_solver, has_inputs, has_specials
from .errors import answer_in_route, records_response_start
from .exits import DependencyExitStack
from .handler import (
    RESPONSE_NOT_AWAITED,
    EndpointContexts,
    RouteParts,
    request_response,
)
from .json_validation import direct_json_validator
from .params import validate_field
from .respond import JSONWriter
from .route_codegen import generate_route_app
from .threads import in_worker_thread

Undefined = PydanticUndefined
JSON_CONTENT_TYPE = (b"content-type", b"application/json")
Producer = Callable[[ScopeContext], Awaitable[Any]]
Deliverer = Callable[[ScopeContext, Any], Awaitable[None]]


def compile_route_app(parts: RouteParts) -> ASGIApp:
    """The route's ASGI app. Streamed answers and forms keep the ``handler(request)`` path:
    their handling reads the ``Request`` throughout anyway."""
    if parts.stream_respond is not None or parts.plan.body.is_form:
        return request_response(parts.request_handler(), reads_body=parts.plan.body.field is not None)
    if parts.write_json is not None and not has_inputs(parts.plan.dependant):
        return _app_without_inputs(parts, parts.write_json)
    if parts.plan.dependant.dependencies:
        deliver = _compile_deliverer(parts)
        helpers = {
            "deliver": deliver,
            "send_response": _response_sender(parts.respond, parts.plan.contexts),
            "finish_in_stacks": _finish_in_stacks,
            "Raising": _Raising,
        }
        generated = generate_route_app(parts, helpers)
        if generated is not None:
            return generated
    return compile_composed_route_app(parts)


def compile_composed_route_app(parts: RouteParts) -> ASGIApp:
    """The route's app composed of a producer (solve, call the endpoint) and a deliverer
    (serialise, send), for any route ``compile_route_app`` does not serve otherwise. A
    route with sub-dependencies is served by the same steps written out as one generated
    coroutine (``route_codegen``) instead, which calls back into the helpers here."""
    produce, deliver = _compile_producer(parts), _compile_deliverer(parts)
    if not parts.plan.dependant.dependencies:
        return _app_without_dependencies(produce, deliver)
    return _app(produce, deliver, parts.overrides_provider)


def _app_without_dependencies(produce: Producer, deliver: Deliverer) -> ASGIApp:
    """Parameters only: nothing to override, no dependency with yield, so never exit stacks."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ctx = ScopeContext(scope, receive, send)
        try:
            await deliver(ctx, await produce(ctx))
        except Exception as exc:
            if not await answer_in_route(exc, scope, receive, send, started=ctx.started, connect=ctx.get_connection):
                raise

    return records_response_start(app)


def _app(produce: Producer, deliver: Deliverer, provider: Any) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ctx = ScopeContext(scope, receive, send)
        if provider is not None:
            # Looked up as each dependency is reached, so an override set mid-request applies.
            ctx.overrides = provider.dependency_overrides
        try:
            # The exit stacks are opened by the first dependency with yield (none: no stacks at all).
            try:
                content = await produce(ctx)
            except BaseException as exc:
                if ctx.request_stack is None:
                    raise
                await _finish_in_stacks(ctx, deliver, _Raising(exc))
                return
            if ctx.request_stack is None:
                await deliver(ctx, content)
            elif ctx.function_stack is None:  # the usual case: only request-scoped dependencies with yield
                await _deliver_in_request_stack(ctx, deliver, content)
            else:
                await _finish_in_stacks(ctx, deliver, lambda: content)
        except Exception as exc:
            if not await answer_in_route(exc, scope, receive, send, started=ctx.started, connect=ctx.get_connection):
                raise

    return records_response_start(app)


async def _finish_in_stacks(ctx: ScopeContext, deliver: Deliverer, outcome: Callable[[], Any]) -> None:
    """Close the stacks as ``async with request_stack: async with function_stack: ...`` would,
    as if the request had run inside them from the start (entering one does nothing):
    function-scoped dependencies close before the answer is sent, request-scoped ones after."""
    request_stack, function_stack = ctx.request_stack, ctx.function_stack
    assert isinstance(request_stack, DependencyExitStack)
    try:
        if function_stack is None:  # no function-scoped dependency with yield
            content = outcome()
        else:
            content = await _close_function_stack(function_stack, outcome)
    except BaseException as exc:
        if not await request_stack.__aexit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        await _deliver_in_request_stack(ctx, deliver, content)
        return
    raise FastAPIError(RESPONSE_NOT_AWAITED)


async def _deliver_in_request_stack(ctx: ScopeContext, deliver: Deliverer, content: Any) -> None:
    """Send the answer inside the request stack, then close it (with the error, if sending failed)."""
    request_stack = ctx.request_stack
    assert isinstance(request_stack, DependencyExitStack)
    try:
        await deliver(ctx, content)
    except BaseException as exc:
        if not await request_stack.__aexit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        await request_stack.close()
        return
    raise FastAPIError(RESPONSE_NOT_AWAITED)


async def _close_function_stack(function_stack: AsyncExitStack, outcome: Callable[[], Any]) -> Any:
    """``async with function_stack: return outcome()``."""
    assert isinstance(function_stack, DependencyExitStack)
    try:
        content = outcome()
    except BaseException as exc:
        if not await function_stack.__aexit__(type(exc), exc, exc.__traceback__):
            raise
        # Swallowed by a dependency: the answer is missing, as after ``async with`` in FastAPI.
        raise UnboundLocalError("cannot access local variable 'content' where it is not associated with a value")
    await function_stack.close()
    return content


class _Raising:
    """An outcome that raises *exc*, once, and keeps no reference to it: a frame that held it
    while raising it would sit in its traceback, a cycle only the garbage collector frees
    (with the endpoint, its dependencies and the scope in it)."""

    __slots__ = ("_exc",)

    def __init__(self, exc: BaseException) -> None:
        self._exc: BaseException | None = exc

    def __call__(self) -> Any:
        exc, self._exc = self._exc, None
        try:
            raise exc  # type: ignore[misc]
        finally:
            del exc


def _app_without_inputs(parts: RouteParts, write: JSONWriter) -> ASGIApp:
    """No parameters and no dependencies: nothing to solve or override, no context to keep."""
    call = parts.plan.dependant.call
    assert call is not None, "dependant.call must be a function"
    invoke = call if is_coroutine_callable(call) else in_worker_thread(call)
    status = parts.plan.response.status_code or 200
    deliver = _compile_deliverer(parts)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        started = False
        try:
            content = await invoke()
            if not isinstance(content, Response):
                body = write(content, scope)
                started = True
                headers = [(b"content-length", str(len(body)).encode("latin-1")), JSON_CONTENT_TYPE]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        except Exception as exc:
            if not await answer_in_route(exc, scope, receive, send, started=started):
                raise
            return
        ctx = ScopeContext(scope, receive, send)
        try:
            await deliver(ctx, content)
        except Exception as exc:
            if not await answer_in_route(exc, scope, receive, send, started=ctx.started, connect=ctx.get_connection):
                raise

    return records_response_start(app)


# -- producing the endpoint's return value --------------------------------------------------------


def _compile_producer(parts: RouteParts) -> Producer:
    """``produce(ctx)``: the endpoint's return value, or the 422 of everything wrong in the request."""
    call = parts.plan.dependant.call
    assert call is not None, "dependant.call must be a function"
    invoke = call if is_coroutine_callable(call) else in_worker_thread(call)
    if not has_inputs(parts.plan.dependant):
        return lambda ctx: invoke()  # the endpoint's own coroutine, awaited by the caller
    contexts = parts.plan.contexts
    read = compile_reader(parts.plan.dependant)
    if read is not None:

        async def produce_from_parameters(ctx: ScopeContext) -> Any:
            values, errors = read(ctx)
            if errors:
                raise RequestValidationError(errors, body=None, endpoint_ctx=contexts.for_scope(ctx.scope))
            return await invoke(**values)

        return produce_from_parameters
    solve = compile_solver(parts.plan.dependant, embed_body_fields=parts.plan.body.embedded, title=parts.solver_title)
    if parts.plan.body.field is None:

        async def produce(ctx: ScopeContext) -> Any:
            values, errors = await solve(ctx)
            if errors:
                raise RequestValidationError(errors, body=None, endpoint_ctx=contexts.for_scope(ctx.scope))
            return await invoke(**values)

        return produce
    read_body = BodyReader(parts.strict_content_type, contexts)
    if _reads_only_one_body(parts):
        return _body_only_producer(parts, read_body, invoke)

    validate_json = _direct_body_validator(parts)
    strict_content_type = parts.strict_content_type

    async def produce_with_body(ctx: ScopeContext) -> Any:
        if validate_json is None:
            body = ctx.body = await read_body(ctx)
        else:
            body = ctx.body = await _validated_or_parsed_body(ctx, read_body, validate_json, strict_content_type)
        values, errors = await solve(ctx)
        if errors:
            if type(body) is ValidatedBody:  # the error carries the parsed body, as in FastAPI
                body = await read_body(ctx)
            raise RequestValidationError(
                errors, body=None if body is Undefined else body, endpoint_ctx=contexts.for_scope(ctx.scope)
            )
        return await invoke(**values)

    return produce_with_body


def _direct_body_validator(parts: RouteParts) -> Callable[[bytes], Any] | None:
    """The bytes validator of the route's one JSON body field, when there is one (not
    embedded, not a form) that JSON mode reads as Python mode does; else None."""
    body = parts.plan.body
    if not body.whole or body.is_form:
        return None
    return direct_json_validator(body.fields[0].field)


async def _validated_or_parsed_body(
    ctx: ScopeContext, read_body: BodyReader, validate_json: Callable[[bytes], Any], strict_content_type: bool
) -> Any:
    """The body validated from its bytes when that succeeds; else what ``read_body`` gives."""
    raw = await read_body.raw(ctx)
    if raw and json.loads is _JSON_LOADS and parses_as_json(_content_type(ctx.scope), strict_content_type):
        try:
            return ValidatedBody(validate_json(raw))
        except ValidationError:
            pass  # the usual path reports it, exactly as FastAPI words it
    return await read_body(ctx)


def _reads_only_one_body(parts: RouteParts) -> bool:
    """``def endpoint(item: Item)``: one JSON body value, taken whole, and nothing else to solve."""
    dependant = parts.plan.dependant
    return (
        not (dependant.dependencies or dependant.path_params or dependant.query_params)
        and not (dependant.header_params or dependant.cookie_params)
        and not has_specials(dependant)
        and parts.plan.body.whole
    )


def _body_only_producer(parts: RouteParts, read_body: BodyReader, invoke: Any) -> Producer:
    """The body validated as the endpoint's one argument: what solving the dependency tree gives."""
    field = parts.plan.dependant.body_params[0]
    name, contexts = field.name, parts.plan.contexts
    validate_json = _direct_body_validator(parts)
    strict_content_type = parts.strict_content_type

    async def produce_from_body(ctx: ScopeContext) -> Any:
        if validate_json is None:
            body = ctx.body = await read_body(ctx)
        else:
            body = ctx.body = await _validated_or_parsed_body(ctx, read_body, validate_json, strict_content_type)
            if type(body) is ValidatedBody:
                return await invoke(**{name: body.value})
        value, errors = validate_field(field, body, ("body",))
        if errors:
            raise RequestValidationError(
                errors, body=None if body is Undefined else body, endpoint_ctx=contexts.for_scope(ctx.scope)
            )
        return await invoke(**{name: value})

    return produce_from_body


class BodyReader:
    """``await read_body(ctx)``: the request's JSON body (its value, the raw bytes when it is
    not JSON, Undefined when empty); ``await read_body.raw(ctx)``: its bytes. The bytes are
    received once per request and kept on the context."""

    __slots__ = ("strict_content_type", "contexts", "_receive")

    def __init__(self, strict_content_type: bool, contexts: EndpointContexts) -> None:
        self.strict_content_type = strict_content_type
        self.contexts = contexts
        # A replaced ``Request.body`` (an extension, a test double) is what reads the body.
        self._receive = _body_of_request if replaced_points((_REQUEST_BODY,), "reading the body") else _body_from_receive

    async def raw(self, ctx: ScopeContext) -> bytes:
        if ctx.raw_body is not None:
            return ctx.raw_body
        try:
            raw = ctx.raw_body = await self._receive(ctx)
        except HTTPException:
            raise
        except Exception as exc:
            raise unreadable_body(exc, ctx.scope) from exc
        return raw

    async def __call__(self, ctx: ScopeContext) -> Any:
        raw = await self.raw(ctx)
        return parse_request_json(raw, _content_type(ctx.scope), self.strict_content_type, self.contexts, ctx.scope)


_REQUEST_BODY = PatchPoint(Request, "body")


def _body_from_receive(ctx: ScopeContext) -> Awaitable[bytes]:
    return receive_body(ctx.receive, buffered_body_limit(ctx.scope))


def _body_of_request(ctx: ScopeContext) -> Awaitable[bytes]:
    return ctx.connection.body()


_JSON_LOADS = json.loads


def _content_type(scope: Scope) -> str | None:
    """The first ``content-type`` header, as ``request.headers.get("content-type")`` finds it."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None


async def receive_body(receive: Receive, limit: int | None = None) -> bytes:
    """The whole request body, read as Starlette's ``Request.body()`` reads it; past *limit*
    bytes, ``BufferedBodyTooLarge`` (413)."""
    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            received += len(chunk)
            if limit is not None and received > limit:
                raise BufferedBodyTooLarge()
            if not message.get("more_body", False):
                return b"".join((*chunks, chunk)) if chunks else chunk
            if chunk:
                chunks.append(chunk)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


# -- delivering the answer ------------------------------------------------------------------------


def _compile_deliverer(parts: RouteParts) -> Deliverer:
    """``deliver(ctx, content)``: plain JSON straight to ``send``, anything else as a Response."""
    send_response = _response_sender(parts.respond, parts.plan.contexts)
    write = parts.write_json
    if write is None:
        return send_response
    status = parts.plan.response.status_code or 200

    async def deliver(ctx: ScopeContext, content: Any) -> None:
        if ctx.response is not None or ctx.background_tasks is not None or isinstance(content, Response):
            await send_response(ctx, content)
            return
        body = write(content, ctx.scope)
        ctx.started = True
        send = ctx.send
        headers = [(b"content-length", str(len(body)).encode("latin-1")), JSON_CONTENT_TYPE]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return deliver


def _response_sender(respond: Callable[..., Response], contexts: EndpointContexts) -> Deliverer:
    async def send_response(ctx: ScopeContext, content: Any) -> None:
        endpoint_ctx = contexts.static if isinstance(content, Response) else contexts.for_scope(ctx.scope)
        response = respond(content, ctx.background_tasks, ctx.response, endpoint_ctx)
        await response(ctx.scope, ctx.receive, ctx.send_tracked)

    return send_response


# -- the same app around steps made elsewhere (``nimbleapi._telemetry.compiled``: traced routes) ----


def serves_compiled(parts: RouteParts) -> bool:
    """Whether the route is answered by a producer and a deliverer (not by ``handler(request)``)."""
    return parts.stream_respond is None and not parts.plan.body.is_form


def app_around(parts: RouteParts, produce: Producer, deliver: Deliverer) -> ASGIApp:
    """The route's app around *produce* and *deliver*: exit stacks, overrides and exception
    answers as the route's own compiled app has them."""
    if not parts.plan.dependant.dependencies:
        return _app_without_dependencies(produce, deliver)
    return _app(produce, deliver, parts.overrides_provider)


def compile_deliverer(parts: RouteParts) -> Deliverer:
    """``deliver(ctx, content)`` for *parts* (their ``write_json`` and ``respond``)."""
    return _compile_deliverer(parts)
