"""Liveness and readiness probes: ``app.add_health_checks(...)``.

``/healthz`` (liveness) answers 200 as long as the process serves requests; it runs no
checks, because a failing database must not make an orchestrator restart every replica.
``/readyz`` (readiness) runs every registered check concurrently, each under a timeout,
and answers 200 when all pass and 503 when one fails, with each check's outcome. With
``?verbose`` the answer is the plain-text form Kubernetes' own components use::

    [+]database ok
    [-]redis failed: TimeoutError: no answer within 1.0s
    readyz check failed

A check is any callable taking no arguments, sync or async (a bound method such as
``redis_client.ping`` does). It fails when it raises, returns ``False`` or outlasts the
timeout; anything else is a pass. Sync checks run in a worker thread.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

HealthCheck = Callable[[], Any] | Callable[[], Awaitable[Any]]

DEFAULT_TIMEOUT = 1.0
_NO_STORE = {"cache-control": "no-store"}  # a probe answer is never reused by a cache
_PROBE_RESPONSES: dict[int | str, dict[str, Any]] = {503: {"description": "A readiness check failed"}}


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    duration_ms: float
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"status": "ok" if self.ok else "fail", "duration_ms": round(self.duration_ms, 3)}
        if self.error is not None:
            answer["error"] = self.error
        return answer

    def as_line(self) -> str:
        return f"[+]{self.name} ok" if self.ok else f"[-]{self.name} failed: {self.error}"


@dataclass
class HealthChecks:
    """The readiness checks of one application (``app.health_checks``)."""

    timeout: float = DEFAULT_TIMEOUT
    checks: dict[str, HealthCheck] = field(default_factory=dict)

    def add(self, name: str, check: HealthCheck) -> None:
        if not callable(check):
            raise TypeError(f"health check {name!r} must be a callable taking no arguments, got {check!r}")
        self.checks[name] = check

    async def run(self) -> list[CheckResult]:
        """Every check, concurrently; the results in the order the checks were added."""
        results: dict[str, CheckResult] = {}

        async def run_one(name: str, check: HealthCheck) -> None:
            results[name] = await _run_check(name, check, self.timeout)

        async with anyio.create_task_group() as group:
            for name, check in self.checks.items():
                group.start_soon(run_one, name, check)
        return [results[name] for name in self.checks]


async def _run_check(name: str, check: HealthCheck, timeout: float) -> CheckResult:
    started = time.perf_counter()
    try:
        with anyio.fail_after(timeout):
            outcome = await _call(check)
    except TimeoutError:
        error: str | None = f"TimeoutError: no answer within {timeout}s"
    except Exception as exc:  # a failing check is an answer, never a 500
        error = f"{type(exc).__name__}: {exc}"
    else:
        error = "returned False" if outcome is False else None
    return CheckResult(name, error is None, (time.perf_counter() - started) * 1000, error)


async def _call(check: HealthCheck) -> Any:
    if inspect.iscoroutinefunction(check) or inspect.iscoroutinefunction(getattr(check, "__call__", None)):
        return await check()
    # A sync check the timeout gives up on keeps its thread until it returns on its own.
    outcome = await anyio.to_thread.run_sync(check, abandon_on_cancel=True)
    return await outcome if inspect.isawaitable(outcome) else outcome


def _readiness_answer(results: list[CheckResult], verbose: bool) -> Response:
    ready = all(result.ok for result in results)
    status_code = 200 if ready else 503
    if verbose:
        lines = [result.as_line() for result in results]
        lines.append("readyz check passed" if ready else "readyz check failed")
        return PlainTextResponse("\n".join(lines) + "\n", status_code, headers=_NO_STORE)
    body = {"status": "ok" if ready else "fail", "checks": {result.name: result.as_dict() for result in results}}
    return JSONResponse(body, status_code, headers=_NO_STORE)


def add_health_checks(
    app: Any,  # a FastAPI application (not imported: it imports this module)
    checks: Mapping[str, HealthCheck] | None = None,
    *,
    timeout: float | None = None,
    liveness_path: str = "/healthz",
    readiness_path: str = "/readyz",
    include_in_schema: bool = False,
) -> HealthChecks:
    """Register the probes on *app* (once) and add *checks* to its readiness checks.

    Called again, it adds more checks (and may change the timeout); the routes stay.
    """
    registry: HealthChecks | None = getattr(app, "health_checks", None)
    if registry is None:
        registry = app.health_checks = HealthChecks()
        _add_probe_routes(app, registry, liveness_path, readiness_path, include_in_schema)
    if timeout is not None:
        if timeout <= 0:
            raise ValueError("the health check timeout must be a positive number of seconds")
        registry.timeout = timeout
    for name, check in (checks or {}).items():
        registry.add(name, check)
    return registry


def _add_probe_routes(app: Any, registry: HealthChecks, live: str, ready: str, in_schema: bool) -> None:
    async def liveness() -> Response:
        return JSONResponse({"status": "ok"}, headers=_NO_STORE)

    async def readiness(request: Request) -> Response:
        return _readiness_answer(await registry.run(), "verbose" in request.query_params)

    for path, endpoint, name in ((live, liveness, "healthz"), (ready, readiness, "readyz")):
        responses = _PROBE_RESPONSES if endpoint is readiness else None
        app.add_api_route(
            path, endpoint, methods=["GET"], name=name, include_in_schema=in_schema, responses=responses, tags=["health"]
        )
