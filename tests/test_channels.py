"""Channels: fan-out to WebSocket and Server-Sent Events clients, memory and Redis."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import pytest
import redis

from nimbleapi import FastAPI, WebSocket
from nimbleapi.channels import Channels
from nimbleapi.sse import EventSourceResponse, ServerSentEvent
from nimbleapi.stores import MemoryStore, RedisStore, Store
from nimbleapi.testclient import TestClient
from tests.serving import free_port


def chat_app(channels: Channels) -> FastAPI:
    app = FastAPI()

    @app.websocket("/ws/{room}")
    async def chat(websocket: WebSocket, room: str) -> None:
        await websocket.accept()
        await channels.serve_websocket(websocket, room)

    @app.post("/say/{room}")
    async def say(room: str, text: str) -> bool:
        return await channels.publish(room, {"text": text})

    @app.get("/events/{room}", response_class=EventSourceResponse)
    async def events(room: str) -> AsyncIterator[ServerSentEvent]:
        async for event in channels.events(room):
            yield event

    app.add_event_handler("shutdown", channels.close)
    return app


def wait_for(condition: Callable[[], bool]) -> None:
    with anyio.from_thread.start_blocking_portal() as portal:
        portal.call(_wait_for, condition)


async def _wait_for(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(5):  # a safety net against a hang, not a timing assertion
        while not condition():
            await anyio.sleep(0.01)


def test_a_message_reaches_every_websocket_of_the_topic(make_store: Callable[[], Store]) -> None:
    channels = Channels(make_store())
    with TestClient(chat_app(channels)) as client:
        with client.websocket_connect("/ws/a") as ann, client.websocket_connect("/ws/a") as bob, client.websocket_connect("/ws/b") as eve:
            wait_for(lambda: channels.subscriber_count == 3)
            assert client.post("/say/a", params={"text": "hi"}).json() is True
            client.post("/say/b", params={"text": "other room"})
            assert json.loads(ann.receive_text()) == json.loads(bob.receive_text()) == {"text": "hi"}
            assert json.loads(eve.receive_text()) == {"text": "other room"}
        wait_for(lambda: channels.subscriber_count == 0)


def test_an_sse_client_gets_messages_and_is_removed_when_it_leaves() -> None:
    channels = Channels()
    app = chat_app(channels)
    chunks: list[bytes] = []

    async def scenario() -> None:
        left = anyio.Event()

        async def receive() -> dict[str, Any]:
            await left.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                chunks.append(message["body"])
                left.set()

        scope = {"type": "http", "method": "GET", "path": "/events/news", "raw_path": b"/events/news",
                 "query_string": b"", "headers": [], "root_path": "", "scheme": "http",
                 "server": ("test", 80), "client": ("test", 1), "http_version": "1.1", "app": app}  # fmt: skip
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(app, scope, receive, send)
                await _wait_for(lambda: channels.subscriber_count == 1)
                await channels.publish("news", {"headline": "hello"})
            await _wait_for(lambda: channels.subscriber_count == 0)
        await channels.close()

    anyio.run(scenario)
    assert b'data: {"headline":"hello"}' in chunks[0]


def test_a_slow_subscriber_loses_its_oldest_messages_only() -> None:
    async def scenario() -> tuple[list[str], int, list[str]]:
        channels = Channels(queue_size=2)
        slow, quick = await channels.open_subscription("t"), await channels.open_subscription("t")
        received: list[str] = []
        for number in range(5):
            await channels.publish("t", number)
            await anyio.sleep(0.01)
            received.append(await quick.get())
        kept = [await slow.get(), await slow.get()]
        await slow.close()
        await quick.close()
        await channels.close()
        return kept, slow.dropped, received

    kept, dropped, received = anyio.run(scenario)
    assert kept == ["3", "4"]
    assert dropped == 3
    assert received == ["0", "1", "2", "3", "4"]


def test_a_queue_needs_room_for_one_message() -> None:
    with pytest.raises(ValueError, match="queue_size"):
        Channels(MemoryStore(), queue_size=0)


def test_channels_reconnect_after_the_redis_connection_is_lost(redis_url: str, redis_prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> str:
        channels = Channels(RedisStore.from_url(redis_url, prefix=redis_prefix), reconnect_delay=0.05)
        subscription = await channels.open_subscription("t")
        await anyio.sleep(0.2)
        admin = redis.Redis.from_url(redis_url)
        assert admin.client_kill_filter(_type="pubsub") >= 1
        admin.close()
        with anyio.fail_after(10):
            while True:  # published until the re-established subscription delivers one
                await channels.publish("t", "after")
                with anyio.move_on_after(0.2):
                    message = await subscription.get()
                    break
        await subscription.close()
        await channels.close()
        await channels.store.close()
        return message

    with caplog.at_level(logging.INFO, "nimbleapi.batteries"):
        assert anyio.run(scenario) == "after"
    messages = [record.getMessage() for record in caplog.records]
    assert any("channels: store unavailable, reconnecting" in message for message in messages)
    assert any("listening again to 1 topic(s)" in message for message in messages)


def test_publishing_while_redis_is_down_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> bool:
        store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
        published = await Channels(store).publish("t", "lost")
        await store.close()
        return published

    with caplog.at_level(logging.WARNING, "nimbleapi.batteries"):
        assert anyio.run(scenario) is False
    assert "channels: store unavailable, message dropped" in caplog.records[0].getMessage()


