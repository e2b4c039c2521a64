"""Serving one frontend build: Starlette's ``StaticFiles`` with single-page-app fallbacks.

``FrontendStaticFiles`` answers for the path below a frontend route (put in
``scope["fastapi"]["frontend_path"]`` when the route matched): the file itself, a
directory's ``index.html`` (after a redirect to the slash URL), or, for a missing file,
``404.html`` with status 404 or, for a browser navigation, ``index.html``. File lookups
run in a worker thread; nothing here is decided per request that could be decided when
the frontend is registered, except whether the fallback files exist in ``auto`` mode
(a build may be rewritten while the app runs).
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Literal

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL, Headers
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

Fallback = Literal["auto", "index.html", "404.html"] | None
Directory = str | os.PathLike[str]

SCOPE_KEY = "fastapi"  # FastAPI parity: per-request framework state lives under scope["fastapi"]
PATH_KEY = "frontend_path"
_NAVIGATION_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def missing_directory_message(directory: Directory) -> str:
    return f"Frontend directory '{directory}' does not exist. Resolved absolute path: '{_absolute(directory)}'"


def _absolute(path: Directory) -> str:
    return os.path.realpath(os.fspath(path))


def is_navigation_request(headers: Headers) -> bool:
    """Whether the client explicitly accepts HTML; ``*/*`` alone does not count (asset requests send it)."""
    for media_range in headers.get("accept", "").split(","):
        media_type, *parameters = media_range.split(";")
        if media_type.strip().lower() in _NAVIGATION_TYPES and _quality(parameters) != 0:
            return True
    return False


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip().strip('"'))
            except ValueError:  # a malformed q is ignored, as if absent
                return 1.0
    return 1.0


class FrontendStaticFiles(StaticFiles):
    """Starlette's ``StaticFiles`` answering for the path a frontend route matched, with fallbacks."""

    def __init__(self, *, directory: Directory, fallback: Fallback, check_dir: bool) -> None:
        if check_dir and not os.path.isdir(directory):
            raise RuntimeError(missing_directory_message(directory))
        super().__init__(directory=directory, check_dir=check_dir, follow_symlink=False)
        self.fallback = fallback
        if check_dir and fallback in ("index.html", "404.html") and not _is_file(self.lookup_path(fallback)[1]):
            raise RuntimeError(self._missing_fallback_message(fallback))

    async def respond(self, scope: Scope) -> Response:
        if not self.config_checked:
            await self.check_config()
            self.config_checked = True
        return await self.get_response(self.get_path(scope), scope)

    def get_path(self, scope: Scope) -> str:
        remainder: str = scope.get(SCOPE_KEY, {}).get(PATH_KEY, "")
        return os.path.normpath(os.path.join(*remainder.split("/")))

    async def get_response(self, path: str, scope: Scope) -> Response:
        found = await self._find(path)
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=404 if found is None else 405)
        if found is None:
            return await self._fallback_response(scope)
        full_path, stat_result, is_directory_index = found
        if is_directory_index and not scope["path"].endswith("/"):
            url = URL(scope=scope)
            return RedirectResponse(url=url.replace(path=url.path + "/"))
        return self.file_response(full_path, stat_result, scope)

    async def _find(self, path: str) -> tuple[str, os.stat_result, bool] | None:
        """The file for *path* (a directory means its ``index.html``), flagged when it is an index."""
        full_path, stat_result = await self._lookup(path)
        if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
            return full_path, stat_result, False
        if stat_result is not None and stat.S_ISDIR(stat_result.st_mode):
            full_path, stat_result = await self._lookup(os.path.join(path, "index.html"))
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                return full_path, stat_result, True
        return None

    async def _lookup(self, path: str) -> tuple[str, os.stat_result | None]:
        try:
            return await run_in_threadpool(self.lookup_path, path)
        except PermissionError:
            raise HTTPException(status_code=401) from None
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:  # too long to be a file we serve
                raise HTTPException(status_code=404) from None
            raise
        except ValueError:  # null bytes and other characters no file name has
            raise HTTPException(status_code=404) from None

    async def _fallback_response(self, scope: Scope) -> Response:
        fallback = self.fallback
        if fallback == "404.html" or (fallback == "auto" and await self._has_file("404.html")):
            return await self._serve_fallback("404.html", scope, status_code=404)
        if is_navigation_request(Headers(scope=scope)) and (
            fallback == "index.html" or (fallback == "auto" and await self._has_file("index.html"))
        ):
            return await self._serve_fallback("index.html", scope, status_code=200)
        raise HTTPException(status_code=404)

    async def _has_file(self, name: str) -> bool:
        return _is_file((await self._lookup(name))[1])

    async def _serve_fallback(self, name: str, scope: Scope, *, status_code: int) -> Response:
        full_path, stat_result = await self._lookup(name)
        if stat_result is None or not _is_file(stat_result):
            raise RuntimeError(self._missing_fallback_message(name))
        return self.file_response(full_path, stat_result, scope, status_code=status_code)

    def _missing_fallback_message(self, name: str) -> str:
        assert self.directory is not None
        return (
            f"Frontend fallback file '{name}' does not exist in directory '{self.directory}'. "
            f"Resolved absolute directory: '{_absolute(self.directory)}'"
        )


def _is_file(stat_result: os.stat_result | None) -> bool:
    return stat_result is not None and stat.S_ISREG(stat_result.st_mode)
