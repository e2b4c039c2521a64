from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from app.dependencies import SettingsDep
from app.services.security import InvalidToken, read_token

router = APIRouter(tags=["notifications"])


@router.websocket("/ws/notifications")
async def notifications(websocket: WebSocket, token: str, settings: SettingsDep) -> None:
    """Pushes ``post.published`` notifications, from every worker, to a signed-in client.

    Browsers cannot set headers on a WebSocket, so the access token comes as ``?token=``.
    """
    try:
        claims = read_token(settings, token, "access")
    except InvalidToken:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="Invalid token")
        return
    await websocket.accept()
    await websocket.send_json({"type": "hello", "user_id": claims.user_id})
    notifier = websocket.app.state.backends.notifier
    async with notifier.subscribe() as queue:
        # The client sends nothing we need, but reading is how a disconnect is noticed.
        receiving = asyncio.create_task(_until_disconnect(websocket))
        try:
            while not receiving.done():
                getting = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait({getting, receiving}, return_when=asyncio.FIRST_COMPLETED)
                if getting in done:
                    await websocket.send_json(getting.result())
                else:
                    getting.cancel()
        finally:
            receiving.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await receiving


async def _until_disconnect(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
