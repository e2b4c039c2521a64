"""Notifications to the WebSocket clients of every worker.

Each process keeps a queue per connected client. ``publish`` reaches the queues of this
process (in-process backend) or, through a Redis channel that every worker listens to,
the queues of all processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

logger = logging.getLogger(__name__)
QUEUE_SIZE = 100  # a client this far behind loses messages instead of growing memory


class LocalFanout:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    def deliver(self, message: dict[str, Any]) -> None:
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(message)


class Notifier(LocalFanout):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def publish(self, message: dict[str, Any]) -> None:
        raise NotImplementedError


class MemoryNotifier(Notifier):
    async def publish(self, message: dict[str, Any]) -> None:
        self.deliver(message)


class RedisNotifier(Notifier):
    def __init__(self, redis: Redis, channel: str) -> None:
        super().__init__()
        self._redis = redis
        self._channel = channel
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen())
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener

    async def publish(self, message: dict[str, Any]) -> None:
        await self._redis.publish(self._channel, json.dumps(message))

    async def _listen(self) -> None:
        async with self._redis.pubsub() as pubsub:
            await pubsub.subscribe(self._channel)
            self._subscribed.set()
            async for item in pubsub.listen():
                if item["type"] == "message":
                    self.deliver(json.loads(item["data"]))
