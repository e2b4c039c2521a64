from nimbleapi import FastAPI

# Swagger UI and ReDoc load their JavaScript and CSS from this application
# (pip install "nimbleapi[docs]"), not from a CDN.
app = FastAPI(title="Air-gapped API", docs_assets="local")


@app.get("/ping")
def ping() -> str:
    return "pong"
