"""OTLP export configured from the environment (``nimbleapi.telemetry._runtime``)."""

from __future__ import annotations

import pytest

from nimbleapi import FastAPI
from nimbleapi.exceptions import FastAPIError
from nimbleapi.telemetry import _runtime

from .conftest import Signals


def test_signal_endpoint_is_derived_from_the_base_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/")
    assert _runtime._export_endpoint("TRACES") == "http://127.0.0.1:4318/v1/traces"
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "none")
    assert _runtime._export_endpoint("METRICS") is None


def test_unsupported_protocol_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    with pytest.raises(FastAPIError, match="http/protobuf"):
        _runtime._export_endpoint("LOGS")


def test_auto_configure_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    assert FastAPI()._telemetry["auto_configure"] is True
    assert FastAPI(telemetry={"auto_configure": False})._telemetry["auto_configure"] is False


def test_exporter_is_added_to_the_given_provider_once(monkeypatch: pytest.MonkeyPatch, signals: Signals) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:9/v1/traces")
    monkeypatch.setattr(_runtime, "_owned", [])
    monkeypatch.setattr(_runtime, "_configured", [])
    config = {**signals.config, "auto_configure": True, "metrics": False, "logs": False}
    app = FastAPI(telemetry=config)
    _runtime._configure_from_environment(app._telemetry)  # type: ignore[arg-type]
    _runtime._configure_from_environment(app._telemetry)  # type: ignore[arg-type]
    assert _runtime._configured == [("TRACES", signals.config["tracer_provider"])]
    (processor,) = _runtime._owned
    processor.shutdown()
