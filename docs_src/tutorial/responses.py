from pydantic import BaseModel

from nimbleapi import FastAPI, Response
from nimbleapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse

app = FastAPI()


class UserIn(BaseModel):
    name: str
    password: str


class UserOut(BaseModel):
    name: str
    nickname: str | None = None


@app.post("/users", response_model=UserOut, status_code=201)
def create_user(user: UserIn, response: Response) -> dict[str, str]:
    # The response model decides what leaves: the password never does.
    response.headers["Location"] = f"/users/{user.name}"
    return {"name": user.name, "password": user.password}


@app.get("/users/{name}", response_model=UserOut, response_model_exclude_none=True)
def read_user(name: str) -> UserOut:
    return UserOut(name=name)


@app.get("/hello", response_class=HTMLResponse)
def hello() -> str:
    return "<h1>Hello</h1>"


@app.get("/robots.txt", response_class=PlainTextResponse)
def robots() -> str:
    return "User-agent: *\nDisallow:\n"


@app.get("/old-home")
def old_home() -> RedirectResponse:
    return RedirectResponse("/hello", status_code=308)
