from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from nimbleapi import FastAPI, Request

events: list[str] = []


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    # Runs once per process before the first request; the part after `yield` runs at shutdown.
    events.append("startup")
    models = {"greeting": "hello"}
    yield {"models": models}  # becomes request.state for every request
    models.clear()
    events.append("shutdown")


app = FastAPI(lifespan=lifespan)


@app.get("/greet/{name}")
def greet(name: str, request: Request) -> dict[str, str]:
    return {"message": f"{request.state.models['greeting']}, {name}"}
