"""Response caching as a compiled step: ``dependencies=[cache(ttl=60)]``.

``cache(...)`` returns a ``Depends`` whose callable also wraps the route's compiled app
(see ``nimbleapi._compile.route_steps``), so a cached answer is sent before the route's
handling runs: no parameter extraction, no dependencies, no serialisation.

* Keys: method, path and query string (or the query parameters named in ``query``), the
  request headers named in ``vary`` (``Authorization`` by default, so one user's answer
  is never served to another), or your own ``key(request) -> str``.
* Only GET and HEAD are cached; only 2xx answers without ``Set-Cookie`` unless
  ``cache_errors`` / ``cache_cookies`` say otherwise; never event streams.
* ``ETag``, ``Last-Modified`` and ``Cache-Control`` are set; ``If-None-Match`` and
  ``If-Modified-Since`` are answered 304.
* Stampede protection: one computation per key at a time in a process, and across
  workers on a shared store (a short lock key; the others wait for the entry).
* Invalidation: ``await invalidate(app, key=..., prefix=..., tags=[...])``. Tags may name
  path parameters: ``tags=["item:{item_id}"]``.
* A store outage turns the cache into a pass-through (logged, never a 500).
A cache hit skips the route's dependencies (authentication included): vary the key on
what they decide, as the default ``vary=("authorization",)`` does.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._batteries.cache_entry import CacheEntry, http_date, make_entry
from ._batteries.degraded import OutageLog
from .params import Depends
from .stores import MemoryStore, Store, StoreUnavailable, get_store

__all__ = ["cache", "invalidate"]

ENTRY_PREFIX = "cache:entry:"
TAG_PREFIX = "cache:tag:"
LOCK_PREFIX = "cache:lock:"
CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
KeyFunction = Callable[[Request], str]


def cache(
    ttl: float = 60,
    *,
    key: KeyFunction | None = None,
    query: Sequence[str] | None = None,
    vary: Sequence[str] = ("authorization",),
    tags: Sequence[str] = (),
    store: str | Store = "default",
    cache_control: str | None = None,
    cache_errors: bool = False,
    cache_cookies: bool = False,
    lock_timeout: float = 5.0,
    max_size: int = 1 << 20,
) -> Any:
    """A dependency that caches the route's answers for *ttl* seconds.

    Args:
        ttl: seconds an answer is served from the cache.
        key: ``key(request) -> str`` replacing the default key.
        query: the query parameters that make the key (default: the whole query string).
        vary: request headers that make the key.
        tags: names to invalidate by; ``{name}`` is replaced by that path parameter.
        store: the store's name (see ``configure_stores``) or a ``Store``.
        cache_control: the ``Cache-Control`` value (default ``max-age=<ttl>``, ``private``
            when the request carries a header named in *vary*); ``""`` sets none.
        cache_errors: also cache answers that are not 2xx.
        cache_cookies: also cache answers that set cookies.
        lock_timeout: how long other requests wait for the one computing a missing entry.
        max_size: larger bodies are sent but not cached.
    """
    step = _CacheStep(
        ttl, key, query, tuple(name.lower() for name in vary), tuple(tags), store,
        cache_control, cache_errors, cache_cookies, lock_timeout, max_size,
    )

    async def cached_response() -> None:  # async: no threadpool hop
        """The cache answers in ``wrap_route_app``; as a dependency there is nothing to do."""

    cached_response.wrap_route_app = step.wrap  # type: ignore[attr-defined]
    return Depends(cached_response)


async def invalidate(
    app: Any, *, key: str | None = None, prefix: str | None = None, tags: Sequence[str] = (), store: str | Store = "default"
) -> None:
    """Drop cached answers: the one under *key* (e.g. ``"GET /items/3"``), every key starting
    with *prefix*, and every answer tagged with one of *tags*. *app* may be a ``Request``."""
    target = get_store(getattr(app, "app", app), store)
    if key is not None:
        await target.delete(ENTRY_PREFIX + key)
    if prefix is not None:
        await target.delete(*[found async for found in target.scan(ENTRY_PREFIX + prefix)])
    for tag in tags:
        await target.incr(TAG_PREFIX + tag)


def default_key(scope: Scope, query: Sequence[str] | None) -> str:
    """``"GET /items?page=2"``: the method (HEAD counts as GET), path and query."""
    query_string = scope.get("query_string", b"").decode("latin-1")
    if query is not None:
        pairs = sorted((name, value) for name, value in parse_qsl(query_string, keep_blank_values=True) if name in query)
        query_string = urlencode(pairs)
    path = scope.get("root_path", "") + scope["path"]
    return f"GET {path}?{query_string}" if query_string else f"GET {path}"


class _CacheStep:
    """One ``cache(...)`` declaration; ``wrap`` builds the step around one route's app."""

    def __init__(
        self, ttl: float, key: KeyFunction | None, query: Sequence[str] | None, vary: tuple[str, ...], tags: tuple[str, ...],
        store: str | Store, cache_control: str | None, cache_errors: bool, cache_cookies: bool, lock_timeout: float, max_size: int,
    ) -> None:  # fmt: skip
        if ttl <= 0:
            raise ValueError("cache ttl must be positive")
        self.ttl, self.key, self.query, self.vary, self.tags, self.store = ttl, key, query, vary, tags, store
        self.cache_control, self.cache_errors, self.cache_cookies = cache_control, cache_errors, cache_cookies
        self.lock_timeout, self.max_size = lock_timeout, max_size
        self.vary_names = [name.encode() for name in vary]
        self.unvaried = frozenset(self.vary_names).isdisjoint  # unvaried(headers): none of them is sent
        self.outage = OutageLog("response cache")
        control = f"max-age={int(ttl)}" if cache_control is None else cache_control
        # The Cache-Control added to answers without their own: for requests without and with a varied header.
        self.controls = (control.encode(), (f"private, {control}" if cache_control is None else control).encode())

    def wrap(self, app: ASGIApp) -> ASGIApp:
        return _CachedRoute(self, app)


class _CachedRoute:
    """The cache in front of one route's compiled app."""

    def __init__(self, step: _CacheStep, app: ASGIApp) -> None:
        self.step, self.app = step, app
        # The requests waiting for the one computing a key's answer (a list, so none is made when none waits).
        self._inflight: dict[str, list[asyncio.Future[_Prepared | None]]] = {}
        self._decoded: dict[str, tuple[bytes, _Prepared]] = {}  # skips decoding an unchanged entry
        self._resolved: tuple[Any, Store] | None = None

    def _store(self, app: Any) -> Store:
        resolved = self._resolved
        if resolved is None or resolved[0] is not app:
            resolved = self._resolved = (app, get_store(app, self.step.store))
        return resolved[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in CACHEABLE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = self._key(scope, headers)
        store = self._store(scope["app"])
        try:
            prepared = await self._lookup(store, key, scope)
            if prepared is None and scope["method"] == "HEAD":  # a HEAD answer has no body to keep
                await self.app(scope, receive, send)
                return
            if prepared is None:
                prepared = await self._fill(store, key, scope, receive, send, headers)
                if prepared is None:
                    return  # answered while filling (or not cacheable)
        except StoreUnavailable as exc:
            self.step.outage.warn(exc, "serving without the cache")
            await self.app(scope, receive, send)
            return
        await self._send_entry(prepared, scope, send, headers, hit=True)

    def _key(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        step = self.step
        key = step.key(Request(scope)) if step.key is not None else default_key(scope, step.query)
        if not step.unvaried(headers):
            varied = [(name, headers[name]) for name in step.vary_names if name in headers]
            digest = hashlib.blake2b(repr(varied).encode(), digest_size=12).hexdigest()
            key = f"{key} [{','.join(name.decode() for name, _ in varied)}={digest}]"
        return key

    def _tag_names(self, scope: Scope) -> list[str]:
        params = scope.get("path_params") or {}
        return [tag.format_map(params) if "{" in tag else tag for tag in self.step.tags]

    async def _tag_versions(self, store: Store, scope: Scope) -> dict[str, int]:
        versions: dict[str, int] = {}
        if not self.step.tags:
            return versions
        for tag in self._tag_names(scope):
            raw = await store.get(TAG_PREFIX + tag)
            versions[tag] = int(raw) if raw else 0
        return versions

    async def _lookup(self, store: Store, key: str, scope: Scope) -> _Prepared | None:
        if type(store) is MemoryStore:  # it holds the prepared entry itself: nothing to decode
            found = store.get_now(ENTRY_PREFIX + key)
            prepared = found if type(found) is _Prepared else None
        else:
            raw = await store.get(ENTRY_PREFIX + key)
            prepared = None if raw is None else self._decoded_entry(key, raw)
        if prepared is None:
            return None
        tags = prepared.entry.tags
        if tags and tags != await self._tag_versions(store, scope):
            return None  # a tag was invalidated since this answer was stored
        return prepared

    def _decoded_entry(self, key: str, raw: bytes) -> _Prepared:
        known = self._decoded.get(key)
        if known is not None and known[0] == raw:
            return known[1]
        return self._remember(key, raw, _Prepared(CacheEntry.decode(raw)))

    def _remember(self, key: str, raw: bytes, prepared: _Prepared) -> _Prepared:
        if len(self._decoded) >= 1024:
            self._decoded.clear()
        self._decoded[key] = (raw, prepared)
        return prepared

    async def _fill(
        self, store: Store, key: str, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]
    ) -> _Prepared | None:
        """Compute the answer (once per key at a time); the entry when another request
        computed it, else None once this request was answered."""
        waiting = self._inflight.get(key)
        if waiting is not None:
            future: asyncio.Future[_Prepared | None] = asyncio.get_running_loop().create_future()
            waiting.append(future)
            prepared = await asyncio.shield(future)
            if prepared is not None:
                return prepared
            await self.app(scope, receive, send)  # the other answer was not cacheable
            return None
        waiting = self._inflight[key] = []  # before any await: later requests of this process wait
        prepared = None
        try:
            if type(store) is not MemoryStore:
                prepared = await self._wait_for_other_worker(store, key, scope)
                if prepared is not None:
                    return prepared
            prepared = await self._compute(store, key, scope, receive, send, headers)
        finally:
            del self._inflight[key]
            for future in waiting:
                future.set_result(prepared)
        return None

    async def _wait_for_other_worker(self, store: Store, key: str, scope: Scope) -> _Prepared | None:
        """Take the fill lock, or wait (bounded) for the worker holding it to store the entry."""
        if await store.set(LOCK_PREFIX + key, b"1", self.step.lock_timeout, only_if_absent=True):
            return None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.step.lock_timeout
        while loop.time() < deadline:
            await asyncio.sleep(0.02)
            prepared = await self._lookup(store, key, scope)
            if prepared is not None:
                return prepared
            if not await store.exists(LOCK_PREFIX + key):  # released: stored just before, or not cacheable
                return await self._lookup(store, key, scope)
        return None

    async def _compute(
        self, store: Store, key: str, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]
    ) -> _Prepared | None:
        capture = _Capture(self.step, send)
        tags = await self._tag_versions(store, scope) if self.step.tags else {}
        await self.app(scope, receive, capture.send)
        entry = capture.cacheable_entry(tags)
        if entry is None:
            await capture.flush()
            return None
        prepared = _Prepared(entry)
        await self._send_entry(prepared, scope, send, headers, hit=False)
        if type(store) is MemoryStore:
            store.set_now(ENTRY_PREFIX + key, prepared, self.step.ttl)
            return prepared
        raw = entry.encode()  # the body is kept as it was sent
        self._remember(key, raw, prepared)
        try:
            await store.set(ENTRY_PREFIX + key, raw, self.step.ttl)
            await store.delete(LOCK_PREFIX + key)
        except StoreUnavailable as exc:
            self.step.outage.warn(exc, "answer not stored")
        return prepared

    async def _send_entry(self, prepared: _Prepared, scope: Scope, send: Send, headers: dict[bytes, bytes], *, hit: bool) -> None:
        entry, response_headers = prepared.entry, prepared.headers[:]
        if self.step.cache_control != "" and not prepared.has_cache_control:
            private = not self.step.unvaried(headers)
            response_headers.append((b"cache-control", self.step.controls[private]))
        if hit:
            response_headers.append(X_CACHE_HIT)
        if entry.not_modified(headers):
            kept = [(name, value) for name, value in response_headers if name not in _DROPPED_ON_304]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": entry.status, "headers": response_headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else entry.body})


class _Prepared:
    """A cache entry with the headers every answer from it carries, built once."""

    __slots__ = ("entry", "has_cache_control", "headers")

    def __init__(self, entry: CacheEntry) -> None:
        self.entry = entry
        self.headers = [*entry.headers, (b"etag", entry.etag.encode()), (b"last-modified", http_date(entry.last_modified))]
        self.has_cache_control = any(name == b"cache-control" for name, _ in entry.headers)


X_CACHE_HIT = (b"x-cache", b"HIT")
_DROPPED_ON_304 = frozenset({b"content-length", b"content-type", b"content-encoding"})


class _Capture:
    """Holds back a response while it may be cached; lets it through once it cannot be."""

    def __init__(self, step: _CacheStep, send: Send) -> None:
        self.step, self.downstream = step, send
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.passing = False
        self.complete = False

    async def send(self, message: Message) -> None:
        if self.passing:
            await self.downstream(message)
            return
        if message["type"] == "http.response.start":
            self.start = message
            if not self._may_cache(message):
                await self._pass_through()
            return
        if message["type"] != "http.response.body":
            await self.downstream(message)
            return
        body = message.get("body", b"")
        self.chunks.append(body)
        self.size += len(body)
        if self.size > self.step.max_size:
            await self._pass_through(more_body=message.get("more_body", False))
        elif not message.get("more_body", False):
            self.complete = True

    def _may_cache(self, start: Message) -> bool:
        step, status = self.step, start["status"]
        if not step.cache_errors and not 200 <= status < 300:
            return False
        for name, value in start.get("headers", ()):
            if name == b"set-cookie" and not step.cache_cookies:
                return False
            if name == b"content-type" and value.startswith(b"text/event-stream"):
                return False
        return True

    async def _pass_through(self, more_body: bool = False) -> None:
        self.passing = True
        assert self.start is not None
        await self.downstream(self.start)
        if self.chunks:
            await self.downstream({"type": "http.response.body", "body": b"".join(self.chunks), "more_body": more_body})

    async def flush(self) -> None:
        """Send what is held back (the app finished without a cacheable answer)."""
        if not self.passing and self.start is not None:
            await self._pass_through()

    def cacheable_entry(self, tags: dict[str, int]) -> CacheEntry | None:
        if self.passing or not self.complete or self.start is None:
            return None
        headers = [(name, value) for name, value in self.start.get("headers", ()) if name not in _VALIDATOR_HEADERS]
        return make_entry(self.start["status"], headers, b"".join(self.chunks), tags)


_VALIDATOR_HEADERS = frozenset({b"etag", b"last-modified"})
