"""The trading partners behind Cleo, working on its folders in-process as an AS2 connection would.

Driven by the simulator clock: `tick()` picks up new files in each partner's outbound folder and delivers every
answer that has fallen due into the customer's inbound folder. Tests advance the clock and call `tick()`;
`simulators up` calls `start()` so a background thread ticks every `tick_interval` real seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from simulators.core.clock import Clock
from simulators.core.scenario import ScenarioError
from simulators.partners.config import Behaviour, CatalogItem, NetworkConfig
from simulators.partners.partner import OnDemand, SentFile, TradingPartner
from simulators.partners.x12write import Party

logger = logging.getLogger(__name__)

Box = Literal["inbound", "outbound"]


class MailboxFile(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def content(self) -> bytes: ...

    @property
    def created(self) -> float: ...


class Mailboxes(Protocol):
    """The Cleo side as a partner's connection sees it: its outbound folder to read, its inbound folder to fill."""

    def mailbox_files(self, partner: str, box: Box) -> Sequence[MailboxFile]: ...

    def deliver(self, partner: str, box: Box, name: str, content: bytes) -> None: ...


class UnknownPartnerError(LookupError):
    """No partner by that id in the scenario."""


class PartnerNetwork:
    """Every partner of the scenario; thread-safe, since HTTP admin calls and the ticking thread share it."""

    def __init__(self, mailboxes: Mailboxes, clock: Clock, section: dict[str, Any]) -> None:
        try:
            self.config = NetworkConfig.model_validate(section)
        except ValidationError as exc:
            raise ScenarioError(f"scenario section 'partners': {exc}") from exc
        self.customers = {c.id: Party(c.isa_qualifier, c.isa_id) for c in self.config.customers}
        strangers = sorted({p.customer for p in self.config.network} - set(self.customers))
        if strangers:
            raise ScenarioError(f"scenario section 'partners': no interchange id for customers {strangers}")
        self.mailboxes = mailboxes
        self.clock = clock
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.partners: dict[str, TradingPartner] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the scenario: no orders, nothing pending, counters at zero, behaviours as configured."""
        with self._lock:
            self.partners = {
                p.id: TradingPartner(p, self.customers[p.customer], self.config.settings) for p in self.config.network
            }

    def partner(self, partner_id: str) -> TradingPartner:
        try:
            return self.partners[partner_id]
        except KeyError:
            raise UnknownPartnerError(f"partner {partner_id} not found") from None

    def tick(self) -> list[SentFile]:
        """Read new outbound files, then deliver every answer due by now; returns what was delivered."""
        with self._lock:
            now = self.clock.now()
            for partner in self.partners.values():
                for file in self.mailboxes.mailbox_files(partner.config.id, "outbound"):
                    if file.id not in partner.seen_files:
                        partner.seen_files.add(file.id)
                        partner.receive(file.name, file.content.decode("latin-1"), file.created)
            delivered = []
            for partner in self.partners.values():
                for pending in partner.take_due(now):
                    for record, content in partner.write(pending, now):
                        self.mailboxes.deliver(partner.config.id, "inbound", record.name, content)
                        delivered.append(record)
            return delivered

    def set_behaviour(self, partner_id: str, changes: dict[str, Any]) -> Behaviour:
        """Merge `changes` into the partner's behaviour (ValidationError when the result is invalid)."""
        with self._lock:
            partner = self.partner(partner_id)
            partner.behaviour = Behaviour.model_validate({**partner.behaviour.model_dump(), **changes})
            return partner.behaviour

    def send(self, partner_id: str, kind: OnDemand, po_number: str, lines: list[CatalogItem] | None) -> list[SentFile]:
        """The partner sends a document of its own now (later if it is set to be late); then the network ticks."""
        with self._lock:
            partner = self.partner(partner_id)
            before = len(partner.sent)
            partner.schedule_on_demand(kind, po_number, lines, self.clock.now())
            self.tick()
            return partner.sent[before:]

    def start(self, interval: float | None = None) -> None:
        """Tick in a daemon thread every `interval` real seconds (the scenario's `tick_interval` by default)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        period = interval or self.config.settings.tick_interval
        self._thread = threading.Thread(target=self._run, args=(period,), daemon=True, name="partner-network")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self, period: float) -> None:
        while not self._stop.wait(period):
            try:
                self.tick()
            except Exception:
                logger.exception("partner network tick failed; the next tick tries again")

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "settings": self.config.settings.model_dump(mode="json"),
                "running": self.running,
                "partners": {pid: p.state() for pid, p in self.partners.items()},
            }
