"""A clock tests can move forward, so token expiry and SLA delays need no sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time plus an offset that `/_sim/clock` (or a test) can advance."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def reset(self) -> None:
        self.offset = 0.0
