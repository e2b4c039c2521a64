from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings


def test_production_needs_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY must be set in production"):
        Settings(environment="production", data_dir=tmp_path, _env_file=None)


def test_a_short_secret_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(secret_key="short", data_dir=tmp_path, _env_file=None)


def test_development_shares_one_generated_key_between_processes(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path, _env_file=None)
    assert len(first.secret_key) == 64
    assert Settings(data_dir=tmp_path, _env_file=None).secret_key == first.secret_key


def test_the_default_database_is_a_file_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    assert settings.redis_url is None and settings.kafka_bootstrap_servers is None


@pytest.mark.parametrize(("given", "used"), [
    ("postgresql://u:p@db/app", "postgresql+asyncpg://u:p@db/app"),
    ("postgres://u:p@db/app", "postgresql+asyncpg://u:p@db/app"),
    ("postgresql+asyncpg://u:p@db/app", "postgresql+asyncpg://u:p@db/app"),
    ("sqlite:////srv/app.db", "sqlite+aiosqlite:////srv/app.db"),
])
def test_database_urls_use_the_async_drivers(tmp_path: Path, given: str, used: str) -> None:
    assert Settings(database_url=given, data_dir=tmp_path, _env_file=None).database_url == used


def test_settings_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", '["https://app.example.com"]')
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("CACHE_TTL_SECONDS", "5")
    settings = Settings(data_dir=tmp_path, _env_file=None)
    assert settings.cors_origins == ["https://app.example.com"]
    assert (settings.redis_url, settings.cache_ttl_seconds) == ("redis://cache:6379/0", 5)


def test_invalid_values_are_reported_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCESS_TOKEN_MINUTES", "soon")
    with pytest.raises(ValidationError, match="access_token_minutes"):
        Settings(data_dir=tmp_path, _env_file=None)
