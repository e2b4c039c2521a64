"""The spans of a route's steps (``fastapi.dependencies``, ``fastapi.endpoint``,
``fastapi.serialization``), their names and attributes fixed when the route compiles.

Per request a step costs what the OpenTelemetry API asks for and no more: the span is
started with the attributes made at compile time, made current while the step runs (code
in the step nests its own spans under it), and ended; no context-manager object is made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import Token
from typing import Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, Tracer

from ..telemetry._api import _end_operation, _function_name

T = TypeVar("T")


class StepSpan:
    """The span of step *step* of the route whose endpoint is *call*."""

    __slots__ = ("name", "attributes")

    def __init__(self, step: str, call: Callable[..., Any]) -> None:
        self.name = "fastapi." + step
        self.attributes = {"code.function.name": _function_name(call)}

    def start(self, tracer: Tracer) -> tuple[Span, Token[Context]]:
        """The step's span, started and made current (``end_step`` ends both)."""
        span = tracer.start_span(self.name, attributes=self.attributes)
        return span, otel_context.attach(trace.set_span_in_context(span))

    async def around(self, tracer: Tracer | None, step: Awaitable[T]) -> T:
        """``await step`` in the step's span (without one when operation spans are off)."""
        if tracer is None:
            return await step
        span, token = self.start(tracer)
        try:
            result = await step
        except BaseException as exc:
            _end_operation(span, token, exc)
            raise
        _end_operation(span, token, None)
        return result

    def call(self, tracer: Tracer | None, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` in the step's span (without one when operation spans are off)."""
        if tracer is None:
            return function(*args, **kwargs)
        span, token = self.start(tracer)
        try:
            result = function(*args, **kwargs)
        except BaseException as exc:
            _end_operation(span, token, exc)
            raise
        _end_operation(span, token, None)
        return result
