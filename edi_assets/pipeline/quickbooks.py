"""QuickBooks postings are queued for the Web Connector; this records their outcomes once it has run them."""

from __future__ import annotations

from edi_assets.connectors.quickbooks import QuickBooksConnector
from edi_assets.connectors.quickbooks.connector import document_key
from edi_assets.documents import Invoice, PurchaseOrder, ShipNotice
from edi_assets.pipeline.inbound import load_document
from edi_assets.pipeline.runtime import CustomerRuntime


def record_outcomes(rt: CustomerRuntime) -> int:
    """Move finished queue items into the ledger: posted with the TxnID, or held with QuickBooks' own status
    code and message. Documents still waiting for the Web Connector stay queued. Returns how many moved."""
    connector = rt.erp
    if not isinstance(connector, QuickBooksConnector):
        raise TypeError(f"customer {rt.customer.id} does not use QuickBooks")
    moved = 0
    for row in rt.ledger.documents(rt.customer.id, direction="in", states=["queued"]):
        document = load_document(row.doc_type, row.payload)
        if not isinstance(document, Invoice | PurchaseOrder | ShipNotice):
            continue
        item = connector.queue.item(document_key(document, row.partner))
        if item is None or item.state in ("pending", "sent"):
            continue
        if item.state == "done":
            rt.ledger.posting_done(row.id, record_kind=item.record_kind, record_id=item.txn_id or item.key,
                                   existed=item.existed, detail={"queue_key": item.key,
                                                                 "edit_sequence": item.edit_sequence})
        else:
            reason = f"QuickBooks refused it: {item.status_code} {item.status_message or ''}".strip()
            rt.ledger.posting_failed(row.id, reason)
            rt.ledger.hold(customer=rt.customer.id, partner=row.partner, subject="document", subject_id=row.id,
                           code="rejected", reason=reason)
        moved += 1
    if moved:
        rt.progress(f"{rt.customer.id}: {moved} QuickBooks outcome(s) recorded")
    return moved
