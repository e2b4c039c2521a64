import secrets
from typing import Annotated

from nimbleapi import Depends, FastAPI, HTTPException, Security, status
from nimbleapi.security import APIKeyHeader, HTTPBasic, HTTPBasicCredentials

app = FastAPI()
basic = HTTPBasic()
api_key = APIKeyHeader(name="X-API-Key", auto_error=False)

API_KEYS = {"k-123": "reporting"}


def admin(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]) -> str:
    # compare_digest takes the same time however many characters match.
    good_user = secrets.compare_digest(credentials.username.encode(), b"admin")
    good_password = secrets.compare_digest(credentials.password.encode(), b"correct horse")
    if not (good_user and good_password):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
            headers={"WWW-Authenticate": "Basic"},
        )
    return credentials.username


def client_name(key: Annotated[str | None, Security(api_key)]) -> str:
    if key not in API_KEYS:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Unknown API key")
    return API_KEYS[key]


@app.get("/admin")
def admin_page(user: Annotated[str, Depends(admin)]) -> dict[str, str]:
    return {"user": user}


@app.get("/reports")
def reports(client: Annotated[str, Depends(client_name)]) -> dict[str, str]:
    return {"client": client}
