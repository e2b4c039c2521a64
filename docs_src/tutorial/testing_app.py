from typing import Annotated

from nimbleapi import Depends, FastAPI

app = FastAPI()


def weather_service() -> str:
    raise RuntimeError("calls a real service; tests replace it")


@app.get("/forecast")
def forecast(service: Annotated[str, Depends(weather_service)]) -> dict[str, str]:
    return {"forecast": service}
