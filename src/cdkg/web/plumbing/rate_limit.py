"""A per-client rate limit: a token bucket per address, refilled continuously.

A client may send `per_minute` requests at once, then one more each `60 / per_minute` seconds.
The buckets live in the serving process, which is why `cdkg serve` runs one process.
"""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """Admits or refuses requests by client address; refused ones learn how long to wait."""

    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self._refill_per_second = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def admit(self, client: str) -> int:
        """0 if the request may go ahead, else the seconds to wait before the next one will."""
        if self.per_minute <= 0:
            return 0
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * self._refill_per_second)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > 10_000:
                    self._forget_full_buckets(now)
                return 0
            self._buckets[client] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self._refill_per_second))

    def _forget_full_buckets(self, now: float) -> None:
        """Drop clients whose bucket has refilled: they are as if never seen."""
        full_after = self.per_minute / self._refill_per_second
        for client, (_, then) in list(self._buckets.items()):
            if now - then >= full_after:
                del self._buckets[client]
