"""Domain events: the transactional outbox and the relay that publishes it to a broker."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis
from aiokafka.errors import KafkaConnectionError
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.backends.brokers import Broker, KafkaBroker, RedisStreamBroker
from app.config import Settings
from app.database import connect
from app.models import OutboxEvent
from app.services import events
from app.services.events import OutboxRelay
from tests.helpers import TEST_REDIS_URL, needs_redis, published_events


def test_publishing_a_post_is_an_event(client: TestClient, alice: dict[str, Any], settings: Settings) -> None:
    draft = client.post("/posts", headers=alice["headers"], json={"title": "Draft", "body": "b"}).json()
    published = client.post("/posts", headers=alice["headers"],
                            json={"title": "Out", "body": "b", "published": True}).json()
    client.patch(f"/posts/{draft['id']}", headers=alice["headers"], json={"published": True})
    client.patch(f"/posts/{draft['id']}", headers=alice["headers"], json={"title": "Renamed"})  # no new event
    sent = published_events(settings, "post.published", expected=2)
    assert [event["payload"]["post_id"] for event in sent] == [published["id"], draft["id"]]
    assert sent[0]["payload"] == {"post_id": published["id"], "author_id": alice["profile"]["id"], "title": "Out"}
    assert sent[0]["id"] < sent[1]["id"]


async def outbox_rows(database_url: str) -> list[OutboxEvent]:
    database = connect(database_url)
    async with database.sessions() as session:
        rows = list((await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all())
    await database.close()
    return rows


async def relay_with(database_url: str, broker: Broker, record: int = 0) -> int:
    database = connect(database_url)
    async with database.sessions() as session:
        for number in range(record):
            events.record(session, "test.happened", str(number), {"number": number})
        await session.commit()
    try:
        return await OutboxRelay(database, broker, poll_seconds=1).relay_once()
    finally:
        await broker.close()
        await database.close()


def test_events_stay_in_the_outbox_while_kafka_is_unreachable(database_url: str, unused_port: int) -> None:
    """The Kafka path with a broker that is down: nothing is lost, the rows wait for the next round."""
    with pytest.raises(KafkaConnectionError):
        asyncio.run(relay_with(database_url, KafkaBroker(f"127.0.0.1:{unused_port}"), record=2))
    rows = asyncio.run(outbox_rows(database_url))
    assert [(row.key, row.published_at) for row in rows] == [("0", None), ("1", None)]


@needs_redis
def test_relay_publishes_to_redis_streams_in_order_once(database_url: str, settings: Settings) -> None:
    assert TEST_REDIS_URL is not None
    stream = f"{settings.redis_prefix}events:"

    async def relay(record: int) -> int:
        async with redis.asyncio.Redis.from_url(TEST_REDIS_URL) as client:
            return await relay_with(database_url, RedisStreamBroker(client, stream), record)

    assert asyncio.run(relay(3)) == 3
    assert asyncio.run(relay(0)) == 0  # already published: not sent again
    with redis.Redis.from_url(TEST_REDIS_URL) as client:
        entries = client.xrange(stream + "test.happened")
    assert [fields[b"key"] for _, fields in entries] == [b"0", b"1", b"2"]
    assert all(row.published_at is not None for row in asyncio.run(outbox_rows(database_url)))
