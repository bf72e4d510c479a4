"""The ledger as the match and the scorecards read it: documents with their canonical payload loaded, documents
of duplicate interchanges left out (a resent copy must not count as a second shipment or a second 855), and the
purchase-order links between them.

A read-only layer over :mod:`edi_assets.ledger.schema`: it changes nothing, so it needs no audit.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, select

from edi_assets.documents import (
    DOCUMENT_TYPES,
    Document,
    Invoice,
    POAcknowledgment,
    PurchaseOrder,
    ShipNotice,
)
from edi_assets.ledger import Ledger
from edi_assets.ledger import schema as s
from edi_assets.matching.rules import po_numbers


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back without their zone; the ledger writes UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Record:
    """One ledger document with its canonical form (None when the payload holds only read errors)."""

    id: int
    partner: str
    direction: str
    doc_type: str
    number: str | None
    state: str
    document: Document | None
    recorded_at: dt.datetime
    file_id: int | None = None
    interchange_control_number: str | None = None  # ISA13 of the interchange it came in (inbound)
    group_control_number: str | None = None

    @property
    def po_numbers(self) -> set[str]:
        return po_numbers(self.document) if self.document is not None else set()


def _document(doc_type: str, payload: Any) -> Document | None:
    model = DOCUMENT_TYPES.get(doc_type)
    if model is None or not isinstance(payload, dict) or set(payload) == {"errors"}:
        return None
    try:
        document: Document = model.model_validate(payload)  # type: ignore[assignment]
    except ValidationError:
        return None
    return document


def _mentions(payload: Any, po: str) -> bool:
    """Whether a stored payload names PO ``po`` (checked on the JSON, before the costlier validation)."""
    return po in s.payload_po_numbers(payload)


def load_records(ledger: Ledger, customer: str, *, partner: str | None = None, direction: str | None = None,
                 doc_types: Sequence[str] | None = None, number: str | None = None,
                 po_number: str | None = None) -> list[Record]:
    """The customer's documents (oldest first), without those of duplicate interchanges; ``po_number``: only
    those that name that PO."""
    filters = {"partner": partner, "direction": direction, "doc_types": list(doc_types) if doc_types else None,
               "number": number, "po_number": s.fit_po_number(po_number) if po_number is not None else None}
    given = {name: value for name, value in filters.items() if value is not None}
    with ledger.engine.connect() as c:
        rows = list(c.execute(_records_query(tuple(given)), {"customer": customer, **given}))
    if po_number is not None:
        rows = [r for r in rows if _mentions(r.payload, po_number)]
    return [Record(id=int(r.id), partner=r.partner, direction=r.direction, doc_type=r.doc_type, number=r.number,
                   state=r.state, document=_document(r.doc_type, r.payload), recorded_at=aware(r.created_at),
                   file_id=r.file_id, interchange_control_number=r.isa13,
                   group_control_number=r.group_control_number) for r in rows]


#: The documents that name a PO, by its index (the payloads are checked after: the index keeps a long number cut).
_PO_DOCUMENTS = select(s.document_orders.c.document_id).where(
    s.document_orders.c.customer == bindparam("customer"), s.document_orders.c.po_number == bindparam("po_number"))


@functools.cache
def _records_query(filters: tuple[str, ...]) -> Any:
    """The documents query for one set of filters, built once (building costs more than running it)."""
    d, i = s.documents.c, s.interchanges.c
    query = (select(s.documents, i.control_number.label("isa13"))
             .outerjoin(s.interchanges, i.id == d.interchange_id)
             .where(d.customer == bindparam("customer"), i.duplicate_of.is_(None)))
    columns = {"partner": d.partner, "direction": d.direction, "number": d.number}
    for name in filters:
        if name in columns:
            query = query.where(columns[name] == bindparam(name))
    if "doc_types" in filters:
        query = query.where(d.doc_type.in_(bindparam("doc_types", expanding=True)))
    if "po_number" in filters:
        query = query.where(d.id.in_(_PO_DOCUMENTS))
    return query.order_by(d.id)


@dataclass
class OrderDocuments:
    """Every document of one purchase order with one partner: the 850s we sent (each ERP revision), the
    partner's 855s, the 856s that shipped against it and the 810s that bill it, each list oldest first."""

    partner: str
    po_number: str
    orders: list[Record] = field(default_factory=list)
    acknowledgments: list[Record] = field(default_factory=list)
    ship_notices: list[Record] = field(default_factory=list)
    invoices: list[Record] = field(default_factory=list)

    @property
    def order(self) -> PurchaseOrder | None:
        """The PO as last sent: the newest revision that reached the partner, else the newest recorded."""
        sent = [r for r in self.orders if r.state in SENT_STATES] or self.orders
        document = sent[-1].document if sent else None
        return document if isinstance(document, PurchaseOrder) else None

    def acknowledgment_documents(self) -> list[POAcknowledgment]:
        return [r.document for r in self.acknowledgments if isinstance(r.document, POAcknowledgment)]

    def ship_notice_documents(self) -> list[ShipNotice]:
        """One per shipment id: a resent 856 (a new interchange) replaces the earlier one, it does not add."""
        latest: dict[str, ShipNotice] = {}
        for record in self.ship_notices:
            if isinstance(record.document, ShipNotice):
                latest.pop(record.document.shipment_id, None)
                latest[record.document.shipment_id] = record.document
        return list(latest.values())

    def invoice_documents(self, records: Iterable[Record]) -> list[Invoice]:
        return [r.document for r in records if isinstance(r.document, Invoice)]


#: States of an outbound document that reached the partner (ledger.upload_done, ledger.ack_received).
SENT_STATES = frozenset({"uploaded", "acknowledged", "ack_rejected"})


def link_orders(records: Iterable[Record]) -> dict[tuple[str, str], OrderDocuments]:
    """Group documents by (partner, PO number): outbound 850s and inbound 855s, 856s and 810s."""
    links: dict[tuple[str, str], OrderDocuments] = {}
    for record in records:
        bucket = _bucket(record)
        if bucket is None:
            continue
        for po in sorted(record.po_numbers):
            link = links.setdefault((record.partner, po), OrderDocuments(record.partner, po))
            getattr(link, bucket).append(record)
    return links


def _bucket(record: Record) -> str | None:
    if record.direction == "out":
        return "orders" if record.doc_type == "850" else None
    return {"855": "acknowledgments", "856": "ship_notices", "810": "invoices"}.get(record.doc_type)
