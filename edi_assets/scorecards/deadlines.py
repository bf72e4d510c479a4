"""What each partner owes, and by when: one :class:`Deadline` per document a partner should send, as a pure
function of what we sent, what it sent, and the customer's SLA (``customers.yaml`` ``sla:``).

The clocks (every time in UTC):

* **997**: within ``ack997_hours`` of each functional group we sent (850s, and 810s where the customer
  invoices its partners), from the moment Cleo accepted the upload.
* **855**: within ``ack855_hours`` of the first 850 we sent for the PO (a later revision does not restart the
  clock); met by the partner's first 855 for the PO.
* **856**: by the end of the ship date the 850 asked for (DTM 010 requested ship, else 038 ship no later than,
  else 002 delivery requested; the header's, else the earliest line's) plus ``ship856_grace_days``; met by the
  first 856 that ships against the PO. An 850 that asks for no date sets no 856 deadline.
* **810**: within ``invoice810_days`` of each 856, paired in order: the first 810 for a PO answers its first
  856, the second its second, and so on (this also covers POs that did not go through us).

An 855 that rejects the whole order cancels the 856 deadline. Deadlines exist only for the document types the
customer receives (``flows.inbound``; the 997 always). When a partner sent a document is its envelope time
(see :mod:`edi_assets.scorecards.timing`), not when we happened to fetch it.

A deadline is *on time* when the document was sent at or before it, *late* when after, *missing* when it has
passed with nothing sent, and *open* while it has not passed yet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from edi_assets.customers import Sla
from edi_assets.documents import DateRef, PurchaseOrder

Status = Literal["on_time", "late", "missing", "open"]
DOC_TYPES = ("997", "855", "856", "810")
SHIP_DATE_QUALIFIERS = ("010", "038", "002")  # requested ship, ship no later than, delivery requested


@dataclass(frozen=True)
class SentOrder:
    """An 850 we sent: when Cleo accepted it, and the ship date it asked for."""

    partner: str
    po_number: str
    document_id: int
    sent_at: dt.datetime
    ship_by: dt.date | None


@dataclass(frozen=True)
class SentGroup:
    """A functional group we sent, waiting for the partner's 997."""

    partner: str
    group_control_number: str
    sent_at: dt.datetime
    subject: str  # what the group carried, for people: "850 PO10001"


@dataclass(frozen=True)
class Arrival:
    """A document a partner sent us, with its envelope time."""

    partner: str
    doc_type: str
    document_id: int
    number: str | None
    sent_at: dt.datetime
    recorded_at: dt.datetime | None = None
    po_numbers: frozenset[str] = frozenset()
    acknowledges_group: str | None = None  # a 997: the group control number it answers
    rejects_order: bool = False  # an 855 that rejects every line


@dataclass(frozen=True)
class Deadline:
    partner: str
    doc_type: str
    subject: str  # what the document answers, for people
    due_at: dt.datetime
    received_at: dt.datetime | None = None  # when the partner sent the document that met it
    recorded_at: dt.datetime | None = None  # when we recorded that document
    document_id: int | None = None
    po_number: str | None = None

    def status(self, as_of: dt.datetime) -> Status:
        """On time, late, missing or open as it stood at ``as_of``: a document counts once we had recorded it
        (so a partner's clock running ahead of ours does not hide it), and is judged by when it was sent."""
        if self.received_at is not None and (self.recorded_at is None or self.recorded_at <= as_of):
            return "on_time" if self.received_at <= self.due_at else "late"
        return "missing" if as_of > self.due_at else "open"

    @property
    def week(self) -> str:
        """The ISO week the deadline falls in, e.g. ``2026-W47``: the week the document counts as due."""
        year, week, _ = self.due_at.isocalendar()
        return f"{year}-W{week:02d}"


def group_number(value: str) -> str:
    """Group control numbers compare without leading zeros."""
    return value.strip().lstrip("0") or "0"


def ship_by(order: PurchaseOrder) -> dt.date | None:
    """The ship date an 850 asks for (see the module docstring for which DTM counts)."""
    for qualifier in SHIP_DATE_QUALIFIERS:
        found = _dates(order.dates, qualifier) or _dates((d for line in order.lines for d in line.dates), qualifier)
        if found:
            return min(found)
    return None


def _dates(dates: Iterable[DateRef], qualifier: str) -> list[dt.date]:
    return [d.date for d in dates if d.qualifier == qualifier]


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


def deadlines(orders: Sequence[SentOrder], groups: Sequence[SentGroup], arrivals: Sequence[Arrival], *,
              sla_for: Callable[[str], Sla], expected: Iterable[str]) -> list[Deadline]:
    """Every deadline these documents set, with the document that met it (if any)."""
    wanted = set(expected) | {"997"}
    by_po: dict[tuple[str, str, str], list[Arrival]] = defaultdict(list)
    acks: dict[tuple[str, str], list[Arrival]] = defaultdict(list)
    for arrival in sorted(arrivals, key=lambda a: (a.sent_at, a.document_id)):
        for po in arrival.po_numbers:
            by_po[(arrival.partner, arrival.doc_type, po)].append(arrival)
        if arrival.acknowledges_group is not None:
            acks[(arrival.partner, group_number(arrival.acknowledges_group))].append(arrival)
    found: list[Deadline] = []
    first: dict[tuple[str, str], SentOrder] = {}
    for order in sorted(orders, key=lambda o: (o.sent_at, o.document_id)):
        first.setdefault((order.partner, order.po_number), order)
    for (partner, po), order in first.items():
        sla = sla_for(partner)
        confirmations = by_po.get((partner, "855", po), [])
        if "855" in wanted and sla.ack855_hours:
            found.append(_met(partner, "855", f"855 for PO {po}", po,
                              order.sent_at + dt.timedelta(hours=sla.ack855_hours), confirmations))
        if confirmations and confirmations[-1].rejects_order:
            continue
        if "856" in wanted and order.ship_by is not None and sla.ship856_grace_days is not None:
            due = end_of_day(order.ship_by) + dt.timedelta(days=sla.ship856_grace_days)
            found.append(_met(partner, "856", f"856 for PO {po} (ship by {order.ship_by})", po, due,
                              by_po.get((partner, "856", po), [])))
    if "810" in wanted:
        for (partner, doc_type, po), notices in sorted(by_po.items()):
            days = sla_for(partner).invoice810_days
            if doc_type != "856" or not days:
                continue
            invoices = by_po.get((partner, "810", po), [])
            for index, notice in enumerate(notices):
                paired = invoices[index:index + 1]
                found.append(_met(partner, "810", f"810 for PO {po} after 856 {notice.number or ''}".rstrip(), po,
                                  notice.sent_at + dt.timedelta(days=days), paired))
    for group in groups:
        hours = sla_for(group.partner).ack997_hours
        if hours:
            found.append(_met(group.partner, "997", f"997 for group {group.group_control_number} "
                                                    f"({group.subject})", None,
                              group.sent_at + dt.timedelta(hours=hours),
                              acks.get((group.partner, group_number(group.group_control_number)), [])))
    return sorted(found, key=lambda d: (d.partner, d.due_at, DOC_TYPES.index(d.doc_type), d.subject))


def _met(partner: str, doc_type: str, subject: str, po: str | None, due: dt.datetime,
         candidates: Sequence[Arrival]) -> Deadline:
    answer = candidates[0] if candidates else None
    return Deadline(partner=partner, doc_type=doc_type, subject=subject, due_at=due, po_number=po,
                    received_at=answer.sent_at if answer else None,
                    recorded_at=answer.recorded_at if answer else None,
                    document_id=answer.document_id if answer else None)
