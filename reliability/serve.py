"""ASGI entry point for a server process: ``serve:app`` (what it serves: see targets.py)."""

from targets import from_environment

app = from_environment()
