"""Stream one large multipart upload through a nimbleapi app and report the process's peak memory.

Run as a script in a fresh interpreter (``python stream_upload_probe.py SIZE_BYTES``) so the
peak resident set size (``VmHWM``) belongs to this upload alone. The body is produced by a
generator, chunk by chunk, and fed through a plain ASGI call; the endpoint reads the file
back in chunks and checks its CRC. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import sys
import zlib
from collections.abc import Iterator, MutableMapping
from typing import Any

from nimbleapi import FastAPI, UploadFile

BOUNDARY = "nimbleapi-probe-boundary"
CHUNK = 1024 * 1024

app = FastAPI()


@app.post("/upload")
async def upload(file: UploadFile) -> dict[str, Any]:
    crc, size = 0, 0
    while chunk := await file.read(CHUNK):
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
    return {"size": size, "crc": crc, "filename": file.filename, "reported_size": file.size}


def peak_rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("VmHWM not found")


def body_chunks(size: int, crc_out: list[int]) -> Iterator[bytes]:
    """The multipart body: a header, *size* bytes of patterned data, the closing boundary."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    pattern = bytes(range(256)) * (CHUNK // 256)
    crc, sent = 0, 0
    while sent < size:
        piece = pattern[: min(CHUNK, size - sent)]
        # Vary the content per chunk so a dropped or repeated chunk changes the CRC.
        piece = sent.to_bytes(8, "big") + piece[8:] if len(piece) >= 8 else piece
        crc = zlib.crc32(piece, crc)
        sent += len(piece)
        yield piece
    crc_out.append(crc)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def post(size: int) -> tuple[int, dict[str, Any], int]:
    crc_out: list[int] = []
    chunks = body_chunks(size, crc_out)
    pending = next(chunks)
    sent_messages: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pending
        body = pending
        try:
            pending = next(chunks)
            return {"type": "http.request", "body": body, "more_body": True}
        except StopIteration:
            return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent_messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/upload",
        "raw_path": b"/upload",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()), (b"host", b"probe")],
        "client": ("127.0.0.1", 1),
        "server": ("probe", 80),
    }
    await app(scope, receive, send)
    status = next(message["status"] for message in sent_messages if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent_messages if message["type"] == "http.response.body")
    return status, json.loads(body), crc_out[0]


def main() -> None:
    size = int(sys.argv[1])
    asyncio.run(post(4 * CHUNK))  # warm up: imports, thread pool, first rollover to disk
    baseline = peak_rss_kib()
    status, result, expected_crc = asyncio.run(post(size))
    print(json.dumps({"status": status, "result": result, "expected_crc": expected_crc, "baseline_kib": baseline, "peak_kib": peak_rss_kib()}))


if __name__ == "__main__":
    main()
