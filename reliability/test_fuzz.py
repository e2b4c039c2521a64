"""Property-based fuzzing of examples/app.py and examples/login.py (fuzz.py), both at once.

Together the two runs must generate at least ``MIN_CASES`` cases, with no 5xx and no
response outside the documented schema, each within ``TIMEOUT`` seconds.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

import fuzz

# Cases per operation and phase; login has fewer operations, and each login hashes a password.
EXAMPLES = {"app": int(os.environ.get("RELIABILITY_FUZZ_APP_EXAMPLES", "300")),
            "login": int(os.environ.get("RELIABILITY_FUZZ_LOGIN_EXAMPLES", "80"))}  # fmt: skip
MIN_CASES = 2000
TIMEOUT = int(os.environ.get("RELIABILITY_FUZZ_TIMEOUT", "420"))
# The first test runs both fuzzing sessions in its set-up (the fixture below).
pytestmark = pytest.mark.timeout(TIMEOUT + 120)


@pytest.fixture(scope="module")
def results() -> dict[str, fuzz.FuzzResult]:
    with ThreadPoolExecutor(max_workers=len(EXAMPLES)) as pool:
        runs = {app: pool.submit(fuzz.fuzz, app, "nimbleapi", examples=n, timeout=TIMEOUT) for app, n in EXAMPLES.items()}
        return {app: run.result() for app, run in runs.items()}


@pytest.mark.parametrize("app", list(EXAMPLES))
def test_no_server_error_and_every_response_matches_its_schema(app: str, results: dict[str, fuzz.FuzzResult]) -> None:
    print(f"{app}: {results[app].cases} cases, {results[app].problems} failed")
    assert results[app].ok, results[app].output


def test_enough_cases_were_generated(results: dict[str, fuzz.FuzzResult]) -> None:
    assert sum(result.cases for result in results.values()) >= MIN_CASES
