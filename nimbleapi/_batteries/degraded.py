"""Logging a store outage without flooding the log: one line per battery per interval.

A lost Redis makes every request hit the same error; the batteries degrade (pass through,
fail open or closed) and say so here at most once every ``interval`` seconds, with the
count of the occurrences it did not print.
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger("nimbleapi.batteries")


class OutageLog:
    """Rate-limited warnings for one battery."""

    def __init__(self, what: str, interval: float = 10.0) -> None:
        self.what, self.interval = what, interval
        self._last = -float("inf")
        self._suppressed = 0

    def warn(self, error: BaseException, consequence: str) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            self._suppressed += 1
            return
        more = f" ({self._suppressed} more since the last message)" if self._suppressed else ""
        logger.warning("%s: store unavailable, %s: %s%s", self.what, consequence, error, more)
        self._last, self._suppressed = now, 0
