from typing import Annotated

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel

from nimbleapi import Depends, FastAPI, Header

# Finished spans are kept in memory here, to read them back; in production a
# BatchSpanProcessor(OTLPSpanExporter()) sends them to a Collector instead.
spans = InMemorySpanExporter()
tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(spans))

app = FastAPI(
    telemetry={
        "tracer_provider": tracer_provider,
        "exclude": lambda scope: scope["path"] == "/healthz",  # probes make no spans
    }
)


class Item(BaseModel):
    id: int
    owner: str


def current_user(x_user: Annotated[str, Header()] = "guest") -> str:
    return x_user


@app.get("/items/{item_id}")
async def read_item(item_id: int, user: Annotated[str, Depends(current_user)]) -> Item:
    return Item(id=item_id, owner=user)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
