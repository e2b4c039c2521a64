"""``FastAPI(telemetry=...)`` resolved against its defaults, without importing OpenTelemetry."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def resolve_telemetry_config(telemetry: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every setting of a ``TelemetryConfig``: the given ones over the defaults. Without
    providers, the global ones are used; ``auto_configure`` defaults to the environment."""
    return {
        "tracer_provider": None,
        "meter_provider": None,
        "logger_provider": None,
        "tracing": True,
        "metrics": True,
        "logs": True,
        "operation_spans": True,
        "auto_configure": os.getenv("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true",
        "exclude": None,
        **(telemetry or {}),
    }
