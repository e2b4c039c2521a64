from typing import Annotated, Literal

from pydantic import BaseModel, Field

from nimbleapi import Cookie, FastAPI, Header, Path, Query

app = FastAPI()


@app.get("/users/{user_id}/posts")
def user_posts(
    user_id: Annotated[int, Path(ge=1)],
    tag: Annotated[list[str], Query()] = [],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    user_agent: Annotated[str | None, Header()] = None,
    session: Annotated[str | None, Cookie()] = None,
) -> dict[str, object]:
    return {"user_id": user_id, "tags": tag, "limit": limit, "agent": user_agent, "session": session}


class Search(BaseModel):
    """Query parameters declared once, as a model."""

    model_config = {"extra": "forbid"}

    q: str = Field(min_length=1)
    order: Literal["new", "top"] = "new"
    page: int = Field(1, ge=1)


@app.get("/search")
def search(params: Annotated[Search, Query()]) -> Search:
    return params
