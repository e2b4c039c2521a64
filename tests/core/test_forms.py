"""Form fields and file uploads: Form(), File(), UploadFile, form models and their errors.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test, which a postponed annotation cannot see.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict

from nimbleapi import FastAPI, File, Form, UploadFile
from nimbleapi.testclient import TestClient


def test_form_fields_from_urlencoded_body() -> None:
    app = FastAPI()

    @app.post("/login")
    def login(username: Annotated[str, Form()], password: Annotated[str, Form()]) -> dict[str, str]:
        return {"username": username, "password_length": str(len(password))}

    response = TestClient(app).post("/login", data={"username": "ann", "password": "secret"})
    assert response.json() == {"username": "ann", "password_length": "6"}


def test_form_fields_from_multipart_body() -> None:
    app = FastAPI()

    @app.post("/login")
    def login(username: Annotated[str, Form()]) -> str:
        return username

    response = TestClient(app).post("/login", data={"username": "mp"}, files={"unused": ("a.txt", b"x")})
    assert response.json() == "mp"


def test_missing_form_field_error() -> None:
    app = FastAPI()

    @app.post("/login")
    def login(username: Annotated[str, Form()], password: Annotated[str, Form()]) -> None:
        pass

    response = TestClient(app).post("/login", data={"username": "ann"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"type": "missing", "loc": ["body", "password"], "msg": "Field required", "input": None}]
    }


def test_form_field_is_converted_and_validated() -> None:
    app = FastAPI()

    @app.post("/age")
    def age(age: Annotated[int, Form(ge=0)]) -> int:
        return age

    client = TestClient(app)
    assert client.post("/age", data={"age": "30"}).json() == 30
    error = client.post("/age", data={"age": "-1"}).json()["detail"][0]
    assert error["type"] == "greater_than_equal"
    assert error["loc"] == ["body", "age"]


def test_form_field_default_when_absent() -> None:
    app = FastAPI()

    @app.post("/opt")
    def opt(note: Annotated[str, Form()] = "none") -> str:
        return note

    assert TestClient(app).post("/opt", data={}).json() == "none"


def test_form_list_field_collects_repeated_values() -> None:
    app = FastAPI()

    @app.post("/tags")
    def tags(tag: Annotated[list[str], Form()]) -> list[str]:
        return tag

    assert TestClient(app).post("/tags", data={"tag": ["a", "b"]}).json() == ["a", "b"]


def test_bytes_file_param_receives_content() -> None:
    app = FastAPI()

    @app.post("/size")
    def size(file: Annotated[bytes, File()]) -> int:
        return len(file)

    response = TestClient(app).post("/size", files={"file": ("data.bin", b"12345")})
    assert response.json() == 5


def test_bytes_file_param_accepts_a_plain_form_value() -> None:
    app = FastAPI()

    @app.post("/echo")
    def echo(data: Annotated[bytes, File()]) -> str:
        return data.decode()

    assert TestClient(app).post("/echo", data={"data": "abc"}).json() == "abc"


def test_upload_file_exposes_name_type_and_content() -> None:
    app = FastAPI()

    @app.post("/upload")
    async def upload(file: UploadFile) -> dict[str, Any]:
        content = await file.read()
        return {"filename": file.filename, "content_type": file.content_type, "content": content.decode()}

    response = TestClient(app).post("/upload", files={"file": ("notes.txt", b"hello", "text/plain")})
    assert response.json() == {"filename": "notes.txt", "content_type": "text/plain", "content": "hello"}


def test_upload_file_in_sync_endpoint_reads_underlying_file() -> None:
    app = FastAPI()

    @app.post("/upload")
    def upload(file: UploadFile) -> str:
        return file.file.read().decode()

    assert TestClient(app).post("/upload", files={"file": ("a.txt", b"sync read")}).json() == "sync read"


def test_missing_file_is_a_missing_body_field() -> None:
    app = FastAPI()

    @app.post("/upload")
    def upload(file: UploadFile) -> None:
        pass

    response = TestClient(app).post("/upload", data={"other": "x"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body", "file"], "msg": "Field required", "input": None}
    ]


def test_optional_upload_file_is_none_when_absent() -> None:
    app = FastAPI()

    @app.post("/upload")
    def upload(file: UploadFile | None = None) -> str | None:
        return None if file is None else file.filename

    client = TestClient(app)
    assert client.post("/upload").json() is None
    assert client.post("/upload", files={"file": ("f.txt", b"x")}).json() == "f.txt"


def test_multiple_upload_files() -> None:
    app = FastAPI()

    @app.post("/many")
    def many(files: list[UploadFile]) -> list[str]:
        return [f.filename or "" for f in files]

    response = TestClient(app).post("/many", files=[("files", ("a.txt", b"a")), ("files", ("b.txt", b"b"))])
    assert response.json() == ["a.txt", "b.txt"]


def test_files_and_form_fields_together() -> None:
    app = FastAPI()

    @app.post("/submit")
    def submit(token: Annotated[str, Form()], file: Annotated[bytes, File()]) -> dict[str, Any]:
        return {"token": token, "size": len(file)}

    response = TestClient(app).post("/submit", data={"token": "t"}, files={"file": ("f", b"abc")})
    assert response.json() == {"token": "t", "size": 3}


class LoginForm(BaseModel):
    username: str
    remember: bool = False


def test_form_model_collects_fields() -> None:
    app = FastAPI()

    @app.post("/login")
    def login(data: Annotated[LoginForm, Form()]) -> LoginForm:
        return data

    response = TestClient(app).post("/login", data={"username": "ann", "remember": "true"})
    assert response.json() == {"username": "ann", "remember": True}


def test_form_model_missing_field_error() -> None:
    app = FastAPI()

    @app.post("/login")
    def login(data: Annotated[LoginForm, Form()]) -> LoginForm:
        return data

    response = TestClient(app).post("/login", data={"remember": "true"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body", "username"], "msg": "Field required", "input": {"remember": "true"}}
    ]


class StrictForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str


def test_form_model_extra_forbid_rejects_unknown_fields() -> None:
    app = FastAPI()

    @app.post("/login")
    def login(data: Annotated[StrictForm, Form()]) -> StrictForm:
        return data

    response = TestClient(app).post("/login", data={"username": "ann", "extra": "x"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "extra_forbidden", "loc": ["body", "extra"], "msg": "Extra inputs are not permitted", "input": "x"}
    ]


def test_form_endpoint_rejects_json_body_fields_as_missing() -> None:
    app = FastAPI()

    @app.post("/login")
    def login(username: Annotated[str, Form()]) -> str:
        return username

    response = TestClient(app).post("/login", json={"username": "ann"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "username"]


def test_empty_form_value_falls_back_to_default() -> None:
    app = FastAPI()

    @app.post("/opt")
    def opt(count: Annotated[int, Form()] = 3, note: Annotated[str | None, Form()] = None) -> list[Any]:
        return [count, note]

    assert TestClient(app).post("/opt", data={"count": "", "note": ""}).json() == [3, None]


def test_empty_required_form_value_is_missing() -> None:
    app = FastAPI()

    @app.post("/req")
    def req(name: Annotated[str, Form()]) -> str:
        return name

    response = TestClient(app).post("/req", data={"name": ""})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "missing"


def test_multipart_without_boundary_gives_400() -> None:
    app = FastAPI()

    @app.post("/f")
    def f(x: Annotated[str, Form()]) -> str:
        return x

    response = TestClient(app).post("/f", content=b"garbage", headers={"content-type": "multipart/form-data"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Missing boundary in multipart."}


def test_text_value_for_upload_file_is_a_value_error() -> None:
    app = FastAPI()

    @app.post("/upload")
    def upload(file: UploadFile) -> None:
        pass

    response = TestClient(app).post("/upload", data={"file": "not a file"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "value_error",
            "loc": ["body", "file"],
            "msg": "Value error, Expected UploadFile, received: <class 'str'>",
            "input": "not a file",
            "ctx": {"error": {}},
        }
    ]


def test_upload_file_metadata() -> None:
    app = FastAPI()

    @app.post("/upload")
    def upload(file: UploadFile) -> dict[str, Any]:
        return {"size": file.size, "header": file.headers.get("content-type")}

    response = TestClient(app).post("/upload", files={"file": ("f.bin", b"xyz", "application/x-thing")})
    assert response.json() == {"size": 3, "header": "application/x-thing"}


def test_list_of_bytes_files() -> None:
    app = FastAPI()

    @app.post("/sizes")
    def sizes(files: Annotated[list[bytes], File()]) -> list[int]:
        return [len(f) for f in files]

    response = TestClient(app).post("/sizes", files=[("files", ("a", b"1")), ("files", ("b", b"22"))])
    assert response.json() == [1, 2]
