"""What many tests do: sign a user up and in, and name the services under test."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from app.config import Settings

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
SECRET = "test-secret-key-that-is-long-enough-for-hs256"
PASSWORD = "correct horse battery"
needs_redis = pytest.mark.skipif(TEST_REDIS_URL is None, reason="TEST_REDIS_URL is not set (no Redis server)")
without_redis = pytest.mark.skipif(TEST_REDIS_URL is not None, reason="about the in-process backends")


def make_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test", "data_dir": data_dir, "database_url": database_url, "redis_url": TEST_REDIS_URL,
        "redis_prefix": f"fullstack-test-{uuid.uuid4().hex[:12]}:", "secret_key": SECRET,
        "run_migrations": False, "outbox_poll_seconds": 0.05, "cors_origins": ["https://app.example.com"],
        "login_attempts_per_window": 3,
    }
    return Settings(**(values | overrides))


def register(client: TestClient, email: str, password: str = PASSWORD, **fields: Any) -> dict[str, Any]:
    response = client.post("/auth/register", json={"email": email, "password": password, **fields})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post("/auth/login", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}




def published_events(settings: Settings, topic: str, expected: int = 1, wait_seconds: float = 10.0
                     ) -> list[dict[str, Any]]:
    """The events the outbox relay published on *topic*, once there are *expected* of them (or the wait ends)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        events = _read_published(settings, topic)
        if len(events) >= expected or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def _read_published(settings: Settings, topic: str) -> list[dict[str, Any]]:
    if settings.redis_url is not None:
        with redis.Redis.from_url(settings.redis_url) as client:
            entries = client.xrange(f"{settings.redis_prefix}events:{topic}")
        return [json.loads(fields[b"value"]) for _, fields in entries]
    log = settings.data_dir / "events.jsonl"
    lines = log.read_text().splitlines() if log.exists() else []
    return [event for event in map(json.loads, lines) if event["topic"] == topic]
