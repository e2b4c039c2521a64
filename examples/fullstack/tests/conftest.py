"""Each test gets its own database (copied from one migrated template) and its own Redis namespace.

The same suite runs on nimbleapi and on FastAPI 0.165.0: when nimbleapi is installed,
``import fastapi`` is made to mean nimbleapi before the app is imported; in an
environment with only FastAPI, FastAPI serves.

Services come from the environment, as the app's do:
  TEST_DATABASE_URL  a PostgreSQL server to create the test databases on (default: SQLite files)
  TEST_REDIS_URL     a Redis server (default: the in-process backends)
"""

from __future__ import annotations

try:
    import nimbleapi.compat
except ImportError:  # only FastAPI here
    pass
else:
    nimbleapi.compat.install()

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import fastapi
import pytest
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.database import Base
from app.dependencies import get_db
from app.main import create_app
from app.migrate import upgrade
from app.services import security
from tests.helpers import TEST_DATABASE_URL, TEST_REDIS_URL, bearer, login, make_settings, register



def pytest_report_header() -> list[str]:
    framework = "nimbleapi (as fastapi)" if fastapi.__name__ == "nimbleapi" else f"FastAPI {fastapi.__version__}"
    database = make_url(TEST_DATABASE_URL).render_as_string() if TEST_DATABASE_URL else "SQLite files"
    return [f"framework: {framework}", f"database: {database}", f"redis: {TEST_REDIS_URL or 'in-process'}"]


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashes() -> Iterator[None]:
    """Argon2 with small parameters: the same code path, a fraction of the CPU per hash."""
    original = security.password_hash, security.DUMMY_HASH
    security.password_hash = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    security.DUMMY_HASH = security.password_hash.hash("unused")
    yield
    security.password_hash, security.DUMMY_HASH = original


class TemplateDatabase:
    """A database migrated once per run. Each test gets a copy of the SQLite file, or on PostgreSQL the
    same database with every table emptied (TRUNCATE is much faster than creating a database)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.postgres = make_url(TEST_DATABASE_URL).set(drivername="postgresql+asyncpg") if TEST_DATABASE_URL else None
        self.name = f"fullstack_test_{uuid.uuid4().hex[:12]}"
        if self.postgres is None:
            upgrade(f"sqlite+aiosqlite:///{directory / 'template.db'}", directory)
        else:
            self._run(self.postgres, f'CREATE DATABASE "{self.name}"')
            upgrade(self.url, directory)

    @property
    def url(self) -> str:
        assert self.postgres is not None
        return self.postgres.set(database=self.name).render_as_string(hide_password=False)

    def copy(self, directory: Path) -> str:
        if self.postgres is None:
            shutil.copy(self.directory / "template.db", directory / "app.db")
            return f"sqlite+aiosqlite:///{directory / 'app.db'}"
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        self._run(self.url, f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        return self.url

    def drop(self) -> None:
        if self.postgres is not None:
            self._run(self.postgres, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @staticmethod
    def _run(url: object, statement: str) -> None:
        async def run() -> None:
            engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)  # type: ignore[arg-type]
            async with engine.connect() as connection:
                await connection.exec_driver_sql(statement)
            await engine.dispose()

        asyncio.run(run())


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemplateDatabase]:
    template = TemplateDatabase(tmp_path_factory.mktemp("template"))
    yield template
    template.drop()


@pytest.fixture
def database_url(template_database: TemplateDatabase, tmp_path: Path) -> str:
    return template_database.copy(tmp_path)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """A test module or test overrides this to change settings for its app."""
    return {}


@pytest.fixture
def settings(tmp_path: Path, database_url: str, settings_overrides: dict[str, Any]) -> Settings:
    return make_settings(tmp_path, database_url, **settings_overrides)


@pytest.fixture
def app(settings: Settings) -> Iterator[fastapi.FastAPI]:
    application = create_app(settings)
    # Routes get their sessions from the test's own database through the override; NullPool keeps no
    # connection between requests, so nothing outlives the test client's event loop.
    engine = create_async_engine(settings.database_url, poolclass=NullPool)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def test_db() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    application.dependency_overrides[get_db] = test_db
    yield application
    application.dependency_overrides.clear()


@pytest.fixture
def client(app: fastapi.FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def alice(client: TestClient) -> dict[str, Any]:
    """A signed-in user: her profile, tokens and ready-made auth headers."""
    profile = register(client, "alice@example.com", full_name="Alice")
    tokens = login(client, "alice@example.com")
    return {"profile": profile, "tokens": tokens, "headers": bearer(tokens)}


@pytest.fixture
def bob(client: TestClient) -> dict[str, Any]:
    profile = register(client, "bob@example.com", full_name="Bob")
    tokens = login(client, "bob@example.com")
    return {"profile": profile, "tokens": tokens, "headers": bearer(tokens)}


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
