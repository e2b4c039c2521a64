from typing import Annotated

from nimbleapi import FastAPI, File, Form, UploadFile

# A file over 1 MiB is refused with 413 while it arrives (a nimbleapi limit);
# at most 3 files and 10 plain fields per request (FastAPI's limits).
app = FastAPI(form_limits={"max_file_size": 1024 * 1024, "max_files": 3, "max_fields": 10})


@app.post("/login")
def login(username: Annotated[str, Form()], password: Annotated[str, Form()]) -> dict[str, str]:
    return {"username": username}


@app.post("/avatars")
async def upload_avatar(user: Annotated[str, Form()], image: UploadFile) -> dict[str, object]:
    content = await image.read()
    return {"user": user, "filename": image.filename, "type": image.content_type, "size": len(content)}


@app.post("/attachments")
async def attach(files: Annotated[list[UploadFile], File()]) -> list[str]:
    return [file.filename or "" for file in files]
