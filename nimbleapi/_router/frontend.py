"""Low-priority frontend routes: static builds served after every path operation."""

from __future__ import annotations

import os
from typing import Any, Literal

from starlette.types import Receive, Scope, Send


class FrontendRoutes:
    """The frontend builds registered on one router, tried when no route matched."""

    def __init__(self, router: Any) -> None:
        self.router = router
        self.entries: list[Any] = []

    def add(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Literal["auto", "index.html", "404.html"] | None = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        raise NotImplementedError("frontend() is being implemented")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> bool:
        return False
