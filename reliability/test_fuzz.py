"""Property-based fuzzing of examples/app.py and examples/login.py (fuzz.py), bounded in time.

Together the two runs must generate at least ``MIN_CASES`` cases, with no 5xx and no
response outside the documented schema.
"""

from __future__ import annotations

import os

import pytest

import fuzz

# Seconds of fuzzing per application; login's cases are slower (every login hashes a password).
BUDGETS = {"app": int(os.environ.get("RELIABILITY_FUZZ_APP_SECONDS", "75")),
           "login": int(os.environ.get("RELIABILITY_FUZZ_LOGIN_SECONDS", "30"))}  # fmt: skip
MIN_CASES = int(os.environ.get("RELIABILITY_FUZZ_MIN_CASES", "2000"))
# The first test runs both fuzzing sessions in its set-up (the fixture below).
pytestmark = pytest.mark.timeout(sum(BUDGETS.values()) + 300)


@pytest.fixture(scope="module")
def results() -> dict[str, fuzz.FuzzResult]:
    return {app: fuzz.fuzz(app, "nimbleapi", max_time=seconds) for app, seconds in BUDGETS.items()}


@pytest.mark.parametrize("app", list(BUDGETS))
def test_no_server_error_and_every_response_matches_its_schema(app: str, results: dict[str, fuzz.FuzzResult]) -> None:
    print(f"{app}: {results[app].cases} cases, {results[app].problems} failed")
    assert results[app].ok, results[app].output


def test_enough_cases_were_generated(results: dict[str, fuzz.FuzzResult]) -> None:
    assert sum(result.cases for result in results.values()) >= MIN_CASES
