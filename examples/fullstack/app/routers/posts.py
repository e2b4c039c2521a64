from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from app.dependencies import BackendsDep, CurrentUser, DbSession, SettingsDep
from app.schemas.common import Message, Page
from app.schemas.post import PostCreate, PostOut, PostUpdate
from app.services import posts

router = APIRouter(prefix="/posts", tags=["posts"])

NOT_FOUND = {404: {"model": Message, "description": "No such post"}}
NOT_YOURS = {403: {"model": Message, "description": "The post is someone else's"}}


def http_error(error: posts.NotFound | posts.NotOwner) -> HTTPException:
    if isinstance(error, posts.NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, "Post not found")
    return HTTPException(status.HTTP_403_FORBIDDEN, "Not the author of this post")


async def announce(request: Request, backends: BackendsDep, post: PostOut) -> None:
    """Tell connected clients (on every worker) and the outbox relay that a post went out."""
    request.app.state.relay.wake()
    await backends.notifier.publish({"type": "post.published", "post_id": post.id,
                                     "author_id": post.author_id, "title": post.title})


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PostOut)
async def create_post(data: PostCreate, user: CurrentUser, db: DbSession, backends: BackendsDep,
                      request: Request) -> PostOut:
    post = PostOut.model_validate(await posts.create(db, user, data))
    if post.published:
        await announce(request, backends, post)
    return post


@router.get("", response_model=Page[PostOut])
async def list_posts(db: DbSession, limit: Annotated[int, Query(ge=1, le=100)] = 20,
                     offset: Annotated[int, Query(ge=0)] = 0) -> Page[PostOut]:
    return await posts.list_page(db, limit, offset)


@router.get("/{post_id}", response_model=PostOut, responses=NOT_FOUND)
async def read_post(post_id: int, db: DbSession, backends: BackendsDep, settings: SettingsDep) -> Response:
    """A hot read, served from the cache (TTL ``CACHE_TTL_SECONDS``, dropped on every change)."""
    try:
        body = await posts.read(db, backends.cache, settings.cache_ttl_seconds, post_id)
    except posts.NotFound as error:
        raise http_error(error) from None
    return Response(body, media_type="application/json")


@router.patch("/{post_id}", response_model=PostOut, responses={**NOT_FOUND, **NOT_YOURS})
async def update_post(post_id: int, changes: PostUpdate, user: CurrentUser, db: DbSession,
                      backends: BackendsDep, request: Request) -> PostOut:
    try:
        updated, newly_published = await posts.update(db, backends.cache, user, post_id, changes)
    except (posts.NotFound, posts.NotOwner) as error:
        raise http_error(error) from None
    post = PostOut.model_validate(updated)
    if newly_published:
        await announce(request, backends, post)
    return post


@router.delete("/{post_id}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **NOT_YOURS})
async def delete_post(post_id: int, user: CurrentUser, db: DbSession, backends: BackendsDep) -> None:
    try:
        await posts.delete(db, backends.cache, user, post_id)
    except (posts.NotFound, posts.NotOwner) as error:
        raise http_error(error) from None
