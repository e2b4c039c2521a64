from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect


def test_published_posts_are_pushed_to_connected_clients(client: TestClient, alice: dict[str, Any],
                                                        bob: dict[str, Any]) -> None:
    with client.websocket_connect(f"/ws/notifications?token={bob['tokens']['access_token']}") as websocket:
        assert websocket.receive_json() == {"type": "hello", "user_id": bob["profile"]["id"]}
        client.post("/posts", headers=alice["headers"], json={"title": "Draft", "body": "b"})  # not announced
        post = client.post("/posts", headers=alice["headers"],
                           json={"title": "News", "body": "b", "published": True}).json()
        assert websocket.receive_json() == {"type": "post.published", "post_id": post["id"],
                                            "author_id": alice["profile"]["id"], "title": "News"}


def test_notifications_refuse_an_invalid_token(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/notifications?token=forged"):
        pass
    assert (refused.value.code, refused.value.reason) == (1008, "Invalid token")


def test_notifications_need_a_token(client: TestClient) -> None:
    """A missing query parameter is a validation error, which closes a WebSocket with 1008."""
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/notifications"):
        pass
    assert refused.value.code == 1008
