from nimbleapi import FastAPI, Request, Response, status

app = FastAPI(title="Inventory")
ready = {"database": True}


@app.get("/items/{item_id}")
def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


@app.get("/whoami")
def whoami(request: Request) -> dict[str, str | None]:
    # Behind a proxy these show the client's address and the public URL, provided the
    # server trusts the proxy's X-Forwarded-* headers (--forwarded-allow-ips).
    return {
        "client": request.client.host if request.client else None,
        "scheme": request.url.scheme,
        "url": str(request.url_for("read_item", item_id=1)),
        "root_path": request.scope.get("root_path", ""),
    }


@app.get("/livez", include_in_schema=False)
def livez() -> dict[str, str]:
    # Liveness: the process answers. Restarting cannot fix anything else.
    return {"status": "ok"}


@app.get("/readyz", include_in_schema=False)
def readyz(response: Response) -> dict[str, object]:
    # Readiness: send traffic only while what requests need is reachable.
    if not all(ready.values()):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return {"status": "ok" if all(ready.values()) else "unavailable", "checks": ready}
