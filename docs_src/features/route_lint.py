from nimbleapi import FastAPI

app = FastAPI()


@app.get("/users/{user_id}")
def read_user(user_id: str) -> dict[str, str]:
    return {"user_id": user_id}


@app.get("/users/me")  # never runs: /users/{user_id} above matches /users/me first
def read_me() -> dict[str, str]:
    return {"user_id": "the current user"}
