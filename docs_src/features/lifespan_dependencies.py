import sqlite3
from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel

from nimbleapi import Depends, FastAPI

app = FastAPI()


class Settings(BaseModel):
    database_url: str = ":memory:"


def get_settings() -> Settings:
    return Settings()


def get_database(settings: Annotated[Settings, Depends(get_settings)]) -> Iterator[sqlite3.Connection]:
    # Made once at start-up, closed at shutdown: every request shares this connection.
    connection = sqlite3.connect(settings.database_url, check_same_thread=False)
    connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    connection.execute("INSERT INTO users VALUES (1, 'Ada')")
    yield connection
    connection.close()


Database = Annotated[sqlite3.Connection, Depends(get_database, scope="lifespan")]


@app.get("/users/{user_id}")
def read_user(user_id: int, database: Database) -> dict[str, object]:
    row = database.execute("SELECT id, name FROM users WHERE id = ?", (user_id,)).fetchone()
    return {"id": row[0], "name": row[1]}


@app.get("/users")
def count_users(database: Database) -> dict[str, int]:
    return {"count": database.execute("SELECT count(*) FROM users").fetchone()[0]}
