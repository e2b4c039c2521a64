"""Headless Chromium with every request to a host other than loopback refused.

The system's ``chromium`` is driven by Playwright (no browser download). Pages are
refused other hosts twice over: the page's requests to them are aborted and recorded,
and the browser's proxy for them is a closed loopback port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
CLOSED_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens there, so other hosts are unreachable
PAGE_TIMEOUT_MS = 30_000


def find_chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM = find_chromium()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--proxy-server={CLOSED_PROXY}",  # loopback stays direct: Chromium never proxies it by default
]

requires_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found: install Debian's 'chromium' package (apt-get install chromium) "
    "or point CHROMIUM_PATH at a Chromium binary",
)


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class OfflinePage:
    """A browser page whose requests to any host but loopback are refused and recorded."""

    page: Any
    refused: list[tuple[str, str]] = field(default_factory=list)  # (resource type, url)

    def guard(self, route: Any) -> None:
        request = route.request
        if urlsplit(request.url).hostname in LOOPBACK_HOSTS or request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.refused.append((request.resource_type, request.url))
            route.abort("internetdisconnected")

    def screenshot(self, name: str) -> None:
        directory = os.environ.get("NIMBLEAPI_SCREENSHOT_DIR")
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)
