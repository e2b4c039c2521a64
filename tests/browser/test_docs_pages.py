"""The API documentation pages (/docs, /redoc) work in a real browser, offline.

The example app is served by ``nimbleapi run`` on a loopback port, on each server, with the docs
assets served by the app itself (``NIMBLEAPI_DOCS_ASSETS=local``). Headless Chromium
(offline_browser.py) opens ``/docs`` and ``/redoc`` with every non-loopback request
refused. The pages must render every operation of the document and Swagger
UI's "Try it out" must show the live response of the running server.

Skipped where Playwright or Chromium is missing. Set ``NIMBLEAPI_SCREENSHOT_DIR`` to
keep a screenshot of each page.
"""

from __future__ import annotations

import json
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

from nimbleapi._servers import SERVERS

from .offline_browser import OfflinePage, free_loopback_port, requires_chromium, stop

pytest.importorskip(
    "playwright.sync_api",
    reason="the browser tests need the 'playwright' package (pip install playwright; no browser download needed)",
)

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_APP = REPO_ROOT / "examples" / "app.py"
SERVER_START_TIMEOUT_S = 30.0

pytestmark = [requires_chromium, pytest.mark.timeout(180)]


# ---- the server ------------------------------------------------------------------------


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


@pytest.fixture(scope="module", params=SERVERS)
def base_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_loopback_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    command = [sys.executable, "-m", "nimbleapi", "run", str(EXAMPLE_APP), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--server", request.param]
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
