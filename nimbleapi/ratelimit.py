"""Rate limiting as a dependency: ``dependencies=[rate_limit("10/minute")]``.

``rate_limit(...)`` returns a ``Depends``, so it is declared where dependencies are: on a
route, a router (``APIRouter(dependencies=...)``, ``include_router``) or the whole app,
or as a parameter when the endpoint wants the decision. It runs as one more step of the
route's compiled dependency list; nothing re-matches the request.

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

from ._batteries.degraded import OutageLog
from .exceptions import HTTPException
from .params import Depends
from .stores import MemoryStore, Quota, Store, StoreUnavailable, ThrottleResult, get_store

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

    async def client_address_key(request: Request) -> str:  # async: no threadpool hop
        host = request.client.host if request.client else "unknown"
        if not networks or not trusted(host):
            return host
        for hop in reversed(request.headers.get("x-forwarded-for", "").split(",")):
            if hop.strip() and not trusted(hop):
                return hop.strip()
        return host

    return client_address_key


def api_key(header: str = "X-API-Key") -> Callable[[Request], Awaitable[str]]:
    """A key function: the API key sent in *header* (the client address when there is none)."""
    by_address = client_address()

    async def api_key_key(request: Request) -> str:
        value = request.headers.get(header)
        return f"key:{value}" if value else f"ip:{await by_address(request)}"

    return api_key_key


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
        await limiter.check(request, response, client)

    enforce_rate_limit.openapi_responses = limiter.openapi_responses()  # type: ignore[attr-defined]
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
        self.names = [limit.name for limit in limits]
        self.policy = ", ".join(f'"{limit.name}";q={limit.limit};w={limit.period:g}' for limit in limits)
        self.outage = OutageLog(f"rate limit {'; '.join(limit.name for limit in limits)}")
        self._resolved: tuple[Any, Store] | None = None

    def _store(self, app: Any) -> Store:
        resolved = self._resolved
        if resolved is None or resolved[0] is not app:
            resolved = self._resolved = (app, get_store(app, self.store))
        return resolved[1]

    async def check(self, request: Request, response: Response, client: Any) -> None:
        scope = request.scope
        if self.name is None:
            route = scope.get("route")
            bucket = f"{scope['method']} {getattr(route, 'path_format', None) or scope['path']}"
        else:
            bucket = self.name
        quotas = [Quota(f"ratelimit:{bucket}:{limit.name}:{client}", limit.limit, limit.period) for limit in self.limits]
        store = self._store(scope["app"])
        try:
            if type(store) is MemoryStore:  # no await: the memory store decides synchronously
                result = store.throttle_now(quotas, self.cost)
            else:
                result = await store.throttle(quotas, self.cost)
        except StoreUnavailable as exc:
            self._store_failed(exc)
            return
        if not result.allowed:
            raise HTTPException(429, "Too Many Requests", headers={"Retry-After": str(max(1, math.ceil(result.retry_after))), **self.headers(result)})
        if self.send_headers:
            headers = response.headers
            headers["RateLimit-Policy"] = self.policy
            headers["RateLimit"] = self.state(result)

    def state(self, result: ThrottleResult) -> str:
        """The ``RateLimit`` header: remaining quota and seconds to its reset, per limit."""
        return ", ".join(
            f'"{name}";r={quota.remaining};t={math.ceil(quota.reset_after)}'
            for name, quota in zip(self.names, result.states, strict=True)
        )

    def headers(self, result: ThrottleResult) -> dict[str, str]:
        return {"RateLimit-Policy": self.policy, "RateLimit": self.state(result)}

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
