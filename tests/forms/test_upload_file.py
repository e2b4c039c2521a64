"""``UploadFile`` as endpoints use it: async file methods, sharing one upload, empty file inputs."""

from typing import Annotated, Any

import pytest
from form_helpers import MULTIPART_HEADERS, PAST_SPOOL_LIMIT, file_part, multipart_body

from nimbleapi import Depends, FastAPI, File, UploadFile
from nimbleapi.testclient import TestClient


@pytest.mark.parametrize("size", [10, PAST_SPOOL_LIMIT], ids=["in-memory", "on-disk"])
def test_async_file_methods(size: int) -> None:
    app = FastAPI()

    @app.post("/")
    async def edit(file: UploadFile) -> dict[str, Any]:
        head = await file.read(4)
        await file.seek(size)
        await file.write(b"END")
        await file.seek(size - 1)
        tail = await file.read()
        await file.close()
        return {"head": head.decode(), "tail": tail.decode(), "size": file.size, "closed": file.file.closed}

    response = TestClient(app).post("/", files={"file": ("a.txt", b"abcd" + b"x" * (size - 4))})
    assert response.json() == {"head": "abcd", "tail": "xEND", "size": size + 3, "closed": True}


def test_bytes_and_upload_of_the_same_part_both_see_all_content() -> None:
    app = FastAPI()

    def first_bytes(file: Annotated[bytes, File()]) -> int:
        return len(file)

    @app.post("/")
    async def both(length: Annotated[int, Depends(first_bytes)], file: UploadFile) -> dict[str, int]:
        return {"dependency": length, "endpoint": len(await file.read())}

    response = TestClient(app).post("/", files={"file": ("a", b"x" * PAST_SPOOL_LIMIT)})
    assert response.json() == {"dependency": PAST_SPOOL_LIMIT, "endpoint": PAST_SPOOL_LIMIT}


def test_file_chosen_in_no_browser_input_counts_as_absent() -> None:
    app = FastAPI()

    @app.post("/")
    def optional(files: list[UploadFile] | None = None, one: UploadFile | None = None) -> list[Any]:
        return [None if files is None else len(files), None if one is None else one.filename]

    # An <input type=file> left empty is sent as a part with an empty filename and no content.
    client = TestClient(app)
    both_empty = multipart_body(file_part("files", "", b""), file_part("one", "", b""))
    assert client.post("/", content=both_empty, headers=MULTIPART_HEADERS).json() == [None, None]
    one_chosen = multipart_body(file_part("files", "", b""), file_part("files", "a", b"1"))
    assert client.post("/", content=one_chosen, headers=MULTIPART_HEADERS).json() == [1, None]
