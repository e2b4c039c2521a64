from nimbleapi.testclient import TestClient

from .conftest import LoadExample


def test_bookshelf_stores_validates_and_filters(load_example: LoadExample) -> None:
    client = TestClient(load_example("getting_started.main").app)

    book = {"title": "Dune", "author": "Herbert", "pages": 412}
    assert client.put("/books/1", json=book).json() == book
    assert client.get("/books/1").json() == book
    assert client.get("/books", params={"author": "Herbert"}).json() == [book]
    assert client.get("/books", params={"author": "Le Guin"}).json() == []

    missing = client.get("/books/2")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No such book"})
    wrong = client.get("/books/two")
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["path", "book_id"]
    assert client.get("/books", params={"author": "H"}).json()["detail"][0]["type"] == "string_too_short"
