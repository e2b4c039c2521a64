from collections.abc import Iterator

import pytest

from nimbleapi.testclient import TestClient

from .testing_app import app, weather_service


@pytest.fixture
def client() -> Iterator[TestClient]:
    app.dependency_overrides[weather_service] = lambda: "sunny"
    # `with` runs the application's lifespan around the tests.
    with TestClient(app) as client:
        yield client
    app.dependency_overrides.clear()


def test_forecast(client: TestClient) -> None:
    response = client.get("/forecast")
    assert response.status_code == 200
    assert response.json() == {"forecast": "sunny"}
