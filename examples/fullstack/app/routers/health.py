from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])
CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers (restart it when this fails)."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is unreachable"}})
async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database and Redis answer (send no traffic here until they do)."""
    checks = {"database": request.app.state.database.ping(), "redis": request.app.state.backends.ping()}
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
            results[name] = "ok"
        except Exception as error:  # any failure means "not ready"; the reason is for the operator
            results[name] = f"error: {type(error).__name__}"
    ready = all(result == "ok" for result in results.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": results},
                        status_code=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE)
