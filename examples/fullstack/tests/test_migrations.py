from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.database import Base
from app.migrate import alembic_config, upgrade

TABLES = {"users", "posts", "revoked_tokens", "outbox"}


def inspect_database(url: str) -> tuple[set[str], list[object]]:
    """The tables there, and how they differ from the ORM models (empty when the migrations match them)."""

    def read(connection: Connection) -> tuple[set[str], list[object]]:
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        return tables, compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async def run() -> tuple[set[str], list[object]]:
        engine = create_async_engine(url, poolclass=NullPool)
        async with engine.connect() as connection:
            result = await connection.run_sync(read)
        await engine.dispose()
        return result

    return asyncio.run(run())


def test_migrations_build_the_schema_of_the_models_and_tear_it_down(database_url: str, tmp_path: Path) -> None:
    tables, differences = inspect_database(database_url)
    assert tables == TABLES
    assert differences == []
    command.downgrade(alembic_config(database_url), "base")
    assert inspect_database(database_url)[0] == set()
    upgrade(database_url, tmp_path)
    assert inspect_database(database_url) == (TABLES, [])
