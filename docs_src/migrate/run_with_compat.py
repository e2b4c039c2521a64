# Serve a FastAPI application on nimbleapi from one script, without the alias.
import nimbleapi.compat

nimbleapi.compat.install()  # before anything imports fastapi

from shop.main import app  # noqa: E402  (written with `from fastapi import ...`)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
