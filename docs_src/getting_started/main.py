from typing import Annotated

from pydantic import BaseModel

from nimbleapi import FastAPI, HTTPException, Query

app = FastAPI(title="Bookshelf")


class Book(BaseModel):
    title: str
    author: str
    pages: int


shelf: dict[int, Book] = {}


@app.put("/books/{book_id}")
def put_book(book_id: int, book: Book) -> Book:
    shelf[book_id] = book
    return book


@app.get("/books/{book_id}")
def get_book(book_id: int) -> Book:
    if book_id not in shelf:
        raise HTTPException(status_code=404, detail="No such book")
    return shelf[book_id]


@app.get("/books")
def list_books(author: Annotated[str | None, Query(min_length=2)] = None) -> list[Book]:
    return [book for book in shelf.values() if author is None or book.author == author]
