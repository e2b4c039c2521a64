"""The Swagger UI, ReDoc and OAuth2 redirect pages of ``nimbleapi.openapi.docs``."""

from __future__ import annotations

import inspect

from nimbleapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
    swagger_ui_default_parameters,
)


def body_of(response: object) -> str:
    return bytes(response.body).decode()  # type: ignore[attr-defined]


def test_swagger_ui_loads_cdn_assets_by_default() -> None:
    body = body_of(get_swagger_ui_html(openapi_url="/openapi.json", title="API - Swagger UI"))
    assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" in body
    assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css" in body
    assert "https://fastapi.tiangolo.com/img/favicon.png" in body
    assert "<title>API - Swagger UI</title>" in body
    assert "url: '/openapi.json'," in body


def test_swagger_ui_defaults_are_fastapis() -> None:
    parameters = inspect.signature(get_swagger_ui_html).parameters
    assert parameters["swagger_js_url"].default.endswith("swagger-ui-dist@5/swagger-ui-bundle.js")
    assert parameters["oauth2_redirect_url"].default is None
    assert swagger_ui_default_parameters == {
        "dom_id": "#swagger-ui",
        "layout": "BaseLayout",
        "deepLinking": True,
        "showExtensions": True,
        "showCommonExtensions": True,
    }


def test_swagger_ui_custom_asset_urls() -> None:
    body = body_of(
        get_swagger_ui_html(
            openapi_url="/o.json",
            title="t",
            swagger_js_url="/static/s.js",
            swagger_css_url="/static/s.css",
            swagger_favicon_url="/static/f.png",
        )
    )
    assert '<script src="/static/s.js"></script>' in body
    assert 'href="/static/s.css"' in body
    assert 'href="/static/f.png"' in body
    assert "cdn.jsdelivr.net" not in body


def test_swagger_ui_parameters_override_defaults_as_json() -> None:
    body = body_of(
        get_swagger_ui_html(
            openapi_url="/o.json",
            title="t",
            swagger_ui_parameters={"deepLinking": False, "syntaxHighlight": {"theme": "obsidian"}},
        )
    )
    assert '"deepLinking": false,' in body
    assert '"deepLinking": true' not in body
    assert '"syntaxHighlight": {"theme": "obsidian"},' in body
    assert '"dom_id": "#swagger-ui",' in body
    assert "SwaggerUIBundle.presets.apis," in body


def test_swagger_ui_oauth2_settings() -> None:
    body = body_of(
        get_swagger_ui_html(
            openapi_url="/o.json",
            title="t",
            oauth2_redirect_url="/docs/oauth2-redirect",
            init_oauth={"clientId": "my-client", "appName": "My App"},
        )
    )
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in body
    assert 'ui.initOAuth({"clientId": "my-client", "appName": "My App"})' in body


def test_swagger_ui_without_oauth2_settings() -> None:
    body = body_of(get_swagger_ui_html(openapi_url="/o.json", title="t"))
    assert "oauth2RedirectUrl" not in body
    assert "initOAuth" not in body


def test_swagger_ui_json_cannot_close_the_script_element() -> None:
    body = body_of(
        get_swagger_ui_html(
            openapi_url="/o.json",
            title="t",
            init_oauth={"appName": "Evil</script><script>alert(1)</script>"},
            swagger_ui_parameters={"customKey": "<img src=x onerror=alert(1)> & more"},
        )
    )
    assert "</script><script>" not in body
    assert "<img src=x" not in body
    assert "\\u003c/script\\u003e\\u003cscript\\u003e" in body
    assert "\\u003cimg src=x onerror=alert(1)\\u003e \\u0026 more" in body


def test_redoc_page() -> None:
    body = body_of(get_redoc_html(openapi_url="/openapi.json", title="API - ReDoc"))
    assert '<redoc spec-url="/openapi.json"></redoc>' in body
    assert "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js" in body
    assert "fonts.googleapis.com" in body
    assert "<title>API - ReDoc</title>" in body


def test_redoc_custom_assets_and_no_google_fonts() -> None:
    body = body_of(
        get_redoc_html(
            openapi_url="/o.json",
            title="t",
            redoc_js_url="/static/redoc.js",
            redoc_favicon_url="/static/f.png",
            with_google_fonts=False,
        )
    )
    assert '<script src="/static/redoc.js"></script>' in body
    assert 'href="/static/f.png"' in body
    assert "fonts.googleapis.com" not in body


def test_oauth2_redirect_page_hands_the_result_to_swagger_ui() -> None:
    response = get_swagger_ui_oauth2_redirect_html()
    body = body_of(response)
    assert response.media_type == "text/html"
    assert "window.opener.swaggerUIRedirectOauth2" in body
    assert "oauth2.callback(" in body
    assert "window.close()" in body
