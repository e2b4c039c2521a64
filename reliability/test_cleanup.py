"""Fault injection for yield-dependency cleanup, through a real uvicorn on loopback.

Each scenario makes one request go wrong in its own way. Afterwards the three nested
yield dependencies must have exited exactly once each, innermost first, before the
server's call into the application returned; and the request must have left no
reference cycle through nimbleapi's frames for the garbage collector.
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType, ModuleType, TracebackType

import pytest

import clients
import nimbleapi
import server
import targets
from clients import get

FULL_CHAIN = ["enter outer", "enter middle", "enter inner", "exit inner", "exit middle", "exit outer", "done"]
# Cancelled while `middle` is entered in its worker thread: `inner` never starts, `middle`
# and `outer` still exit, in that order, within the request.
CHAIN_CUT_IN_MIDDLE = ["enter outer", "enter middle", "exit middle", "exit outer", "done"]
NIMBLEAPI_PACKAGE = str(Path(nimbleapi.__file__).resolve().parent)
WAIT_FOR_DONE = 10.0
CONCURRENT_SESSIONS = 60


def expect_status(status: int, path: str, slow_entry: bool = False) -> Callable[[int, str], None]:
    query = "&slow_entry=true" if slow_entry else ""

    def scenario(port: int, rid: str) -> None:
        assert get(port, f"{path}?rid={rid}{query}") == status

    return scenario


def leave_mid_request(port: int, rid: str) -> None:
    clients.leave_mid_request(port, f"/upload?rid={rid}")


def leave_mid_stream(port: int, rid: str) -> None:
    assert b"chunk 0" in clients.leave_mid_stream(port, f"/stream?rid={rid}")


def websocket_dropped(port: int, rid: str) -> None:
    sock = clients.open_websocket(port, f"/ws?rid={rid}")
    assert clients.websocket_echo(sock, "hello") == b"hello"
    sock.close()  # no close frame: the connection is just gone


def websocket_closed(port: int, rid: str) -> None:
    sock = clients.open_websocket(port, f"/ws?rid={rid}")
    assert clients.websocket_echo(sock, "hello") == b"hello"
    clients.websocket_close(sock)


def websocket_handler_raises(port: int, rid: str) -> None:
    sock = clients.open_websocket(port, f"/ws?rid={rid}")
    sock.sendall(clients.websocket_frame(0x1, b"raise"))
    while sock.recv(65536):
        pass
    sock.close()


SCENARIOS = {
    "completes": (expect_status(200, "/ok"), FULL_CHAIN),
    "raises_http_exception": (expect_status(418, "/raise/http"), FULL_CHAIN),
    "dependency_raises_http_exception": (expect_status(403, "/raise/in-dependency"), FULL_CHAIN),
    "raises_http_exception_without_dependencies": (expect_status(404, "/raise/bare-http"), ["done"]),
    "raises_error_without_dependencies": (expect_status(500, "/raise/bare-error"), ["done"]),
    "raises_error": (expect_status(500, "/raise/error"), FULL_CHAIN),
    "sync_handler_raises_error": (expect_status(500, "/raise/sync-error"), FULL_CHAIN),
    "client_leaves_mid_request": (leave_mid_request, FULL_CHAIN),
    "client_leaves_mid_stream": (leave_mid_stream, FULL_CHAIN),
    "cancelled_while_awaiting": (expect_status(504, "/slow/sleep"), FULL_CHAIN),
    "cancelled_in_sync_dependency_entry": (expect_status(504, "/slow/sync-entry", slow_entry=True), CHAIN_CUT_IN_MIDDLE),
    "task_cancelled_while_awaiting": (expect_status(504, "/wait-for/sleep"), FULL_CHAIN),
    "task_cancelled_in_sync_dependency_entry": (
        expect_status(504, "/wait-for/sync-entry", slow_entry=True),
        CHAIN_CUT_IN_MIDDLE,
    ),
    "websocket_client_drops": (websocket_dropped, FULL_CHAIN),
    "websocket_client_closes": (websocket_closed, FULL_CHAIN),
    "websocket_handler_raises": (websocket_handler_raises, FULL_CHAIN),
}


@pytest.fixture(scope="module")
def fault_app() -> ModuleType:
    return targets.load("fault_app", "nimbleapi")


@pytest.fixture(scope="module")
def port(fault_app: ModuleType) -> Iterator[int]:
    with server.in_thread(fault_app.served) as port:
        yield port


def events_when_done(fault_app: ModuleType, rid: str) -> list[str]:
    """The request's events once ``done`` is among them (bounded wait)."""
    deadline = time.monotonic() + WAIT_FOR_DONE
    while "done" not in fault_app.EVENTS[rid] and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.05)  # a cleanup that wrongly runs after the request would show up here
    return list(fault_app.EVENTS.pop(rid))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_cleanup_runs_once_in_reverse_order_within_the_request(name: str, fault_app: ModuleType, port: int) -> None:
    scenario, expected = SCENARIOS[name]
    rid = uuid.uuid4().hex
    scenario(port, rid)
    assert events_when_done(fault_app, rid) == expected


def test_concurrent_websocket_sessions_ending_badly_each_clean_up_once(fault_app: ModuleType, port: int) -> None:
    endings = [websocket_dropped, websocket_closed, websocket_handler_raises] * (CONCURRENT_SESSIONS // 3)
    rids = [uuid.uuid4().hex for _ in endings]
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda ending, rid: ending(port, rid), endings, rids, timeout=60))
    assert [events_when_done(fault_app, rid) for rid in rids] == [FULL_CHAIN] * len(rids)


def nimbleapi_frames(garbage: list[object]) -> set[str]:
    """``function (file:line)`` of every nimbleapi frame the collector had to free."""
    found = set()
    for thing in garbage:
        frame = thing.tb_frame if isinstance(thing, TracebackType) else thing
        if isinstance(frame, FrameType) and frame.f_code.co_filename.startswith(NIMBLEAPI_PACKAGE):
            code = frame.f_code
            found.add(f"{code.co_name} ({Path(code.co_filename).name}:{code.co_firstlineno})")
    return found


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_request_leaves_no_garbage_cycles(name: str, fault_app: ModuleType, port: int) -> None:
    scenario, _ = SCENARIOS[name]
    for _ in range(2):  # once to warm every lazy start-up cache, once to measure
        gc.collect()
        gc.disable()
        try:
            rid = uuid.uuid4().hex
            scenario(port, rid)
            events_when_done(fault_app, rid)
            gc.set_debug(gc.DEBUG_SAVEALL)
            gc.collect()
            frames = nimbleapi_frames(gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
    assert frames == set()
