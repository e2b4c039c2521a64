"""The HTTP servers ``nimbleapi run`` / ``dev`` serve with, driven by the same options.

``granian``: Granian's ASGI interface (a Rust HTTP server; uvloop when installed).
``uvicorn``: uvicorn with its best installed parts (httptools, uvloop), as fastapi-cli runs it.

Both get the application from a factory given as an import string, because worker and
reload processes import it afresh. The options mean the same on both: where a server
lacks one (Granian has no proxy-header support and keeps the request path apart from its
``root_path``), the factory adds it around the application, so the ASGI scope the
application sees is the same whichever server runs it. What it adds is a plain function
that returns the application's coroutine: a request pays for no extra coroutine, and for
the proxy headers only when it carries one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GRANIAN = "granian"
UVICORN = "uvicorn"
SERVERS = (GRANIAN, UVICORN)
# uvicorn's default when neither the option nor the variable is given; used for Granian too.
FORWARDED_ALLOW_IPS_VARIABLE = "FORWARDED_ALLOW_IPS"
DEFAULT_FORWARDED_ALLOW_IPS = "127.0.0.1,::1"
# How the Granian factory, imported afresh in each worker, learns the options it applies.
TRUSTED_PROXIES_VARIABLE = "NIMBLEAPI_TRUSTED_PROXIES"  # unset: proxy headers are ignored
ROOT_PATH_VARIABLE = "NIMBLEAPI_ROOT_PATH"
RELOAD_DIRS_VARIABLE = "NIMBLEAPI_RELOAD_DIRS"  # the watched source: imported afresh by each reloaded worker

ASGIApp = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What ``run`` and ``dev`` ask of a server, whichever it is."""

    factory: str  # "module:function" returning the ASGI application
    host: str
    port: int
    reload: bool
    reload_dirs: list[str] | None
    workers: int | None
    root_path: str
    proxy_headers: bool
    forwarded_allow_ips: str | None
    access_log: bool
    verbose: bool


def installed(server: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(server) is not None


def serve(server: str, options: ServeOptions) -> None:
    """Serve until the server is stopped (SIGINT / SIGTERM: in-flight requests finish first)."""
    (serve_with_granian if server == GRANIAN else serve_with_uvicorn)(options)


def serve_with_uvicorn(options: ServeOptions) -> None:
    import uvicorn

    uvicorn.run(
        options.factory,
        factory=True,
        host=options.host,
        port=options.port,
        reload=options.reload,
        reload_dirs=options.reload_dirs,
        workers=options.workers,
        root_path=options.root_path,
        proxy_headers=options.proxy_headers,
        forwarded_allow_ips=options.forwarded_allow_ips,
        access_log=options.access_log,
        log_level="debug" if options.verbose else None,
    )


def serve_with_granian(options: ServeOptions) -> None:
    from granian.constants import Interfaces, Loops
    from granian.log import LogLevels
    from granian.server import Server

    if options.proxy_headers:
        os.environ[TRUSTED_PROXIES_VARIABLE] = trusted_proxies(options.forwarded_allow_ips)
    else:
        os.environ.pop(TRUSTED_PROXIES_VARIABLE, None)
    os.environ[ROOT_PATH_VARIABLE] = options.root_path
    os.environ[RELOAD_DIRS_VARIABLE] = os.pathsep.join(options.reload_dirs or ()) if options.reload else ""
    os.environ[GRANIAN_APP_VARIABLE] = options.factory
    server = Server(
        options.factory,  # named only: granian_app below loads it
        address=options.host,
        port=options.port,
        interface=Interfaces.ASGI,
        workers=1 if options.reload else options.workers or 1,  # uvicorn, too, ignores workers on reload
        respawn_failed_workers=True,  # as uvicorn's supervisor replaces a worker that dies
        loop=Loops.auto,  # uvloop when installed, as uvicorn does
        reload=options.reload,
        reload_paths=[Path(directory) for directory in options.reload_dirs or ()] or None,
        url_path_prefix=options.root_path or None,
        log_level=LogLevels.debug if options.verbose else LogLevels.info,
        log_access=options.access_log,
    )
    # Our own loader, not Granian's: Granian reads an import string as a path below the
    # working directory, which misnames it when that directory is itself a package.
    server.serve(target_loader=granian_app, wrap_loader=False)


def trusted_proxies(forwarded_allow_ips: str | None) -> str:
    """The addresses trusted to send proxy headers, chosen as uvicorn chooses them."""
    return forwarded_allow_ips or os.environ.get(FORWARDED_ALLOW_IPS_VARIABLE) or DEFAULT_FORWARDED_ALLOW_IPS


# ---- the application as Granian serves it --------------------------------------------------

GRANIAN_APP_VARIABLE = "NIMBLEAPI_SERVED_FACTORY"


def granian_app() -> ASGIApp:
    """What each Granian worker serves: the factory's application, plus what uvicorn does around it."""
    import importlib

    forget_modules_under(os.environ.get(RELOAD_DIRS_VARIABLE, ""))
    module_name, _, attribute = os.environ[GRANIAN_APP_VARIABLE].partition(":")
    app: ASGIApp = with_integer_ports(getattr(importlib.import_module(module_name), attribute)())
    root_path = os.environ.get(ROOT_PATH_VARIABLE, "")
    if root_path:
        app = with_root_path_in_path(app, root_path)
    trusted = os.environ.get(TRUSTED_PROXIES_VARIABLE)
    if trusted is not None:
        app = with_proxy_headers(app, trusted)
    return app


def forget_modules_under(directories: str) -> None:
    """Drop the modules loaded from *directories* (os.pathsep-separated), so they import afresh.

    Granian forks its workers from the process that found the application, which has
    imported the application's modules already; a worker started by a reload must read
    the changed files instead.
    """
    roots = [Path(directory) for directory in directories.split(os.pathsep) if directory]
    if not roots:
        return
    for name, module in list(sys.modules.items()):
        source = getattr(module, "__file__", None)
        if source and any(Path(source).is_relative_to(root) for root in roots):
            del sys.modules[name]


def with_integer_ports(app: ASGIApp) -> ASGIApp:
    """Give ``client`` and ``server`` integer ports, as uvicorn and the ASGI spec do.

    Granian sends the ports as strings; an application reading ``request.client.port``
    would see another type on each server.
    """

    def served(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        client = scope.get("client")
        if client is not None:
            scope["client"] = integer_port(client)
        server = scope.get("server")
        if server is not None:
            scope["server"] = integer_port(server)
        return app(scope, receive, send)

    return served


def integer_port(address: Any) -> Any:
    """``(host, "8000")`` as ``(host, 8000)``; any other shape (a unix socket's) unchanged."""
    port = address[1]
    if port.__class__ is str and port.isdigit():
        return (address[0], int(port))
    return address


# The request headers uvicorn's proxy-header middleware reads; without them it changes nothing.
PROXY_HEADERS = frozenset((b"x-forwarded-for", b"x-forwarded-proto"))


def with_proxy_headers(app: ASGIApp, trusted: str) -> ASGIApp:
    """uvicorn's proxy-header middleware, entered only by the requests that carry a proxy header.

    A request without ``x-forwarded-for`` or ``x-forwarded-proto`` leaves uvicorn's
    middleware with its scope untouched, whoever sent it; one look at each header name
    finds those requests, and they go to the application directly (no second coroutine, no
    trust look-up). The rest go through uvicorn's middleware itself, so the scope the
    application sees is uvicorn's in every case (trusted addresses and networks, ``*``,
    unix sockets, the client taken from the right of ``x-forwarded-for``).
    """
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    proxied: ASGIApp = ProxyHeadersMiddleware(app, trusted_hosts=trusted)

    def applied(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        for name, _ in scope.get("headers", ()):
            if name in PROXY_HEADERS:
                return proxied(scope, receive, send)
        return app(scope, receive, send)

    return applied


def with_root_path_in_path(app: ASGIApp, root_path: str) -> ASGIApp:
    """Prefix ``path`` with ``root_path``, as uvicorn's scope does (the ASGI spec's reading).

    Granian gives the path as received; uvicorn takes it to be below the prefix a proxy
    removed, and Starlette's ``request.url`` and routing read it so. Prefixing always, as
    uvicorn does, gives the application one shape of scope on both servers.
    """
    raw_prefix = root_path.encode("ascii")

    def prefixed(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "lifespan":
            scope["path"] = root_path + scope["path"]
            raw_path = scope.get("raw_path")
            if raw_path is not None:
                scope["raw_path"] = raw_prefix + raw_path
        return app(scope, receive, send)

    return prefixed
