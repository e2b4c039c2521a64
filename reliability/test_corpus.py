"""The malformed-input corpus (corpus/*.http) against nimbleapi served by uvicorn on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import corpus
import server

CASES = {case.name: case for case in corpus.load_cases()}


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with server.running(corpus.APP, "nimbleapi") as running:
        yield running.port


@pytest.mark.parametrize("name", list(CASES))
def test_case(name: str, port: int) -> None:
    case = CASES[name]
    answer = corpus.send(port, case.request)
    assert corpus.problems(case, "nimbleapi", answer) == []
