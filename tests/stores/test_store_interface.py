"""The store interface behaves the same on the memory store and on a real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import pytest

from nimbleapi.stores import Quota, Store

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_set_get_delete_exists(make_store: Callable[[], Store]) -> None:
    store = make_store()
    assert await store.get("a") is None
    assert await store.set("a", b"1")
    assert await store.get("a") == b"1"
    assert await store.exists("a")
    assert await store.delete("a", "missing") == 1
    assert not await store.exists("a")
    await store.close()


async def test_values_expire_after_their_ttl(make_store: Callable[[], Store]) -> None:
    store = make_store()
    await store.set("short", b"x", ttl=0.05)
    await store.set("long", b"y", ttl=30)
    await anyio.sleep(0.15)
    assert await store.get("short") is None
    assert await store.get("long") == b"y"
    await store.close()


async def test_only_if_absent_sets_once(make_store: Callable[[], Store]) -> None:
    store = make_store()
    assert await store.set("lock", b"1", ttl=5, only_if_absent=True)
    assert not await store.set("lock", b"2", ttl=5, only_if_absent=True)
    assert await store.get("lock") == b"1"
    await store.close()


async def test_incr_counts_and_keeps_the_first_expiry(make_store: Callable[[], Store]) -> None:
    store = make_store()
    assert await store.incr("n", ttl=0.2) == 1
    assert await store.incr("n", 5, ttl=30) == 6
    await anyio.sleep(0.3)
    assert await store.incr("n") == 1  # the first ttl still applied: the counter restarted
    await store.close()


async def test_expire_sets_a_ttl_on_an_existing_key(make_store: Callable[[], Store]) -> None:
    store = make_store()
    assert not await store.expire("absent", 1)
    await store.set("k", b"v")
    assert await store.expire("k", 0.05)
    await anyio.sleep(0.15)
    assert not await store.exists("k")
    await store.close()


async def test_scan_finds_keys_by_prefix(make_store: Callable[[], Store]) -> None:
    store = make_store()
    for key in ("user:1", "user:2", "user*odd", "team:1"):
        await store.set(key, b"")
    assert sorted([key async for key in store.scan("user:")]) == ["user:1", "user:2"]
    assert [key async for key in store.scan("user*")] == ["user*odd"]
    await store.close()


async def test_throttle_admits_a_burst_of_the_limit_then_refuses(make_store: Callable[[], Store]) -> None:
    store = make_store()
    quota = [Quota("rl", limit=3, period=60)]
    results = [await store.throttle(quota) for _ in range(4)]
    assert [result.allowed for result in results] == [True, True, True, False]
    assert [result.states[0].remaining for result in results] == [2, 1, 0, 0]
    assert 19 < results[3].retry_after <= 20
    await store.close()


async def test_throttle_counts_no_limit_when_one_refuses(make_store: Callable[[], Store]) -> None:
    store = make_store()
    small, large = Quota("small", 1, 60), Quota("large", 10, 60)
    assert (await store.throttle([small, large])).allowed
    refused = await store.throttle([small, large])
    assert not refused.allowed
    assert refused.states[1].remaining == 9  # the refused request was not counted against "large"
    await store.close()


async def test_publish_reaches_a_listener_of_the_topic(make_store: Callable[[], Store]) -> None:
    store = make_store()
    listener = store.listener()
    await listener.subscribe("news")
    received: list[Any] = []

    async def listen() -> None:
        async for message in listener.messages():
            received.append(message)
            return

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(listen)
            await anyio.sleep(0.1)
            await store.publish("other", b"no")
            await store.publish("news", b"yes")
    assert received == [("news", b"yes")]
    await listener.close()
    await store.close()
