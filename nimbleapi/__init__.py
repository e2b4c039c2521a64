"""nimbleapi: FastAPI's API, compiled once at start-up, served faster.

The names below load on first use (PEP 562), so ``import nimbleapi.compat`` or any
other small submodule does not pull in Starlette, AnyIO and Pydantic. Importing the
package under its ``fastapi`` alias loads them all at once, as ``import fastapi`` does.

``__version__`` is the FastAPI release whose API this package provides (see ``_version``);
nimbleapi's own release is ``importlib.metadata.version("nimbleapi")``.
"""

from . import _lazy
from ._version import FASTAPI_VERSION as __version__

_lazy.export_lazily(
    globals(),
    {
        "status": "starlette.status:",
        "FastAPI": "nimbleapi.applications",
        "NimbleAPI": "nimbleapi.applications",
        "BackgroundTasks": "nimbleapi.background",
        "UploadFile": "nimbleapi.datastructures",
        "HTTPException": "nimbleapi.exceptions",
        "WebSocketException": "nimbleapi.exceptions",
        "Body": "nimbleapi.param_functions",
        "Cookie": "nimbleapi.param_functions",
        "Depends": "nimbleapi.param_functions",
        "File": "nimbleapi.param_functions",
        "Form": "nimbleapi.param_functions",
        "Header": "nimbleapi.param_functions",
        "Path": "nimbleapi.param_functions",
        "Query": "nimbleapi.param_functions",
        "Security": "nimbleapi.param_functions",
        "Request": "nimbleapi.requests",
        "Response": "nimbleapi.responses",
        "APIRouter": "nimbleapi.routing",
        "WebSocket": "nimbleapi.websockets",
        "WebSocketDisconnect": "nimbleapi.websockets",
    },
)
