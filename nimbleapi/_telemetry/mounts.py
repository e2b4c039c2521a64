"""Mounts that tell a traced request their path template as it goes into them, so that
``http.route`` names ``/tenants/{tenant}/items/{item_id}``, not the tenant's value."""

from __future__ import annotations

from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send


class _AnnouncingMount:
    __slots__ = ("app", "template")

    def __init__(self, app: ASGIApp, template: str) -> None:
        self.app = app
        self.template = template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.get("fastapi.telemetry")
        if state is not None:
            state.enter_mount(self.template)
        await self.app(scope, receive, send)

    def __getattr__(self, name: str) -> Any:  # what the mounted app offers stays reachable
        return getattr(self.app, name)


def announce_mount(route: Any) -> None:
    """Have *route*, when it is a mount, announce itself to traced requests (once)."""
    if isinstance(route, Mount) and not isinstance(route.app, _AnnouncingMount):
        route.app = _AnnouncingMount(route.app, route.path_format)
