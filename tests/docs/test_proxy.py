"""The "Behind a proxy" page, done for real: its nginx configuration in front of its
application, both on loopback ports, and the answers the page shows.

Skipped where nginx is not installed (Debian: apt-get install nginx).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import free_port, request_json, stop, wait_until_serving

from .conftest import DOCS_SRC

DEPLOYMENT = DOCS_SRC / "deployment"
NGINX = shutil.which("nginx")

pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)"),
    pytest.mark.timeout(120),
]


def nginx_configuration(app_port: int, proxy_port: int) -> str:
    """The page's nginx.conf, on free loopback ports and without an access log."""
    text = (DEPLOYMENT / "nginx.conf").read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 8080;": f"listen 127.0.0.1:{proxy_port};",
        "http {": "http {\n    access_log off;",
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def start(command: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def proxy_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app_port, proxy_port = free_port(), free_port()
    app = start(
        [sys.executable, "-m", "nimbleapi", "run", "app/main.py", "--host", "127.0.0.1", "--port", str(app_port), "--root-path", "/api"],
        cwd=DEPLOYMENT,
    )
    prefix = tmp_path_factory.mktemp("nginx")
    (prefix / "nginx.conf").write_text(nginx_configuration(app_port, proxy_port))
    assert NGINX is not None
    proxy = start(
        [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr", "-g", f"daemon off; pid {prefix / 'nginx.pid'};"],
        cwd=prefix,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{app_port}/livez", app)
        wait_until_serving(f"http://127.0.0.1:{proxy_port}/api/livez", proxy)
        yield f"http://localhost:{proxy_port}"
    finally:
        stop(proxy)
        stop(app)


def test_the_app_sees_the_client_the_prefix_and_the_public_port(proxy_url: str) -> None:
    status, seen = request_json(f"{proxy_url}/api/whoami")
    assert status == 200
    assert seen == {"client": "127.0.0.1", "scheme": "http", "url": f"{proxy_url}/api/items/1", "root_path": "/api"}


def test_nginx_sets_the_forwarded_headers_itself(proxy_url: str) -> None:
    request = urllib.request.Request(f"{proxy_url}/api/whoami", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    with urllib.request.urlopen(request, timeout=5) as response:
        seen = response.read().decode()
    assert '"scheme":"http"' in seen  # the client's X-Forwarded-Proto was replaced by nginx's $scheme
    assert '"client":"203.0.113.9"' in seen  # appended to by nginx; here the client (loopback) is trusted too


def test_openapi_and_docs_point_through_the_proxy(proxy_url: str) -> None:
    status, document = request_json(f"{proxy_url}/api/openapi.json")
    assert status == 200 and document["servers"] == [{"url": "/api"}]
    with urllib.request.urlopen(f"{proxy_url}/api/docs", timeout=5) as response:
        assert "url: '/api/openapi.json'" in response.read().decode()


def test_redirects_keep_the_prefix(proxy_url: str) -> None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(f"{proxy_url}/api/items/1/", timeout=5)
    with redirect.value as answer:  # an HTTPError holds the connection open until closed
        assert answer.code == 307
        assert answer.headers["location"] == f"{proxy_url}/api/items/1"
