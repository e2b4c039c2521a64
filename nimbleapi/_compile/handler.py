"""The request handler of an ``APIRoute``: read the body, solve dependencies, call, respond.

``build_request_handler`` returns FastAPI's ``handler(request) -> Response`` shape (so
``APIRoute.get_route_handler`` overrides keep working); ``request_response`` turns it into
an ASGI app with the two exit stacks that ``yield`` dependencies close.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from pydantic_core import PydanticUndefined
from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import params
from ..exceptions import EndpointContext, FastAPIError, RequestValidationError
from .._plan.callables import is_coroutine_callable
from .._plan.fields import ModelField
from .body import JSONBodyError, read_json_body
from .deps import RequestContext, compile_solver
from .forms import read_form

Undefined = PydanticUndefined
RouteHandler = Callable[[Request], Awaitable[Response]]


def endpoint_context(call: Callable[..., Any]) -> EndpointContext:
    """Where an endpoint is defined, for error messages (computed once per route)."""
    context: EndpointContext = {}
    try:
        target = inspect.unwrap(call)
        context["function"] = getattr(target, "__name__", repr(target))
        source_file = inspect.getsourcefile(target)
        if source_file:
            context["file"] = source_file
            # The code object's first line is what getsourcelines would find, without reading the file.
            context["line"] = target.__code__.co_firstlineno
    except (TypeError, OSError):
        pass
    return context


def json_invalid_error(exc: Any, endpoint_ctx: EndpointContext) -> RequestValidationError:
    error = exc.error
    return RequestValidationError(
        [{"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error", "input": {}, "ctx": {"error": error.msg}}],
        body=error.doc,
        endpoint_ctx=endpoint_ctx,
    )


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
    static_ctx = endpoint_context(call)

    def context_for(request: Request) -> EndpointContext:
        ctx = dict(static_ctx)
        mount_path = request.scope.get("root_path", "").rstrip("/")
        ctx["path"] = f"{request.method} {mount_path}{path}"
        return ctx  # type: ignore[return-value]

    async def read_body(request: Request) -> Any:
        try:
            if reads_form:
                return await read_form(request, form_limits)
            if reads_json:
                return await read_json_body(request, strict_content_type)
        except JSONBodyError as exc:
            raise json_invalid_error(exc, context_for(request)) from exc.error
        except HTTPException:
            raise
        except Exception as exc:
            raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc
        return Undefined

    async def handler(request: Request) -> Response:
        body = await read_body(request)
        scope = request.scope
        ctx = RequestContext(request, body, scope.get("fastapi_inner_astack"), scope.get("fastapi_function_astack"))
        if overrides_provider is not None:
            ctx.overrides = overrides_provider.dependency_overrides
        values, errors = await solve(ctx)
        if errors:
            raise RequestValidationError(errors, body=None if body is Undefined else body, endpoint_ctx=context_for(request))
        if stream_respond is not None:
            return await stream_respond(values, ctx, context_for(request))
        if is_coroutine:
            content = await call(**values)
        else:
            content = await run_in_threadpool(call, **values)
        return respond(content, ctx.background_tasks, ctx.response, context_for(request) if not isinstance(content, Response) else static_ctx)

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
