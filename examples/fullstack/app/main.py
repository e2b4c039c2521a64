"""The application: routers, middleware and the lifespan that opens and closes the services.

Served with ``nimbleapi run examples/fullstack`` (or ``fastapi run app/main.py``); the
``create_app(settings)`` factory is what the tests use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.backends import build_backends
from app.config import Settings, get_settings
from app.database import connect
from app.logging import RequestIdMiddleware, configure_logging
from app.migrate import upgrade
from app.routers import auth, health, notifications, posts, users
from app.services.events import OutboxRelay

logger = logging.getLogger("app")


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    configure_logging(settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.run_migrations:
        await asyncio.to_thread(upgrade, settings.database_url, settings.data_dir)
    app.state.database = database = connect(settings.database_url)
    app.state.backends = backends = build_backends(settings)
    await backends.start()
    app.state.relay = relay = OutboxRelay(database, backends.broker, settings.outbox_poll_seconds)
    relaying = asyncio.create_task(relay.run())
    logger.info("started", extra={"fields": {"database": database.engine.url.get_backend_name(),
                                              "redis": settings.redis_url is not None}})
    try:
        yield
    finally:
        await relay.stop(relaying)
        await backends.close()
        await database.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(title="Fullstack example", version="1.0.0", lifespan=lifespan)
    app.state.settings = settings or get_settings()
    if app.state.settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=app.state.settings.cors_origins, allow_credentials=True,
                           allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(RequestIdMiddleware)
    for module in (health, auth, users, posts, notifications):
        app.include_router(module.router)
    return app


app = create_app()
