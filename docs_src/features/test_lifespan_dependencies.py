from nimbleapi.testclient import TestClient

from .lifespan_dependencies import app, get_database


class FakeDatabase:
    def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> "FakeDatabase":
        return self

    def fetchone(self) -> tuple[int, str]:
        return (1, "Test user")


def test_read_user() -> None:
    app.dependency_overrides[get_database] = FakeDatabase  # made instead of the real one
    with TestClient(app) as client:  # 'with' runs the lifespan
        assert client.get("/users/1").json() == {"id": 1, "name": "Test user"}
    app.dependency_overrides.clear()
