"""``RedisStore``: the shared store, on redis-py's asyncio client (the ``redis`` extra).

Keys are namespaced with a prefix, so several applications can share one Redis. Every
Redis error is re-raised as ``StoreUnavailable`` so the batteries handle one exception
type. ``throttle`` is one Lua script: the check and the update of all limits happen in
Redis, atomically, with Redis' clock, however many workers call it.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import Any, TypeVar

from .base import Listener, Quota, QuotaState, Store, StoreUnavailable, ThrottleResult

T = TypeVar("T")

# KEYS: one per quota. ARGV: cost, then (limit, period) per quota. Mirrors gcra.py.
THROTTLE_SCRIPT = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local cost = tonumber(ARGV[1])
local tats, new_tats, retry = {}, {}, 0
for i, key in ipairs(KEYS) do
  local limit, period = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local tat = math.max(tonumber(redis.call('GET', key) or now), now)
  tats[i] = tat
  new_tats[i] = tat + period / limit * cost
  retry = math.max(retry, new_tats[i] - now - period)
end
local allowed = retry <= 1e-9
local out = {allowed and 1 or 0, tostring(allowed and 0 or retry)}
for i, key in ipairs(KEYS) do
  local limit, period = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local tat = tats[i]
  if allowed then
    tat = new_tats[i]
    redis.call('SET', key, tostring(tat), 'PX', math.max(1, math.ceil((tat - now) * 1000)))
  end
  local interval = period / limit
  out[#out + 1] = math.max(0, math.floor((period - (tat - now)) / interval + 1e-9))
  out[#out + 1] = tostring(math.max(0, tat - now))
end
return out
"""

# SET with a TTL unless the key is new, in one step (INCRBY keeps an existing TTL).
INCR_SCRIPT = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value == tonumber(ARGV[1]) and tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
"""


def _redis() -> Any:
    try:
        import redis.asyncio
        import redis.exceptions
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("RedisStore needs redis-py: pip install 'nimbleapi[redis]'") from exc
    return redis


class RedisStore(Store):
    """A store in Redis under *prefix*; build it with ``RedisStore.from_url``."""

    def __init__(self, client: Any, *, prefix: str = "nimbleapi:", url: str | None = None) -> None:
        self.client, self.prefix, self.url = client, prefix, url
        self._errors = _redis().exceptions.RedisError
        self._throttle = client.register_script(THROTTLE_SCRIPT)
        self._incr = client.register_script(INCR_SCRIPT)

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "nimbleapi:", timeout: float = 2.0, max_connections: int = 64, **options: Any
    ) -> RedisStore:
        """A store on a connection pool to *url*. *timeout* bounds connecting, each command
        and the wait for one of the *max_connections* connections, so a lost Redis fails
        fast instead of stalling requests, and a burst of requests queues for a connection
        instead of failing."""
        options.setdefault("socket_connect_timeout", timeout)
        options.setdefault("socket_timeout", timeout)
        redis = _redis()
        pool = redis.asyncio.BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=timeout, **options)
        return cls(redis.asyncio.Redis(connection_pool=pool), prefix=prefix, url=url)

    def __repr__(self) -> str:
        return f"RedisStore({self.url or self.client!r}, prefix={self.prefix!r})"

    async def _call(self, operation: Awaitable[T]) -> T:
        try:
            return await operation
        except self._errors as exc:
            raise StoreUnavailable(f"{self!r}: {type(exc).__name__}: {exc}") from exc

    async def open(self) -> None:
        try:
            await self.client.ping()
        except self._errors as exc:
            raise StoreUnavailable(
                f"Cannot reach Redis for {self!r} ({type(exc).__name__}: {exc}). "
                "Start redis-server, or fix the URL given to RedisStore.from_url()."
            ) from exc

    async def close(self) -> None:
        await self.client.aclose(close_connection_pool=True)

    async def get(self, key: str) -> bytes | None:
        value: bytes | None = await self._call(self.client.get(self.prefix + key))
        return value

    async def set(self, key: str, value: bytes, ttl: float | None = None, *, only_if_absent: bool = False) -> bool:
        px = None if ttl is None else max(1, math.ceil(ttl * 1000))
        return bool(await self._call(self.client.set(self.prefix + key, value, px=px, nx=only_if_absent)))

    async def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        return int(await self._call(self.client.delete(*(self.prefix + key for key in keys))))

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        px = 0 if ttl is None else max(1, math.ceil(ttl * 1000))
        return int(await self._call(self._incr(keys=[self.prefix + key], args=[amount, px])))

    async def expire(self, key: str, ttl: float) -> bool:
        return bool(await self._call(self.client.pexpire(self.prefix + key, max(1, math.ceil(ttl * 1000)))))

    async def exists(self, key: str) -> bool:
        return bool(await self._call(self.client.exists(self.prefix + key)))

    async def scan(self, prefix: str) -> AsyncIterator[str]:
        cursor, start = 0, len(self.prefix)
        while True:
            cursor, keys = await self._call(self.client.scan(cursor, match=_glob_escape(self.prefix + prefix) + "*", count=500))
            for key in keys:
                yield key.decode()[start:]
            if cursor == 0:
                return

    async def throttle(self, quotas: Sequence[Quota], cost: int = 1) -> ThrottleResult:
        args: list[Any] = [cost]
        for quota in quotas:
            args += [quota.limit, quota.period]
        reply = await self._call(self._throttle(keys=[self.prefix + quota.key for quota in quotas], args=args))
        states = tuple(QuotaState(int(reply[i]), float(reply[i + 1])) for i in range(2, len(reply), 2))
        return ThrottleResult(bool(reply[0]), float(reply[1]), states)

    async def publish(self, topic: str, payload: bytes) -> None:
        await self._call(self.client.publish(self.prefix + topic, payload))

    def listener(self) -> Listener:
        return _RedisListener(self)


def _glob_escape(text: str) -> str:
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)


class _RedisListener(Listener):
    """One Redis pub/sub connection; messages of every subscribed topic come through it."""

    def __init__(self, store: RedisStore) -> None:
        self._store = store
        self._pubsub = store.client.pubsub()
        self._acknowledged: dict[str, asyncio.Event] = {}
        # redis-py's PubSub must not send (un)subscribe commands while get_message() reads:
        # the reader holds the connection in short turns, the commands wait for their turn.
        self._turn = asyncio.Lock()

    async def subscribe(self, *topics: str) -> None:
        for topic in topics:
            self._acknowledged.setdefault(self._store.prefix + topic, asyncio.Event())
        async with self._turn:
            await self._store._call(self._pubsub.subscribe(*(self._store.prefix + topic for topic in topics)))

    async def unsubscribe(self, *topics: str) -> None:
        for topic in topics:
            self._acknowledged.pop(self._store.prefix + topic, None)
        async with self._turn:
            await self._store._call(self._pubsub.unsubscribe(*(self._store.prefix + topic for topic in topics)))

    async def confirmed(self, topic: str) -> None:
        acknowledged = self._acknowledged.get(self._store.prefix + topic)
        if acknowledged is not None:
            await acknowledged.wait()

    async def messages(self) -> AsyncIterator[tuple[str, bytes]]:
        start = len(self._store.prefix)
        while True:
            if not self._pubsub.subscribed:  # get_message() returns at once while nothing is subscribed
                await asyncio.sleep(0.05)
                continue
            async with self._turn:
                message = await self._store._call(self._pubsub.get_message(timeout=0.1))
            if message is None:
                await asyncio.sleep(0)  # let a waiting (un)subscribe take its turn
                continue
            channel = message["channel"].decode()
            if message["type"] == "subscribe" and channel in self._acknowledged:
                self._acknowledged[channel].set()
            elif message["type"] == "message":
                yield channel[start:], message["data"]

    async def close(self) -> None:
        try:
            await self._pubsub.aclose()
        except self._store._errors:
            pass  # the connection is gone already

