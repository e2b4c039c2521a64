from typing import Annotated

from nimbleapi import APIRouter, Depends, FastAPI, Header, HTTPException
from nimbleapi.ratelimit import api_key, rate_limit
from nimbleapi.stores import MemoryStore, configure_stores

app = FastAPI(dependencies=[rate_limit("1000/hour", name="global")])  # whole app, one bucket
configure_stores(app, shared=MemoryStore())  # RedisStore.from_url(...) to share across workers
router = APIRouter(dependencies=[rate_limit("100/minute")])  # each route of the router


def get_current_user(authorization: Annotated[str, Header()]) -> str:
    if not authorization.startswith("Bearer "):
        raise HTTPException(401, "Not authenticated")
    return authorization.removeprefix("Bearer ")


@app.get("/search", dependencies=[rate_limit(["10/second", "200/hour"], store="shared")])
async def search(q: str) -> dict[str, str]:
    return {"q": q}


@app.get("/me", dependencies=[rate_limit("30/minute", key=get_current_user)])  # per user
async def me(user: Annotated[str, Depends(get_current_user)]) -> dict[str, str]:
    return {"user": user}


@app.get("/data", dependencies=[rate_limit("5/minute", key=api_key("X-API-Key"))])  # per API key
async def data() -> list[int]:
    return [1, 2, 3]


@router.get("/report")
async def report() -> dict[str, bool]:
    return {"ready": True}


app.include_router(router, prefix="/admin")
