"""A real login: OAuth2 password flow, argon2-hashed passwords and signed JWT access tokens.

Serve it with ``nimbleapi run examples/login.py``, open http://127.0.0.1:8000/docs, create
a user with ``POST /users``, then press "Authorize" and log in with that user.

Needs ``pip install "nimbleapi[examples]"`` (pwdlib with argon2, and PyJWT).

What it shows:

* passwords are stored only as argon2 hashes (pwdlib), and a login for an unknown user
  still spends the time of one hash check, so response times do not reveal which
  usernames exist;
* ``POST /token`` takes the standard OAuth2 form (``OAuth2PasswordRequestForm``) and
  answers with a short-lived HS256 token;
* every protected endpoint decodes the token with one fixed algorithm, so unsigned
  (``alg: none``), expired, tampered or foreign tokens are all refused with a 401.

The signing key comes from ``LOGIN_EXAMPLE_SECRET_KEY``; without it a random key is made
at start-up, and tokens stop working when the process restarts.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from pwdlib import PasswordHash
from pydantic import BaseModel, Field

from nimbleapi import Depends, FastAPI, HTTPException, status
from nimbleapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

SECRET_KEY = os.environ.get("LOGIN_EXAMPLE_SECRET_KEY") or secrets.token_urlsafe(32)
ALGORITHM = "HS256"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=30)
# Claims a token must carry; PyJWT refuses a token missing any of them.
REQUIRED_CLAIMS = ["sub", "iat", "exp"]

password_hash = PasswordHash.recommended()  # argon2id with current recommended parameters
# Checked against when the username is unknown, so that case costs as much as a wrong password.
DUMMY_HASH = password_hash.hash(secrets.token_urlsafe(16))


class NewUser(BaseModel):
    username: str = Field(min_length=3, max_length=50, pattern=r"^[a-zA-Z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=128)
    full_name: str | None = None


class User(BaseModel):
    """What the API shows about a user; never the password hash."""

    username: str
    full_name: str | None = None
    disabled: bool = False


class StoredUser(User):
    hashed_password: str


class Token(BaseModel):
    access_token: str
    token_type: str


class UserStore:
    """Users in memory; swap it for a database-backed class with the same methods."""

    def __init__(self) -> None:
        self.users: dict[str, StoredUser] = {}

    def add(self, new_user: NewUser) -> StoredUser:
        if new_user.username in self.users:
            raise HTTPException(status.HTTP_409_CONFLICT, detail="Username already taken")
        user = StoredUser(
            username=new_user.username,
            full_name=new_user.full_name,
            hashed_password=password_hash.hash(new_user.password),
        )
        self.users[user.username] = user
        return user

    def get(self, username: str) -> StoredUser | None:
        return self.users.get(username)


store = UserStore()


def get_store() -> UserStore:
    """The store every endpoint works on; tests override this dependency with a fresh one."""
    return store


Store = Annotated[UserStore, Depends(get_store)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def authenticate(users: UserStore, username: str, password: str) -> StoredUser | None:
    """The user whose password this is, or None; upgrades the stored hash when its parameters are outdated."""
    user = users.get(username)
    if user is None:
        password_hash.verify(password, DUMMY_HASH)
        return None
    valid, updated_hash = password_hash.verify_and_update(password, user.hashed_password)
    if not valid:
        return None
    if updated_hash is not None:
        user.hashed_password = updated_hash
    return user


def create_access_token(username: str, now: datetime | None = None) -> str:
    issued_at = now or datetime.now(UTC)
    claims = {"sub": username, "iat": issued_at, "exp": issued_at + ACCESS_TOKEN_LIFETIME}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


def invalid_credentials(detail: str) -> HTTPException:
    # RFC 6750: a 401 for a bearer-protected resource names the scheme to use.
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def decode_access_token(token: str) -> dict[str, Any]:
    """The token's claims, or a 401. Only ``ALGORITHM`` is accepted: this is what refuses ``alg: none``."""
    try:
        return jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS})
    except jwt.ExpiredSignatureError:
        raise invalid_credentials("Token has expired") from None
    except jwt.InvalidTokenError:
        raise invalid_credentials("Could not validate credentials") from None


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)], users: Store) -> StoredUser:
    username = decode_access_token(token)["sub"]
    user = users.get(username) if isinstance(username, str) else None
    if user is None:
        raise invalid_credentials("Could not validate credentials")
    if user.disabled:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Inactive user")
    return user


CurrentUser = Annotated[StoredUser, Depends(get_current_user)]

app = FastAPI(title="Login example", version="1.0.0")


@app.post("/users", response_model=User, status_code=status.HTTP_201_CREATED, tags=["users"])
def register(new_user: NewUser, users: Store) -> StoredUser:
    return users.add(new_user)


@app.post("/token", tags=["auth"])
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], users: Store) -> Token:
    user = authenticate(users, form.username, form.password)
    if user is None:
        raise invalid_credentials("Incorrect username or password")
    return Token(access_token=create_access_token(user.username), token_type="bearer")


@app.get("/users/me", response_model=User, tags=["users"])
def read_me(user: CurrentUser) -> StoredUser:
    return user
