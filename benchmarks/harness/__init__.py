"""Shared pieces of the benchmark suite: models, scenarios, targets, the ASGI driver, the check."""
