"""The requests every target answers: timed scenarios plus cases that are only checked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from .models import HELLO, ITEM_PAYLOAD, NOT_FOUND, TOKEN

# How closely a target whose errors are not FastAPI-shaped (Litestar) must match
# on an error case: the exact status, or only its class (4xx).
ForeignMatch = Literal["status", "class"]


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    status: int = 200
    foreign_match: ForeignMatch = "status"
    timed: bool = True
    about: str = ""

    @property
    def target(self) -> str:
        """Path plus query string, as a client writes it in the request line."""
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def is_error(self) -> bool:
        return self.status >= 400


_JSON = (("Content-Type", "application/json"),)
_AUTH = (("Authorization", f"Bearer {TOKEN}"),)
_ITEM_BODY = json.dumps(ITEM_PAYLOAD).encode()
_BAD_ITEM_BODY = json.dumps({**ITEM_PAYLOAD, "price": -1, "dimensions": {"width": "wide"}}).encode()

SCENARIOS: list[Case] = [
    Case("hello", "GET", "/", about="async handler returning a dict"),
    Case("hello_sync", "GET", "/sync", about="the same with a plain `def` handler (threadpool)"),
    Case("path_query", "GET", "/items/42", "q=hello&limit=20",
         about="int path param, optional str query, int query constrained to 1..100"),
    Case("body", "POST", "/items", headers=_JSON, body=_ITEM_BODY, status=201,
         about="10-field model with a nested model and a list of them; response model drops a field"),
    Case("deps", "GET", "/users/me", headers=_AUTH,
         about="Bearer header -> token dep -> yield session dep -> current-user dep -> response model"),
    Case("list_response", "GET", "/items", about="100 models through response_model=list[ItemOut]"),
    Case("validation_error", "GET", "/items/abc", status=422, foreign_match="class",
         about="path param is not an int: 422 with FastAPI's error body"),
    Case("not_found", "GET", "/nope", status=404, about="no route matches: 404"),
]

CHECK_ONLY: list[Case] = [
    Case("path_query_defaults", "GET", "/items/7", timed=False),
    Case("path_query_limit_too_big", "GET", "/items/7", "limit=500", status=422,
         foreign_match="class", timed=False),
    Case("body_invalid", "POST", "/items", headers=_JSON, body=_BAD_ITEM_BODY, status=422,
         foreign_match="class", timed=False),
    Case("deps_no_token", "GET", "/users/me", status=401, timed=False),
    Case("deps_unknown_token", "GET", "/users/me", headers=(("Authorization", "Bearer nope"),),
         status=401, timed=False),
    Case("method_not_allowed", "DELETE", "/items", status=405, timed=False),
]

ALL_CASES = SCENARIOS + CHECK_ONLY
_BY_NAME = {case.name: case for case in ALL_CASES}

# Bodies known in advance; the check also holds the reference target to them.
EXPECTED_BODIES: dict[str, object] = {
    "hello": HELLO,
    "hello_sync": HELLO,
    "path_query": {"item_id": 42, "q": "hello", "limit": 20},
    "path_query_defaults": {"item_id": 7, "q": None, "limit": 10},
    "not_found": NOT_FOUND,
}


def select(names: str | None, *, default: list[Case] = SCENARIOS) -> list[Case]:
    """Cases named in a comma list (any case, timed or not), or `default`."""
    if not names:
        return list(default)
    unknown = [n for n in names.split(",") if n.strip() not in _BY_NAME]
    if unknown:
        raise SystemExit(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(_BY_NAME)}")
    return [_BY_NAME[n.strip()] for n in names.split(",")]
