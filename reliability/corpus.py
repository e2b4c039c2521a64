"""Send the malformed-input corpus over raw sockets to a real uvicorn and compare answers.

Each case in ``corpus/`` is two files: ``NAME.http``, the exact bytes of one HTTP/1.1
request, and ``NAME.json``, what it is about and what must come back. ``status`` and
``body`` there were recorded from FastAPI 0.165.0 serving the same application
(``apps/corpus_app.py``); a ``nimbleapi`` entry holds the answer where nimbleapi
deliberately differs, with ``why``. Whatever the expectation, a 5xx, a connection closed
without an answer, or no answer within ``RESPONSE_TIMEOUT`` seconds fails the case.

    python reliability/corpus.py                              # check nimbleapi
    python reliability/corpus.py --framework fastapi          # check FastAPI 0.165.0
    python reliability/corpus.py --framework fastapi --record # re-record the expectations
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server  # noqa: E402
from known import known_failures  # noqa: E402
from targets import FRAMEWORKS  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus"
APP = "corpus_app"
RESPONSE_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 1 << 20


@dataclass(frozen=True)
class Case:
    name: str
    request: bytes
    expected: dict[str, Any]

    def expectation(self, framework: str) -> dict[str, Any]:
        """FastAPI's recorded answer, or nimbleapi's documented deviation from it."""
        return self.expected.get(framework, self.expected) if framework != "fastapi" else self.expected


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: the connection closed without a status line
    body: Any
    seconds: float

    def as_record(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body}


def load_cases() -> list[Case]:
    return [
        Case(path.stem, path.read_bytes(), json.loads(path.with_suffix(".json").read_text()))
        for path in sorted(CORPUS.glob("*.http"))
    ]


def receive_all(sock: socket.socket, deadline: float) -> bytes:
    """Read until the server closes the connection (every request says ``Connection: close``)."""
    chunks: list[bytes] = []
    received = 0
    while received < MAX_RESPONSE_BYTES:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


def dechunk(body: bytes) -> bytes:
    out = bytearray()
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return bytes(out)


def parse(raw: bytes, seconds: float) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/"):
        return Answer(None, raw.decode("latin-1"), seconds)
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    text = body.decode("utf-8", errors="backslashreplace")
    if headers.get("content-type", "").startswith("application/json") and text:
        return Answer(int(lines[0].split()[1]), json.loads(text), seconds)
    return Answer(int(lines[0].split()[1]), text, seconds)


def send(port: int, request: bytes) -> Answer:
    """One request on a fresh connection; raises TimeoutError when no full answer comes in time."""
    started = time.monotonic()
    deadline = started + RESPONSE_TIMEOUT
    with socket.create_connection((server.HOST, port), timeout=RESPONSE_TIMEOUT) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading a huge request to its end
        raw = receive_all(sock, deadline)
    if time.monotonic() >= deadline:
        raise TimeoutError(f"no complete answer within {RESPONSE_TIMEOUT}s")
    return parse(raw, time.monotonic() - started)


def problems(case: Case, framework: str, answer: Answer) -> list[str]:
    found = []
    if answer.status is None:
        found.append(f"connection closed without an answer ({answer.body[:80]!r})")
    elif answer.status >= 500:
        found.append(f"server error {answer.status}: {answer.body!r:.300}")
    expected = case.expectation(framework)
    if "status" in expected and answer.status != expected["status"]:
        found.append(f"status {answer.status}, expected {expected['status']}")
    if "body" in expected and answer.body != expected["body"]:
        found.append(f"body {answer.body!r:.300}\n    expected {expected['body']!r:.300}")
    return found


def record(case: Case, answer: Answer) -> None:
    """Store ``answer`` as the expectation (run against FastAPI 0.165.0)."""
    data = {**case.expected, **answer.as_record()}
    case_file = CORPUS / f"{case.name}.json"
    case_file.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--framework", choices=FRAMEWORKS, default="nimbleapi")
    parser.add_argument("--record", action="store_true", help="write this run's answers as the expectations")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    failed = known_count = 0
    known = known_failures() if args.framework == "nimbleapi" else {}
    cases = [case for case in load_cases() if args.only in case.name]
    with server.running(APP, args.framework) as running:
        for case in cases:
            try:
                answer = send(running.port, case.request)
            except (TimeoutError, OSError) as error:
                print(f"FAIL {case.name}: {error!r}")
                failed += 1
                continue
            if args.record:
                record(case, answer)
            found = [] if args.record else problems(case, args.framework, answer)
            defect = known.get(f"test_corpus.py::test_case[{case.name}]")
            verdict = "ok  " if not found else "known" if defect else "FAIL"
            print(f"{verdict} {case.name:40} {answer.status}" + (f"  ({defect})" if defect and found else ""))
            for problem in found:
                print(f"    {problem}")
            failed += verdict == "FAIL"
            known_count += verdict == "known"
    print(f"{len(cases) - failed - known_count} passed, {known_count} known failures, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
