from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, UploadFile, status
from fastapi.responses import FileResponse

from app.dependencies import CurrentUser, DbSession, SettingsDep
from app.models import User
from app.schemas.common import Message
from app.schemas.user import UserOut, UserUpdate
from app.services import users

router = APIRouter(prefix="/users", tags=["users"])
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


@router.get("/me", response_model=UserOut)
async def read_me(user: CurrentUser) -> UserOut:
    return users.to_out(user)


@router.patch("/me", response_model=UserOut)
async def update_me(changes: UserUpdate, user: CurrentUser, db: DbSession) -> UserOut:
    return users.to_out(await users.update_profile(db, user, changes))


@router.put("/me/avatar", response_model=UserOut, responses={
    413: {"model": Message, "description": "File too large"},
    415: {"model": Message, "description": "Not an accepted image type"}})
async def upload_avatar(file: Annotated[UploadFile, File(description="PNG, JPEG or WebP")], user: CurrentUser,
                        db: DbSession, settings: SettingsDep) -> UserOut:
    if file.content_type not in settings.avatar_content_types:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            f"Avatar must be one of: {', '.join(settings.avatar_content_types)}")
    # Read one byte past the limit: enough to know the file is too large without reading all of it.
    content = await file.read(settings.avatar_max_bytes + 1)
    if len(content) > settings.avatar_max_bytes:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"Avatar must be at most {settings.avatar_max_bytes} bytes")
    folder = settings.data_dir / "avatars"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{user.id}-{uuid.uuid4().hex}{EXTENSIONS.get(file.content_type or '', '')}"
    (folder / name).write_bytes(content)
    old = user.avatar_path
    user.avatar_path = name
    await db.commit()
    if old:
        (folder / old).unlink(missing_ok=True)
    return users.to_out(user)


@router.get("/{user_id}/avatar", response_class=FileResponse, responses={404: {"model": Message}})
async def read_avatar(user_id: int, db: DbSession, settings: SettingsDep) -> FileResponse:
    user = await db.get(User, user_id)
    if user is None or user.avatar_path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No avatar")
    return FileResponse(settings.data_dir / "avatars" / user.avatar_path)
