"""Fixed-window rate limiting: at most ``limit`` hits per key in each ``window_seconds``."""

from __future__ import annotations

import math
import time
from typing import Protocol

from redis.asyncio import Redis


class RateLimiter(Protocol):
    async def hit(self, key: str) -> int | None:
        """Count one attempt; return the seconds to wait when it is over the limit, else ``None``."""
        ...


class MemoryRateLimiter:
    def __init__(self, limit: int, window_seconds: int) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str) -> int | None:
        now = time.monotonic()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= self.window_seconds:
            started, count = now, 0
        self._windows[key] = (started, count + 1)
        if count + 1 > self.limit:
            return max(1, math.ceil(started + self.window_seconds - now))
        return None


class RedisRateLimiter:
    """One counter per key shared by every worker; the window starts with the key's first hit."""

    def __init__(self, redis: Redis, prefix: str, limit: int, window_seconds: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self.limit = limit
        self.window_seconds = window_seconds

    async def hit(self, key: str) -> int | None:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=self.window_seconds, nx=True)
            pipe.incr(name)
            pipe.ttl(name)
            _, count, ttl = await pipe.execute()
        if count > self.limit:
            return max(1, int(ttl))
        return None
