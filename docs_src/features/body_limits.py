from pydantic import BaseModel

from nimbleapi import APIRouter, FastAPI

# Every body nimbleapi holds in memory (JSON, urlencoded forms, raw bytes) is capped
# at 16 MiB by default; this application lowers the cap to 64 KiB.
app = FastAPI(max_buffered_body_size=64 * 1024)
imports = APIRouter()


class Note(BaseModel):
    text: str


@app.post("/notes")
def add_note(note: Note) -> Note:
    return note


# FastAPI's max_body_size on a router or route: this one limit governs its routes.
@imports.post("/bulk", max_body_size=4 * 1024 * 1024)
def bulk(notes: list[Note]) -> dict[str, int]:
    return {"imported": len(notes)}


app.include_router(imports)
