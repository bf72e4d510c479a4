"""Cookie sessions (idle expiry, the licence's concurrent-login cap) and the per-minute request budget."""

from __future__ import annotations

import math
import secrets
from collections import deque
from dataclasses import dataclass

from simulators.core.clock import Clock
from simulators.core.secrets import same_secret


@dataclass
class Session:
    cookie: str
    tenant: str
    username: str
    last_used: float


class SessionStore:
    """Sessions live while used; one idle longer than the timeout is gone and frees its licence slot."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._sessions: dict[str, Session] = {}

    def live(self, idle_timeout: float) -> list[Session]:
        now = self.clock.now()
        for cookie in [c for c, s in self._sessions.items() if now - s.last_used > idle_timeout]:
            del self._sessions[cookie]
        return list(self._sessions.values())

    def open(self, tenant: str, username: str, idle_timeout: float, limit: int) -> Session | None:
        """A new session, or None when the licence's concurrent API logins are all taken."""
        if len(self.live(idle_timeout)) >= limit:
            return None
        session = Session(secrets.token_urlsafe(32), tenant, username, self.clock.now())
        self._sessions[session.cookie] = session
        return session

    def touch(self, cookie: str | None, idle_timeout: float) -> Session | None:
        session = next((s for s in self.live(idle_timeout) if same_secret(cookie, s.cookie)), None)
        if session is not None:
            session.last_used = self.clock.now()
        return session

    def close(self, cookie: str | None) -> None:
        self._sessions.pop(cookie or "", None)

    def clear(self) -> None:
        self._sessions.clear()


class RequestBudget:
    """A sliding one-minute window of request times, on the simulator clock."""

    WINDOW = 60.0

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._times: deque[float] = deque()

    def admit(self, per_minute: int) -> int | None:
        """None when the request may run (and counts it); else the seconds to wait."""
        now = self.clock.now()
        while self._times and now - self._times[0] >= self.WINDOW:
            self._times.popleft()
        if len(self._times) >= per_minute:
            return max(1, math.ceil(self._times[0] + self.WINDOW - now))
        self._times.append(now)
        return None

    def clear(self) -> None:
        self._times.clear()
