from typing import Annotated

from nimbleapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()
outbox: list[str] = []


def send_email(to: str, subject: str) -> None:
    outbox.append(f"{to}: {subject}")


def audit(background_tasks: BackgroundTasks) -> BackgroundTasks:
    # A dependency can add tasks too; they share the request's task list.
    background_tasks.add_task(outbox.append, "audit: signup")
    return background_tasks


@app.post("/signup", status_code=202)
def signup(email: str, background_tasks: BackgroundTasks, _: Annotated[BackgroundTasks, Depends(audit)]) -> dict[str, str]:
    background_tasks.add_task(send_email, email, "Welcome")
    return {"status": "queued"}
