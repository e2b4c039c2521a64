"""Domain events: recorded in the outbox with the change, published later by the relay."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.backends.brokers import Broker
from app.database import Database
from app.models import OutboxEvent

logger = logging.getLogger(__name__)
BATCH = 100

USER_REGISTERED = "user.registered"
POST_PUBLISHED = "post.published"


def record(session: AsyncSession, topic: str, key: str, payload: dict[str, Any]) -> None:
    """Add an event to the session: it is committed, or rolled back, with the change."""
    session.add(OutboxEvent(topic=topic, key=key, payload=payload))


def encode(event: OutboxEvent) -> bytes:
    """The message every broker carries: the event id lets consumers drop a redelivery."""
    return json.dumps({"id": event.id, "topic": event.topic, "key": event.key, "payload": event.payload,
                       "created_at": event.created_at.isoformat()}, separators=(",", ":")).encode()


class OutboxRelay:
    """Publishes committed outbox rows in order, and marks them published."""

    def __init__(self, database: Database, broker: Broker, poll_seconds: float) -> None:
        self.database = database
        self.broker = broker
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Called after a commit that recorded events, so they go out without waiting for the poll."""
        self._wake.set()

    async def relay_once(self) -> int:
        async with self.database.sessions.begin() as session:
            query = select(OutboxEvent).where(OutboxEvent.published_at.is_(None)).order_by(OutboxEvent.id).limit(BATCH)
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)  # several workers share the work
            events = (await session.scalars(query)).all()
            for event in events:
                await self.broker.publish(event.topic, event.key, encode(event))
                event.published_at = datetime.now(UTC)
        return len(events)

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                while await self.relay_once() == BATCH:
                    pass
            except Exception:  # the broker or database is down: the rows wait for the next round
                logger.exception("outbox relay failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def stop(self, running: asyncio.Task[None], grace_seconds: float = 10.0) -> None:
        """Let the current round finish: cancelling a database driver mid-query can leave its
        connection unusable (asyncpg's then hangs the pool's clean-up)."""
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(running, grace_seconds)
        except TimeoutError:  # wait_for cancelled it
            logger.warning("outbox relay did not stop within %s s; cancelled", grace_seconds)
