"""The one retry policy every connector uses, built on tenacity.

* Exponential backoff with full jitter (tenacity's ``wait_random_exponential``), and never less than what the
  system asked for in Retry-After: ``wait = max(retry_after, jitter)``.
* Bounded twice: by attempts and by total time. The time bound is checked *before* sleeping, so a Retry-After
  longer than what is left of the budget ends the loop at once with the :class:`RateLimited` error (its
  ``retry_after`` tells the caller when to come back) instead of oversleeping.
* Only :class:`RateLimited` and :class:`TransientError` are retried, and a :class:`TransientError` only when
  repeating is harmless: the request is safe (idempotent) or certainly never reached the system.
  :class:`OutcomeUnknown` is never retried: the caller looks the record up first (see DESIGN, exactly-once).
  A 429 is retried whatever the method, because the system refused the request without acting on it.

Sleep and clock are injectable, so tests run without sleeping and assert the waits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_any
from tenacity.stop import stop_base
from tenacity.wait import wait_base, wait_random_exponential

from edi_assets.connectors.errors import OutcomeUnknown, RateLimited, TransientError
from edi_assets.connectors.redaction import get_logger

T = TypeVar("T")

log = get_logger(__name__)


class RetrySettings(BaseModel):
    """Retry policy parameters; one per system, overridable per customer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=5, ge=1, description="attempts in all, the first one included")
    max_total_seconds: float = Field(default=60.0, gt=0, description="no retry starts a sleep past this")
    initial_backoff_seconds: float = Field(default=0.5, gt=0, description="upper bound of the first jitter")
    max_backoff_seconds: float = Field(default=30.0, gt=0, description="cap on the jitter window")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date; None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_retryable(error: BaseException, *, safe: bool) -> bool:
    """Whether repeating the request that raised ``error`` can do no harm and may succeed."""
    if isinstance(error, RateLimited):
        return True
    if isinstance(error, OutcomeUnknown) or not isinstance(error, TransientError):
        return False
    return safe or not error.sent


class _WaitRetryAfterOrJitter(wait_base):
    """max(Retry-After of the last error, full-jitter backoff)."""

    def __init__(self, jitter: wait_base) -> None:
        self._jitter = jitter

    def __call__(self, retry_state: RetryCallState) -> float:
        backoff = float(self._jitter(retry_state))
        error = retry_state.outcome.exception() if retry_state.outcome else None
        asked = getattr(error, "retry_after", None)
        return max(float(asked), backoff) if asked is not None else backoff


class _StopOnBudget(stop_base):
    """Stop when the next sleep would end past the total-time budget (on the injected clock)."""

    def __init__(self, budget: float, started: float, clock: Callable[[], float]) -> None:
        self._deadline = started + budget
        self._clock = clock

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._clock() + retry_state.upcoming_sleep > self._deadline


class RetryPolicy:
    """Runs a callable under the retry rules above; raises the last typed error when it gives up."""

    def __init__(self, settings: RetrySettings | None = None, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings or RetrySettings()
        self._sleep = sleep
        self._clock = clock

    def call(self, fn: Callable[[], T], *, safe: bool, what: str) -> T:
        """``fn()`` with retries; ``safe`` says whether the request may be repeated, ``what`` names it in logs."""
        s = self.settings
        retrying = Retrying(
            stop=stop_any(stop_after_attempt(s.max_attempts),
                          _StopOnBudget(s.max_total_seconds, self._clock(), self._clock)),
            wait=_WaitRetryAfterOrJitter(wait_random_exponential(multiplier=s.initial_backoff_seconds,
                                                                 max=s.max_backoff_seconds)),
            retry=retry_if_exception(lambda error: is_retryable(error, safe=safe)),
            sleep=self._sleep,
            before_sleep=lambda state: _log_retry(state, what, s.max_attempts),
            reraise=True,
        )
        return retrying(fn)


def _log_retry(state: RetryCallState, what: str, max_attempts: int) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("%s: attempt %d of %d failed (%s: %s); retrying in %.2f s", what, state.attempt_number,
                max_attempts, type(error).__name__, error, state.upcoming_sleep)

