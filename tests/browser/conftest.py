"""The browser and its offline pages, shared by the browser tests (see offline_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .offline_browser import CHROMIUM, CHROMIUM_ARGS, PAGE_TIMEOUT_MS, OfflinePage


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the browser tests need the 'playwright' package (pip install playwright; no browser download needed)",
    )
    with sync_api.sync_playwright() as playwright:
        # launch() starts Chromium on a fresh temporary profile and removes it on close.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def offline_page(browser: Any) -> Iterator[OfflinePage]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, service_workers="block")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        offline = OfflinePage(context.new_page())
        context.route("**/*", offline.guard)
        yield offline
    finally:
        context.close()
