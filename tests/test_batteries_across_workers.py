"""Two uvicorn processes sharing one Redis behave as one application.

The rate limit admits exactly its limit however the requests are spread, a cached answer
filled by one process is served by the other, and a message published on one reaches the
WebSocket and SSE clients of both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
import websockets

from tests.serving import free_port, stop, wait_until_serving

REPO_ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def workers(redis_url: str, redis_prefix: str) -> Iterator[list[str]]:
    """The base URLs of two server processes of tests/batteries_workers_app.py."""
    env = {**os.environ, "NIMBLEAPI_TEST_REDIS_URL": redis_url, "BATTERIES_TEST_PREFIX": redis_prefix}
    servers, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            command = [sys.executable, "-m", "uvicorn", "tests.batteries_workers_app:app", "--port", str(port), "--log-level", "warning"]
            servers.append(subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
            urls.append(f"http://127.0.0.1:{port}")
        for url, server in zip(urls, servers, strict=True):
            wait_until_serving(url + "/health", server, deadline_seconds=90)
        yield urls
    finally:
        for server in servers:
            stop(server)


def test_the_rate_limit_holds_across_processes(workers: list[str]) -> None:
    async def hammer() -> list[int]:
        statuses: list[int] = []
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=30), timeout=30) as http:

            async def client(worker: str) -> None:
                for _ in range(100):
                    statuses.append((await http.get(worker + "/limited")).status_code)

            async with anyio.create_task_group() as tasks:
                for index in range(30):  # 30 concurrent clients, 15 on each process: 3000 requests
                    tasks.start_soon(client, workers[index % 2])
        return statuses

    statuses = anyio.run(hammer)
    assert statuses.count(200) == 1000
    assert statuses.count(429) == 2000


def test_an_answer_cached_by_one_process_is_served_by_the_other(workers: list[str]) -> None:
    first = httpx.get(workers[0] + "/cached")
    second = httpx.get(workers[1] + "/cached")
    assert httpx.get(workers[1] + "/health").json() != first.json()  # two processes indeed
    assert second.json() == first.json()
    assert second.headers["x-cache"] == "HIT"
    assert second.headers["etag"] == first.headers["etag"]


def test_a_message_published_on_one_process_reaches_clients_of_both(workers: list[str]) -> None:
    topic = uuid.uuid4().hex
    message = {"text": "to everyone"}

    async def scenario() -> list[object]:
        received: list[object] = []
        with anyio.fail_after(30):  # a safety net against a hang, not a timing assertion
            await clients(received)
        return received

    async def clients(received: list[object]) -> None:
        async with httpx.AsyncClient(timeout=10) as http, anyio.create_task_group() as tasks:

            async def websocket_client(base: str) -> None:
                async with websockets.connect(base.replace("http", "ws") + f"/ws/{topic}") as socket:
                    received.append(json.loads(await socket.recv()))

            async def sse_client(base: str) -> None:
                async with http.stream("GET", base + f"/events/{topic}") as response:
                    async for line in response.aiter_lines():
                        if line.startswith("data: "):
                            received.append(json.loads(line.removeprefix("data: ")))
                            return

            for base in workers:
                tasks.start_soon(websocket_client, base)
                tasks.start_soon(sse_client, base)
            for base in workers:  # every client subscribed (and confirmed) before publishing
                while (await http.get(base + "/subscribers")).json() < 2:
                    await anyio.sleep(0.05)
            await http.post(workers[0] + f"/publish/{topic}", json=message)

    received = anyio.run(scenario)
    assert received == [message] * 4
