"""A cached response as bytes in a store, and the HTTP validators around it.

Layout: 4-byte big-endian length of a JSON header, the header (status, headers, ETag,
Last-Modified, tag versions), then the body as it was sent.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime

from pydantic_core import from_json, to_json


@dataclass(frozen=True, slots=True)
class CacheEntry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str
    last_modified: float
    tags: dict[str, int]

    def encode(self) -> bytes:
        """The entry as stored: the body is appended as it was sent, not re-encoded."""
        head = to_json(
            {
                "status": self.status,
                "headers": [[name.decode("latin-1"), value.decode("latin-1")] for name, value in self.headers],
                "etag": self.etag,
                "last_modified": self.last_modified,
                "tags": self.tags,
            }
        )
        return b"".join((len(head).to_bytes(4, "big"), head, self.body))

    @classmethod
    def decode(cls, raw: bytes) -> CacheEntry:
        size = int.from_bytes(raw[:4], "big")
        head = from_json(raw[4 : 4 + size])
        headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in head["headers"]]
        return cls(head["status"], headers, raw[4 + size :], head["etag"], head["last_modified"], head["tags"])

    def not_modified(self, request_headers: dict[bytes, bytes]) -> bool:
        """Whether the request's conditional headers are satisfied by this entry (answer 304)."""
        if_none_match = request_headers.get(b"if-none-match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.decode("latin-1").split(",")}
            return "*" in tags or self.etag in tags
        if_modified_since = request_headers.get(b"if-modified-since")
        if if_modified_since is None:
            return False
        try:
            since = parsedate_to_datetime(if_modified_since.decode("latin-1")).timestamp()
        except (TypeError, ValueError):
            return False
        return int(self.last_modified) <= since


def make_entry(status: int, headers: list[tuple[bytes, bytes]], body: bytes, tags: dict[str, int]) -> CacheEntry:
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    return CacheEntry(status, headers, body, etag, time.time(), tags)


def http_date(timestamp: float) -> bytes:
    """*timestamp* as an HTTP date (whole seconds), formatted once per second."""
    global _last_date
    second = int(timestamp)
    if _last_date[0] != second:
        _last_date = (second, formatdate(second, usegmt=True).encode())
    return _last_date[1]


_last_date = (-1, b"")  # the last second formatted, and its text
