"""The documentation pages work in a real browser, offline.

The example app is served by ``nimbleapi run`` on a loopback port with the docs
assets served by the app itself (``NIMBLEAPI_DOCS_ASSETS=local``). Headless Chromium
(the system's ``chromium``, driven by Playwright) opens ``/docs`` and ``/redoc`` with
every non-loopback request refused, twice over: the page's requests to other hosts
are aborted and recorded, and the browser's proxy for other hosts is a closed
loopback port. The pages must render every operation of the document and Swagger
UI's "Try it out" must show the live response of the running server.

Skipped where Playwright or Chromium is missing. Set ``NIMBLEAPI_SCREENSHOT_DIR`` to
keep a screenshot of each page.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the browser tests need the 'playwright' package (pip install playwright; no browser download needed)",
)

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_APP = REPO_ROOT / "examples" / "app.py"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
CLOSED_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens there, so other hosts are unreachable
SERVER_START_TIMEOUT_S = 30.0
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

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium found: install Debian's 'chromium' package (apt-get install chromium) "
        "or point CHROMIUM_PATH at a Chromium binary",
    ),
    pytest.mark.timeout(180),
]


# ---- the server ------------------------------------------------------------------------


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch_json(url: str, *, data: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_until_serving(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the example app exited with status {process.returncode}:\n{log.read_text()}")
        try:
            fetch_json(url)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"the example app did not answer {url} within {SERVER_START_TIMEOUT_S:.0f}s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_loopback_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    command = [sys.executable, "-m", "nimbleapi", "run", str(EXAMPLE_APP), "--host", "127.0.0.1", "--port", str(port)]
    environment = {**os.environ, "NIMBLEAPI_DOCS_ASSETS": "local"}
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(process, f"{url}/openapi.json", log)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def document(base_url: str) -> dict[str, Any]:
    openapi: dict[str, Any] = fetch_json(f"{base_url}/openapi.json")
    return openapi


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every operation in the document."""
    return [
        (method.upper(), path, operation)
        for path, path_item in document["paths"].items()
        for method, operation in path_item.items()
    ]


# ---- the browser -----------------------------------------------------------------------


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
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


# ---- /docs ---------------------------------------------------------------------------


def test_swagger_ui_renders_every_operation_offline(
    base_url: str, document: dict[str, Any], offline_page: OfflinePage
) -> None:
    page = offline_page.page
    page.goto(f"{base_url}/docs")
    page.wait_for_selector(".opblock")

    rendered = page.eval_on_selector_all(
        ".opblock",
        """blocks => blocks.map(block => [
            block.querySelector('.opblock-summary-method').textContent.trim(),
            block.querySelector('.opblock-summary-path').getAttribute('data-path'),
        ])""",
    )
    expected = [[method, path] for method, path, _ in operations(document)]
    assert sorted(rendered) == sorted(expected)
    assert page.locator(".info .title").inner_text().startswith(document["info"]["title"])
    offline_page.screenshot("docs")
    assert offline_page.refused == []


def test_swagger_ui_try_it_out_shows_the_live_response(
    base_url: str, document: dict[str, Any], offline_page: OfflinePage
) -> None:
    created = fetch_json(f"{base_url}/items", data={"name": "browser-widget", "price": 2.5}, headers={"X-User": "qa"})
    list_items = document["paths"]["/items"]["get"]
    page = offline_page.page
    page.goto(f"{base_url}/docs")

    block = page.locator(f"#operations-{list_items['tags'][0]}-{list_items['operationId']}")
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    live = block.locator(".live-responses-table")
    live.wait_for()

    response_row = live.locator("tbody tr.response")
    assert response_row.locator(".response-col_status").inner_text().strip() == "200"
    shown = json.loads(response_row.locator(".response-col_description pre").first.text_content() or "")
    request_url = block.locator(".request-url pre").inner_text().strip()
    assert request_url.startswith(f"{base_url}/items")
    assert created in shown
    assert shown == fetch_json(request_url)
    offline_page.screenshot("docs-try-it-out")
    assert offline_page.refused == []


# ---- /redoc --------------------------------------------------------------------------


def test_redoc_renders_every_operation_offline(
    base_url: str, document: dict[str, Any], offline_page: OfflinePage
) -> None:
    page = offline_page.page
    page.goto(f"{base_url}/redoc")
    page.wait_for_selector("h2 a[href*='operation/']")

    # Each operation gets a heading whose anchor links to "#[tag/<tag>/]operation/<operationId>".
    headings = page.eval_on_selector_all(
        "h2 a[href*='operation/']",
        "anchors => anchors.map(a => [a.getAttribute('href').split('operation/').pop(), a.parentElement.textContent.trim()])",
    )
    expected = [[operation["operationId"], operation["summary"]] for _, _, operation in operations(document)]
    assert sorted(headings) == sorted(expected)
    offline_page.screenshot("redoc")
    # ReDoc's bundle hard-codes one remote image (the Redocly logo in its sidebar);
    # refusing it leaves the page intact. Scripts, styles, fonts and data all come from the app.
    assert [(kind, url) for kind, url in offline_page.refused if kind != "image"] == []
