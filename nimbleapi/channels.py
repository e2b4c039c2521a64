"""Channels: publish/subscribe fan-out to WebSocket and Server-Sent Events clients.

::

    channels = Channels(RedisStore.from_url(url))   # or Channels() for one process

    await channels.publish("room:1", {"text": "hi"})             # one line, from any route

    @app.websocket("/ws/{room}")
    async def ws(websocket: WebSocket, room: str):
        await websocket.accept()
        await channels.serve_websocket(websocket, f"room:{room}")  # until the client leaves

    @app.get("/events/{room}", response_class=EventSourceResponse)
    async def events(room: str):
        async for event in channels.events(f"room:{room}"):
            yield event

Messages travel as JSON text (a ``str`` is sent as it is); subscribers receive that text.
Each process keeps one backend subscription per topic and fans messages out locally, so
Redis sees one subscriber per worker, not one per client.

Overflow policy: each subscriber has a bounded queue (``queue_size``, 100 by default).
When a slow client lets it fill, the oldest queued message is dropped for that client
alone and ``Subscription.dropped`` counts it; publishers and other clients never wait.

On a Redis store, a lost connection is logged and re-established with backoff, and the
topics are subscribed again; messages published meanwhile are lost (pub/sub keeps none).
``publish`` during an outage logs, drops the message and returns False.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from pydantic_core import to_json
from starlette.websockets import WebSocket, WebSocketDisconnect

from ._batteries.degraded import OutageLog
from .sse import ServerSentEvent
from .stores import Listener, MemoryStore, Store, StoreUnavailable

__all__ = ["Channels", "Subscription"]

logger = logging.getLogger("nimbleapi.batteries")
TOPIC_PREFIX = "channel:"
CONFIRMATION_TIMEOUT = 2.0


class Subscription:
    """One client's view of a topic: a bounded queue, iterated with ``async for``."""

    def __init__(self, channels: Channels, topic: str, queue_size: int) -> None:
        self.channels, self.topic = channels, topic
        self._queue: collections.deque[str] = collections.deque(maxlen=queue_size)
        self._ready = asyncio.Event()
        self.dropped = 0

    def put(self, message: str) -> None:
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1  # the deque drops the oldest message on append
        self._queue.append(message)
        self._ready.set()

    async def get(self) -> str:
        while not self._queue:
            self._ready.clear()
            await self._ready.wait()
        return self._queue.popleft()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> str:
        return await self.get()

    async def close(self) -> None:
        await self.channels._remove(self)


class Channels:
    """Topics on *store* (a ``MemoryStore`` of its own by default)."""

    def __init__(self, store: Store | None = None, *, queue_size: int = 100, reconnect_delay: float = 0.5) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.store = store if store is not None else MemoryStore()
        self.queue_size, self.reconnect_delay = queue_size, reconnect_delay
        self._subscribers: dict[str, set[Subscription]] = {}
        self._ready: dict[str, asyncio.Event] = {}  # set once the topic's subscription is confirmed
        self._listener: Listener | None = None
        self._pump: asyncio.Task[None] | None = None
        self._outage = OutageLog("channels")

    async def publish(self, topic: str, message: Any) -> bool:
        """Send *message* to every subscriber of *topic*, in every process sharing the store.
        False when the store is unavailable: the message is dropped and the outage logged,
        so a route that publishes keeps answering."""
        text = message if isinstance(message, str) else to_json(message).decode()
        try:
            await self.store.publish(TOPIC_PREFIX + topic, text.encode())
        except StoreUnavailable as exc:
            self._outage.warn(exc, "message dropped")
            return False
        return True

    async def subscribe(self, topic: str) -> AsyncIterator[str]:
        """The messages of *topic* from now on; leaving the loop unsubscribes."""
        subscription = await self.open_subscription(topic)
        try:
            async for message in subscription:
                yield message
        finally:
            await subscription.close()

    async def open_subscription(self, topic: str) -> Subscription:
        """A ``Subscription`` to *topic* that receives every message published after this
        returns; ``await subscription.close()`` when done."""
        subscription = Subscription(self, topic, self.queue_size)
        ready = self._ready.get(topic)
        if ready is None:  # the first local subscriber subscribes this process to the topic
            ready = self._ready[topic] = asyncio.Event()
            self._subscribers[topic] = set()
            try:
                await self._follow(topic)
            finally:
                ready.set()
        else:
            await ready.wait()
        self._subscribers.setdefault(topic, set()).add(subscription)
        return subscription

    async def events(self, topic: str) -> AsyncIterator[ServerSentEvent]:
        """``subscribe`` as Server-Sent Events: yield from it in an ``EventSourceResponse`` route."""
        async for message in self.subscribe(topic):
            yield ServerSentEvent(raw_data=message)

    async def serve_websocket(self, websocket: WebSocket, topic: str) -> None:
        """Forward *topic* to an accepted *websocket* until the client disconnects; what the
        client sends is read and ignored."""
        subscription = await self.open_subscription(topic)
        forward = asyncio.ensure_future(_forward(subscription, websocket))
        try:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        except WebSocketDisconnect:
            pass
        finally:
            forward.cancel()
            await subscription.close()

    @property
    def subscriber_count(self) -> int:
        return sum(len(subscribers) for subscribers in self._subscribers.values())

    async def close(self) -> None:
        """Stop listening (subscribers stay registered but receive nothing more)."""
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)
            self._pump = None
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

    async def _remove(self, subscription: Subscription) -> None:
        # Detached before the first await: cleanup that runs while the task is being
        # cancelled (a client that went away) gets no further than that first await.
        subscribers = self._subscribers.get(subscription.topic)
        if subscribers is None or subscription not in subscribers:
            return
        subscribers.discard(subscription)
        if subscribers:
            return
        del self._subscribers[subscription.topic]
        self._ready.pop(subscription.topic, None)
        if self._listener is not None:
            try:
                await self._listener.unsubscribe(TOPIC_PREFIX + subscription.topic)
            except StoreUnavailable:
                pass  # the reconnection subscribes only the topics still followed

    async def _follow(self, topic: str) -> None:
        if self._pump is None or self._pump.done():
            self._listener = self.store.listener()
            self._pump = asyncio.ensure_future(self._run_pump())
        assert self._listener is not None
        try:
            await self._listener.subscribe(TOPIC_PREFIX + topic)
        except StoreUnavailable as exc:
            self._outage.warn(exc, "subscription retried when the connection is back")
            return
        with contextlib.suppress(TimeoutError):  # unconfirmed still works, perhaps missing a first message
            await asyncio.wait_for(self._listener.confirmed(TOPIC_PREFIX + topic), CONFIRMATION_TIMEOUT)

    async def _run_pump(self) -> None:
        """Deliver the store's messages to local subscribers; reconnect when the store is lost."""
        delay = self.reconnect_delay
        while True:
            listener = self._listener
            assert listener is not None
            try:
                async for topic, payload in listener.messages():
                    delay = self.reconnect_delay
                    self._deliver(topic.removeprefix(TOPIC_PREFIX), payload.decode())
            except StoreUnavailable as exc:
                self._outage.warn(exc, f"reconnecting in {delay:g}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
            await listener.close()
            self._listener = self.store.listener()
            try:
                if self._subscribers:
                    await self._listener.subscribe(*(TOPIC_PREFIX + topic for topic in self._subscribers))
            except StoreUnavailable as exc:
                self._outage.warn(exc, "still unavailable")
                continue
            logger.info("channels: listening again to %d topic(s)", len(self._subscribers))

    def _deliver(self, topic: str, message: str) -> None:
        for subscription in tuple(self._subscribers.get(topic, ())):
            subscription.put(message)


async def _forward(subscription: Subscription, websocket: WebSocket) -> None:
    async for message in subscription:
        await websocket.send_text(message)
