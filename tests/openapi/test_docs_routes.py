"""The routes an application serves for its documentation, and where the pages load their assets."""

from __future__ import annotations

import re

import pytest

from nimbleapi import FastAPI
from nimbleapi._openapi import assets
from nimbleapi.testclient import TestClient


def make_app(**settings: object) -> FastAPI:
    app = FastAPI(**settings)  # type: ignore[arg-type]

    @app.get("/items/")
    def read_items() -> list[str]:
        return []

    return app


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+)"', html)


def test_default_routes() -> None:
    client = TestClient(make_app(title="Shop"))
    document = client.get("/openapi.json")
    assert document.status_code == 200
    assert list(document.json()["paths"]) == ["/items/"]
    docs = client.get("/docs")
    assert docs.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Shop - Swagger UI</title>" in docs.text
    assert "url: '/openapi.json'," in docs.text
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in docs.text
    assert "window.opener.swaggerUIRedirectOauth2" in client.get("/docs/oauth2-redirect").text
    redoc = client.get("/redoc")
    assert "<title>Shop - ReDoc</title>" in redoc.text
    assert "redoc@2" in redoc.text


def test_docs_routes_are_not_documented() -> None:
    paths = TestClient(make_app()).get("/openapi.json").json()["paths"]
    assert not {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"} & set(paths)


def test_pages_follow_the_application_settings() -> None:
    app = make_app(
        openapi_url="/api/schema.json",
        docs_url="/api/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url="/api/redirect",
        swagger_ui_init_oauth={"clientId": "shop"},
        swagger_ui_parameters={"deepLinking": False},
    )
    client = TestClient(app)
    docs = client.get("/api/docs").text
    assert "url: '/api/schema.json'," in docs
    assert "oauth2RedirectUrl: window.location.origin + '/api/redirect'" in docs
    assert 'ui.initOAuth({"clientId": "shop"})' in docs
    assert '"deepLinking": false,' in docs
    assert client.get("/api/redirect").status_code == 200
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs").status_code == 404


def test_no_redirect_route_without_redirect_url() -> None:
    client = TestClient(make_app(swagger_ui_oauth2_redirect_url=None))
    assert "oauth2RedirectUrl" not in client.get("/docs").text
    assert client.get("/docs/oauth2-redirect").status_code == 404


def test_no_docs_without_openapi_url() -> None:
    client = TestClient(make_app(openapi_url=None))
    for url in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"):
        assert client.get(url).status_code == 404


def test_root_path_prefixes_urls_and_is_listed_as_server() -> None:
    client = TestClient(make_app(servers=[{"url": "https://example.com"}]), root_path="/proxy")
    assert "url: '/proxy/openapi.json'," in client.get("/docs").text
    assert "oauth2RedirectUrl: window.location.origin + '/proxy/docs/oauth2-redirect'" in client.get("/docs").text
    assert '<redoc spec-url="/proxy/openapi.json"></redoc>' in client.get("/redoc").text
    servers = client.get("/openapi.json").json()["servers"]
    assert servers == [{"url": "/proxy"}, {"url": "https://example.com"}]


def test_root_path_not_listed_twice_or_when_disabled() -> None:
    listed = make_app(servers=[{"url": "/proxy"}])
    assert TestClient(listed, root_path="/proxy").get("/openapi.json").json()["servers"] == [{"url": "/proxy"}]
    disabled = make_app(root_path_in_servers=False)
    assert "servers" not in TestClient(disabled, root_path="/proxy").get("/openapi.json").json()


def test_cdn_assets_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(assets.ASSETS_MODE_ENV_VAR, raising=False)
    client = TestClient(make_app())
    assert all(url.startswith("https://") for url in asset_urls(client.get("/docs").text))
    assert client.get(f"{assets.DEFAULT_ASSETS_URL}/swagger-ui/swagger-ui.css").status_code == 404


@pytest.fixture
def local_assets(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("openapi_ui_bundles")
    monkeypatch.setenv(assets.ASSETS_MODE_ENV_VAR, "local")


@pytest.mark.usefixtures("local_assets")
def test_local_assets_are_served_by_the_application() -> None:
    client = TestClient(make_app())
    swagger_urls = asset_urls(client.get("/docs").text)
    redoc_urls = asset_urls(client.get("/redoc").text)
    assert swagger_urls and redoc_urls
    for url in swagger_urls + redoc_urls:
        assert url.startswith(assets.DEFAULT_ASSETS_URL + "/")
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content
    assert "fonts.googleapis.com" not in client.get("/redoc").text
    assert "/_nimbleapi/docs" not in client.get("/openapi.json").text


@pytest.mark.usefixtures("local_assets")
def test_local_asset_urls_follow_root_path() -> None:
    client = TestClient(make_app(), root_path="/proxy")
    for url in asset_urls(client.get("/docs").text):
        assert url.startswith("/proxy" + assets.DEFAULT_ASSETS_URL + "/")
        assert client.get(url).status_code == 200


def test_unknown_assets_mode_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(assets.ASSETS_MODE_ENV_VAR, "offline")
    with pytest.raises(assets.DocsAssetsError, match="'cdn' or 'local'"):
        make_app()


def test_local_mode_without_a_package_explains_what_to_install() -> None:
    with pytest.raises(assets.DocsAssetsError, match="openapi-ui-bundles"):
        assets.build_assets_app(assets.AssetDirectories(swagger_ui=None, redoc=None))


def test_redoc_stays_on_cdn_when_only_swagger_ui_is_installed(tmp_path: object) -> None:
    directories = assets.AssetDirectories(swagger_ui=tmp_path, redoc=None)  # type: ignore[arg-type]
    local = assets.local_assets("/base", directories)
    assert local.swagger_js_url == "/base/swagger-ui/swagger-ui-bundle.js"
    assert local.redoc_js_url == assets.REDOC_JS_CDN_URL
    assert local.with_google_fonts is True
