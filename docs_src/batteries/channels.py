from collections.abc import AsyncIterator

from pydantic import BaseModel

from nimbleapi import FastAPI, WebSocket
from nimbleapi.channels import Channels
from nimbleapi.sse import EventSourceResponse, ServerSentEvent

# One process, in memory. Across workers: Channels(RedisStore.from_url(REDIS_URL)).
channels = Channels()
app = FastAPI()
app.add_event_handler("shutdown", channels.close)


class Message(BaseModel):
    author: str
    text: str


@app.post("/rooms/{room}/messages")
async def post_message(room: str, message: Message) -> dict[str, bool]:
    delivered = await channels.publish(f"room:{room}", message.model_dump())  # every client, every worker
    return {"published": delivered}


@app.websocket("/rooms/{room}/ws")
async def room_socket(websocket: WebSocket, room: str) -> None:
    await websocket.accept()
    await channels.serve_websocket(websocket, f"room:{room}")  # returns when the client leaves


@app.get("/rooms/{room}/events", response_class=EventSourceResponse)
async def room_events(room: str) -> AsyncIterator[ServerSentEvent]:
    async for event in channels.events(f"room:{room}"):
        yield event
