"""The Web Connector's scheduler: a session per application every `poll_interval_seconds` of the simulator clock.

When an application's last session is due again follows from that session: authenticate's third
answer (seconds to wait) wins, else the poll interval, raised to the fourth (the minimum interval).
Advancing the simulator clock makes sessions due without waiting.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulators.quickbooks.backend import QuickBooksBackend
    from simulators.quickbooks.connector import SessionLog

_log = logging.getLogger(__name__)


class WebConnectorDriver:
    """Runs due sessions: `run_due()` once, or every `tick_seconds` of real time on a background thread."""

    def __init__(self, backend: QuickBooksBackend, tick_seconds: float = 0.5) -> None:
        self._backend = backend
        self._tick_seconds = tick_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def due_at(self, company_id: str) -> float:
        """When the company's next session is due on the simulator clock (0: at once, it never ran)."""
        last = self._backend.last_session(company_id)
        if last is None:
            return 0.0
        interval = max(self._backend.settings.poll_interval_seconds, last.min_run_every_seconds or 0)
        wait = last.next_update_seconds if last.next_update_seconds else interval
        return (last.ended_at or last.started_at) + wait

    def run_once(self) -> list[SessionLog]:
        """A session for every application now, whatever the schedule says."""
        return [self._backend.run_session(company_id) for company_id in self._backend.companies]

    def run_due(self) -> list[SessionLog]:
        now = self._backend.clock.now()
        due = [company_id for company_id in self._backend.companies if self.due_at(company_id) <= now]
        return [self._backend.run_session(company_id) for company_id in due]

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="qbwc-scheduler")
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # a bug in one round must not end the schedule
                _log.exception("Web Connector scheduler round failed")
            self._stop.wait(self._tick_seconds)
