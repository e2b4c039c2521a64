from typing import Annotated

from nimbleapi import FastAPI, Query, WebSocket, WebSocketDisconnect, WebSocketException, status

app = FastAPI()
rooms: dict[str, list[str]] = {}


@app.websocket("/rooms/{room}")
async def room(websocket: WebSocket, room: str, name: Annotated[str | None, Query()] = None) -> None:
    if not name:
        # Refuses the handshake: the client sees the connection closed with 1008.
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="name required")
    await websocket.accept()
    history = rooms.setdefault(room, [])
    try:
        while True:
            text = await websocket.receive_text()
            history.append(f"{name}: {text}")
            await websocket.send_json({"room": room, "from": name, "text": text, "count": len(history)})
    except WebSocketDisconnect:
        pass
