"""Telemetry internals that load without OpenTelemetry: the configuration defaults, and
the start-up decision whether an application serves with telemetry at all."""
