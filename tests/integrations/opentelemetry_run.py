"""Serve ``instrumented_app`` once under OpenTelemetry, in a process of its own; print the spans.

    python opentelemetry_run.py instrument_app | instrument

``instrument_app``: ``FastAPIInstrumentor.instrument_app(app)`` on the finished application.
``instrument``: ``FastAPIInstrumentor().instrument()`` before the application is made (it
replaces ``fastapi.FastAPI``; it needs a ``fastapi`` distribution on the path, which the
caller provides). The SDK exports to an ``InMemorySpanExporter``. Prints one JSON object:
``"METHOD url"`` -> the response status and the spans ended during that request.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import nimbleapi.compat

nimbleapi.compat.install()

from opentelemetry import trace  # noqa: E402
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

# Differ from run to run (the client's port is fixed by the test client).
VARYING_ATTRIBUTES = {"net.peer.ip", "client.address"}


def span_facts(span: ReadableSpan) -> dict[str, Any]:
    attributes = span.attributes or {}
    return {
        "name": span.name,
        "kind": span.kind.name,
        "child": span.parent is not None,
        "status": span.status.status_code.name,
        "attributes": {key: value for key, value in attributes.items() if key not in VARYING_ATTRIBUTES},
        "events": [event.name for event in span.events],
        "scope": span.instrumentation_scope.name if span.instrumentation_scope else None,
    }


def main() -> None:
    mode = sys.argv[1]
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    if mode == "instrument":
        FastAPIInstrumentor().instrument()

    import fastapi
    from instrumented_app import build_app, replay

    app = build_app()
    if mode == "instrument_app":
        FastAPIInstrumentor.instrument_app(app)
    results: dict[str, Any] = {"mode": mode, "app_class": type(app).__name__, "fastapi.FastAPI": fastapi.FastAPI.__name__}
    for request, status in replay(app):
        results[request] = {"status": status, "spans": [span_facts(span) for span in exporter.get_finished_spans()]}
        exporter.clear()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
