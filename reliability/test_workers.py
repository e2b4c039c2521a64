"""Several uvicorn worker processes on one port: requests spread, and a killed worker is replaced."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator

import pytest

import clients
import corpus
import server

WORKERS = 2
REQUESTS = 200
RESPAWN_WAIT = 60.0


@pytest.fixture(scope="module")
def running() -> Iterator[server.Server]:
    with server.running(corpus.APP, "nimbleapi", workers=WORKERS) as running:
        yield running


def worker_pids(port: int, requests: int) -> list[int]:
    """The answering process of each request, each on a new connection so the kernel spreads them."""
    pids = []
    for _ in range(requests):
        status, body = clients.fetch(port, "/worker")
        assert status == 200
        pids.append(json.loads(body)["pid"])
    return pids


def wait_for_workers(port: int, count: int) -> set[int]:
    deadline = time.monotonic() + RESPAWN_WAIT
    seen: set[int] = set()
    while len(seen) < count and time.monotonic() < deadline:
        seen |= set(worker_pids(port, 20))
    return seen


def test_every_worker_answers(running: server.Server) -> None:
    assert len(wait_for_workers(running.port, WORKERS)) == WORKERS


def test_requests_keep_succeeding_after_a_worker_is_killed(running: server.Server) -> None:
    victim = wait_for_workers(running.port, WORKERS).pop()
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.5)
    assert len(worker_pids(running.port, REQUESTS)) == REQUESTS  # every request got a 200 meanwhile
    survivors = wait_for_workers(running.port, WORKERS)
    assert victim not in survivors and len(survivors) == WORKERS
