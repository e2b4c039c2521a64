"""The test client, from Starlette (needs the ``httpx`` package)."""

from starlette.testclient import TestClient as TestClient
