from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import RevokedToken, User
from app.schemas.user import UserCreate, UserOut, UserUpdate
from app.services import events
from app.services.security import TokenClaims, hash_password, verify_password


class EmailTaken(Exception):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def to_out(user: User) -> UserOut:
    return UserOut(id=user.id, email=user.email, full_name=user.full_name, bio=user.bio,
                   has_avatar=user.avatar_path is not None, created_at=user.created_at)


async def register(session: AsyncSession, data: UserCreate) -> User:
    email = normalise_email(data.email)
    if await session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise EmailTaken(email)
    user = User(email=email, hashed_password=hash_password(data.password), full_name=data.full_name)
    session.add(user)
    try:
        await session.flush()  # the id, for the event
    except IntegrityError as error:  # registered by a concurrent request since the check
        raise EmailTaken(email) from error
    events.record(session, events.USER_REGISTERED, str(user.id), {"user_id": user.id, "email": email})
    await session.commit()
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    user = await session.scalar(select(User).where(User.email == normalise_email(email)))
    if not verify_password(password, user.hashed_password if user else None):
        return None
    return user


async def update_profile(session: AsyncSession, user: User, changes: UserUpdate) -> User:
    for name, value in changes.model_dump(exclude_unset=True).items():
        setattr(user, name, value)
    await session.commit()
    return user


async def is_revoked(session: AsyncSession, jti: str) -> bool:
    return await session.get(RevokedToken, jti) is not None


async def revoke(session: AsyncSession, *tokens: TokenClaims) -> None:
    """Deny these tokens until they expire; rows of tokens already expired are dropped on the way."""
    await session.execute(delete(RevokedToken).where(RevokedToken.expires_at < datetime.now(UTC)))
    for claims in tokens:
        if await session.get(RevokedToken, claims.jti) is None:
            session.add(RevokedToken(jti=claims.jti, expires_at=claims.expires_at))
    await session.commit()
