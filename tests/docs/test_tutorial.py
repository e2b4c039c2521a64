"""The tutorial's examples (docs_src/tutorial/), exercised as the pages describe them."""

from __future__ import annotations

import pytest

from nimbleapi.testclient import TestClient

from .conftest import LoadExample


def client_for(load_example: LoadExample, name: str) -> TestClient:
    return TestClient(load_example(name).app)


def test_routing_prefix_order_and_path_parameters(load_example: LoadExample) -> None:
    client = client_for(load_example, "tutorial.routing")
    assert client.get("/notes/").json() == ["first", "second"]
    assert client.get("/notes/latest").json() == {"note": "second"}
    assert client.get("/notes/7").json() == {"note_id": 7}
    assert client.get("/files/docs/a/b.txt").json() == {"file_path": "docs/a/b.txt"}
    not_allowed = client.delete("/notes/7")
    assert not_allowed.status_code == 405
    assert not_allowed.headers["allow"] == "GET"
    assert client.get("/openapi.json").json()["paths"]["/notes/"]["get"]["tags"] == ["notes"]


def test_parameters_from_every_location(load_example: LoadExample) -> None:
    client = client_for(load_example, "tutorial.parameters")
    client.cookies.set("session", "s1")
    response = client.get("/users/3/posts?tag=a&tag=b&limit=5", headers={"User-Agent": "docs"})
    assert response.json() == {"user_id": 3, "tags": ["a", "b"], "limit": 5, "agent": "docs", "session": "s1"}
    assert client.get("/users/0/posts").json()["detail"][0]["loc"] == ["path", "user_id"]
    assert client.get("/users/1/posts?limit=101").json()["detail"][0]["type"] == "less_than_equal"


def test_query_parameter_model(load_example: LoadExample) -> None:
    client = client_for(load_example, "tutorial.parameters")
    assert client.get("/search?q=tea&order=top").json() == {"q": "tea", "order": "top", "page": 1}
    extra = client.get("/search?q=tea&colour=red")
    assert extra.status_code == 422
    assert extra.json()["detail"][0]["type"] == "extra_forbidden"


def test_bodies_nested_embedded_and_limited(load_example: LoadExample) -> None:
    client = client_for(load_example, "tutorial.bodies")
    customer = {"name": "Ada", "email": "ada@example.com", "addresses": [{"street": "1 Main", "city": "Oslo"}]}
    created = client.post("/customers", json=customer)
    assert (created.status_code, created.json()) == (201, customer)
    invalid = client.post("/customers", json={"name": "", "email": "x"})
    assert invalid.json()["detail"][0]["loc"] == ["body", "name"]
    assert client.post("/customers/4/note", json={"note": "call back", "urgent": True}).json() == {
        "customer_id": 4,
        "note": "call back",
        "urgent": True,
    }
    too_large = client.post("/customers", content=b'{"name": "' + b"x" * (1024 * 1024) + b'"}')
    assert (too_large.status_code, too_large.json()) == (413, {"detail": "Content Too Large"})


def test_responses_filter_and_shape(load_example: LoadExample) -> None:
    client = client_for(load_example, "tutorial.responses")
    created = client.post("/users", json={"name": "ada", "password": "hunter2"})
    assert (created.status_code, created.json()) == (201, {"name": "ada", "nickname": None})
    assert created.headers["location"] == "/users/ada"
    assert client.get("/users/bob").json() == {"name": "bob"}
    hello = client.get("/hello")
    assert hello.headers["content-type"].startswith("text/html") and hello.text == "<h1>Hello</h1>"
    assert client.get("/robots.txt").headers["content-type"].startswith("text/plain")
    moved = client.get("/old-home", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (308, "/hello")


def test_dependencies_yield_cleanup_classes_and_errors(load_example: LoadExample) -> None:
    example = load_example("tutorial.dependencies")
    client = TestClient(example.app)
    response = client.get("/records/k?token=secret&offset=5")
    assert response.json() == {"value": "k from conn-1", "user": "ada", "offset": 5, "limit": 10}
    assert example.closed == ["conn-1"]
    refused = client.get("/records/k?token=wrong")
    assert (refused.status_code, refused.json()) == (401, {"detail": "Not authenticated"})
    assert example.closed == example.opened  # closed also when a later dependency refused
    assert client.get("/records/k?token=secret&limit=51").status_code == 422


def test_security_basic_and_api_key(load_example: LoadExample) -> None:
    client = client_for(load_example, "tutorial.security")
    assert client.get("/admin", auth=("admin", "correct horse")).json() == {"user": "admin"}
    wrong = client.get("/admin", auth=("admin", "nope"))
    assert (wrong.status_code, wrong.headers["www-authenticate"]) == (401, "Basic")
    missing = client.get("/admin")
    assert (missing.status_code, missing.json()) == (401, {"detail": "Not authenticated"})
    assert client.get("/reports", headers={"X-API-Key": "k-123"}).json() == {"client": "reporting"}
    assert client.get("/reports").status_code == 403
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["APIKeyHeader"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}


def test_forms_and_files(load_example: LoadExample) -> None:
    client = client_for(load_example, "tutorial.forms_and_files")
    assert client.post("/login", data={"username": "ada", "password": "x"}).json() == {"username": "ada"}
    avatar = client.post("/avatars", data={"user": "ada"}, files={"image": ("me.png", b"\x89PNG", "image/png")})
    assert avatar.json() == {"user": "ada", "filename": "me.png", "type": "image/png", "size": 4}
    files = [("files", ("a.txt", b"a")), ("files", ("b.txt", b"b"))]
    assert client.post("/attachments", files=files).json() == ["a.txt", "b.txt"]
    huge = client.post("/avatars", data={"user": "ada"}, files={"image": ("big.png", b"0" * (1024 * 1024 + 1))})
    assert huge.status_code == 413
    too_many = [("files", (f"{n}.txt", b"x")) for n in range(4)]
    assert client.post("/attachments", files=too_many).status_code == 400


def test_websocket_room(load_example: LoadExample) -> None:
    from starlette.websockets import WebSocketDisconnect

    client = client_for(load_example, "tutorial.websockets")
    with client.websocket_connect("/rooms/tea?name=ada") as websocket:
        websocket.send_text("hello")
        assert websocket.receive_json() == {"room": "tea", "from": "ada", "text": "hello", "count": 1}
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/rooms/tea"):
            pass
    assert refused.value.code == 1008


def test_server_sent_events(load_example: LoadExample) -> None:
    client = client_for(load_example, "tutorial.sse")
    prices = client.get("/prices")
    assert prices.headers["content-type"].startswith("text/event-stream")
    assert [line for line in prices.text.splitlines() if line] == [
        'data: {"symbol":"NIM","cents":101}',
        'data: {"symbol":"NIM","cents":102}',
        'data: {"symbol":"NIM","cents":99}',
    ]
    events = [dict(line.split(": ", 1) for line in block.splitlines()) for block in client.get("/jobs/9/progress").text.split("\n\n") if block]
    assert [(event["event"], event.get("id"), event["data"]) for event in events] == [
        ("progress", "0", '{"job": 9, "percent": 0}'),
        ("progress", "50", '{"job": 9, "percent": 50}'),
        ("progress", "100", '{"job": 9, "percent": 100}'),
        ("end", None, "done"),
    ]


def test_background_tasks_run_after_the_response(load_example: LoadExample) -> None:
    example = load_example("tutorial.background_tasks")
    response = TestClient(example.app).post("/signup?email=ada@example.com")
    assert (response.status_code, response.json()) == (202, {"status": "queued"})
    assert example.outbox == ["audit: signup", "ada@example.com: Welcome"]


def test_lifespan_state(load_example: LoadExample) -> None:
    example = load_example("tutorial.lifespan")
    with TestClient(example.app) as client:
        assert example.events == ["startup"]
        assert client.get("/greet/ada").json() == {"message": "hello, ada"}
    assert example.events == ["startup", "shutdown"]


def test_testing_page_test_passes(load_example: LoadExample) -> None:
    testing = load_example("tutorial.test_testing_app")
    assert testing.app is load_example("tutorial.testing_app").app
    fixture = testing.client.__wrapped__()  # the fixture's generator, driven by hand
    client = next(fixture)
    testing.test_forecast(client)
    next(fixture, None)
    assert testing.app.dependency_overrides == {}
    with pytest.raises(RuntimeError, match="real service"):
        TestClient(testing.app).get("/forecast")
