from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from app.config import Settings
from app.dependencies import AccessClaims, BackendsDep, DbSession, SettingsDep
from app.schemas.auth import LogoutRequest, RefreshRequest, TokenPair
from app.schemas.common import Message
from app.schemas.user import UserCreate, UserOut
from app.services import users
from app.services.email import send_welcome_email
from app.services.security import InvalidToken, issue_token, read_token

router = APIRouter(prefix="/auth", tags=["auth"])


def token_pair(settings: Settings, user_id: int) -> TokenPair:
    access, expires_in = issue_token(settings, user_id, "access")
    refresh, _ = issue_token(settings, user_id, "refresh")
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in)


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserOut,
             responses={409: {"model": Message, "description": "Email already registered"}})
async def register(data: UserCreate, db: DbSession, settings: SettingsDep, background: BackgroundTasks,
                   request: Request) -> UserOut:
    try:
        user = await users.register(db, data)
    except users.EmailTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "Email already registered") from None
    request.app.state.relay.wake()
    background.add_task(send_welcome_email, settings.data_dir / "mail", user.email, user.full_name)
    return users.to_out(user)


@router.post("/login", response_model=TokenPair,
             responses={401: {"model": Message}, 429: {"model": Message, "description": "Too many attempts"}})
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbSession, settings: SettingsDep,
                backends: BackendsDep) -> TokenPair:
    retry_after = await backends.login_limiter.hit(users.normalise_email(form.username))
    if retry_after is not None:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "Too many login attempts",
                            headers={"Retry-After": str(retry_after)})
    user = await users.authenticate(db, form.username, form.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect email or password",
                            headers={"WWW-Authenticate": "Bearer"})
    return token_pair(settings, user.id)


@router.post("/refresh", response_model=TokenPair, responses={401: {"model": Message}})
async def refresh(data: RefreshRequest, db: DbSession, settings: SettingsDep) -> TokenPair:
    """Trade a refresh token for a new pair; the old refresh token is revoked (rotation)."""
    try:
        claims = read_token(settings, data.refresh_token, "refresh")
    except InvalidToken:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid refresh token") from None
    if await users.is_revoked(db, claims.jti):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Refresh token revoked")
    await users.revoke(db, claims)
    return token_pair(settings, claims.user_id)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses={401: {"model": Message}})
async def logout(claims: AccessClaims, db: DbSession, settings: SettingsDep,
                 data: LogoutRequest | None = None) -> None:
    """Revoke this access token and, when given, the refresh token that goes with it."""
    revoked = [claims]
    if data is not None and data.refresh_token is not None:
        try:
            refresh_claims = read_token(settings, data.refresh_token, "refresh")
        except InvalidToken:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid refresh token") from None
        if refresh_claims.user_id != claims.user_id:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid refresh token")
        revoked.append(refresh_claims)
    await users.revoke(db, *revoked)
