"""An app served by several processes sharing one Redis (tests/test_batteries_across_workers.py).

NIMBLEAPI_TEST_REDIS_URL names the Redis, BATTERIES_TEST_PREFIX the key prefix of the run.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

from nimbleapi import FastAPI, WebSocket
from nimbleapi.caching import cache
from nimbleapi.channels import Channels
from nimbleapi.ratelimit import rate_limit
from nimbleapi.sse import EventSourceResponse, ServerSentEvent
from nimbleapi.stores import RedisStore, configure_stores

store = RedisStore.from_url(os.environ["NIMBLEAPI_TEST_REDIS_URL"], prefix=os.environ["BATTERIES_TEST_PREFIX"])
channels = Channels(store)
app = FastAPI()
configure_stores(app, default=store)
app.add_event_handler("shutdown", channels.close)


@app.get("/health")
def health() -> dict[str, int]:
    return {"pid": os.getpid()}


# GCRA refills one request per 43 minutes here: none during the test.
@app.get("/limited", dependencies=[rate_limit("1000/30 days")])
async def limited() -> None: ...


@app.get("/cached", dependencies=[cache(ttl=60)])
async def cached() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.post("/publish/{topic}")
async def publish(topic: str, message: dict[str, Any]) -> dict[str, int]:
    await channels.publish(topic, message)
    return {"pid": os.getpid()}


@app.get("/subscribers")
def subscribers() -> int:
    return channels.subscriber_count


@app.websocket("/ws/{topic}")
async def websocket(websocket: WebSocket, topic: str) -> None:
    await websocket.accept()
    await channels.serve_websocket(websocket, topic)


@app.get("/events/{topic}", response_class=EventSourceResponse)
async def events(topic: str) -> AsyncIterator[ServerSentEvent]:
    async for event in channels.events(topic):
        yield event
