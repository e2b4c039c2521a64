"""Settings from the environment (and ``.env``), validated once at start-up."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_DIR = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    app_name: str = "fullstack"
    # Where the SQLite database, avatars, the mail outbox and the event log live by default.
    data_dir: Path = APP_DIR / "data"

    # sqlite+aiosqlite:///... by default; postgresql://... is served through asyncpg.
    database_url: str = ""
    # Unset: cache, rate limits, notifications and events work in this process only.
    redis_url: str | None = None
    # Namespaces every Redis key, channel and stream: several apps (or test runs) can share a server.
    redis_prefix: str = "fullstack:"
    kafka_bootstrap_servers: str | None = None

    secret_key: str = Field(default="", repr=False)
    access_token_minutes: int = Field(default=15, gt=0)
    refresh_token_days: int = Field(default=7, gt=0)

    cache_ttl_seconds: int = Field(default=60, ge=0)  # 0 turns the cache off
    login_attempts_per_window: int = Field(default=5, gt=0)
    login_window_seconds: int = Field(default=60, gt=0)

    avatar_max_bytes: int = Field(default=1024 * 1024, gt=0)
    avatar_content_types: list[str] = ["image/png", "image/jpeg", "image/webp"]

    cors_origins: list[str] = []
    run_migrations: bool = True  # apply Alembic migrations at start-up
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept the URLs people write (``postgresql://``) and use the async drivers for them."""
        for plain, driver in (("postgresql://", "postgresql+asyncpg://"), ("postgres://", "postgresql+asyncpg://"),
                              ("sqlite://", "sqlite+aiosqlite://")):
            if value.startswith(plain):
                return driver + value[len(plain):]
        return value

    @model_validator(mode="after")
    def _defaults_from_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'app.db'}"
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError("SECRET_KEY must be set in production (e.g. `openssl rand -hex 32`)")
            self.secret_key = shared_dev_secret(self.data_dir)
        elif len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters long")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def shared_dev_secret(data_dir: Path) -> str:
    """A signing key kept in the data directory, so every worker and restart signs alike."""
    path = data_dir / "dev-secret-key"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written aside, then linked into place: a worker never reads a half-written key.
        candidate = data_dir / f".dev-secret-key.{os.getpid()}"
        candidate.write_text(secrets.token_hex(32))
        candidate.chmod(0o600)
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
