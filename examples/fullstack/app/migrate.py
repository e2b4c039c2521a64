"""Alembic, run from code: ``upgrade(url)`` brings a database to the latest schema."""

from __future__ import annotations

import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config

from app.config import APP_DIR


def alembic_config(database_url: str) -> Config:
    config = Config(str(APP_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(APP_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, lock_dir: Path) -> None:
    """Apply pending migrations. Workers starting together take turns (a file lock; PostgreSQL
    deployments on several machines are also serialised by an advisory lock in env.py)."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    with (lock_dir / "migrate.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        command.upgrade(alembic_config(database_url), "head")
