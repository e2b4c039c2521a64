"""The documentation endpoints of an application: ``/openapi.json``, ``/docs``, its OAuth2 redirect, ``/redoc``.

``install_docs_routes(app)`` is called once by the application's ``setup()``. It reads
the application's settings (``openapi_url``, ``docs_url``, ``redoc_url``,
``swagger_ui_oauth2_redirect_url``, ``swagger_ui_init_oauth``, ``swagger_ui_parameters``,
``root_path_in_servers``, ``title``, ``docs_assets``, ``docs_assets_url``) and adds routes
hidden from the schema. URLs in the pages are prefixed with the request's ``root_path``
so the docs work behind a proxy that strips a path prefix.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from ..openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from .assets import (
    DEFAULT_ASSETS_URL,
    AssetDirectories,
    DocsAssets,
    build_assets_app,
    find_asset_directories,
    local_assets,
)
from .assets import resolve_mode as resolve_assets_mode


def _root_path(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _with_root_path_server(schema: dict[str, Any], root_path: str) -> dict[str, Any]:
    """The document with ``root_path`` as its first server, unless it is listed already."""
    servers = schema.get("servers", [])
    if root_path in {server.get("url") for server in servers}:
        return schema
    return {**schema, "servers": [{"url": root_path}, *servers]}


def _install_openapi_route(app: Any) -> None:
    async def openapi(request: Request) -> JSONResponse:
        schema = app.openapi()
        root_path = _root_path(request)
        if root_path and app.root_path_in_servers:
            schema = _with_root_path_server(schema, root_path)
        return JSONResponse(schema)

    app.add_route(app.openapi_url, openapi, include_in_schema=False)


class _AssetUrls:
    """Asset URLs for the pages: fixed for the CDN, per root path for local files."""

    def __init__(self, app: Any) -> None:
        self.local_directories: AssetDirectories | None = None
        self.base_url = getattr(app, "docs_assets_url", None) or DEFAULT_ASSETS_URL
        if resolve_assets_mode(app) == "local":
            self.local_directories = find_asset_directories()
            app.mount(self.base_url, build_assets_app(self.local_directories), name="docs_assets")

    def _local(self, request: Request) -> DocsAssets | None:
        if self.local_directories is None:
            return None
        return local_assets(_root_path(request) + self.base_url, self.local_directories)

    def swagger_kwargs(self, request: Request) -> dict[str, Any]:
        """Overrides of the page defaults; none on the CDN, so the pages stay FastAPI's."""
        local = self._local(request)
        return local.swagger_kwargs() if local else {}

    def redoc_kwargs(self, request: Request) -> dict[str, Any]:
        local = self._local(request)
        return local.redoc_kwargs() if local else {}


def _install_swagger_ui_routes(app: Any, assets: _AssetUrls) -> None:
    async def swagger_ui_html(request: Request) -> HTMLResponse:
        root_path = _root_path(request)
        redirect_url = app.swagger_ui_oauth2_redirect_url
        return get_swagger_ui_html(
            openapi_url=root_path + app.openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root_path + redirect_url if redirect_url else redirect_url,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
            **assets.swagger_kwargs(request),
        )

    app.add_route(app.docs_url, swagger_ui_html, include_in_schema=False)
    if app.swagger_ui_oauth2_redirect_url:

        async def swagger_ui_redirect(request: Request) -> HTMLResponse:
            return get_swagger_ui_oauth2_redirect_html()

        app.add_route(app.swagger_ui_oauth2_redirect_url, swagger_ui_redirect, include_in_schema=False)


def _install_redoc_route(app: Any, assets: _AssetUrls) -> None:
    async def redoc_html(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=_root_path(request) + app.openapi_url,
            title=f"{app.title} - ReDoc",
            **assets.redoc_kwargs(request),
        )

    app.add_route(app.redoc_url, redoc_html, include_in_schema=False)


def install_docs_routes(app: Any) -> None:
    """Add the OpenAPI document and documentation page routes that ``app``'s settings ask for."""
    if not app.openapi_url:
        return
    _install_openapi_route(app)
    if not (app.docs_url or app.redoc_url):
        return
    assets = _AssetUrls(app)
    if app.docs_url:
        _install_swagger_ui_routes(app, assets)
    if app.redoc_url:
        _install_redoc_route(app, assets)
