"""Reading urlencoded and multipart request bodies into ``FormData``, within limits.

``read_form`` parses the body once per request with Starlette's parsers (python-multipart),
within the route's limits merged over the ones its routers put in the scope. Uploaded files
are spooled by Starlette (memory up to 1 MiB, then an anonymous temporary file) and closed
when the request's exit stack closes, whether the endpoint returned or raised; files of an
upload that fails or stops half-way (limit, malformed or truncated body, disconnect) are
closed before the error is answered. No client-supplied filename is ever used as a path.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, MutableMapping
from contextlib import AsyncExitStack, aclosing
from typing import Any

from pydantic import ConfigDict, NonNegativeInt, TypeAdapter, with_config
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from typing_extensions import TypedDict

from .file_stack import FILE_STACK_KEY

# Where routers leave the limits they contribute (FastAPI's ``scope["fastapi"]["form_limits"]``).
SCOPE_KEY = "fastapi"
SCOPE_LIMITS_KEY = "form_limits"


@with_config(ConfigDict(strict=True, extra="forbid"))
class FormLimits(TypedDict, total=False):
    """Limits for parsing ``Form``/``File``/``UploadFile`` parameters."""

    max_fields: NonNegativeInt
    max_files: NonNegativeInt
    max_part_size: NonNegativeInt
    # nimbleapi's own: the largest accepted file, in bytes (413 past it); unlimited when unset.
    max_file_size: NonNegativeInt


_form_limits_adapter = TypeAdapter(FormLimits)


def validate_form_limits(limits: FormLimits | dict[str, Any] | None) -> FormLimits:
    """A validated copy of *limits* (``ValueError`` naming the bad key otherwise)."""
    return {} if limits is None else _form_limits_adapter.validate_python(limits)


def pass_on_form_limits(scope: MutableMapping[str, Any], limits: FormLimits) -> None:
    """A router's limits, over those of the routers the request came through, for the routes
    it reaches (included ones, and those of mounted applications)."""
    state = scope.setdefault(SCOPE_KEY, {})
    state[SCOPE_LIMITS_KEY] = {**state.get(SCOPE_LIMITS_KEY, {}), **limits}


def effective_form_limits(scope: MutableMapping[str, Any], own: FormLimits | None) -> FormLimits:
    """The route's own limits over the ones inherited from the routers it was reached through."""
    inherited: FormLimits = scope.get(SCOPE_KEY, {}).get(SCOPE_LIMITS_KEY, {})
    return {**inherited, **own} if own else inherited


async def read_form(request: Request, limits: FormLimits | None) -> FormData:
    """Parse the form; its files are closed when the request's file stack closes."""
    settings: dict[str, Any] = dict(effective_form_limits(request.scope, limits))
    if _is_multipart(request):
        form = await _read_multipart(request, settings)
    else:
        settings.pop("max_file_size", None)
        form = await request.form(**settings)
    # On the request's file stack, as FastAPI does: closed once the route's app is done, also
    # by code that leaves that stack early. Outside an application, the dependencies' stack.
    stack = request.scope.get(FILE_STACK_KEY)
    if not isinstance(stack, AsyncExitStack):
        stack = request.scope.get("fastapi_inner_astack")
    if isinstance(stack, AsyncExitStack):
        stack.push_async_callback(form.close)
    return form


def _is_multipart(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";", 1)[0]
    return media_type.strip().lower() == "multipart/form-data"


class FileTooLarge(HTTPException):
    """One uploaded file passed ``max_file_size``: 413, like a body past ``max_body_size``."""

    def __init__(self, max_file_size: int) -> None:
        super().__init__(status_code=413, detail=f"File exceeded maximum size of {max_file_size} bytes.")


class _MultiPartParser(MultiPartParser):
    """Starlette's multipart parser, plus a per-file size limit and no file left open.

    The size check runs on each chunk as it arrives, before it is written to the spooled
    file, so an oversized upload never reaches the disk in full. Starlette closes the files
    when parsing fails; a body that simply ends inside a part (truncated) parses without
    error and leaves that part's file out of the form, so it is closed here.
    """

    def __init__(
        self, headers: Headers, stream: AsyncGenerator[bytes, None], *, max_file_size: int | None = None, **limits: Any
    ) -> None:
        super().__init__(headers, stream, **limits)
        self.max_file_size = max_file_size
        self._file_bytes = 0
        self._opened: list[UploadFile] = []

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self._file_bytes = 0

    def on_headers_finished(self) -> None:
        super().on_headers_finished()
        if self._current_part.file is not None:
            self._opened.append(self._current_part.file)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.max_file_size is not None and self._current_part.file is not None:
            self._file_bytes += end - start
            if self._file_bytes > self.max_file_size:
                raise FileTooLarge(self.max_file_size)
        super().on_part_data(data, start, end)

    async def parse(self) -> FormData:
        form = await super().parse()
        kept = {id(value) for _, value in form.multi_items() if isinstance(value, UploadFile)}
        for upload in self._opened:
            if id(upload) not in kept:
                await upload.close()
        return form


async def _read_multipart(request: Request, limits: dict[str, Any]) -> FormData:
    # Starlette caches the parsed form on the request (``request._form``); honouring that
    # cache keeps one parse per request, and later ``await request.form()`` calls get it too.
    if request._form is None:
        async with aclosing(request.stream()) as stream:
            parser = _MultiPartParser(request.headers, stream, **limits)
            try:
                request._form = await parser.parse()
            except MultiPartException as exc:
                raise HTTPException(status_code=400, detail=exc.message) from exc
    return request._form


def validate_max_body_size(max_body_size: int | None, name: str = "max_body_size") -> int | None:
    """A body size limit (the setting *name*): a non-negative int (not a bool) or None."""
    if max_body_size is not None and (
        isinstance(max_body_size, bool) or not isinstance(max_body_size, int) or max_body_size < 0
    ):
        raise ValueError(f"{name} must be a non-negative integer or None")
    return max_body_size
