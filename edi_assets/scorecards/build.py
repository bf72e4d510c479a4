"""A customer's partner scorecard from its ledger: the deadlines, the weekly table, each partner's rate over the
window against its threshold, what is overdue, and the plot. Read-only: it changes nothing in the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from sqlalchemy import select

from edi_assets.customers import Customer
from edi_assets.documents import FunctionalAck, POAcknowledgment, PurchaseOrder
from edi_assets.ledger import Ledger
from edi_assets.ledger import schema as s
from edi_assets.matching.records import Record, aware, load_records
from edi_assets.matching.rules import REJECTED
from edi_assets.scorecards import table
from edi_assets.scorecards.deadlines import Arrival, Deadline, SentGroup, SentOrder, deadlines, ship_by
from edi_assets.scorecards.plot import plot_rates
from edi_assets.scorecards.timing import EnvelopeClock

DEFAULT_WEEKS = 4  # the window the partner rates, the threshold check and the overdue warning look at


@dataclass
class Scorecard:
    customer: Customer
    as_of: dt.datetime
    weeks: int
    deadlines: list[Deadline] = field(default_factory=list)

    @cached_property
    def weekly(self) -> pd.DataFrame:
        """Per partner, ISO week and document type: due, on time, late, missing, on-time rate (all weeks)."""
        return table.weekly(self.deadlines, self.as_of)

    @cached_property
    def partners(self) -> pd.DataFrame:
        """Per partner over the last ``weeks`` ISO weeks: the same counts, the threshold, whether below it."""
        return table.partners(self.deadlines, self.as_of, weeks=self.weeks,
                              partner_ids=[p.id for p in self.customer.partners], sla_for=self.customer.sla_for)

    @cached_property
    def overdue(self) -> list[Deadline]:
        """Documents overdue (deadline passed, nothing sent) whose deadline falls in the window."""
        return table.overdue(table.in_window(self.deadlines, self.as_of, self.weeks), self.as_of)

    @property
    def below_threshold(self) -> list[str]:
        return [str(p) for p in self.partners.loc[self.partners["below"], "partner"]]

    def png(self) -> bytes:
        thresholds = {p.id: self.customer.sla_for(p.id).min_on_time_rate for p in self.customer.partners}
        return plot_rates(self.weekly, partners=[p.id for p in self.customer.partners], thresholds=thresholds,
                          title=f"{self.customer.name}: on-time rate per partner and ISO week")


def build_scorecard(ledger: Ledger, customer: Customer, *, as_of: dt.datetime | None = None,
                    weeks: int = DEFAULT_WEEKS) -> Scorecard:
    """The scorecard as it stands at ``as_of`` (now by default, UTC)."""
    moment = aware(as_of) if as_of is not None else dt.datetime.now(dt.UTC)
    records = load_records(ledger, customer.id, doc_types=["850", "855", "856", "810", "997"])
    uploads = {int(u.id): u for u in ledger.uploads(customer.id, states=["done"], kind="document")}
    sent_at = {u.subject_key: aware(u.updated_at) for u in uploads.values()}
    numbers = {str(r.id): f"{r.doc_type} {r.number or ''}".strip() for r in records if r.direction == "out"}
    orders = [SentOrder(partner=r.partner, po_number=r.document.po_number, document_id=r.id,
                        sent_at=sent_at[str(r.id)], ship_by=ship_by(r.document))
              for r in records if r.direction == "out" and isinstance(r.document, PurchaseOrder)
              and str(r.id) in sent_at]
    groups = [SentGroup(partner=g.partner, group_control_number=g.group_control_number,
                        sent_at=aware(uploads[int(g.upload_id)].updated_at),
                        subject=numbers.get(uploads[int(g.upload_id)].subject_key, "document"))
              for g in ledger.groups_out(customer.id) if int(g.upload_id) in uploads]
    clock = EnvelopeClock(lambda file_id: _file_content(ledger, file_id))
    arrivals = [_arrival(r, clock) for r in records if r.direction == "in" and r.document is not None]
    found = deadlines(orders, groups, arrivals, sla_for=customer.sla_for, expected=customer.flows.inbound)
    return Scorecard(customer=customer, as_of=moment, weeks=weeks, deadlines=found)


def _arrival(record: Record, clock: EnvelopeClock) -> Arrival:
    document = record.document
    return Arrival(partner=record.partner, doc_type=record.doc_type, document_id=record.id, number=record.number,
                   sent_at=clock.sent_at(record.file_id, record.interchange_control_number,
                                         record.group_control_number, record.recorded_at),
                   recorded_at=record.recorded_at,
                   po_numbers=frozenset(record.po_numbers),
                   acknowledges_group=document.group_control_number if isinstance(document, FunctionalAck) else None,
                   rejects_order=isinstance(document, POAcknowledgment) and rejects_order(document))


def rejects_order(ack: POAcknowledgment) -> bool:
    """An 855 that rejects the order (BAK02 RJ), or every line of it (each line's ACKs all IR or ID)."""
    if ack.ack_type == "RJ":
        return True
    return bool(ack.lines) and all(line.statuses and all(s.code in REJECTED for s in line.statuses)
                                   for line in ack.lines)


def _file_content(ledger: Ledger, file_id: int) -> bytes | None:
    with ledger.engine.connect() as c:
        content = c.execute(select(s.files.c.content).where(s.files.c.id == file_id)).scalar()
    return None if content is None else bytes(content)
