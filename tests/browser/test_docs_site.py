"""The documentation site works in a real browser, offline.

The site is built from mkdocs.yml with ``mkdocs build --strict`` and served by a plain
static file server on a loopback port. Headless Chromium (offline_browser.py), with
every request to another host refused, loads the home page, follows the navigation to
a tutorial page, and finds a page with the site's search, which runs in the browser.
Nothing may be fetched from the internet: no web font, script or style from a CDN.

Skipped where MkDocs, Playwright or Chromium is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .offline_browser import OfflinePage, free_loopback_port, requires_chromium, stop

pytest.importorskip("playwright.sync_api", reason="the browser tests need the 'playwright' package")
pytest.importorskip("material", reason="the docs site needs the 'docs-site' extra (mkdocs-material)")

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT_S = 20.0

pytestmark = [requires_chromium, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("docs") / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return site


def heading(page: Any) -> str:
    """The page's title, without the permalink sign the theme appends."""
    return str(page.locator("article h1").inner_text()).removesuffix("¶").strip()


def wait_until_serving(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the file server exited with status {process.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"the file server did not answer {url} within {SERVER_START_TIMEOUT_S:.0f}s")


@pytest.fixture(scope="module")
def site_url(site_dir: Path) -> Iterator[str]:
    port = free_loopback_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site_dir)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(process, f"{url}/index.html")
        yield url
    finally:
        stop(process)


def test_home_page_renders_offline(site_url: str, offline_page: OfflinePage) -> None:
    page = offline_page.page
    page.goto(f"{site_url}/index.html")
    assert heading(page) == "nimbleapi"
    assert "from nimbleapi import FastAPI" in page.locator("article pre").first.inner_text()
    # The theme's stylesheet and script were applied: the header and the navigation are laid out.
    assert page.locator("header.md-header").is_visible()
    assert page.locator("nav.md-nav--primary").count() == 1
    offline_page.screenshot("site-home")
    assert offline_page.refused == []


def test_navigation_reaches_a_tutorial_page(site_url: str, offline_page: OfflinePage) -> None:
    page = offline_page.page
    page.goto(f"{site_url}/index.html")
    page.locator("nav.md-nav--primary a.md-nav__link", has_text="Dependencies").first.click()
    page.wait_for_url("**/tutorial/dependencies.html")
    assert heading(page) == "Dependencies"
    assert "def connection() -> Iterator[Connection]:" in page.locator("article pre").first.inner_text()
    page.locator("a.md-footer__link--next").click()
    page.wait_for_url("**/tutorial/security.html")
    assert heading(page) == "Security"
    offline_page.screenshot("site-tutorial")
    assert offline_page.refused == []


def test_search_finds_a_page_offline(site_url: str, offline_page: OfflinePage) -> None:
    page = offline_page.page
    page.goto(f"{site_url}/tutorial/routing.html")
    search = page.locator("input.md-search__input")
    search.click()
    # Typed key by key, as a reader does: the theme searches on keyboard events.
    search.press_sequentially("forwarded", delay=30)
    result = page.locator("li.md-search-result__item a[href*='deployment/proxy.html']").first
    result.wait_for()
    offline_page.screenshot("site-search")
    result.click()
    page.wait_for_url("**/deployment/proxy.html*")
    assert heading(page) == "Behind a proxy"
    assert offline_page.refused == []
