from nimbleapi import FastAPI
from nimbleapi.stores import MemoryStore, configure_stores

app = FastAPI()
configure_stores(
    app,
    default=MemoryStore(max_entries=10_000),  # the default when nothing is configured
    # Across workers and machines:
    # shared=RedisStore.from_url("redis://localhost:6379/0", prefix="myapp:"),
    shared=MemoryStore(),
)
