"""Raw loopback clients that misbehave on purpose: they leave mid-request, mid-stream, mid-WebSocket.

Each one uses a plain socket with a timeout, so none of them can wait forever.
"""

from __future__ import annotations

import base64
import os
import socket
import struct

from server import HOST

TIMEOUT = 10.0


def connect(port: int) -> socket.socket:
    return socket.create_connection((HOST, port), timeout=TIMEOUT)


def status_of(response_head: bytes) -> int:
    return int(response_head.split(b" ", 2)[1])


def fetch(port: int, target: str) -> tuple[int, bytes]:
    """A complete GET on a new connection; the status code and the body."""
    with connect(port) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    return status_of(head), body


def get(port: int, target: str) -> int:
    """A complete GET on a new connection; the status code."""
    return fetch(port, target)[0]


def leave_mid_request(port: int, target: str, sent: int = 10, announced: int = 100_000) -> None:
    """POST announcing ``announced`` body bytes, send ``sent`` of them, then close."""
    with connect(port) as sock:
        head = f"POST {target} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {announced}\r\n\r\n"
        sock.sendall(head.encode() + b"x" * sent)


def leave_mid_stream(port: int, target: str) -> bytes:
    """GET a streaming response, read until the first body bytes arrive, then close."""
    with connect(port) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received or received.endswith(b"\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return received


def websocket_frame(opcode: int, payload: bytes) -> bytes:
    """One masked client frame (payloads under 126 bytes)."""
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


def open_websocket(port: int, target: str) -> socket.socket:
    sock = connect(port)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {target} HTTP/1.1\r\nHost: {HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    if status_of(head) != 101:
        sock.close()
        raise ConnectionError(f"websocket refused: {head!r}")
    return sock


def receive_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError(f"closed after {len(data)} of {size} bytes")
        data += chunk
    return data


def websocket_echo(sock: socket.socket, text: str) -> bytes:
    """Send one text frame and return the payload of the (unmasked, short) frame that comes back."""
    sock.sendall(websocket_frame(0x1, text.encode()))
    _, length = receive_exactly(sock, 2)
    return receive_exactly(sock, length & 0x7F)


def websocket_close(sock: socket.socket) -> None:
    """A clean close: send a close frame (1000), wait for the server's, then close the socket."""
    sock.sendall(websocket_frame(0x8, struct.pack("!H", 1000)))
    while sock.recv(65536):
        pass
    sock.close()
