"""Correctness before timing: every target must answer every case the same way.

Per case:
- every target returns the case's status (Litestar on validation errors: the same class, 4xx);
- content-type, and content-length against the body actually sent, for every target;
- JSON bodies equal across all targets on success, and across FastAPI-shaped
  targets (all but Litestar) on errors, compared parsed (key order and
  whitespace do not matter, values and types do);
- WWW-Authenticate on 401 equal to the reference's, and Allow on 405 equal
  between the two targets that run the FastAPI source (Starlette's own
  router adds HEAD to it, and Litestar's lists every method of the path);
- the response models really dropped internal_code / hashed_password, the list
  has 100 items, and the `yield` dependency's cleanup ran for every session opened.
The reference is FastAPI when it runs, else the first FastAPI-shaped target.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from . import asgi
from .models import SessionLedger
from .scenarios import EXPECTED_BODIES, Case
from .targets import FASTAPI_SOURCE_TARGETS, Target

_COMPARED_HEADERS = ("content-type", "www-authenticate", "allow")


@dataclass(frozen=True, slots=True)
class Observation:
    status: int
    headers: dict[str, str | None]
    body: Any
    length_ok: bool
    sessions_opened: int
    sessions_closed: int


async def observe(target: Target, case: Case, state: dict[str, Any]) -> Observation:
    opened, closed = SessionLedger.opened, SessionLedger.closed
    try:
        exchange = await asgi.request(target.app, case, state)
    except Exception as exc:  # a crash is a failed case, reported like any other difference
        return Observation(-1, {}, {"<exception>": repr(exc)}, True, 0, 0)
    for _ in range(3):  # give deferred cleanups (async generator finalisers) a chance to run
        await asyncio.sleep(0)
    content = exchange.content
    declared = exchange.header("content-length")
    return Observation(
        status=exchange.status,
        headers={name: exchange.header(name) for name in _COMPARED_HEADERS},
        body=_parse_json(content),
        length_ok=declared is None or declared == str(len(content)),
        sessions_opened=SessionLedger.opened - opened,
        sessions_closed=SessionLedger.closed - closed,
    )


def _parse_json(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return {"<not json>": content.decode("utf-8", "replace")[:200]}


def _short(value: Any, limit: int = 400) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "..."


def _reference(observed: dict[str, Observation], targets: list[Target]) -> str:
    if "fastapi" in observed:
        return "fastapi"
    return next((t.name for t in targets if t.fastapi_shaped_errors), targets[0].name)


def compare(case: Case, observed: dict[str, Observation], targets: list[Target]) -> list[str]:
    """Every difference found, as one line each; an empty list means the case passed."""
    ref_name = _reference(observed, targets)
    ref = observed[ref_name]
    problems = []
    if case.name in EXPECTED_BODIES and ref.body != EXPECTED_BODIES[case.name]:
        problems.append(f"{ref_name}: body {_short(ref.body)} != expected {_short(EXPECTED_BODIES[case.name])}")
    for target in targets:
        exact = target.fastapi_shaped_errors or not case.is_error
        problems += _status_problems(target.name, case, observed[target.name], exact)
        problems += _header_problems(target.name, case, observed[target.name], ref_name, ref)
        if exact and target.name != ref_name and observed[target.name].body != ref.body:
            problems.append(f"{target.name}: body differs from {ref_name}\n"
                            f"        {target.name}: {_short(observed[target.name].body)}\n"
                            f"        {ref_name}: {_short(ref.body)}")
        problems += _invariant_problems(target.name, case, observed[target.name])
    return problems


def _status_problems(name: str, case: Case, obs: Observation, exact: bool) -> list[str]:
    if exact or case.foreign_match == "status":
        return [] if obs.status == case.status else [f"{name}: status {obs.status}, expected {case.status}"]
    same_class = obs.status // 100 == case.status // 100
    return [] if same_class else [f"{name}: status {obs.status}, expected {case.status // 100}xx"]


def _header_problems(name: str, case: Case, obs: Observation, ref_name: str, ref: Observation) -> list[str]:
    problems = []
    if obs.headers.get("content-type") != ref.headers.get("content-type"):
        problems.append(f"{name}: content-type {obs.headers.get('content-type')!r}, "
                        f"{ref_name} sends {ref.headers.get('content-type')!r}")
    if not obs.length_ok:
        problems.append(f"{name}: content-length does not match the body")
    compare_allow = name in FASTAPI_SOURCE_TARGETS and ref_name in FASTAPI_SOURCE_TARGETS
    wanted = {401: ["www-authenticate"], 405: ["allow"] if compare_allow else []}.get(case.status, [])
    for header in wanted:
        if obs.headers.get(header) != ref.headers.get(header):
            problems.append(f"{name}: {header} {obs.headers.get(header)!r}, "
                            f"{ref_name} sends {ref.headers.get(header)!r}")
    return problems


def _invariant_problems(name: str, case: Case, obs: Observation) -> list[str]:
    problems = []
    body = obs.body
    if case.name == "body" and isinstance(body, dict) and "internal_code" in body:
        problems.append(f"{name}: the response model did not drop internal_code")
    if case.name == "deps" and isinstance(body, dict) and "hashed_password" in body:
        problems.append(f"{name}: the response model did not drop hashed_password")
    if case.name == "list_response" and not (isinstance(body, list) and len(body) == 100):
        problems.append(f"{name}: list_response is not a list of 100 items")
    if case.name == "deps" and obs.sessions_opened != 1:
        problems.append(f"{name}: opened {obs.sessions_opened} sessions, expected 1")
    if obs.sessions_opened != obs.sessions_closed:
        problems.append(f"{name}: yield-dependency cleanup missing "
                        f"(opened {obs.sessions_opened}, closed {obs.sessions_closed})")
    return problems


async def run_check(targets: list[Target], cases: list[Case], states: dict[str, dict[str, Any]]) -> bool:
    """Print one line per case (and every difference); True when all cases pass."""
    passed = True
    for case in cases:
        observed = {t.name: await observe(t, case, states[t.name]) for t in targets}
        problems = compare(case, observed, targets)
        statuses = " ".join(f"{name}={obs.status}" for name, obs in observed.items())
        print(f"  [{'ok' if not problems else 'FAIL'}] {case.name:26s} {statuses}")
        for problem in problems:
            print(f"      - {problem}")
        passed &= not problems
    return passed
