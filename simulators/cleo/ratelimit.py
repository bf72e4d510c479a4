"""Cleo's request budget [U]: a token bucket per (path, access token), refilled on the simulator clock."""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulators.core.clock import Clock


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`rate` requests per second per key, in bursts of at most `rate` (a bucket holds one second's worth)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def take(self, path: str, token: str, rate: float) -> int | None:
        """None when the request may go ahead, else the whole seconds to wait (the `Retry-After` value)."""
        now = self.clock.now()
        bucket = self._buckets.setdefault((path, token), _Bucket(rate, now))
        bucket.tokens = min(rate, bucket.tokens + max(0.0, now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / rate))

    def clear(self) -> None:
        self._buckets.clear()
