"""Where the documentation pages load Swagger UI and ReDoc from: a CDN, or the app itself.

``cdn`` (the default, as in FastAPI) points the pages at jsDelivr. ``local`` serves the
JavaScript, CSS and icon from the application, from the files shipped by the
``openapi-ui-bundles`` package (Swagger UI 5 and ReDoc 2 standalone bundles), so the
docs work without network access. Swagger UI can also come from ``swagger-ui-bundle``
(or its maintained fork ``swagger-ui-bundle-v2``); ReDoc then stays on the CDN.

The mode is the application's ``docs_assets`` attribute, else the environment variable
``NIMBLEAPI_DOCS_ASSETS``, else ``cdn``. Local files are mounted under
``docs_assets_url`` (default ``/_nimbleapi/docs``).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from starlette.routing import Mount, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

SWAGGER_JS_CDN_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
SWAGGER_CSS_CDN_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
REDOC_JS_CDN_URL = "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"
FAVICON_URL = "https://fastapi.tiangolo.com/img/favicon.png"
GOOGLE_FONTS_URL = "https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700"

DocsAssetsMode = Literal["cdn", "local"]
ASSETS_MODE_ENV_VAR = "NIMBLEAPI_DOCS_ASSETS"
DEFAULT_ASSETS_URL = "/_nimbleapi/docs"
SWAGGER_UI_MOUNT = "/swagger-ui"
REDOC_MOUNT = "/redoc"
_INSTALL_HINT = "install the 'openapi-ui-bundles' package (pip install openapi-ui-bundles)"


class DocsAssetsError(RuntimeError):
    """Local documentation assets were asked for but cannot be served."""


@dataclass(frozen=True)
class DocsAssets:
    """URLs the documentation pages load their scripts, styles and icon from."""

    swagger_js_url: str = SWAGGER_JS_CDN_URL
    swagger_css_url: str = SWAGGER_CSS_CDN_URL
    swagger_favicon_url: str = FAVICON_URL
    redoc_js_url: str = REDOC_JS_CDN_URL
    redoc_favicon_url: str = FAVICON_URL
    with_google_fonts: bool = True

    def swagger_kwargs(self) -> dict[str, Any]:
        return {
            "swagger_js_url": self.swagger_js_url,
            "swagger_css_url": self.swagger_css_url,
            "swagger_favicon_url": self.swagger_favicon_url,
        }

    def redoc_kwargs(self) -> dict[str, Any]:
        return {
            "redoc_js_url": self.redoc_js_url,
            "redoc_favicon_url": self.redoc_favicon_url,
            "with_google_fonts": self.with_google_fonts,
        }


CDN_ASSETS = DocsAssets()


@dataclass(frozen=True)
class AssetDirectories:
    """Installed directories holding the UI files (``None`` where no package ships them)."""

    swagger_ui: Path | None
    redoc: Path | None


def _optional_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _openapi_ui_bundles() -> AssetDirectories | None:
    bundles = _optional_module("openapi_ui_bundles")
    if bundles is None:
        return None
    return AssetDirectories(swagger_ui=Path(bundles.swagger_ui.static_path), redoc=Path(bundles.redoc.static_path))


def _swagger_ui_bundle() -> Path | None:
    bundle = _optional_module("swagger_ui_bundle")
    return Path(str(bundle.swagger_ui_path)) if bundle is not None else None


def find_asset_directories() -> AssetDirectories:
    bundles = _openapi_ui_bundles()
    if bundles is not None:
        return bundles
    return AssetDirectories(swagger_ui=_swagger_ui_bundle(), redoc=None)


def resolve_mode(app: Any) -> DocsAssetsMode:
    mode = getattr(app, "docs_assets", None) or os.environ.get(ASSETS_MODE_ENV_VAR) or "cdn"
    if mode not in ("cdn", "local"):
        raise DocsAssetsError(f"docs_assets must be 'cdn' or 'local', got {mode!r}")
    return mode  # type: ignore[return-value]


def build_assets_app(directories: AssetDirectories) -> ASGIApp:
    """An ASGI app serving ``/swagger-ui/...`` and ``/redoc/...`` from the installed files."""
    if directories.swagger_ui is None:
        raise DocsAssetsError(f"Serving the documentation assets locally needs Swagger UI's files: {_INSTALL_HINT}.")
    mounts = [Mount(SWAGGER_UI_MOUNT, app=StaticFiles(directory=directories.swagger_ui))]
    if directories.redoc is not None:
        mounts.append(Mount(REDOC_MOUNT, app=StaticFiles(directory=directories.redoc)))
    return Router(routes=mounts)


def local_assets(base_url: str, directories: AssetDirectories) -> DocsAssets:
    """Asset URLs under ``base_url`` (where ``build_assets_app`` is mounted, root path included)."""
    swagger = f"{base_url}{SWAGGER_UI_MOUNT}"
    favicon = f"{swagger}/favicon-32x32.png"
    assets = replace(
        CDN_ASSETS,
        swagger_js_url=f"{swagger}/swagger-ui-bundle.js",
        swagger_css_url=f"{swagger}/swagger-ui.css",
        swagger_favicon_url=favicon,
        redoc_favicon_url=favicon,
    )
    if directories.redoc is None:
        return assets  # no local ReDoc bundle: ReDoc keeps loading from the CDN
    # Offline, ReDoc uses the system fonts instead of Google Fonts.
    return replace(assets, redoc_js_url=f"{base_url}{REDOC_MOUNT}/redoc.standalone.js", with_google_fonts=False)
