"""HTTP/2 (cleartext, prior knowledge) through hypercorn on loopback, with httpx's HTTP/2 client."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import httpx
import pytest

import corpus
import server

CONCURRENT_STREAMS = 100


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with server.running(corpus.APP, "nimbleapi", server="hypercorn") as running:
        yield running.url


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(http1=False, http2=True, timeout=10) as client:
        yield client


def test_cookies_split_over_several_header_fields_are_all_read(url: str, client: httpx.Client) -> None:
    # HTTP/2 clients may send each cookie as its own `cookie` field (RFC 9113, 8.2.3).
    response = client.get(f"{url}/cookies", headers=[("cookie", "session=abc"), ("cookie", "theme=dark")])
    assert (response.http_version, response.json()) == ("HTTP/2", {"session": "abc", "theme": "dark"})


def test_json_body_round_trip(url: str, client: httpx.Client) -> None:
    response = client.post(f"{url}/items", json={"name": "a", "price": 2})
    assert (response.http_version, response.json()) == ("HTTP/2", {"name": "a", "price": 2.0, "tags": []})


def test_validation_error_is_the_same_as_over_http1(url: str, client: httpx.Client) -> None:
    case = next(case for case in corpus.load_cases() if case.name == "json_truncated")
    response = client.post(f"{url}/items", content=b'{"name": "a", "price": ', headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (case.expected["status"], case.expected["body"])


def test_static_traversal_is_refused(url: str, client: httpx.Client) -> None:
    response = client.get(f"{url}/static/..%2f..%2f..%2fetc%2fpasswd")
    assert response.status_code == 404


def test_many_concurrent_streams_on_one_connection(url: str) -> None:
    async def run() -> list[int]:
        statuses: list[int] = []
        async with httpx.AsyncClient(http1=False, http2=True, timeout=10) as client:

            async def one(number: int) -> None:
                response = await client.get(f"{url}/items/{number}")
                assert response.json() == {"item_id": number}
                statuses.append(response.status_code)

            with anyio.fail_after(60):  # a safety net against a hang
                async with anyio.create_task_group() as group:
                    for number in range(CONCURRENT_STREAMS):
                        group.start_soon(one, number)
        return statuses

    assert anyio.run(run) == [200] * CONCURRENT_STREAMS
