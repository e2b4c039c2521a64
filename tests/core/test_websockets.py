"""WebSocket endpoints: messages, path/query/header parameters, dependencies, routers and
validation failures.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test, which a postponed annotation cannot see.
"""

from collections.abc import Iterator
from typing import Annotated

import pytest
from starlette.websockets import WebSocketDisconnect

from nimbleapi import APIRouter, Cookie, Depends, FastAPI, Header, Query
from nimbleapi.testclient import TestClient
from nimbleapi.websockets import WebSocket


def test_websocket_echo() -> None:
    app = FastAPI()

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        for _ in range(2):
            text = await websocket.receive_text()
            await websocket.send_text(f"echo: {text}")
        await websocket.close()

    with TestClient(app).websocket_connect("/ws") as ws:
        ws.send_text("one")
        assert ws.receive_text() == "echo: one"
        ws.send_text("two")
        assert ws.receive_text() == "echo: two"


def test_websocket_json_messages() -> None:
    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        data = await websocket.receive_json()
        await websocket.send_json({"doubled": data["n"] * 2})
        await websocket.close()

    with TestClient(app).websocket_connect("/ws") as ws:
        ws.send_json({"n": 21})
        assert ws.receive_json() == {"doubled": 42}


def test_websocket_with_query_param_and_dependency() -> None:
    def prefix(token: Annotated[str, Query()]) -> str:
        return f"[{token}]"

    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket, tag: Annotated[str, Depends(prefix)], times: int = 1) -> None:
        await websocket.accept()
        await websocket.send_text(tag * times)
        await websocket.close()

    with TestClient(app).websocket_connect("/ws?token=t&times=2") as ws:
        assert ws.receive_text() == "[t][t]"


def test_websocket_path_param_is_converted() -> None:
    app = FastAPI()

    @app.websocket("/rooms/{room_id}")
    async def endpoint(websocket: WebSocket, room_id: int) -> None:
        await websocket.accept()
        await websocket.send_json({"room": room_id, "is_int": isinstance(room_id, int)})
        await websocket.close()

    with TestClient(app).websocket_connect("/rooms/12") as ws:
        assert ws.receive_json() == {"room": 12, "is_int": True}


def test_websocket_header_and_cookie_params() -> None:
    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(
        websocket: WebSocket,
        x_client: Annotated[str, Header()],
        session: Annotated[str | None, Cookie()] = None,
    ) -> None:
        await websocket.accept()
        await websocket.send_json([x_client, session])
        await websocket.close()

    client = TestClient(app, cookies={"session": "s"})
    with client.websocket_connect("/ws", headers={"x-client": "c"}) as ws:
        assert ws.receive_json() == ["c", "s"]


def test_websocket_missing_required_param_closes_with_policy_violation() -> None:
    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket, token: str) -> None:  # pragma: no cover
        await websocket.accept()

    with pytest.raises(WebSocketDisconnect) as caught:
        with TestClient(app).websocket_connect("/ws"):
            pass  # pragma: no cover
    assert caught.value.code == 1008


def test_websocket_validation_failure_reason_lists_errors() -> None:
    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket, token: int) -> None:  # pragma: no cover
        await websocket.accept()

    with pytest.raises(WebSocketDisconnect) as caught:
        with TestClient(app).websocket_connect("/ws?token=x"):
            pass  # pragma: no cover
    assert caught.value.reason == [
        {
            "type": "int_parsing",
            "loc": ["query", "token"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": "x",
        }
    ]


def test_websocket_dependency_can_reject_connection() -> None:
    def check_token(token: str | None = None) -> str:
        if token != "good":
            raise WebSocketDisconnect(code=1008)
        return token

    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket, token: Annotated[str, Depends(check_token)]) -> None:
        await websocket.accept()
        await websocket.send_text("welcome")
        await websocket.close()

    client = TestClient(app)
    with client.websocket_connect("/ws?token=good") as ws:
        assert ws.receive_text() == "welcome"
    with pytest.raises(WebSocketDisconnect) as caught:
        with client.websocket_connect("/ws?token=bad"):
            pass  # pragma: no cover
    assert caught.value.code == 1008


def test_websocket_yield_dependency_cleans_up_after_disconnect() -> None:
    events: list[str] = []

    def resource() -> Iterator[str]:
        events.append("open")
        yield "res"
        events.append("close")

    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket, res: Annotated[str, Depends(resource)]) -> None:
        await websocket.accept()
        await websocket.send_text(res)
        await websocket.close()

    with TestClient(app).websocket_connect("/ws") as ws:
        assert ws.receive_text() == "res"
    assert events == ["open", "close"]


def test_websocket_endpoint_notices_client_disconnect() -> None:
    seen: list[int] = []
    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect as exc:
            seen.append(exc.code)

    with TestClient(app).websocket_connect("/ws") as ws:
        ws.send_text("hello")
        ws.close(code=1001)
    assert seen == [1001]


def test_websocket_in_router_with_prefix_and_dependencies() -> None:
    events: list[str] = []
    router = APIRouter(prefix="/live", dependencies=[Depends(lambda: events.append("router dep"))])

    @router.websocket("/feed")
    async def feed(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("feed")
        await websocket.close()

    app = FastAPI()
    app.include_router(router, prefix="/v1")

    with TestClient(app).websocket_connect("/v1/live/feed") as ws:
        assert ws.receive_text() == "feed"
    assert events == ["router dep"]


def test_websocket_route_decorator_on_router() -> None:
    router = APIRouter()

    @router.websocket_route("/plain")
    async def plain(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("plain")
        await websocket.close()

    app = FastAPI()
    app.include_router(router)

    with TestClient(app).websocket_connect("/plain") as ws:
        assert ws.receive_text() == "plain"


def test_add_api_websocket_route() -> None:
    async def endpoint(websocket: WebSocket, name: str = "anon") -> None:
        await websocket.accept()
        await websocket.send_text(f"hi {name}")
        await websocket.close()

    app = FastAPI()
    app.add_api_websocket_route("/greet", endpoint)

    with TestClient(app).websocket_connect("/greet?name=ws") as ws:
        assert ws.receive_text() == "hi ws"


def test_websocket_unknown_path_is_rejected() -> None:
    app = FastAPI()
    with pytest.raises(WebSocketDisconnect):
        with TestClient(app).websocket_connect("/nowhere"):
            pass  # pragma: no cover


def test_websocket_dependency_override() -> None:
    def real() -> str:
        return "real"

    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket, value: Annotated[str, Depends(real)]) -> None:
        await websocket.accept()
        await websocket.send_text(value)
        await websocket.close()

    app.dependency_overrides[real] = lambda: "override"
    with TestClient(app).websocket_connect("/ws") as ws:
        assert ws.receive_text() == "override"
