"""What routes ask for with ``Depends``: settings, a database session, backends, the current user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.requests import HTTPConnection
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.backends import Backends
from app.config import Settings
from app.models import User
from app.services import users
from app.services.security import InvalidToken, TokenClaims, read_token

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/login")



def app_settings(connection: HTTPConnection) -> Settings:
    """The settings the application was created with (HTTP and WebSocket routes alike)."""
    return connection.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(app_settings)]


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.database.sessions() as session:
        yield session


def get_backends(request: Request) -> Backends:
    return request.app.state.backends  # type: ignore[no-any-return]


DbSession = Annotated[AsyncSession, Depends(get_db)]
BackendsDep = Annotated[Backends, Depends(get_backends)]

CREDENTIALS_ERROR = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials",
                                  headers={"WWW-Authenticate": "Bearer"})


async def get_access_claims(token: Annotated[str, Depends(oauth2_scheme)], settings: SettingsDep,
                            db: DbSession) -> TokenClaims:
    try:
        claims = read_token(settings, token, "access")
    except InvalidToken:
        raise CREDENTIALS_ERROR from None
    if await users.is_revoked(db, claims.jti):
        raise CREDENTIALS_ERROR
    return claims


AccessClaims = Annotated[TokenClaims, Depends(get_access_claims)]


async def get_current_user(claims: AccessClaims, db: DbSession) -> User:
    user = await db.get(User, claims.user_id)
    if user is None:
        raise CREDENTIALS_ERROR
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
