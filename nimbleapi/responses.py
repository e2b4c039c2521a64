"""Response classes, from Starlette, plus the ORJSON/UJSON variants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from starlette.responses import FileResponse as FileResponse
from starlette.responses import HTMLResponse as HTMLResponse
from starlette.responses import JSONResponse as JSONResponse
from starlette.responses import PlainTextResponse as PlainTextResponse
from starlette.responses import RedirectResponse as RedirectResponse
from starlette.responses import Response as Response
from starlette.responses import StreamingResponse as StreamingResponse
from typing_extensions import deprecated

from . import _lazy
from .exceptions import FastAPIDeprecationWarning

if TYPE_CHECKING:
    from .sse import EventSourceResponse as EventSourceResponse


class _UjsonModule(Protocol):
    """What ``UJSONResponse`` needs of the optional ``ujson`` module."""

    def dumps(self, __obj: Any, *, ensure_ascii: bool = ...) -> str: ...


class _OrjsonModule(Protocol):
    """What ``ORJSONResponse`` needs of the optional ``orjson`` module."""

    OPT_NON_STR_KEYS: int
    OPT_SERIALIZE_NUMPY: int

    def dumps(self, __obj: Any, *, option: int = ...) -> bytes: ...


try:
    import ujson
except ImportError:  # pragma: no cover - optional package
    ujson = None  # type: ignore[assignment]

try:
    import orjson
except ImportError:  # pragma: no cover - optional package
    orjson = None  # type: ignore[assignment]

_DEPRECATION = (
    "{name} is deprecated, FastAPI now serializes data directly to JSON bytes via Pydantic when a return type "
    "or response model is set, which is faster and doesn't need a custom response class. Read more in the FastAPI "
    "docs: https://fastapi.tiangolo.com/advanced/custom-response/#orjson-or-response-model "
    "and https://fastapi.tiangolo.com/tutorial/response-model/"
)


@deprecated(_DEPRECATION.format(name="UJSONResponse"), category=FastAPIDeprecationWarning, stacklevel=2)
class UJSONResponse(JSONResponse):
    """JSON rendered with ``ujson`` (needs the ``ujson`` package)."""

    def render(self, content: Any) -> bytes:
        assert ujson is not None, "ujson must be installed to use UJSONResponse"
        return ujson.dumps(content, ensure_ascii=False).encode("utf-8")


@deprecated(_DEPRECATION.format(name="ORJSONResponse"), category=FastAPIDeprecationWarning, stacklevel=2)
class ORJSONResponse(JSONResponse):
    """JSON rendered with ``orjson`` (needs the ``orjson`` package)."""

    def render(self, content: Any) -> bytes:
        assert orjson is not None, "orjson must be installed to use ORJSONResponse"
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


_lazy.export_lazily(globals(), {"EventSourceResponse": "nimbleapi.sse"})
