"""RFC 9457 problem details, opt in: ``FastAPI(errors="problem+json")``.

With it, the application answers its errors as ``application/problem+json``::

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "Item not found", "instance": "/items/7"}

- ``HTTPException``: ``status`` and ``headers`` are the exception's. A string ``detail``
  is the problem's ``detail``; a dict ``detail`` is merged into the problem, so
  ``HTTPException(409, {"type": "https://example.com/probs/out-of-stock", "title":
  "Out of stock", "detail": "...", "sku": "A1"})`` sets the type, title and an
  extension member. Any other detail goes in the extension member ``detail_data``.
- ``RequestValidationError``: 422, with FastAPI's error list as the extension member
  ``errors`` (the same entries as FastAPI's ``{"detail": [...]}``).
- Any other exception: 500, without the exception's text (it may hold secrets).

Handlers the application declares itself win over these. Without the switch nothing
here is installed and the answers are FastAPI's, byte for byte.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .encoders import jsonable_encoder
from .exceptions import RequestValidationError
from .utils import is_body_allowed_for_status_code

PROBLEM_JSON = "application/problem+json"
ERROR_STYLES = ("fastapi", "problem+json")
ABOUT_BLANK = "about:blank"
# RFC 9110's names where Python's differ (its names follow the older RFCs on 3.11 and 3.12).
_TITLES = {413: "Content Too Large", 414: "URI Too Long", 416: "Range Not Satisfiable", 422: "Unprocessable Content"}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def status_title(status_code: int) -> str:
    if status_code in _TITLES:
        return _TITLES[status_code]
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def problem(request: Request, status_code: int, **members: Any) -> dict[str, Any]:
    """A problem object: the five standard members first, then any extension members."""
    body: dict[str, Any] = {"type": ABOUT_BLANK, "title": status_title(status_code), "status": status_code}
    body.update(members)
    body["status"] = status_code  # the answer's status, whatever a detail dict says
    body.setdefault("instance", request.url.path)
    return body


async def http_exception_problem(request: Request, exc: HTTPException) -> Response:
    headers = getattr(exc, "headers", None)
    if not is_body_allowed_for_status_code(exc.status_code):
        return Response(status_code=exc.status_code, headers=headers)
    detail = exc.detail
    if isinstance(detail, dict):
        members = jsonable_encoder(detail)
    elif isinstance(detail, str):
        members = {"detail": detail}
    else:
        members = {"detail_data": jsonable_encoder(detail)}
    return ProblemResponse(problem(request, exc.status_code, **members), exc.status_code, headers=headers)


async def validation_problem(request: Request, exc: RequestValidationError) -> Response:
    errors = jsonable_encoder(exc.errors())
    count = len(errors)
    detail = f"The request is not valid: {count} error{'s' if count != 1 else ''}, listed in 'errors'."
    return ProblemResponse(problem(request, 422, detail=detail, errors=errors), 422)


async def server_error_problem(request: Request, exc: Exception) -> Response:
    return ProblemResponse(problem(request, 500, detail="The server could not complete the request."), 500)


PROBLEM_HANDLERS: dict[Any, Any] = {
    HTTPException: http_exception_problem,
    RequestValidationError: validation_problem,
    Exception: server_error_problem,
}


def check_error_style(errors: str) -> bool:
    """Whether *errors* asks for problem details; rejects an unknown style."""
    if errors not in ERROR_STYLES:
        raise ValueError(f"errors must be one of {', '.join(map(repr, ERROR_STYLES))}, not {errors!r}")
    return errors == "problem+json"


def install_problem_handlers(handlers: dict[Any, Any]) -> None:
    """Add the problem handlers where the application declared none of its own."""
    for key, handler in PROBLEM_HANDLERS.items():
        if key is Exception and 500 in handlers:
            continue
        handlers.setdefault(key, handler)


# ---- the OpenAPI document -------------------------------------------------------------------

_PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "An RFC 9457 problem details object.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "title": "Type", "default": ABOUT_BLANK},
        "title": {"type": "string", "title": "Title"},
        "status": {"type": "integer", "title": "Status"},
        "detail": {"type": "string", "title": "Detail"},
        "instance": {"type": "string", "format": "uri-reference", "title": "Instance"},
    },
    "required": ["type", "title", "status"],
    "additionalProperties": True,
}
_VALIDATION_PROBLEM_SCHEMA = {
    "title": "ValidationProblem",
    "description": "An RFC 9457 problem details object listing the request's validation errors.",
    "allOf": [
        {"$ref": "#/components/schemas/Problem"},
        {
            "type": "object",
            "properties": {
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}, "title": "Errors"}
            },
            "required": ["errors"],
        },
    ],
}


def _problem_content(schema_name: str) -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def describe_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite *document* so that its error answers are problem details (in place; returned)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    validation_used = False
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if "422" in responses and "HTTPValidationError" in repr(responses["422"].get("content")):
                responses["422"]["content"] = _problem_content("ValidationProblem")
                validation_used = True
            responses.setdefault("default", {"description": "Problem", "content": _problem_content("Problem")})
    schemas.setdefault("Problem", _PROBLEM_SCHEMA)
    if validation_used:
        schemas.setdefault("ValidationProblem", _VALIDATION_PROBLEM_SCHEMA)
        if "HTTPValidationError" not in repr(document.get("paths")):
            schemas.pop("HTTPValidationError", None)
    return document
