"""Where the outbox relay publishes domain events: Kafka, Redis Streams, or a local file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from redis.asyncio import Redis

if TYPE_CHECKING:
    from aiokafka import AIOKafkaProducer

STREAM_MAXLEN = 100_000  # Redis keeps about this many events per stream


class Broker(Protocol):
    async def start(self) -> None: ...
    async def publish(self, topic: str, key: str, value: bytes) -> None: ...
    async def close(self) -> None: ...


class FileBroker:
    """No broker configured: one JSON line per event in a file, for a single machine."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        await asyncio.to_thread(self._append, value)

    def _append(self, value: bytes) -> None:
        with self.path.open("ab") as file:
            file.write(value + b"\n")

    async def close(self) -> None:
        return None


class RedisStreamBroker:
    """One stream per topic (``<prefix><topic>``); consumers read them with XREAD or consumer groups."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def start(self) -> None:
        return None

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        await self._redis.xadd(self._prefix + topic, {"key": key, "value": value},
                               maxlen=STREAM_MAXLEN, approximate=True)

    async def close(self) -> None:
        return None


class KafkaBroker:
    """aiokafka's producer, idempotent, acknowledged by all in-sync replicas."""

    def __init__(self, bootstrap_servers: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        """Connecting is left to the first publish: the app serves while Kafka is still coming up."""

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        producer = self._producer or await self._connect()
        await producer.send_and_wait(topic, value, key=key.encode())

    async def _connect(self) -> AIOKafkaProducer:
        from aiokafka import AIOKafkaProducer  # only deployments with Kafka pay for the import

        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap_servers, enable_idempotence=True, acks="all")
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer
        return producer

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
