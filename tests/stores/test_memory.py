"""The memory store stays within its bound."""

from __future__ import annotations

import anyio
import pytest

from nimbleapi.stores import MemoryStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_full_store_evicts_the_oldest_key() -> None:
    store = MemoryStore(max_entries=3)
    for key in "abcd":
        await store.set(key, key.encode())
    assert [await store.exists(key) for key in "abcd"] == [False, True, True, True]


async def test_a_full_store_evicts_expired_keys_first() -> None:
    store = MemoryStore(max_entries=2)
    await store.set("old", b"", ttl=60)
    await store.set("gone", b"", ttl=0.001)
    await anyio.sleep(0.01)
    await store.set("new", b"")
    assert await store.exists("old") and await store.exists("new")


def test_the_bound_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        MemoryStore(max_entries=0)
