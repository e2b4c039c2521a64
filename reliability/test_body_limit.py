"""The application's max_body_size holds before a user middleware that reads the body (apps/limit_app.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import clients
import server

CHUNK = 64 * 1024
BODY_SIZE = 16 * CHUNK


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with server.running("limit_app", "nimbleapi") as running:
        yield running.port


def post_oversized_body(port: int) -> bytes:
    """POST ``BODY_SIZE`` bytes in chunks, stopping when the server stops reading; what came back."""
    with clients.connect(port) as sock:
        sock.sendall(f"POST /upload HTTP/1.1\r\nHost: {server.HOST}\r\nContent-Length: {BODY_SIZE}\r\n\r\n".encode())
        try:
            for _ in range(BODY_SIZE // CHUNK):
                sock.sendall(b"x" * CHUNK)
        except OSError:
            pass  # refused early: the server closed the connection
        try:
            return sock.recv(65536)
        except OSError:
            return b""  # reset: the server closed with our unread bytes still in its buffer


def test_oversized_body_is_refused_with_413(port: int) -> None:
    answer = post_oversized_body(port)
    assert answer == b"" or clients.status_of(answer) == 413


def test_user_middleware_never_receives_an_oversized_body(port: int) -> None:
    post_oversized_body(port)
    status, reads = clients.fetch(port, "/reads")
    assert (status, [size for size in json.loads(reads) if size > 1024]) == (200, [])
