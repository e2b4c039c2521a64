"""Telemetry for the `*_otel` targets: the OpenTelemetry SDK with in-memory exporters.

apps/fastapi_app.py asks `app_telemetry()` for its `FastAPI(telemetry=...)` setting:
None (FastAPI's default) unless the harness is loading an `_otel` target, which gets
its own SDK tracer and meter providers. Finished spans are kept in memory, a bounded
number of them, so a long run does not grow without limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_current: dict[str, Any] | None = None


def app_telemetry() -> dict[str, Any] | None:
    return _current


def _providers() -> dict[str, Any]:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    class BoundedSpanExporter(InMemorySpanExporter):
        def export(self, spans: Any) -> Any:
            if len(self._finished_spans) > 10_000:
                self.clear()
            return super().export(spans)

    tracer_provider = TracerProvider(shutdown_on_exit=False)
    tracer_provider.add_span_processor(SimpleSpanProcessor(BoundedSpanExporter()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()], shutdown_on_exit=False)
    return {"tracer_provider": tracer_provider, "meter_provider": meter_provider}


@contextmanager
def telemetry_on() -> Iterator[None]:
    """While an app module runs: its `FastAPI(telemetry=...)` gets fresh SDK providers."""
    global _current
    _current = _providers()
    try:
        yield
    finally:
        _current = None
