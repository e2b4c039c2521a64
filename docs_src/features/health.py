import sqlite3

from nimbleapi import FastAPI
from nimbleapi.stores import MemoryStore

app = FastAPI()
cache = MemoryStore()  # stands for any client with a ping, e.g. redis.asyncio.Redis().ping
DATABASE = "app.db"


def database() -> None:
    # A plain def: it runs in a worker thread, so the blocking driver does not hold the loop.
    with sqlite3.connect(DATABASE) as connection:
        connection.execute("SELECT 1")


async def cache_store() -> bool:
    await cache.set("readyz", b"1", ttl=5)
    return await cache.exists("readyz")


app.add_health_checks({"database": database, "cache": cache_store}, timeout=2.0)
