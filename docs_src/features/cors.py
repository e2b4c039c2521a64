from nimbleapi import FastAPI
from nimbleapi.middleware.cors import CORSMiddleware

app = FastAPI()

# Credentials (cookies, Authorization) only from origins you name.
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com", "https://admin.example.com"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


@app.get("/me")
def me() -> dict[str, str]:
    return {"user": "ada"}
