"""Password hashes (argon2 through pwdlib) and signed JWTs (PyJWT): access and refresh tokens."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
from pwdlib import PasswordHash

from app.config import Settings

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]

password_hash = PasswordHash.recommended()
# Verified against when the email is unknown, so that case costs as much as a wrong password.
DUMMY_HASH = password_hash.hash(secrets.token_urlsafe(16))


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    jti: str
    expires_at: datetime


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    return password_hash.verify(password, hashed or DUMMY_HASH) and hashed is not None


def issue_token(settings: Settings, user_id: int, token_type: TokenType) -> tuple[str, int]:
    """A signed token and its lifetime in seconds."""
    lifetime = (timedelta(minutes=settings.access_token_minutes) if token_type == "access"
                else timedelta(days=settings.refresh_token_days))
    now = datetime.now(UTC)
    claims: dict[str, Any] = {"sub": str(user_id), "type": token_type, "jti": uuid.uuid4().hex,
                              "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), int(lifetime.total_seconds())


def read_token(settings: Settings, token: str, token_type: TokenType) -> TokenClaims:
    """The claims of a valid token of that type; ``InvalidToken`` for anything else."""
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM],
                            options={"require": ["sub", "type", "jti", "exp"]})
    except jwt.InvalidTokenError as error:
        raise InvalidToken(str(error)) from error
    if claims["type"] != token_type or not str(claims["sub"]).isdigit():
        raise InvalidToken(f"not an {token_type} token")
    return TokenClaims(int(claims["sub"]), claims["jti"], datetime.fromtimestamp(claims["exp"], UTC))
