"""The request handling of an ``APIRoute``: read the body, solve dependencies, call, respond.

Two shapes, both built once per route:

* ``compile_route_app(parts)``: the route's ASGI app. It reads the ASGI scope directly,
  builds a ``Request`` only when something asks for one (a parameter, an exception
  handler), opens the exit stacks only when a ``yield`` dependency (or an override set
  at run time) needs them, and writes plain JSON answers without a ``Response`` object.
* ``build_request_handler(...)``: FastAPI's ``handler(request) -> Response`` shape, which
  ``APIRoute.get_route_handler`` returns (so overrides of it keep working), served by
  ``request_response`` with the two exit stacks ``yield`` dependencies close.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticUndefined
from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import params
from ..datastructures import DefaultPlaceholder
from ..dependencies.models import Dependant
from ..exceptions import EndpointContext, FastAPIError, RequestValidationError
from .._plan.callables import is_coroutine_callable
from .._plan.fields import ModelField
from .body import JSONBodyError, read_json_body
from .deps import RequestContext, ScopeContext, compile_solver, has_inputs
from .errors import answer_exception
from .exits import DependencyExitStack
from .forms import read_form
from .respond import JSONWriter, ResponseOptions, compile_json_writer, compile_responder
from .streaming import compile_stream_responder

Undefined = PydanticUndefined
RouteHandler = Callable[[Request], Awaitable[Response]]


def endpoint_context(call: Callable[..., Any]) -> EndpointContext:
    """Where an endpoint is defined, for error messages."""
    context: EndpointContext = {}
    try:
        target = inspect.unwrap(call)
        context["function"] = getattr(target, "__name__", repr(target))
        source_file = inspect.getsourcefile(target)
        if source_file:
            context["file"] = source_file
            # The code object's first line is what getsourcelines would find, without reading the file.
            context["line"] = target.__code__.co_firstlineno
    except (TypeError, OSError, AttributeError):
        pass
    return context


class EndpointContexts:
    """A route's endpoint context for error messages, looked up on the first error only."""

    __slots__ = ("_call", "path", "_static")

    def __init__(self, call: Callable[..., Any], path: str) -> None:
        self._call = call
        self.path = path
        self._static: EndpointContext | None = None

    @property
    def static(self) -> EndpointContext:
        if self._static is None:
            self._static = endpoint_context(self._call)
        return self._static

    def for_scope(self, scope: Scope) -> EndpointContext:
        """The context with the request's ``"METHOD /mount/path"`` (FastAPI's shape)."""
        ctx = dict(self.static)
        mount_path = scope.get("root_path", "").rstrip("/")
        ctx["path"] = f"{scope['method']} {mount_path}{self.path}"
        return ctx  # type: ignore[return-value]


def json_invalid_error(exc: Any, endpoint_ctx: EndpointContext) -> RequestValidationError:
    error = exc.error
    return RequestValidationError(
        [{"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error", "input": {}, "ctx": {"error": error.msg}}],
        body=error.doc,
        endpoint_ctx=endpoint_ctx,
    )


BODY_PARSE_ERROR = "There was an error parsing the body"


def build_request_handler(
    *,
    dependant: Any,
    body_field: ModelField | None,
    embed_body_fields: bool,
    respond: Callable[..., Response],
    overrides_provider: Any,
    strict_content_type: bool,
    form_limits: Any = None,
    path: str = "",
    stream_respond: Callable[..., Awaitable[Response]] | None = None,
) -> RouteHandler:
    call = dependant.call
    assert call is not None, "dependant.call must be a function"
    is_coroutine = is_coroutine_callable(call)
    solve = compile_solver(dependant, embed_body_fields=embed_body_fields)
    reads_form = body_field is not None and isinstance(body_field.field_info, params.Form)
    reads_json = body_field is not None and not reads_form
    contexts = EndpointContexts(call, path)

    async def read_body(request: Request) -> Any:
        try:
            if reads_form:
                return await read_form(request, form_limits)
            if reads_json:
                return read_json_body(await request.body(), request.headers.get("content-type"), strict_content_type)
        except JSONBodyError as exc:
            raise json_invalid_error(exc, contexts.for_scope(request.scope)) from exc.error
        except HTTPException:
            raise
        except Exception as exc:
            raise HTTPException(status_code=400, detail=BODY_PARSE_ERROR) from exc
        return Undefined

    async def handler(request: Request) -> Response:
        body = await read_body(request)
        scope = request.scope
        ctx = RequestContext(request, body, scope.get("fastapi_inner_astack"), scope.get("fastapi_function_astack"))
        if overrides_provider is not None:
            ctx.overrides = overrides_provider.dependency_overrides
        values, errors = await solve(ctx)
        if errors:
            raise RequestValidationError(errors, body=None if body is Undefined else body, endpoint_ctx=contexts.for_scope(scope))
        if stream_respond is not None:
            return await stream_respond(values, ctx, contexts.for_scope(scope))
        if is_coroutine:
            content = await call(**values)
        else:
            content = await run_in_threadpool(call, **values)
        endpoint_ctx = contexts.static if isinstance(content, Response) else contexts.for_scope(scope)
        return respond(content, ctx.background_tasks, ctx.response, endpoint_ctx)

    return handler


RESPONSE_NOT_AWAITED = (
    "Response not awaited. There's a high chance that the application code is raising an exception and "
    "a dependency with yield has a block with a bare except, or a block with except Exception, and is not "
    "raising the exception again. Read more about it in the docs: "
    "https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/#dependencies-with-yield-and-except"
)


def request_response(func: Callable[[Request], Awaitable[Response] | Response]) -> ASGIApp:
    """An ASGI app calling ``func(request)``, with the exit stacks dependencies with yield need."""
    handler: Callable[[Request], Awaitable[Response]]
    if is_coroutine_callable(func):
        handler = func  # type: ignore[assignment]
    else:

        async def handler(request: Request) -> Response:
            return await run_in_threadpool(func, request)  # type: ignore[arg-type]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)

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


# ---- the route's own ASGI app ---------------------------------------------------------------------

JSON_CONTENT_TYPE = (b"content-type", b"application/json")
Producer = Callable[[ScopeContext], Awaitable[Any]]
Deliverer = Callable[[ScopeContext, Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RouteParts:
    """What a route's request handling is built from, resolved from the route once."""

    dependant: Dependant
    body_field: ModelField | None
    embed_body_fields: bool
    respond: Callable[..., Response]
    overrides_provider: Any
    strict_content_type: bool
    contexts: EndpointContexts
    form_limits: Any = None
    stream_respond: Callable[..., Awaitable[Response]] | None = None
    write_json: JSONWriter | None = None
    status_code: int | None = None

    def request_handler(self) -> RouteHandler:
        """FastAPI's ``handler(request) -> Response`` for these parts."""
        return build_request_handler(
            dependant=self.dependant,
            body_field=self.body_field,
            embed_body_fields=self.embed_body_fields,
            respond=self.respond,
            overrides_provider=self.overrides_provider,
            strict_content_type=self.strict_content_type,
            form_limits=self.form_limits,
            path=self.contexts.path,
            stream_respond=self.stream_respond,
        )


def compile_route_app(parts: RouteParts) -> ASGIApp:
    """The route's ASGI app. Streamed answers and forms keep the ``handler(request)`` path:
    their handling reads the ``Request`` throughout anyway."""
    if parts.stream_respond is not None or _reads_form(parts.body_field):
        return request_response(parts.request_handler())
    if parts.write_json is not None and not has_inputs(parts.dependant):
        return _app_without_inputs(parts, parts.write_json)
    return _app(_compile_producer(parts), _compile_deliverer(parts), parts.overrides_provider)


def _reads_form(body_field: ModelField | None) -> bool:
    return body_field is not None and isinstance(body_field.field_info, params.Form)


def _app(produce: Producer, deliver: Deliverer, provider: Any) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ctx = ScopeContext(scope, receive, send)
        if provider is not None:
            # Looked up as each dependency is reached, so an override set mid-request applies.
            ctx.overrides = provider.dependency_overrides
        try:
            await _produce_and_deliver(ctx, produce, deliver)
        except Exception as exc:
            await answer_exception(exc, scope, receive, send, started=ctx.started, connection=ctx.connection)

    return app


async def _produce_and_deliver(ctx: ScopeContext, produce: Producer, deliver: Deliverer) -> None:
    """The exit stacks are opened by the first dependency with yield (none: no stacks at all)."""
    try:
        content = await produce(ctx)
    except BaseException as exc:
        if ctx.request_stack is None:
            raise
        await _finish_in_stacks(ctx, deliver, _raising(exc))
        return
    if ctx.request_stack is None:
        await deliver(ctx, content)
    else:
        await _finish_in_stacks(ctx, deliver, lambda: content)


async def _finish_in_stacks(ctx: ScopeContext, deliver: Deliverer, outcome: Callable[[], Any]) -> None:
    """Close the stacks as ``async with request_stack: async with function_stack: ...`` would,
    as if the request had run inside them from the start (entering one does nothing):
    function-scoped dependencies close before the answer is sent, request-scoped ones after."""
    request_stack, function_stack = ctx.request_stack, ctx.function_stack
    assert isinstance(request_stack, DependencyExitStack) and isinstance(function_stack, DependencyExitStack)
    sent = False
    try:
        try:
            content = outcome()
        except BaseException as exc:
            if not await function_stack.__aexit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            await function_stack.close()
        # Unbound when a dependency swallowed the exception: the error ``async with`` would give.
        await deliver(ctx, content)
        sent = True
    except BaseException as exc:
        if not await request_stack.__aexit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        await request_stack.close()
    if not sent:
        raise FastAPIError(RESPONSE_NOT_AWAITED)


def _raising(exc: BaseException) -> Callable[[], Any]:
    def outcome() -> Any:
        raise exc

    return outcome


def _app_without_inputs(parts: RouteParts, write: JSONWriter) -> ASGIApp:
    """No parameters and no dependencies: nothing to solve or override, no context to keep."""
    call = parts.dependant.call
    assert call is not None, "dependant.call must be a function"
    invoke = call if is_coroutine_callable(call) else _in_thread(call)
    status = parts.status_code or 200
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
            await answer_exception(exc, scope, receive, send, started=started)
            return
        ctx = ScopeContext(scope, receive, send)
        try:
            await deliver(ctx, content)
        except Exception as exc:
            await answer_exception(exc, scope, receive, send, started=ctx.started, connection=ctx.connection)

    return app


# -- producing the endpoint's return value --------------------------------------------------------


def _compile_producer(parts: RouteParts) -> Producer:
    call = parts.dependant.call
    assert call is not None, "dependant.call must be a function"
    invoke = call if is_coroutine_callable(call) else _in_thread(call)
    if not has_inputs(parts.dependant):
        return lambda ctx: invoke()  # the endpoint's own coroutine, awaited by the caller
    gather = _compile_gatherer(parts)

    async def produce(ctx: ScopeContext) -> Any:
        return await invoke(**await gather(ctx))

    return produce


def _in_thread(call: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def invoke_in_thread(**values: Any) -> Any:
        return await run_in_threadpool(call, **values)

    return invoke_in_thread


def _compile_gatherer(parts: RouteParts) -> Callable[[ScopeContext], Awaitable[dict[str, Any]]]:
    """``gather(ctx) -> values``: the endpoint's arguments, or the 422 of everything wrong."""
    solve = compile_solver(parts.dependant, embed_body_fields=parts.embed_body_fields)
    contexts = parts.contexts
    if parts.body_field is None:

        async def gather(ctx: ScopeContext) -> dict[str, Any]:
            values, errors = await solve(ctx)
            if errors:
                raise RequestValidationError(errors, body=None, endpoint_ctx=contexts.for_scope(ctx.scope))
            return values

        return gather
    read_body = _json_body_reader(parts.strict_content_type, contexts)

    async def gather_with_body(ctx: ScopeContext) -> dict[str, Any]:
        body = ctx.body = await read_body(ctx)
        values, errors = await solve(ctx)
        if errors:
            raise RequestValidationError(
                errors, body=None if body is Undefined else body, endpoint_ctx=contexts.for_scope(ctx.scope)
            )
        return values

    return gather_with_body


def _json_body_reader(strict_content_type: bool, contexts: EndpointContexts) -> Callable[[ScopeContext], Awaitable[Any]]:
    async def read_body(ctx: ScopeContext) -> Any:
        try:
            if Request.body is _STARLETTE_BODY:
                raw = ctx.raw_body = await receive_body(ctx.receive)
            else:  # a replaced ``Request.body`` (a patch, a test double) is what reads the body
                raw = ctx.raw_body = await ctx.connection.body()
            return read_json_body(raw, ctx.headers.get("content-type"), strict_content_type)
        except JSONBodyError as exc:
            raise json_invalid_error(exc, contexts.for_scope(ctx.scope)) from exc.error
        except HTTPException:
            raise
        except Exception as exc:
            raise HTTPException(status_code=400, detail=BODY_PARSE_ERROR) from exc

    return read_body


_STARLETTE_BODY = Request.body


async def receive_body(receive: Receive) -> bytes:
    """The whole request body, read as Starlette's ``Request.body()`` reads it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            if not message.get("more_body", False):
                return b"".join((*chunks, chunk)) if chunks else chunk
            if chunk:
                chunks.append(chunk)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


# -- delivering the answer ------------------------------------------------------------------------


def _compile_deliverer(parts: RouteParts) -> Deliverer:
    """``deliver(ctx, content)``: plain JSON straight to ``send``, anything else as a Response."""
    send_response = _response_sender(parts.respond, parts.contexts)
    write = parts.write_json
    if write is None:
        return send_response
    status = parts.status_code or 200

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


def route_parts(route: Any) -> RouteParts:
    """The parts of *route* (an ``APIRoute``): its declared options, resolved once."""
    options = ResponseOptions(
        include=route.response_model_include,
        exclude=route.response_model_exclude,
        by_alias=route.response_model_by_alias,
        exclude_unset=route.response_model_exclude_unset,
        exclude_defaults=route.response_model_exclude_defaults,
        exclude_none=route.response_model_exclude_none,
    )
    response = {"response_class": route.response_class, "options": options, "status_code": route.status_code}
    contexts = EndpointContexts(route.dependant.call, route.path_format)
    stream_respond = None
    if route.is_generator:
        stream_respond = compile_stream_responder(
            is_sse=route.is_sse_stream,
            is_json=route.is_json_stream,
            call=route.endpoint,
            stream_item_field=route.stream_item_field,
            **response,
        )
    strict = route.strict_content_type
    return RouteParts(
        dependant=route.dependant,
        body_field=route.body_field,
        embed_body_fields=route._embed_body_fields,
        respond=compile_responder(response_field=route.response_field, **response),
        overrides_provider=route.dependency_overrides_provider,
        strict_content_type=strict.value if isinstance(strict, DefaultPlaceholder) else strict,
        contexts=contexts,
        form_limits=route.form_limits,
        stream_respond=stream_respond,
        write_json=compile_json_writer(response_field=route.response_field, context_of=contexts.for_scope, **response),
        status_code=route.status_code,
    )
