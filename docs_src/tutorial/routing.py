from nimbleapi import APIRouter, FastAPI

app = FastAPI()
notes = APIRouter(prefix="/notes", tags=["notes"])


@notes.get("/")
def list_notes() -> list[str]:
    return ["first", "second"]


@notes.get("/latest")  # declared before /{note_id}: the first route that matches wins
def latest_note() -> dict[str, str]:
    return {"note": "second"}


@notes.get("/{note_id}")
def read_note(note_id: int) -> dict[str, int]:
    return {"note_id": note_id}


@app.get("/files/{file_path:path}")  # a path parameter that may contain slashes
def read_file(file_path: str) -> dict[str, str]:
    return {"file_path": file_path}


app.include_router(notes)
