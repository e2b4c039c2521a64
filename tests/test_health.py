"""``app.add_health_checks``: /healthz, /readyz with concurrent, time-limited checks."""

from __future__ import annotations

import asyncio
import os
import threading
import typing

import pytest
from serving import free_port

from nimbleapi import FastAPI
from nimbleapi.health import HealthChecks
from nimbleapi.testclient import TestClient


def ok_sync() -> bool:
    return True


async def ok_async() -> None:
    await asyncio.sleep(0)


async def broken() -> None:
    raise ConnectionError("connection refused")


def test_liveness_answers_without_running_checks() -> None:
    calls: list[str] = []
    app = FastAPI()
    app.add_health_checks({"db": lambda: calls.append("db")})
    response = TestClient(app).get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert calls == []
    assert response.headers["cache-control"] == "no-store"


def test_readiness_passes_when_every_check_passes() -> None:
    app = FastAPI()
    app.add_health_checks({"sync": ok_sync, "async": ok_async})
    response = TestClient(app).get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert list(body["checks"]) == ["sync", "async"]
    assert {check["status"] for check in body["checks"].values()} == {"ok"}


def test_a_failing_check_gives_503_with_per_check_detail() -> None:
    app = FastAPI()
    app.add_health_checks({"cache": ok_async, "db": broken, "flag": lambda: False})
    response = TestClient(app).get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["status"] == "ok"
    assert checks["db"] == {"status": "fail", "duration_ms": checks["db"]["duration_ms"], "error": "ConnectionError: connection refused"}
    assert checks["flag"]["error"] == "returned False"


def test_a_slow_check_times_out_and_does_not_hold_the_others() -> None:
    release = threading.Event()

    async def hangs() -> None:
        await asyncio.sleep(30)

    def blocks() -> None:
        release.wait(30)

    app = FastAPI()
    app.add_health_checks({"hangs": hangs, "blocks": blocks, "fine": ok_sync}, timeout=0.2)
    try:
        response = TestClient(app).get("/readyz")
    finally:
        release.set()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["hangs"]["error"] == "TimeoutError: no answer within 0.2s"
    assert checks["blocks"]["error"] == "TimeoutError: no answer within 0.2s"
    assert checks["fine"]["status"] == "ok"


def test_checks_run_concurrently() -> None:
    running: set[str] = set()
    overlapped: list[bool] = []

    def make(name: str):  # type: ignore[no-untyped-def]
        async def check() -> None:
            running.add(name)
            await asyncio.sleep(0.05)
            overlapped.append(len(running) == 2)
            running.discard(name)

        return check

    app = FastAPI()
    app.add_health_checks({"a": make("a"), "b": make("b")})
    assert TestClient(app).get("/readyz").status_code == 200
    assert overlapped[0] is True


def test_verbose_answer_is_kubernetes_text() -> None:
    app = FastAPI()
    app.add_health_checks({"db": ok_sync, "redis": broken})
    response = TestClient(app).get("/readyz?verbose")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "[+]db ok\n[-]redis failed: ConnectionError: connection refused\nreadyz check failed\n"


def test_calling_again_adds_checks_and_keeps_one_pair_of_routes() -> None:
    app = FastAPI()
    app.add_health_checks({"a": ok_sync})
    app.add_health_checks({"b": broken}, timeout=2.0)
    paths = [route.path for route in app.routes if getattr(route, "path", "") in ("/healthz", "/readyz")]
    assert paths == ["/healthz", "/readyz"]
    assert list(TestClient(app).get("/readyz").json()["checks"]) == ["a", "b"]


def test_probes_are_left_out_of_the_openapi_document_unless_asked() -> None:
    hidden = FastAPI()
    hidden.add_health_checks({"a": ok_sync})
    assert hidden.openapi()["paths"] == {}
    shown = FastAPI()
    shown.add_health_checks({"a": ok_sync}, include_in_schema=True, readiness_path="/ready")
    paths = shown.openapi()["paths"]
    assert set(paths) == {"/healthz", "/ready"}
    assert "503" in paths["/ready"]["get"]["responses"]


def test_rejects_a_check_that_is_not_callable() -> None:
    with pytest.raises(TypeError, match="health check 'db' must be a callable"):
        FastAPI().add_health_checks({"db": "postgres://"})  # type: ignore[dict-item]


def test_the_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        FastAPI().add_health_checks(timeout=0)



REDIS_URL = os.environ.get("NIMBLEAPI_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="NIMBLEAPI_TEST_REDIS_URL is not set ('bash .ci/services start DIR' sets it)")
def test_a_real_redis_ping_and_an_unreachable_one() -> None:
    from redis.asyncio import Redis

    closed_port = free_port()  # nothing listens there

    async def redis_up() -> bool:
        async with Redis.from_url(str(REDIS_URL)) as client:
            return bool(await client.ping())

    async def redis_down() -> bool:
        async with Redis(host="127.0.0.1", port=closed_port, socket_connect_timeout=0.5) as client:
            return bool(await client.ping())

    app = FastAPI()
    app.add_health_checks({"redis": redis_up}, timeout=5.0)
    with TestClient(app) as client:
        assert client.get("/readyz").json()["checks"]["redis"]["status"] == "ok"
        app.add_health_checks({"replica": redis_down})
        response = client.get("/readyz")
    assert response.status_code == 503
    replica = response.json()["checks"]["replica"]
    assert replica["status"] == "fail" and "ConnectionError" in replica["error"]


def test_the_application_class_annotations_resolve_at_run_time() -> None:
    # Tools that read a FastAPI subclass's annotations (documentation, dependency
    # injection containers) call typing.get_type_hints on it.
    class Application(FastAPI):
        pass

    hints = typing.get_type_hints(Application)
    assert hints["health_checks"] == HealthChecks | None
