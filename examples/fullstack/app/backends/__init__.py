"""Cache, rate limiter, notification fan-out and event broker: in-process, or on Redis / Kafka.

Each is a small interface (``Cache``, ``RateLimiter``, ``Notifier``, ``Broker``) with one
class per backend, and ``build_backends`` is the one place that picks them from the
settings. The routes and services see only the interfaces, so replacing a backend
(another store, a library's implementation) touches this package alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis

from app.backends.brokers import Broker, FileBroker, KafkaBroker, RedisStreamBroker
from app.backends.cache import Cache, MemoryCache, NoCache, RedisCache
from app.backends.notify import MemoryNotifier, Notifier, RedisNotifier
from app.backends.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from app.config import Settings


@dataclass
class Backends:
    cache: Cache
    login_limiter: RateLimiter
    notifier: Notifier
    broker: Broker
    redis: Redis | None = field(default=None)

    async def start(self) -> None:
        await self.notifier.start()
        await self.broker.start()

    async def close(self) -> None:
        await self.notifier.close()
        await self.broker.close()
        if self.redis is not None:
            await self.redis.aclose()

    async def ping(self) -> None:
        """Raises when a shared service this process needs is unreachable (for ``/readyz``)."""
        if self.redis is not None:
            await self.redis.ping()


def build_backends(settings: Settings) -> Backends:
    limit, window = settings.login_attempts_per_window, settings.login_window_seconds
    broker = _broker(settings)
    if settings.redis_url is None:
        return Backends(
            cache=MemoryCache() if settings.cache_ttl_seconds else NoCache(),
            login_limiter=MemoryRateLimiter(limit, window),
            notifier=MemoryNotifier(),
            broker=broker or FileBroker(settings.data_dir / "events.jsonl"),
        )
    redis = Redis.from_url(settings.redis_url)
    prefix = settings.redis_prefix
    return Backends(
        cache=RedisCache(redis, prefix + "cache:") if settings.cache_ttl_seconds else NoCache(),
        login_limiter=RedisRateLimiter(redis, prefix + "login:", limit, window),
        notifier=RedisNotifier(redis, prefix + "notifications"),
        broker=broker or RedisStreamBroker(redis, prefix + "events:"),
        redis=redis,
    )


def _broker(settings: Settings) -> Broker | None:
    if settings.kafka_bootstrap_servers:
        return KafkaBroker(settings.kafka_bootstrap_servers)
    return None
