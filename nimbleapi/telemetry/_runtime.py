"""OTLP export set up from the standard ``OTEL_*`` environment variables, at start-up.

With ``auto_configure`` on (``FASTAPI_OTEL_AUTO_CONFIGURE=true``), the lifespan start
adds one OTLP/HTTP exporter per enabled signal that has an endpoint: to the provider the
application was given, to the configured global one, or to a new SDK provider made global
when none is configured. Existing providers and their exporters stay; what nimbleapi adds
is flushed at lifespan shutdown and shut down at interpreter exit.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from anyio.to_thread import run_sync
from opentelemetry import _logs, metrics, trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..exceptions import FastAPIError
from ..logger import logger
from ._api import TelemetryConfig, _unconfigured

_lock = threading.RLock()
# Export components (and providers) nimbleapi made, which it flushes and shuts down.
_owned: list[Any] = []
# (signal, provider) pairs that already received an exporter from nimbleapi.
_configured: list[tuple[str, Any]] = []

_OPT_OUT = "pass telemetry={'auto_configure': False} to FastAPI()."


def _flush() -> None:
    for component in tuple(_owned):
        try:
            component.force_flush()
        except Exception:
            logger.exception("FastAPI telemetry cleanup failed")


def _shutdown() -> None:
    with _lock:
        owned = tuple(_owned)
        _owned.clear()
    for component in owned:
        try:
            component.shutdown()
        except Exception:
            logger.exception("FastAPI telemetry cleanup failed")


atexit.register(_shutdown)


def _export_endpoint(signal: str) -> str | None:
    """The OTLP endpoint for *signal* (TRACES, METRICS, LOGS), or None when it is not exported."""
    exporter = (os.getenv(f"OTEL_{signal}_EXPORTER") or "otlp").strip().lower()
    endpoint = os.getenv(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")
    if not endpoint:
        base = os.getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
        endpoint = f"{base.removesuffix('/')}/v1/{signal.lower()}" if base else None
    if not endpoint or exporter == "none":
        return None
    if exporter != "otlp":
        raise FastAPIError(
            f"FastAPI automatic telemetry supports OTEL_{signal}_EXPORTER=otlp or none. "
            f"Configure other exporters explicitly and {_OPT_OUT}"
        )
    protocol = os.getenv(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL") or os.getenv("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf"
    if protocol != "http/protobuf":
        raise FastAPIError(
            "FastAPI automatic telemetry requires the OTLP http/protobuf protocol. "
            f"Configure other transports explicitly and {_OPT_OUT}"
        )
    parts = urlsplit(endpoint)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FastAPIError(f"Invalid OTLP {signal.lower()} endpoint. Use an absolute HTTP or HTTPS URL.")
    return endpoint


def _registration_provider(provider: Any) -> Any:
    """The provider to add a reader to: older Logfire meter proxies lack
    ``add_metric_reader``, their SDK provider has it."""
    cls = type(provider)
    if (
        cls.__module__ == "logfire._internal.metrics"
        and cls.__name__ == "ProxyMeterProvider"
        and not hasattr(provider, "add_metric_reader")
    ):
        return provider.provider
    return provider


class _Sdk:
    """The SDK and exporter classes auto-configuration uses, imported when it runs."""

    def __init__(self) -> None:
        try:
            from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk._logs import LoggerProvider
            from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError as exc:
            raise FastAPIError(
                "Automatic OpenTelemetry export requires nimbleapi[telemetry] (with FastAPI: "
                "fastapi[opentelemetry] or fastapi[standard]). Install the extra, configure providers "
                f"yourself, or {_OPT_OUT}"
            ) from exc
        self.exporters = {"TRACES": OTLPSpanExporter, "METRICS": OTLPMetricExporter, "LOGS": OTLPLogExporter}
        self.TracerProvider, self.MeterProvider, self.LoggerProvider = TracerProvider, MeterProvider, LoggerProvider
        self.BatchSpanProcessor, self.BatchLogRecordProcessor = BatchSpanProcessor, BatchLogRecordProcessor
        self.PeriodicExportingMetricReader = PeriodicExportingMetricReader

    def component(self, signal: str, endpoint: str) -> Any:
        """A new export component (processor or reader) for *signal*."""
        exporter = self.exporters[signal](endpoint=endpoint)
        if signal == "TRACES":
            return self.BatchSpanProcessor(exporter)
        if signal == "METRICS":
            return self.PeriodicExportingMetricReader(exporter)
        return self.BatchLogRecordProcessor(exporter)

    def global_provider(self, signal: str, component: Any) -> Any:
        """A new SDK provider for *signal*, exporting through *component*, made global."""
        provider: Any
        if signal == "TRACES":
            provider = self.TracerProvider(shutdown_on_exit=False)
            provider.add_span_processor(component)
            trace.set_tracer_provider(provider)
        elif signal == "METRICS":
            provider = self.MeterProvider(metric_readers=[component], shutdown_on_exit=False)
            metrics.set_meter_provider(provider)
        else:
            provider = self.LoggerProvider(shutdown_on_exit=False)
            provider.add_log_record_processor(component)
            _logs.set_logger_provider(provider)
        return provider


_GLOBAL_PROVIDERS: dict[str, tuple[str, Callable[[], Any]]] = {
    "TRACES": ("tracer", lambda: trace.get_tracer_provider()),
    "METRICS": ("meter", lambda: metrics.get_meter_provider()),
    "LOGS": ("logger", lambda: _logs.get_logger_provider()),
}
_REGISTER_METHODS = {"TRACES": "add_span_processor", "METRICS": "add_metric_reader", "LOGS": "add_log_record_processor"}


def _configure_from_environment(config: TelemetryConfig) -> None:
    """Add OTLP exporters from the environment to the application's providers (see the
    module docstring). Each provider receives nimbleapi's exporter once; exporters others
    added are neither inspected nor deduplicated."""
    if not config["auto_configure"] or os.getenv("OTEL_SDK_DISABLED", "").lower() == "true":
        return
    with _lock:
        signals = (
            ("TRACES", config["tracing"], config["tracer_provider"]),
            ("METRICS", config["metrics"], config["meter_provider"]),
            ("LOGS", config["logs"], config["logger_provider"]),
        )
        requested = [
            (signal, explicit, endpoint)
            for signal, enabled, explicit in signals
            if enabled and (endpoint := _export_endpoint(signal)) is not None
        ]
        if not requested:
            return
        sdk = _Sdk()
        for signal, explicit, endpoint in requested:
            _export_signal(sdk, signal, explicit, endpoint)


def _export_signal(sdk: _Sdk, signal: str, explicit: Any, endpoint: str) -> None:
    kind, get_global = _GLOBAL_PROVIDERS[signal]
    provider = _registration_provider(explicit if explicit is not None else get_global())
    if any(s == signal and p is provider for s, p in _configured):
        return
    if explicit is None and _unconfigured(provider):
        made = sdk.global_provider(signal, sdk.component(signal, endpoint))
        current = get_global()
        if current is made:
            _configured.append((signal, made))
            _owned.append(made)
            return
        # Someone else set the global provider meanwhile: drop ours, export through theirs.
        made.shutdown()
        provider = _registration_provider(current)
    register = getattr(provider, _REGISTER_METHODS[signal], None)
    if not callable(register):
        raise FastAPIError(
            f"The configured OpenTelemetry {kind} provider does not support adding an OTLP exporter. "
            f"Configure environment export through that provider and {_OPT_OUT}"
        )
    component = sdk.component(signal, endpoint)
    try:
        register(component)
    except Exception:
        component.shutdown()
        raise
    _configured.append((signal, provider))
    _owned.append(component)


async def lifespan(*, config: TelemetryConfig, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Run the application's lifespan with export configured at start-up and flushed at the end."""

    async def receive_configuring() -> Message:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                _configure_from_environment(config)
            except Exception as exc:
                # Telemetry is optional: its set-up never stops the application starting.
                logger.warning("FastAPI automatic telemetry configuration failed: %s", exc)
        return message

    async def send_flushing(message: Message) -> None:
        if message["type"] in _LIFESPAN_ENDS and _owned:
            await run_sync(_flush)
        await send(message)

    await app(scope, receive_configuring, send_flushing)


_LIFESPAN_ENDS = frozenset({"lifespan.shutdown.complete", "lifespan.shutdown.failed", "lifespan.startup.failed"})
