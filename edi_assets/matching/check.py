"""Before an 810 is posted: match it against its purchase order, the partner's 855s and 856s, and the invoices
counted before it (:mod:`edi_assets.matching.rules`); the verdict is audited.

The pipeline (``post_documents``) calls :func:`check_invoice` for every 810 not approved by a person, records the
verdict (:func:`record_verdict`), and holds the invoice with code ``match`` and :attr:`MatchResult.reason` when it
fails. ``edi holds approve HOLD --by NAME``
lets a held invoice through on the next run (the approval is audited; the check is not run again).

Where the PO comes from:

* the 850 we sent this partner (the newest revision that reached it);
* else the ERP's purchase order, when the customer's connector can tell (:class:`PurchaseOrderSource`); a PO
  the ERP does not have holds the invoice;
* else the partner's own 855 (the lines it echoes) and its 856s, and the notes say so;
* with none of these (a PO we know nothing of, e.g. a customer that does not send POs through us and whose
  ERP cannot be asked), the invoice is not matched: it passes with an audit row that says why.

An invoice that names no PO is not matched either (audited). Invoices counted before this one: the partner's
other 810s for the PO that are posted, queued or being posted, and those still waiting to post (received,
failed) that came before it; held invoices do not count until a person approves or replays them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from sqlalchemy import bindparam, select

from edi_assets.connectors.crossref import CrossReference, Resolution
from edi_assets.connectors.errors import ConnectorError
from edi_assets.documents import Invoice, ItemId, PurchaseOrder
from edi_assets.ledger import schema as s
from edi_assets.matching.records import OrderDocuments, Record, link_orders, load_records
from edi_assets.matching.rules import Basis, ItemResolver, MatchResult, Mismatch, check, expect

if TYPE_CHECKING:
    from collections.abc import Sequence

    from edi_assets.pipeline.runtime import CustomerRuntime

#: Invoice states that count against a PO whatever their order: they passed the match (or were approved).
COUNTED_STATES = frozenset({"posted", "queued", "posting"})
#: States that count when the invoice came before the one being checked: it will be posted first.
WAITING_STATES = frozenset({"received", "failed"})
#: A posting in these states means an earlier attempt got past the match: reconcile, do not check again.
ATTEMPTED_POSTINGS = frozenset({"intent", "unknown", "done", "queued"})


@runtime_checkable
class PurchaseOrderSource(Protocol):
    """A connector that can read one purchase order back from the ERP (for POs not sent through us)."""

    def purchase_order(self, po_number: str, *, partner: str, xref: CrossReference) -> PurchaseOrder | None: ...


def item_resolver(xref: CrossReference, partner: str) -> ItemResolver:
    """Our item for a line's ids, as the connectors map it (``items.csv``, then the buyer's own id), or None."""

    def resolve(item_ids: Sequence[ItemId]) -> str | None:
        if not item_ids:
            return None
        return Resolution(xref, partner).item(item_ids) or None

    return resolve


def check_invoice(rt: CustomerRuntime, row: Any, invoice: Invoice) -> MatchResult:
    """Match one inbound 810 (ledger row ``row``). It only reads (the ledger, and the ERP's PO when no 850 was
    sent): the caller records the verdict (:func:`record_verdict`) with what it decides, outside any wait."""
    ledger, customer, partner = rt.ledger, rt.customer.id, row.partner
    po = invoice.po_number
    if not po:
        return MatchResult(invoice.invoice_number, None, notes=["the invoice names no PO: not matched"])
    posting = ledger.posting(row.id) if row.attempts else None  # a posting intent counts the document's attempts
    if posting is not None and posting.state in ATTEMPTED_POSTINGS:
        return MatchResult(invoice.invoice_number, po, notes=[
            f"an earlier posting attempt ({posting.state}) got past the match: reconciled, not matched again"])
    # Every document that names the PO, in one query: the 850s we sent (to any partner) and this partner's answers.
    named = load_records(ledger, customer, doc_types=["850", "855", "856", "810"], po_number=po)
    sent = [r for r in named if r.direction == "out" and r.doc_type == "850" and r.number == po]
    theirs = [r for r in named if r.direction == "in" and r.partner == partner and r.doc_type != "850"]
    link = link_orders([*sent, *theirs]).get((partner, po), OrderDocuments(partner, po))
    items = item_resolver(rt.xref, partner)
    others = sorted({r.partner for r in sent} - {partner})
    if not link.orders and others:
        return MatchResult(invoice.invoice_number, po, mismatches=[Mismatch(
            "partner", None, ", ".join(others), partner,
            f"PO {po} was sent to {', '.join(others)}, not to {partner}")])
    order, found, notes = _purchase_order(rt, link, partner, po)
    if found == "missing":
        return MatchResult(invoice.invoice_number, po, mismatches=[Mismatch(
            "order", None, f"PO {po} in the ERP", "no such PO", notes[0])])
    basis: Basis = found
    acks, notices = link.acknowledgment_documents(), link.ship_notice_documents()
    if order is None and not acks and not notices:
        return MatchResult(invoice.invoice_number, po, notes=[
            *notes, f"no 850, ERP purchase order, 855 or 856 for PO {po}: nothing to match against, not matched"])
    if order is None:
        basis = "855" if acks else "856"
    earlier = [r for r in link.invoices if r.id != row.id and _counts(r, row.id)]
    expectation = expect(partner, po, basis=basis, order=order, acknowledgments=acks, ship_notices=notices,
                         earlier_invoices=link.invoice_documents(earlier), items=items)
    expectation.notes[:0] = notes
    sends_856 = bool(link.ship_notices) or _sends_856(rt, partner)
    return check(invoice, expectation, rt.customer.match, items=items,
                 units=lambda unit: rt.xref.units.get(unit, unit), partner_sends_856=sends_856)


def record_verdict(rt: CustomerRuntime, document_id: int, result: MatchResult) -> None:
    """The verdict in the document's audit trail (``match.passed`` / ``match.failed``)."""
    rt.ledger.audit(rt.customer.id, "document", document_id, "match.passed" if result.passed else "match.failed",
                    result.audit_detail())


def _sends_856(rt: CustomerRuntime, partner: str) -> bool:
    """Whether the partner has ever sent us an 856 (then an invoice must wait for the PO's)."""
    with rt.ledger.engine.connect() as c:
        return c.execute(_AN_856, {"customer": rt.customer.id, "partner": partner}).first() is not None


_AN_856 = (select(s.documents.c.id)
           .where(s.documents.c.customer == bindparam("customer"), s.documents.c.partner == bindparam("partner"),
                  s.documents.c.direction == "in", s.documents.c.doc_type == "856").limit(1))


def _counts(record: Record, invoice_id: int) -> bool:
    return record.state in COUNTED_STATES or (record.state in WAITING_STATES and record.id < invoice_id)


def _purchase_order(rt: CustomerRuntime, link: OrderDocuments, partner: str,
                    po: str) -> tuple[PurchaseOrder | None, Basis | Literal["missing"], list[str]]:
    """The PO lines: the 850 we sent, else the ERP's (when its connector can tell), else none; ``missing``: the
    ERP can tell, and has no such PO."""
    if link.order is not None:
        return link.order, "850", []
    erp = rt.erp
    if not isinstance(erp, PurchaseOrderSource):
        return None, "855", [f"no 850 for PO {po} in the ledger, and the {rt.customer.erp.kind} connector cannot "
                             f"read purchase orders"]
    try:
        order = erp.purchase_order(po, partner=partner, xref=rt.xref)
    except ConnectorError as error:
        return None, "855", [f"no 850 for PO {po} in the ledger, and the ERP could not be asked: {error}"]
    if order is None:
        return None, "missing", [f"PO {po} is neither in the ledger (no 850 sent) nor in the ERP"]
    return order, "erp", []
