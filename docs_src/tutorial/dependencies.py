from collections.abc import Iterator
from typing import Annotated

from nimbleapi import Depends, FastAPI, HTTPException, Query

app = FastAPI()

opened: list[str] = []
closed: list[str] = []


class Connection:
    def __init__(self, name: str) -> None:
        self.name = name

    def fetch(self, key: str) -> str:
        return f"{key} from {self.name}"


def connection() -> Iterator[Connection]:
    # Code after `yield` runs once the response is sent, also when the endpoint raised.
    conn = Connection(f"conn-{len(opened) + 1}")
    opened.append(conn.name)
    try:
        yield conn
    finally:
        closed.append(conn.name)


class Paging:
    def __init__(self, offset: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(le=50)] = 10) -> None:
        self.offset = offset
        self.limit = limit


def current_user(token: Annotated[str | None, Query()] = None) -> str:
    if token != "secret":
        raise HTTPException(status_code=401, detail="Not authenticated")
    return "ada"


Conn = Annotated[Connection, Depends(connection)]
User = Annotated[str, Depends(current_user)]


@app.get("/records/{key}")
def read_record(key: str, conn: Conn, user: User, paging: Annotated[Paging, Depends()]) -> dict[str, object]:
    return {"value": conn.fetch(key), "user": user, "offset": paging.offset, "limit": paging.limit}
