"""Serve ``instrumented_app`` once under Sentry, in a process of its own; print what Sentry sent.

    python sentry_run.py [--pii]

``sentry_sdk.init()`` keeps its default integrations (Starlette and FastAPI are enabled
because ``import fastapi`` works); events go to an in-memory transport, as in Sentry's own
tests. ``--pii`` sends personal data and puts an authentication middleware in front, so
the events carry cookies and a user. Prints one JSON object: ``"METHOD url"`` -> the
response status, the events and the transactions sent for that request.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import nimbleapi.compat

nimbleapi.compat.install()

import sentry_sdk  # noqa: E402
from sentry_sdk.envelope import Envelope  # noqa: E402
from sentry_sdk.transport import Transport  # noqa: E402


class MemoryTransport(Transport):
    """Keeps every envelope Sentry would send."""

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


def event_facts(event: dict[str, Any]) -> dict[str, Any]:
    request = {key: value for key, value in event.get("request", {}).items() if key != "headers"}
    return {
        "exceptions": [
            [value["type"], value["mechanism"]["type"], value["mechanism"]["handled"]]
            for value in event["exception"]["values"]
        ],
        "transaction": event.get("transaction"),
        "source": event.get("transaction_info", {}).get("source"),
        "request": request,
        "user": event.get("user"),
    }


def transaction_facts(transaction: dict[str, Any]) -> dict[str, Any]:
    trace = transaction["contexts"]["trace"]
    return {
        "transaction": transaction["transaction"],
        "source": transaction["transaction_info"]["source"],
        "op": trace["op"],
        "origin": trace["origin"],
        "status": trace["status"],
        "status_code": trace["data"]["http.response.status_code"],
    }


def sent(transport: MemoryTransport) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {"events": [], "transactions": []}
    for envelope in transport.envelopes:
        for item in envelope.items:
            payload = item.payload.json
            if item.type == "event" and payload is not None:
                found["events"].append(event_facts(payload))
            elif item.type == "transaction" and payload is not None:
                found["transactions"].append(transaction_facts(payload))
    transport.envelopes.clear()
    return found


def add_authentication(app: Any) -> None:
    from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
    from starlette.middleware.authentication import AuthenticationMiddleware

    class EveryoneIsAlice(AuthenticationBackend):
        async def authenticate(self, conn: Any) -> tuple[AuthCredentials, SimpleUser]:
            return AuthCredentials(["authenticated"]), SimpleUser("alice")

    app.add_middleware(AuthenticationMiddleware, backend=EveryoneIsAlice())


def main() -> None:
    pii = "--pii" in sys.argv
    transport = MemoryTransport()
    sentry_sdk.init(dsn="http://key@127.0.0.1:9/1", transport=transport, traces_sample_rate=1.0, send_default_pii=pii)

    from instrumented_app import build_app, replay

    app = build_app()
    if pii:
        add_authentication(app)
    results = {}
    for request, status in replay(app):
        sentry_sdk.flush()
        results[request] = {"status": status, **sent(transport)}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
