"""What importing nimbleapi loads: the parts an application may never use load on first use.

Each check runs in a fresh interpreter that imports the framework the way FastAPI code
does (``fastapi`` aliased to nimbleapi), then reports which modules are loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nimbleapi.dependencies.models
import nimbleapi.routing
from nimbleapi import applications, param_functions, params, responses
from nimbleapi.dependencies import utils as dependencies_utils

REPO_ROOT = Path(__file__).resolve().parents[1]

# Loaded when first used: generating a document, serving the docs pages, a security scheme,
# Server-Sent Events, FastAPI's request-time helpers, AnyIO's event-loop backend.
DEFERRED_PREFIXES = (
    "nimbleapi._openapi",
    "nimbleapi.openapi.models",
    "nimbleapi.openapi.utils",
    "nimbleapi.openapi.docs",
    "nimbleapi.security",
    "nimbleapi.sse",
    "nimbleapi._compile.sse",
    "nimbleapi.dependencies.utils",
    "nimbleapi.testclient",
    "nimbleapi.templating",
    "anyio._backends._asyncio",
    "httpx",
    "jinja2",
    "email_validator",
    "opentelemetry",
    "nimbleapi.telemetry",
)

# An application adds its documentation routes when it is made (the pages are not rendered).
DOCS_ROUTES = {"nimbleapi._openapi", "nimbleapi._openapi.setup", "nimbleapi._openapi.assets", "nimbleapi.openapi.docs"}

IMPORT_AS_FASTAPI = """
import sys, json
import nimbleapi.compat
nimbleapi.compat.install()
from fastapi import APIRouter, Body, Depends, FastAPI, Header, HTTPException, Query, Request, Response
"""

SERVE_ONE_REQUEST = """
import asyncio
from typing import Annotated

from pydantic import BaseModel


class Item(BaseModel):
    name: str


async def session():
    yield "session"


app = FastAPI()


@app.post("/items/{item_id}")
async def create(item_id: int, item: Item, s: Annotated[str, Depends(session)], q: Annotated[int, Query(ge=1)] = 1):
    return {"item_id": item_id, "name": item.name, "session": s, "q": q}


async def call() -> int:
    body = [b'{"name": "a"}']
    sent = []

    async def receive():
        return {"type": "http.request", "body": body.pop() if body else b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/items/3", "raw_path": b"/items/3", "root_path": "",
        "query_string": b"q=2", "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    return sent[0]["status"]


assert asyncio.run(call()) == 200
"""

REPORT = """
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(script: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def deferred_among(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name.startswith(DEFERRED_PREFIXES))


def test_importing_loads_no_optional_part() -> None:
    modules = loaded_modules(IMPORT_AS_FASTAPI + REPORT)
    assert "nimbleapi.routing" in modules
    assert deferred_among(modules) == []


def test_serving_a_request_loads_no_optional_part() -> None:
    modules = loaded_modules(IMPORT_AS_FASTAPI + SERVE_ONE_REQUEST + REPORT)
    assert deferred_among(modules - DOCS_ROUTES) == []


def test_generating_the_document_loads_the_openapi_models() -> None:
    script = IMPORT_AS_FASTAPI + SERVE_ONE_REQUEST + "assert app.openapi()['paths']\n" + REPORT
    assert "nimbleapi.openapi.models" in loaded_modules(script)


@pytest.mark.parametrize(
    ("module", "name", "home", "attribute"),
    [
        (params, "Example", "nimbleapi.openapi.models", "Example"),
        (param_functions, "Example", "nimbleapi.openapi.models", "Example"),
        (applications, "get_openapi", "nimbleapi.openapi.utils", "get_openapi"),
        (applications, "get_swagger_ui_html", "nimbleapi.openapi.docs", "get_swagger_ui_html"),
        (nimbleapi.routing, "EventSourceResponse", "nimbleapi.sse", "EventSourceResponse"),
        (nimbleapi.routing, "solve_dependencies", "nimbleapi.dependencies.utils", "solve_dependencies"),
        (responses, "EventSourceResponse", "nimbleapi.sse", "EventSourceResponse"),
        (nimbleapi.dependencies.models, "SecurityBase", "nimbleapi.security.base", "SecurityBase"),
        (dependencies_utils, "SecurityScopes", "nimbleapi.security.oauth2", "SecurityScopes"),
        (dependencies_utils, "SecurityScopes", "nimbleapi.security", "SecurityScopes"),
    ],
)
def test_deferred_names_are_the_defining_modules_objects(module: object, name: str, home: str, attribute: str) -> None:
    __import__(home)
    assert getattr(module, name) is getattr(sys.modules[home], attribute)
    assert name in module.__all__  # type: ignore[attr-defined]
    assert name in dir(module)


def test_unknown_names_still_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        params.missing  # type: ignore[attr-defined]  # noqa: B018


def test_installing_the_alias_loads_no_framework() -> None:
    """The alias runs at every interpreter start of an aliased venv: the framework waits for ``import fastapi``."""
    script = "import sys, json, nimbleapi.compat\nnimbleapi.compat.install()\n" + REPORT
    modules = loaded_modules(script)
    assert sorted(name for name in ("anyio", "starlette", "pydantic", "typing") if name in modules) == []
    assert sorted(name for name in modules if name.startswith("nimbleapi.")) == [
        "nimbleapi._lazy",
        "nimbleapi._version",
        "nimbleapi.compat",
    ]


def test_import_fastapi_loads_what_fastapi_imports() -> None:
    modules = loaded_modules("import sys, json, nimbleapi.compat\nnimbleapi.compat.install()\nimport fastapi\n" + REPORT)
    assert {"anyio", "starlette", "pydantic", "nimbleapi.applications", "nimbleapi.routing"} <= modules
