"""Rate limiting as a dependency: ``dependencies=[rate_limit("10/minute")]``.

``rate_limit(...)`` returns a ``Depends``, so it is declared where dependencies are: on a
route, a router (``APIRouter(dependencies=...)``, ``include_router``) or the whole app,
or as a parameter when the endpoint wants the decision. Keyed on the request alone (the
client address, an API key), a limit in ``dependencies=[...]`` is a route step in front of
the route's compiled app (``route_step``, see ``nimbleapi._compile.route_steps``) and
leaves the dependency solver; otherwise it runs as one more compiled dependency. Nothing
re-matches the request.

Limits use GCRA (see ``nimbleapi.stores.gcra``): a burst of the full limit, then an even
refill. On a ``RedisStore`` the check runs in one Lua script, so several workers share
one exact budget. Admitted answers carry the IETF ``RateLimit-Policy`` and ``RateLimit``
headers; a refused request gets 429 with ``Retry-After`` and the same headers, and the
429 appears in the OpenAPI document.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._batteries.degraded import OutageLog
from ._compile.errors import answer_in_route
from .exceptions import HTTPException
from .params import Depends
from .stores import MemoryStore, Quota, Store, StoreUnavailable, ThrottleResult, get_store
from .stores.gcra import EPSILON

__all__ = ["Limit", "api_key", "client_address", "parse_limits", "rate_limit"]

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "s": 1, "m": 60, "h": 3600, "d": 86400}
_LIMIT = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*([a-z]+?)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Limit:
    """``limit`` requests per ``period`` seconds."""

    limit: int
    period: float

    @property
    def name(self) -> str:
        """The policy name in the ``RateLimit`` headers, e.g. ``10-per-60s``."""
        return f"{self.limit}-per-{self.period:g}s"


def parse_limits(text: str | Sequence[str]) -> tuple[Limit, ...]:
    """``"10/minute"``, ``"100 per 2 hours"``, ``"10/minute; 1000/day"`` or a list of them."""
    parts = [text] if isinstance(text, str) else list(text)
    limits = []
    for part in (piece for whole in parts for piece in whole.split(";") if piece.strip()):
        match = _LIMIT.match(part)
        unit = match and _UNITS.get(match.group(3).lower())
        if not match or unit is None or int(match.group(1)) < 1:
            raise ValueError(
                f"Invalid rate limit {part!r}: write '<count>/<unit>' or '<count>/<n> <unit>', "
                "with a unit of second, minute, hour or day (e.g. '10/minute', '100/2 hours')"
            )
        limits.append(Limit(int(match.group(1)), int(match.group(2) or 1) * unit))
    if not limits:
        raise ValueError("rate_limit() needs at least one limit, e.g. '10/minute'")
    return tuple(limits)


ScopeKey = Callable[[Scope], str]


def client_address(trusted_proxies: Iterable[str] = ()) -> Callable[[Request], Awaitable[str]]:
    """A key function: the client's IP address. Behind proxies listed in *trusted_proxies*
    (addresses or networks), the address they report in ``X-Forwarded-For`` is used: the
    rightmost one that is not itself a trusted proxy."""
    networks = [ipaddress.ip_network(proxy, strict=False) for proxy in trusted_proxies]

    def trusted(host: str) -> bool:
        try:
            address = ipaddress.ip_address(host.strip())
        except ValueError:
            return False
        return any(address in network for network in networks)

    def client_address_of(scope: Scope) -> str:
        client = scope.get("client")
        host: str = client[0] if client else "unknown"
        if not networks or not trusted(host):
            return host
        for hop in reversed((_header(scope, b"x-forwarded-for") or "").split(",")):
            if hop.strip() and not trusted(hop):
                return hop.strip()
        return host

    return _key_dependency(client_address_of)


def api_key(header: str = "X-API-Key") -> Callable[[Request], Awaitable[str]]:
    """A key function: the API key sent in *header* (the client address when there is none)."""
    name, by_address = header.lower().encode("latin-1"), client_address()
    address_of: ScopeKey = by_address.key_of_scope  # type: ignore[attr-defined]

    def api_key_of(scope: Scope) -> str:
        value = _header(scope, name)
        return f"key:{value}" if value else f"ip:{address_of(scope)}"

    return _key_dependency(api_key_of)


def _key_dependency(key_of_scope: ScopeKey) -> Callable[[Request], Awaitable[str]]:
    """The key as a dependency; ``key_of_scope`` lets a limit declared on a route compute it
    from the request's scope directly, as a route step (see ``rate_limit``)."""

    async def key_dependency(request: Request) -> str:  # async: no threadpool hop
        return key_of_scope(request.scope)

    key_dependency.__name__ = key_dependency.__qualname__ = key_of_scope.__name__.replace("_of", "_key")
    key_dependency.key_of_scope = key_of_scope  # type: ignore[attr-defined]
    return key_dependency


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of the header *name* (lower case), as ``request.headers.get`` gives it."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None


def rate_limit(
    limits: str | Sequence[str],
    *,
    key: Callable[..., Any] | None = None,
    store: str | Store = "default",
    name: str | None = None,
    cost: int = 1,
    on_store_error: Literal["allow", "deny"] = "allow",
    headers: bool = True,
) -> Any:
    """A dependency that admits at most *limits* requests per key.

    Args:
        limits: ``"10/minute"``, several separated by ``;`` or as a list; all must admit.
        key: a dependency (it may take ``Request``, ``Header(...)``, ``Depends(...)``, ...)
            whose value names the client: the client address by default, ``api_key()``, or
            your authentication dependency to limit per user. Make it ``async def``: a
            plain ``def`` dependency runs in the threadpool, which costs more than the limit.
        store: the store's name (see ``configure_stores``) or a ``Store``.
        name: a bucket shared by every route declaring this name; without it, each route
            (method and path template) has its own bucket.
        cost: how much one request counts.
        on_store_error: ``"allow"`` (fail open) or ``"deny"`` (503) when the store is down.
        headers: whether admitted answers carry the ``RateLimit`` headers.
    """
    limiter = _Limiter(parse_limits(limits), store, name, cost, on_store_error, headers)
    key_dependency = key or client_address()

    async def enforce_rate_limit(request: Request, response: Response, client: Any = Depends(key_dependency)) -> None:
        state = await limiter.check(request.scope, client)
        if state is not None and limiter.send_headers:
            headers = response.headers
            headers["RateLimit-Policy"] = limiter.policy
            headers["RateLimit"] = state

    enforce_rate_limit.openapi_responses = limiter.openapi_responses()  # type: ignore[attr-defined]
    key_of_scope: ScopeKey | None = getattr(key_dependency, "key_of_scope", None)
    if key_of_scope is not None:  # a key read from the request alone: the limit can be a route step
        enforce_rate_limit.route_step = lambda app: _LimitedRoute(limiter, key_of_scope, enforce_rate_limit, app)  # type: ignore[attr-defined]
    return Depends(enforce_rate_limit)


class _Limiter:
    """One ``rate_limit`` declaration: its limits and the headers constant for them."""

    def __init__(
        self, limits: tuple[Limit, ...], store: str | Store, name: str | None, cost: int, on_error: str, headers: bool
    ) -> None:
        if cost < 1:
            raise ValueError("cost must be a positive integer")
        self.limits, self.store, self.name, self.cost = limits, store, name, cost
        self.fail_open, self.send_headers = on_error == "allow", headers
        self.policy = ", ".join(f'"{limit.name}";q={limit.limit};w={limit.period:g}' for limit in limits)
        self.policy_header = (b"ratelimit-policy", self.policy.encode("latin-1"))
        self.state_prefixes = [f'"{limit.name}";r=' for limit in limits]
        # One limit on the memory store: (period, seconds per request), checked without building quotas.
        self.single = (limits[0].period, limits[0].period / limits[0].limit) if len(limits) == 1 else None
        self.outage = OutageLog(f"rate limit {'; '.join(limit.name for limit in limits)}")
        self._resolved: tuple[Any, Store] | None = None
        self._key_prefixes: dict[tuple[str, str], list[str]] = {}  # by method and path template
        if name is not None:
            self._named_prefixes = self._prefixes_for(name)

    def _store(self, app: Any) -> Store:
        resolved = self._resolved
        if resolved is None or resolved[0] is not app:
            resolved = self._resolved = (app, get_store(app, self.store))
        return resolved[1]

    def _prefixes_for(self, bucket: str) -> list[str]:
        return [f"ratelimit:{bucket}:{limit.name}:" for limit in self.limits]

    def _prefixes(self, scope: Scope) -> list[str]:
        """The store keys of the request's bucket, one per limit, without the client."""
        if self.name is not None:
            return self._named_prefixes
        route, method = scope.get("route"), scope["method"]
        path_format = getattr(route, "path_format", None)
        if not path_format:
            return self._prefixes_for(f"{method} {scope['path']}")
        prefixes = self._key_prefixes.get((method, path_format))
        if prefixes is None:
            prefixes = self._key_prefixes[method, path_format] = self._prefixes_for(f"{method} {path_format}")
        return prefixes

    async def check(self, scope: Scope, client: Any) -> str | None:
        """Count the request: the ``RateLimit`` header value when admitted, None when the
        store is down and the limit fails open; raises the 429 (or 503) otherwise."""
        prefixes = self._prefixes(scope)
        store = self._store(scope["app"])
        if type(store) is MemoryStore:  # no await: the memory store decides synchronously
            if self.single is not None:
                return self._check_one(store, f"{prefixes[0]}{client}")
            return self._answer(store.throttle_now(self._quotas(prefixes, client), self.cost))
        try:
            result = await store.throttle(self._quotas(prefixes, client), self.cost)
        except StoreUnavailable as exc:
            self._store_failed(exc)
            return None
        return self._answer(result)

    def _check_one(self, store: MemoryStore, key: str) -> str:
        assert self.single is not None
        period, interval = self.single
        retry_after, pending = store.take(key, period, interval, self.cost)
        remaining = max(0, math.floor((period - pending) / interval + EPSILON))
        state = f"{self.state_prefixes[0]}{remaining};t={math.ceil(pending)}"
        if retry_after > EPSILON:
            raise self._refusal(retry_after, state)
        return state

    def _quotas(self, prefixes: list[str], client: Any) -> list[Quota]:
        return [Quota(f"{prefix}{client}", limit.limit, limit.period) for prefix, limit in zip(prefixes, self.limits, strict=True)]

    def _answer(self, result: ThrottleResult) -> str:
        state = ", ".join(
            f"{prefix}{quota.remaining};t={math.ceil(quota.reset_after)}"
            for prefix, quota in zip(self.state_prefixes, result.states, strict=True)
        )
        if not result.allowed:
            raise self._refusal(result.retry_after, state)
        return state

    def _refusal(self, retry_after: float, state: str) -> HTTPException:
        headers = {"Retry-After": str(max(1, math.ceil(retry_after))), "RateLimit-Policy": self.policy, "RateLimit": state}
        return HTTPException(429, "Too Many Requests", headers=headers)

    def _store_failed(self, error: StoreUnavailable) -> None:
        if self.fail_open:
            self.outage.warn(error, "admitting requests unchecked (on_store_error='allow')")
            return
        self.outage.warn(error, "refusing requests with 503 (on_store_error='deny')")
        raise HTTPException(503, "Rate limit unavailable", headers={"Retry-After": "1"})

    def openapi_responses(self) -> dict[int | str, Any]:
        described = {"description": "Too Many Requests", "content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {"type": "string"}}}}}}
        described["headers"] = {
            "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}},
            "RateLimit-Policy": {"description": "The limits (IETF RateLimit header fields)", "schema": {"type": "string"}},
            "RateLimit": {"description": "Remaining quota and seconds to reset, per limit", "schema": {"type": "string"}},
        }
        return {429: described}


class _LimitedRoute:
    """A limit keyed on the request alone, checked in front of one route's compiled app:
    no dependency to solve, no ``Request`` or ``Response`` object to build. The headers go
    onto the answer's start unless an inner limit already put its own there."""

    def __init__(self, limiter: _Limiter, key_of_scope: ScopeKey, dependency: Callable[..., Any], app: ASGIApp) -> None:
        self.limiter, self.key_of_scope, self.dependency, self.app = limiter, key_of_scope, dependency, app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter = self.limiter
        overrides = getattr(scope["app"], "dependency_overrides", None)
        if overrides and self.dependency in overrides:  # the limit is overridden (tests turn limits off so)
            await self.app(scope, receive, send)
            return
        try:
            state = await limiter.check(scope, self.key_of_scope(scope))
        except HTTPException as exc:
            if not await answer_in_route(exc, scope, receive, send, started=False):
                raise
            return
        if state is None or not limiter.send_headers:
            await self.app(scope, receive, send)
            return
        added = (limiter.policy_header, (b"ratelimit", state.encode("latin-1")))

        async def send_with_rate_limit(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers") or ()
                if not any(name == b"ratelimit" for name, _ in headers):
                    message = {**message, "headers": [*headers, *added]}
            await send(message)

        await self.app(scope, receive, send_with_rate_limit)
