"""Stores: the key-value state the batteries (rate limits, caching, channels) keep.

An application names its stores once::

    configure_stores(app, default=MemoryStore(), shared=RedisStore.from_url("redis://..."))

and a battery names the store it uses (``RateLimit("10/minute", store="shared")``) or is
given a store object. Without configuration, ``"default"`` is a ``MemoryStore`` of the
application. Named stores are opened at start-up (a Redis that cannot be reached stops
the start with a clear error) and closed at shutdown.
"""

from __future__ import annotations

from typing import Any

from .base import Listener, Quota, QuotaState, Store, StoreUnavailable, ThrottleResult
from .memory import MemoryStore

__all__ = [
    "Listener",
    "MemoryStore",
    "Quota",
    "QuotaState",
    "RedisStore",
    "Store",
    "StoreUnavailable",
    "ThrottleResult",
    "configure_stores",
    "get_store",
]

_STATE_ATTRIBUTE = "nimbleapi_stores"


def __getattr__(name: str) -> Any:
    if name == "RedisStore":  # imported on first use: redis-py is an optional dependency
        from .redis import RedisStore

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def configure_stores(app: Any, **stores: Store) -> None:
    """Name *stores* for *app* (a FastAPI/Starlette app); they open at start-up, close at shutdown."""
    registry = _registry(app)
    registry.update(stores)

    async def open_stores() -> None:
        for store in stores.values():
            await store.open()

    async def close_stores() -> None:
        for store in stores.values():
            await store.close()

    app.router.add_event_handler("startup", open_stores)
    app.router.add_event_handler("shutdown", close_stores)


def get_store(app: Any, store: str | Store) -> Store:
    """The store *store* names for *app* (a store object is returned as it is)."""
    if isinstance(store, Store):
        return store
    registry = _registry(app)
    found = registry.get(store)
    if found is None:
        if store != "default":
            raise LookupError(f"No store named {store!r}: name it with configure_stores(app, {store}=...)")
        found = registry["default"] = MemoryStore()
    return found


def _registry(app: Any) -> dict[str, Store]:
    state = app.state
    registry: dict[str, Store] | None = getattr(state, _STATE_ATTRIBUTE, None)
    if registry is None:
        registry = {}
        setattr(state, _STATE_ATTRIBUTE, registry)
    return registry
