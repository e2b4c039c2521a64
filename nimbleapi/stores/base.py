"""The store interface every battery speaks: a small async key-value API with TTLs.

A store holds bytes under string keys. Besides the usual get/set/delete it offers the
three atomic operations the batteries are built on, so each backend can do them in one
round trip: ``incr`` (counter with expiry), ``throttle`` (GCRA rate limiting over one or
several limits at once) and ``set(..., only_if_absent=True)`` (a lock). ``publish`` and
``listener`` carry channel messages.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass


class StoreUnavailable(ConnectionError):
    """The store's service cannot be reached; the message says which and how to fix it."""


@dataclass(frozen=True, slots=True)
class Quota:
    """One GCRA limit: ``limit`` requests per ``period`` seconds under ``key``."""

    key: str
    limit: int
    period: float


@dataclass(frozen=True, slots=True)
class QuotaState:
    """What one limit says after a ``throttle`` call."""

    remaining: int
    reset_after: float  # seconds until the limit is fully replenished


@dataclass(frozen=True, slots=True)
class ThrottleResult:
    """``allowed`` when every limit admitted the request (then each one counted it)."""

    allowed: bool
    retry_after: float  # seconds until a denied request would be admitted; 0 when allowed
    states: tuple[QuotaState, ...]


class Listener(abc.ABC):
    """A subscription to channel topics; the topics can change while it listens."""

    @abc.abstractmethod
    async def subscribe(self, *topics: str) -> None: ...

    @abc.abstractmethod
    async def unsubscribe(self, *topics: str) -> None: ...

    async def confirmed(self, topic: str) -> None:
        """Return once messages published to *topic* from now on will be received (the
        backend acknowledged the subscription); ``messages()`` must be being iterated."""

    @abc.abstractmethod
    def messages(self) -> AsyncIterator[tuple[str, bytes]]:
        """(topic, payload) pairs as they arrive; raises ``StoreUnavailable`` when the
        connection is lost."""

    @abc.abstractmethod
    async def close(self) -> None: ...


class Store(abc.ABC):
    """An async key-value store with expiry; see the module docstring."""

    async def open(self) -> None:
        """Make sure the store is usable; raise ``StoreUnavailable`` with a clear reason if not."""

    async def close(self) -> None:
        """Release connections."""

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None: ...

    @abc.abstractmethod
    async def set(self, key: str, value: bytes, ttl: float | None = None, *, only_if_absent: bool = False) -> bool:
        """Store *value* (expiring after *ttl* seconds); with *only_if_absent*, only when
        *key* holds nothing. Whether it was stored."""

    @abc.abstractmethod
    async def delete(self, *keys: str) -> int:
        """Remove *keys*; how many existed."""

    @abc.abstractmethod
    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Add *amount* to the integer at *key* (0 when absent) atomically; a *ttl* is set
        when the key is created. The new value."""

    @abc.abstractmethod
    async def expire(self, key: str, ttl: float) -> bool:
        """Let *key* expire after *ttl* seconds; whether it exists."""

    @abc.abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def scan(self, prefix: str) -> AsyncIterator[str]:
        """Every live key starting with *prefix* (no order)."""

    @abc.abstractmethod
    async def throttle(self, quotas: Sequence[Quota], cost: int = 1) -> ThrottleResult:
        """Count one request against every quota atomically (GCRA), or none if any is
        exhausted."""

    @abc.abstractmethod
    async def publish(self, topic: str, payload: bytes) -> None: ...

    @abc.abstractmethod
    def listener(self) -> Listener: ...
