from collections.abc import AsyncIterator

from pydantic import BaseModel

from nimbleapi import FastAPI
from nimbleapi.sse import EventSourceResponse, ServerSentEvent

app = FastAPI()


class Price(BaseModel):
    symbol: str
    cents: int


@app.get("/prices", response_class=EventSourceResponse)
async def prices() -> AsyncIterator[Price]:
    # Each yielded model becomes one event whose data is its JSON.
    for cents in (101, 102, 99):
        yield Price(symbol="NIM", cents=cents)


@app.get("/jobs/{job_id}/progress", response_class=EventSourceResponse)
async def progress(job_id: int) -> AsyncIterator[ServerSentEvent]:
    for percent in (0, 50, 100):
        yield ServerSentEvent(data={"job": job_id, "percent": percent}, event="progress", id=str(percent))
    yield ServerSentEvent(raw_data="done", event="end")
