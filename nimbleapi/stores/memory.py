"""``MemoryStore``: the in-process store, bounded, with TTL eviction. The default.

Everything runs on the event loop without awaiting in between, so each operation is
atomic within the process. Expired entries are dropped when read and swept when the
store is full; if it is still full, the oldest entries go first.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from typing import Any

from . import gcra
from .base import Listener, Quota, Store, ThrottleResult

NEVER = float("inf")
SWEEP_INTERVAL = 1.0


class MemoryStore(Store):
    """An in-process store holding at most *max_entries* keys."""

    def __init__(self, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        # Ordered by insertion: the oldest entry goes first in O(1) (a dict would scan the
        # slots its earlier evictions left empty at its front, a cost growing with the store).
        self._data: OrderedDict[str, tuple[Any, float]] = OrderedDict()
        self._listeners: set[_MemoryListener] = set()
        self._next_sweep = 0.0

    def __repr__(self) -> str:
        return f"MemoryStore(max_entries={self.max_entries})"

    def _live(self, key: str) -> Any:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            del self._data[key]
            return None
        return entry[0]

    def _put(self, key: str, value: Any, ttl: float | None) -> None:
        if key not in self._data and len(self._data) >= self.max_entries:
            self._make_room()
        self._data.pop(key, None)  # re-inserted last: eviction order is insertion order
        self._data[key] = (value, NEVER if ttl is None else time.monotonic() + ttl)

    def _make_room(self) -> None:
        # A full sweep for expired keys costs the whole store: at most once a second, so a
        # store kept full by new keys evicts in constant time per insert.
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_INTERVAL
            for key in [key for key, (_, expires) in self._data.items() if expires <= now]:
                del self._data[key]
        while len(self._data) >= self.max_entries:
            self._data.popitem(last=False)

    def get_now(self, key: str) -> Any:
        """The value under *key* as it was put (None when absent or expired), without a
        coroutine: for the batteries, on the event loop's thread."""
        return self._live(key)

    def set_now(self, key: str, value: object, ttl: float | None = None) -> None:
        """Keep *value*, any object, under *key*: read it back with ``get_now``."""
        self._put(key, value, ttl)

    async def get(self, key: str) -> bytes | None:
        value = self._live(key)
        return value if value is None or isinstance(value, bytes) else str(value).encode()

    async def set(self, key: str, value: bytes, ttl: float | None = None, *, only_if_absent: bool = False) -> bool:
        if only_if_absent and self._live(key) is not None:
            return False
        self._put(key, value, ttl)
        return True

    async def delete(self, *keys: str) -> int:
        return sum(self._data.pop(key, None) is not None for key in keys)

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        current = self._live(key)
        if current is None:
            self._put(key, amount, ttl)
            return amount
        value = int(current) + amount
        self._data[key] = (value, self._data[key][1])
        return value

    async def expire(self, key: str, ttl: float) -> bool:
        value = self._live(key)
        if value is None:
            return False
        self._data[key] = (value, time.monotonic() + ttl)
        return True

    async def exists(self, key: str) -> bool:
        return self._live(key) is not None

    async def scan(self, prefix: str) -> AsyncIterator[str]:
        for key in [key for key in self._data if key.startswith(prefix)]:
            if self._live(key) is not None:
                yield key

    async def throttle(self, quotas: Sequence[Quota], cost: int = 1) -> ThrottleResult:
        return self.throttle_now(quotas, cost)

    def throttle_now(self, quotas: Sequence[Quota], cost: int = 1) -> ThrottleResult:
        """``throttle`` without a coroutine, for callers on the event loop's thread."""
        now = time.monotonic()
        result, new_tats = gcra.throttle(quotas, [self._live(quota.key) for quota in quotas], now, cost)
        if result.allowed:
            for quota, tat in zip(quotas, new_tats, strict=True):
                self._put(quota.key, tat, tat - now)
        return result

    def take(self, key: str, period: float, interval: float, cost: int = 1) -> tuple[float, float]:
        """``throttle_now`` for one limit (*interval*: seconds per request), without building
        quotas or results: ``(retry_after, pending)``. The request was admitted (and counted)
        when ``retry_after <= gcra.EPSILON``; *pending* is the TAT's distance from now after
        the decision, which gives the remaining quota and the reset time."""
        now = time.monotonic()
        entry = self._data.get(key)
        tat = entry[0] if entry is not None and entry[0] > now else now  # a stored TAT expires when reached
        new_tat = tat + interval * cost
        retry_after = new_tat - now - period
        if retry_after > gcra.EPSILON:
            return retry_after, tat - now
        self._put(key, new_tat, new_tat - now)
        return 0.0, new_tat - now

    async def publish(self, topic: str, payload: bytes) -> None:
        for listener in self._listeners:
            listener.deliver(topic, payload)

    def listener(self) -> Listener:
        return _MemoryListener(self)


class _MemoryListener(Listener):
    def __init__(self, store: MemoryStore) -> None:
        self._store, self._topics = store, set[str]()
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        store._listeners.add(self)

    def deliver(self, topic: str, payload: bytes) -> None:
        if topic in self._topics:
            self._queue.put_nowait((topic, payload))

    async def subscribe(self, *topics: str) -> None:
        self._topics.update(topics)

    async def unsubscribe(self, *topics: str) -> None:
        self._topics.difference_update(topics)

    async def messages(self) -> AsyncIterator[tuple[str, bytes]]:
        while True:
            yield await self._queue.get()

    async def close(self) -> None:
        self._store._listeners.discard(self)
