"""One trading partner: reads what its customer sends, schedules its answers, writes them when they fall due."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from simulators.partners.config import CatalogItem, NetworkSettings, PartnerConfig
from simulators.partners.documents import (
    acknowledgment_997,
    confirmation_855,
    interchange_acknowledgment,
    invoice_810,
    purchase_order_850,
    shipment_856,
    sscc,
)
from simulators.partners.orders import Order, catalog_lines, confirm
from simulators.partners.x12read import (
    EnvelopeError,
    InterchangeHeader,
    ReceivedGroup,
    ReceivedInterchange,
    ReceivedSet,
    read_acknowledgment,
    read_interchanges,
    read_invoice,
    read_order,
    read_ta1,
)
from simulators.partners.x12write import (
    ControlNumbers,
    Envelope,
    Party,
    Segment,
    write_interchange,
    write_ta1_interchange,
)

Kind = Literal["997", "TA1", "855", "856", "810", "850"]
OnDemand = Literal["855", "856", "810", "850"]
FUNCTIONAL_IDS: dict[str, str] = {"997": "FA", "855": "PR", "856": "SH", "810": "IN", "850": "PO"}


@dataclass(frozen=True)
class Pending:
    """An answer waiting for its time; 997 and TA1 bodies are built on receipt, order documents when sent."""

    due: float
    kind: Kind
    receiver: Party
    order: Order | None = None
    bodies: tuple[tuple[Segment, ...], ...] = ()


@dataclass
class SentFile:
    """One file delivered to the customer's inbound folder, and what the customer acknowledged of it."""

    name: str
    kind: Kind
    interchange: int
    group: int | None
    reference: str
    po_number: str
    at: float
    broken: str | None
    copy_of: str | None = None
    acknowledged: str | None = None
    interchange_ack: str | None = None


class TradingPartner:
    """State of one partner: orders received, answers pending, files sent, counters."""

    def __init__(self, config: PartnerConfig, customer: Party, settings: NetworkSettings) -> None:
        self.config = config
        self.party = Party(config.isa_qualifier, config.isa_id)
        self.customer = customer
        self.settings = settings
        self.behaviour = config.behaviour
        self.controls = ControlNumbers()
        self.serials: Counter[str] = Counter()
        self.seen_files: set[str] = set()
        self.orders: dict[str, Order] = {}
        self.invoices_received: list[dict[str, str]] = []
        self.received: list[dict[str, Any]] = []
        self.pending: list[Pending] = []
        self.sent: list[SentFile] = []
        self.unmatched_acknowledgments: list[dict[str, Any]] = []

    # --- receiving -------------------------------------------------------------------------------------------

    def receive(self, name: str, text: str, at: float) -> None:
        """Read one file of the outbound folder (uploaded at `at`) and schedule every answer it calls for."""
        try:
            interchanges = read_interchanges(text)
        except EnvelopeError as exc:
            self._refuse(name, exc.header, exc.code, at, str(exc))
            return
        for interchange in interchanges:
            self._receive_interchange(name, interchange, at)

    def _receive_interchange(self, name: str, interchange: ReceivedInterchange, at: float) -> None:
        header = interchange.header
        if self.settings.check_receiver and header.receiver != self.party:
            self._refuse(name, header, "008", at, f"addressed to {header.receiver.qualifier}:{header.receiver.id}")
            return
        if interchange.error is not None:
            self._refuse(name, header, interchange.error, at, "interchange envelope error")
            return
        for ta1 in interchange.ta1s:
            self._record_ta1(ta1)
        acknowledgments = []
        for group in interchange.groups:
            if group.functional_id == "FA":
                self._record_997s(group)
                continue
            for received in group.sets:
                self._take(received, group, header.sender, at)
            acknowledgments.append(tuple(acknowledgment_997(group, self.config.version)))
        if acknowledgments:
            self._schedule(at + self._delay(self.config.delays.ack997), "997", header.sender,
                           bodies=tuple(acknowledgments))
        sets = [s for g in interchange.groups for s in g.sets]
        outcome = "accepted" if all(s.accepted for s in sets) else "rejected"
        self.received.append({"file": name, "interchange": header.control, "sets": len(sets), "outcome": outcome})

    def _take(self, received: ReceivedSet, group: ReceivedGroup, sender: Party, at: float) -> None:
        if received.error is not None:
            return
        if received.set_id == "850":
            order = read_order(received)
            if order is not None and group.error is None:
                self._take_order(order, sender, at)
        elif received.set_id == "810":
            invoice = read_invoice(received)
            if invoice is not None:
                self.invoices_received.append(invoice)
        else:
            received.error = "1"  # transaction set not supported

    def _take_order(self, order: Order, sender: Party, at: float) -> None:
        known = self.orders.get(order.number)
        if known is not None:
            known.times_received += 1
            if not self.settings.answer_repeated_orders:
                return
            order.times_received = known.times_received
        self.orders[order.number] = order
        order.confirmed = confirm(order.lines, self.behaviour)
        delays = self.config.delays
        self._schedule(at + self._delay(delays.ack855), "855", sender, order=order)
        if order.shipped_lines:
            self._schedule(at + self._delay(delays.ship856), "856", sender, order=order)
            self._schedule(at + self._delay(delays.invoice810), "810", sender, order=order)

    def _refuse(self, name: str, header: InterchangeHeader | None, note: str, at: float, reason: str) -> None:
        when = datetime.fromtimestamp(at, UTC)
        ta1 = interchange_acknowledgment(header, when, note)
        receiver = header.sender if header is not None else self.customer
        self._schedule(at + self._delay(self.config.delays.ack997), "TA1", receiver, bodies=((ta1,),))
        control = header.control if header is not None else ""
        self.received.append({"file": name, "interchange": control, "outcome": f"refused (TA1 {note}): {reason}"})

    def _record_997s(self, group: ReceivedGroup) -> None:
        for received in group.sets:
            control, verdict = read_acknowledgment(received)
            sent = next((s for s in self.sent if s.group is not None and s.group == control), None)
            if sent is None:
                self.unmatched_acknowledgments.append({"kind": "997", "group": control, "verdict": verdict})
            else:
                sent.acknowledged = verdict

    def _record_ta1(self, ta1: Any) -> None:
        control, verdict, note = read_ta1(ta1)
        matched = [s for s in self.sent if s.interchange == control]
        for sent in matched:
            sent.interchange_ack = f"{verdict} {note}".strip()
        if not matched:
            self.unmatched_acknowledgments.append({"kind": "TA1", "interchange": control, "verdict": verdict})

    # --- sending ---------------------------------------------------------------------------------------------

    def schedule_on_demand(self, kind: OnDemand, po_number: str, lines: list[CatalogItem] | None, at: float) -> None:
        """A document the partner sends on its own: for an order it received (unless `lines` are given), else for
        the given lines or its catalog."""
        order = self.orders.get(po_number) if kind != "850" and lines is None else None
        if order is None:
            chosen = catalog_lines(self.config.catalog if lines is None else lines, partner_sells=kind != "850")
            if not chosen:
                raise ValueError("no lines: pass lines or give the partner a catalog")
            order = Order(po_number, datetime.fromtimestamp(at, UTC).date(), chosen)
            order.confirmed = confirm(chosen, self.behaviour)
        self._schedule(at, kind, self.customer, order=order)

    def take_due(self, now: float) -> list[Pending]:
        due = sorted((p for p in self.pending if p.due <= now), key=lambda p: p.due)
        self.pending = [p for p in self.pending if p.due > now]
        return due

    def write(self, pending: Pending, now: float) -> list[tuple[SentFile, bytes]]:
        """The file (two, when duplicating) for one due answer, with control numbers taken now."""
        when = datetime.fromtimestamp(now, UTC)
        envelope = Envelope(self.party, pending.receiver, self.config.version, self.settings.usage_indicator, when)
        reference = ""
        if pending.kind == "TA1":
            written = write_ta1_interchange(envelope, self.controls, pending.bodies[0][0])
        else:
            if pending.order is not None:
                reference, body = self._order_document(pending.kind, pending.order, when)
                bodies = [body]
            else:
                bodies = [list(b) for b in pending.bodies]
            transactions = [(pending.kind, body) for body in bodies]
            written = write_interchange(
                envelope, self.controls, FUNCTIONAL_IDS[pending.kind], transactions, self.behaviour.broken
            )
        name = f"{pending.kind}_{self.config.id}_{written.interchange:09d}.edi"
        po_number = pending.order.number if pending.order is not None else ""
        broken = None if pending.kind == "TA1" else self.behaviour.broken
        records = [SentFile(name, pending.kind, written.interchange, written.group, reference, po_number, now, broken)]
        if self.behaviour.duplicate:
            records.append(replace(records[0], name=name.replace(".edi", "_copy.edi"), copy_of=name))
        self.sent.extend(records)
        content = written.text.encode("ascii", "replace")
        return [(record, content) for record in records]

    def _order_document(self, kind: Kind, order: Order, when: datetime) -> tuple[str, list[Segment]]:
        if kind == "855":
            reference = self._next("SO")
            return reference, confirmation_855(order, when, reference)
        if kind == "856":
            reference = self._next("SH")
            cartons = [sscc(self.config.gs1_prefix, self._serial("sscc")) for _ in order.shipped_lines]
            return reference, shipment_856(order, when, reference, cartons)
        if kind == "810":
            reference = self._next("INV")
            return reference, invoice_810(order, when, reference, self.config.terms)
        return order.number, purchase_order_850(order)

    def _delay(self, seconds: float) -> float:
        return seconds * self.settings.delay_scale

    def _schedule(
        self,
        due: float,
        kind: Kind,
        receiver: Party,
        order: Order | None = None,
        bodies: tuple[tuple[Segment, ...], ...] = (),
    ) -> None:
        """Queue an answer; a late partner (`extra_delay`) holds every answer back by that much more."""
        self.pending.append(Pending(due + self.behaviour.extra_delay, kind, receiver, order, bodies))

    def _serial(self, name: str) -> int:
        self.serials[name] += 1
        return self.serials[name]

    def _next(self, prefix: str) -> str:
        return f"{prefix}{self._serial(prefix):06d}"

    def state(self) -> dict[str, Any]:
        return {
            "id": self.config.id,
            "isa": f"{self.party.qualifier}:{self.party.id}",
            "behaviour": self.behaviour.model_dump(mode="json"),
            "orders": {number: order.summary() for number, order in self.orders.items()},
            "invoices_received": self.invoices_received,
            "received": self.received,
            "pending": [
                {"due": p.due, "kind": p.kind, "po_number": p.order.number if p.order else ""} for p in self.pending
            ],
            "sent": [asdict(s) for s in self.sent],
            "unmatched_acknowledgments": self.unmatched_acknowledgments,
        }
