"""What is particular to the Redis store: namespacing, a clear error when Redis is down."""

from __future__ import annotations

import pytest
import redis

from nimbleapi import FastAPI
from nimbleapi.stores import RedisStore, StoreUnavailable, configure_stores
from nimbleapi.testclient import TestClient
from tests.serving import free_port

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_keys_live_under_the_prefix(redis_url: str, redis_prefix: str) -> None:
    store = RedisStore.from_url(redis_url, prefix=redis_prefix)
    await store.set("k", b"v")
    await store.close()
    client = redis.Redis.from_url(redis_url)
    assert client.get(redis_prefix + "k") == b"v"
    assert client.get("k") is None
    client.close()


async def test_an_unreachable_redis_is_a_clear_error() -> None:
    store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    with pytest.raises(StoreUnavailable, match="Cannot reach Redis .* Start redis-server"):
        await store.open()
    with pytest.raises(StoreUnavailable):
        await store.get("k")
    await store.close()


def test_an_app_does_not_start_without_its_redis() -> None:
    app = FastAPI()
    configure_stores(app, shared=RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout=1))
    with pytest.raises(StoreUnavailable, match="Cannot reach Redis"), TestClient(app):
        pass
