"""GCRA (the generic cell rate algorithm) over several limits at once, in plain Python.

Each limit keeps one number per key, its theoretical arrival time (TAT). A request of
cost ``c`` moves the TAT ``c * period / limit`` forward; it is admitted while the TAT
stays within one ``period`` of now, so a full burst of ``limit`` requests is admitted
and then one more per ``period / limit`` seconds. The Redis store runs the same
arithmetic in a Lua script (``redis.py``); both must agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .base import Quota, QuotaState, ThrottleResult

# Floating point slack so that exactly ``limit`` requests fit in a burst.
EPSILON = 1e-9


def throttle(quotas: Sequence[Quota], tats: Sequence[float | None], now: float, cost: int) -> tuple[ThrottleResult, list[float]]:
    """The decision for *quotas* given their stored TATs, and the TATs to store if allowed."""
    new_tats: list[float] = []
    retry_after = 0.0
    for quota, stored in zip(quotas, tats, strict=True):
        interval = quota.period / quota.limit
        new_tat = max(stored or now, now) + interval * cost
        new_tats.append(new_tat)
        retry_after = max(retry_after, new_tat - now - quota.period)
    allowed = retry_after <= EPSILON
    states = []
    for quota, stored, new_tat in zip(quotas, tats, new_tats, strict=True):
        tat = new_tat if allowed else max(stored or now, now)
        interval = quota.period / quota.limit
        remaining = max(0, math.floor((quota.period - (tat - now)) / interval + EPSILON))
        states.append(QuotaState(remaining=remaining, reset_after=max(0.0, tat - now)))
    return ThrottleResult(allowed, 0.0 if allowed else retry_after, tuple(states)), new_tats
