"""The application the malformed-input corpus is sent to: one route per kind of input.

Written against FastAPI's API (``from fastapi import ...``) so the very same source runs
on FastAPI 0.165.0 and, through ``nimbleapi.compat``, on nimbleapi.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, Cookie, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

STATIC = Path(__file__).resolve().parent / "static"


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


app = FastAPI()


@app.exception_handler(500)
async def server_error(request: Request, exc: Exception) -> JSONResponse:
    # A 5xx still fails a case; this handler shows whether the application's own one was used.
    return JSONResponse({"detail": "server error", "error": type(exc).__name__}, status_code=500)


@app.post("/items")
def create_item(item: Item) -> Item:
    return item


@app.get("/items/{item_id}")
def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


@app.post("/any")
def echo_any(payload: Annotated[Any, Body()]) -> dict[str, str]:
    # Echo the type only: the corpus sends values that are large or deep on purpose.
    return {"type": type(payload).__name__}


@app.post("/numbers")
def numbers(count: Annotated[int, Body()], ratio: Annotated[float, Body()]) -> dict[str, Any]:
    return {"count_digits": len(str(abs(count))), "ratio": ratio}


@app.get("/search")
def search(q: Annotated[str, Query(max_length=50)], n: int = 1) -> dict[str, Any]:
    return {"q": q, "n": n}


@app.get("/headers")
def headers(x_token: Annotated[str, Header()]) -> dict[str, str]:
    return {"x_token": x_token}


@app.get("/cookies")
def cookies(session: Annotated[str, Cookie()], theme: Annotated[str, Cookie()] = "light") -> dict[str, str]:
    return {"session": session, "theme": theme}


@app.post("/form")
def form(name: Annotated[str, Form()], age: Annotated[int, Form()]) -> dict[str, Any]:
    return {"name": name, "age": age}


@app.post("/upload")
async def upload(file: UploadFile, note: Annotated[str, Form()] = "") -> dict[str, Any]:
    content = await file.read()
    return {"filename": file.filename, "size": len(content), "note": note}


@app.post("/upload-bytes")
def upload_bytes(data: Annotated[bytes, File()]) -> dict[str, int]:
    return {"size": len(data)}


@app.post("/small", max_body_size=1024)
def small(payload: Annotated[Any, Body()]) -> dict[str, str]:
    return {"type": type(payload).__name__}


@app.get("/worker")
def worker() -> dict[str, int]:
    """Which server process answered (for the multi-worker checks)."""
    return {"pid": os.getpid()}


app.mount("/static", StaticFiles(directory=STATIC), name="static")
