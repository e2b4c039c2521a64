from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.backends.cache import Cache
from app.models import Post, User
from app.schemas.common import Page
from app.schemas.post import PostCreate, PostOut, PostUpdate
from app.services import events


class NotFound(Exception):
    pass


class NotOwner(Exception):
    pass


def cache_key(post_id: int) -> str:
    return f"post:{post_id}"


async def create(session: AsyncSession, author: User, data: PostCreate) -> Post:
    post = Post(author_id=author.id, **data.model_dump())
    session.add(post)
    await session.flush()
    if post.published:
        _record_published(session, post)
    await session.commit()
    return post


async def list_page(session: AsyncSession, limit: int, offset: int) -> Page[PostOut]:
    total = await session.scalar(select(func.count()).select_from(Post))
    rows = await session.scalars(select(Post).order_by(Post.created_at.desc(), Post.id.desc())
                                 .limit(limit).offset(offset))
    items = [PostOut.model_validate(post) for post in rows]
    return Page[PostOut](items=items, total=total or 0, limit=limit, offset=offset)


async def read(session: AsyncSession, cache: Cache, ttl_seconds: int, post_id: int) -> bytes:
    """The post as JSON, from the cache when it is there."""
    cached = await cache.get(cache_key(post_id))
    if cached is not None:
        return cached
    post = await session.get(Post, post_id)
    if post is None:
        raise NotFound(post_id)
    encoded = PostOut.model_validate(post).model_dump_json().encode()
    await cache.set(cache_key(post_id), encoded, ttl_seconds)
    return encoded


async def owned(session: AsyncSession, user: User, post_id: int) -> Post:
    post = await session.get(Post, post_id)
    if post is None:
        raise NotFound(post_id)
    if post.author_id != user.id:
        raise NotOwner(post_id)
    return post


async def update(session: AsyncSession, cache: Cache, user: User, post_id: int,
                 changes: PostUpdate) -> tuple[Post, bool]:
    """The updated post, and whether this change published it."""
    post = await owned(session, user, post_id)
    was_published = post.published
    for name, value in changes.model_dump(exclude_unset=True).items():
        setattr(post, name, value)
    newly_published = post.published and not was_published
    if newly_published:
        _record_published(session, post)
    await session.commit()
    await cache.delete(cache_key(post_id))  # after the commit: a reader cannot cache the old row again
    return post, newly_published


async def delete(session: AsyncSession, cache: Cache, user: User, post_id: int) -> None:
    post = await owned(session, user, post_id)
    await session.delete(post)
    await session.commit()
    await cache.delete(cache_key(post_id))


def _record_published(session: AsyncSession, post: Post) -> None:
    events.record(session, events.POST_PUBLISHED, str(post.id),
                  {"post_id": post.id, "author_id": post.author_id, "title": post.title})
