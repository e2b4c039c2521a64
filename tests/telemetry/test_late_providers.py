"""An application whose first requests came before any OpenTelemetry provider was configured
records telemetry once a global provider is set. Global providers can be set only once per
process, so the case runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from nimbleapi import FastAPI
    from nimbleapi.testclient import TestClient

    app = FastAPI()

    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> int:
        return item_id

    client = TestClient(app)
    assert client.get("/items/1").json() == 1
    spans = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(provider)
    assert client.get("/items/2").json() == 2
    print(sorted(span.name for span in spans.get_finished_spans()))
    """
)


def test_a_global_provider_set_after_the_first_request_is_used() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "['GET /items/{item_id}', 'fastapi.dependencies', 'fastapi.endpoint', 'fastapi.serialization']"
    )
