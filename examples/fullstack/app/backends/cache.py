"""A bytes cache with a time to live per entry."""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...
    async def delete(self, key: str) -> None: ...


class NoCache:
    """``CACHE_TTL_SECONDS=0``: every read goes to the database."""

    async def get(self, key: str) -> bytes | None:
        return None

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        return None

    async def delete(self, key: str) -> None:
        return None


class MemoryCache:
    """One process's cache: right for a single worker, stale across several (use Redis there)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, bytes]] = {}

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= time.monotonic():
            del self._entries[key]
            return None
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._entries[key] = (time.monotonic() + ttl_seconds, value)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)


class RedisCache:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def get(self, key: str) -> bytes | None:
        return await self._redis.get(self._prefix + key)  # type: ignore[no-any-return]

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        await self._redis.set(self._prefix + key, value, ex=ttl_seconds)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)
