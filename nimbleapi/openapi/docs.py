"""HTML pages for the interactive documentation: Swagger UI, ReDoc and the OAuth2 redirect.

The defaults load Swagger UI and ReDoc from a CDN, as FastAPI does. To serve them from
the application itself (no network needed), see ``nimbleapi._openapi.assets`` and the
``docs_assets`` option of the application.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import HTMLResponse

from .._openapi.assets import (
    FAVICON_URL,
    GOOGLE_FONTS_URL,
    REDOC_JS_CDN_URL,
    SWAGGER_CSS_CDN_URL,
    SWAGGER_JS_CDN_URL,
)
from ..encoders import jsonable_encoder

swagger_ui_default_parameters: dict[str, Any] = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}


def _html_safe_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` can close it."""
    text = json.dumps(jsonable_encoder(value))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _swagger_config_lines(
    openapi_url: str, parameters: dict[str, Any], oauth2_redirect_url: str | None
) -> str:
    lines = [f"url: '{openapi_url}',"]
    lines += [f"{_html_safe_json(key)}: {_html_safe_json(value)}," for key, value in parameters.items()]
    if oauth2_redirect_url:
        lines.append(f"oauth2RedirectUrl: window.location.origin + '{oauth2_redirect_url}',")
    lines += [
        "presets: [",
        "    SwaggerUIBundle.presets.apis,",
        "    SwaggerUIBundle.SwaggerUIStandalonePreset",
        "],",
    ]
    return "\n        ".join(lines)


def get_swagger_ui_html(
    *,
    openapi_url: str,
    title: str,
    swagger_js_url: str = SWAGGER_JS_CDN_URL,
    swagger_css_url: str = SWAGGER_CSS_CDN_URL,
    swagger_favicon_url: str = FAVICON_URL,
    oauth2_redirect_url: str | None = None,
    init_oauth: dict[str, Any] | None = None,
    swagger_ui_parameters: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The Swagger UI page (served at ``/docs`` by default) for the document at ``openapi_url``.

    Args:
        openapi_url: URL of the OpenAPI document the page loads.
        title: the page title.
        swagger_js_url: where the Swagger UI bundle is loaded from.
        swagger_css_url: where the Swagger UI stylesheet is loaded from.
        swagger_favicon_url: the page icon.
        oauth2_redirect_url: path of the OAuth2 redirect page, if any.
        init_oauth: settings passed to Swagger UI's ``initOAuth``.
        swagger_ui_parameters: Swagger UI settings, merged over ``swagger_ui_default_parameters``.
    """
    parameters = {**swagger_ui_default_parameters, **(swagger_ui_parameters or {})}
    config = _swagger_config_lines(openapi_url, parameters, oauth2_redirect_url)
    init = f"\n    ui.initOAuth({_html_safe_json(init_oauth)})" if init_oauth else ""
    html = f"""<!DOCTYPE html>
<html>
<head>
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <link type="text/css" rel="stylesheet" href="{swagger_css_url}">
    <link rel="shortcut icon" href="{swagger_favicon_url}">
    <title>{title}</title>
</head>
<body>
    <div id="swagger-ui"></div>
    <script src="{swagger_js_url}"></script>
    <script>
    const ui = SwaggerUIBundle({{
        {config}
    }}){init}
    </script>
</body>
</html>
"""
    return HTMLResponse(html)


def get_redoc_html(
    *,
    openapi_url: str,
    title: str,
    redoc_js_url: str = REDOC_JS_CDN_URL,
    redoc_favicon_url: str = FAVICON_URL,
    with_google_fonts: bool = True,
) -> HTMLResponse:
    """The ReDoc page (served at ``/redoc`` by default) for the document at ``openapi_url``.

    Args:
        openapi_url: URL of the OpenAPI document the page loads.
        title: the page title.
        redoc_js_url: where the ReDoc standalone bundle is loaded from.
        redoc_favicon_url: the page icon.
        with_google_fonts: whether to load ReDoc's fonts from Google Fonts.
    """
    fonts = f'\n    <link href="{GOOGLE_FONTS_URL}" rel="stylesheet">' if with_google_fonts else ""
    html = f"""<!DOCTYPE html>
<html>
<head>
    <title>{title}</title>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1">{fonts}
    <link rel="shortcut icon" href="{redoc_favicon_url}">
    <style>
        body {{ margin: 0; padding: 0; }}
    </style>
</head>
<body>
    <noscript>ReDoc needs JavaScript to show this documentation; please enable it.</noscript>
    <redoc spec-url="{openapi_url}"></redoc>
    <script src="{redoc_js_url}"></script>
</body>
</html>
"""
    return HTMLResponse(html)


# The page the OAuth2 server sends the browser back to: it hands the query (or fragment)
# parameters to the Swagger UI window that opened it, following Swagger UI's
# ``swaggerUIRedirectOauth2`` protocol, then closes itself.
_OAUTH2_REDIRECT_HTML = """<!doctype html>
<html lang="en-US">
<head>
    <title>Swagger UI: OAuth2 Redirect</title>
</head>
<body>
<script>
    'use strict';
    function readParams() {
        var hash = window.location.hash;
        var raw = /code|token|error/.test(hash)
            ? hash.substring(1).replace('?', '&')
            : window.location.search.substring(1);
        var params = {};
        if (!raw) {
            return params;
        }
        raw.split('&').forEach(function (pair) {
            var separator = pair.indexOf('=');
            var key = separator < 0 ? pair : pair.substring(0, separator);
            var value = separator < 0 ? '' : pair.substring(separator + 1);
            params[decodeURIComponent(key)] = decodeURIComponent(value);
        });
        return params;
    }

    function isCodeFlow(flow) {
        return flow === 'accessCode' || flow === 'authorizationCode' || flow === 'authorization_code';
    }

    function finish() {
        var oauth2 = window.opener.swaggerUIRedirectOauth2;
        var params = readParams();
        var stateMatches = params.state === oauth2.state;
        var redirectUrl = oauth2.redirectUrl;
        if (isCodeFlow(oauth2.auth.schema.get('flow')) && !oauth2.auth.code) {
            if (!stateMatches) {
                oauth2.errCb({
                    authId: oauth2.auth.name,
                    source: 'auth',
                    level: 'warning',
                    message: "Authorization may be unsafe, passed state was changed in server. " +
                        "The passed state wasn't returned from auth server."
                });
            }
            if (params.code) {
                delete oauth2.state;
                oauth2.auth.code = params.code;
                oauth2.callback({auth: oauth2.auth, redirectUrl: redirectUrl});
            } else {
                var message = '[Authorization failed]: no accessCode received from the server.';
                if (params.error) {
                    message = '[' + params.error + ']: ' +
                        (params.error_description
                            ? params.error_description + '. '
                            : 'no accessCode received from the server. ') +
                        (params.error_uri ? 'More info: ' + params.error_uri : '');
                }
                oauth2.errCb({authId: oauth2.auth.name, source: 'auth', level: 'error', message: message});
            }
        } else {
            oauth2.callback({auth: oauth2.auth, token: params, isValid: stateMatches, redirectUrl: redirectUrl});
        }
        window.close();
    }

    if (document.readyState !== 'loading') {
        finish();
    } else {
        document.addEventListener('DOMContentLoaded', finish);
    }
</script>
</body>
</html>
"""


def get_swagger_ui_oauth2_redirect_html() -> HTMLResponse:
    """The OAuth2 redirect page Swagger UI uses to finish an authorization flow."""
    return HTMLResponse(content=_OAUTH2_REDIRECT_HTML)
