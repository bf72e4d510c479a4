"""The QuickBooks connector: what the pipeline calls for one customer's QuickBooks Desktop company file.

QuickBooks Desktop cannot be called; the Web Connector calls us (:mod:`.service`). So :meth:`~QuickBooksConnector.post`
maps the document to its :class:`~.mapping.Plan` (a :class:`MappingError` holds it at once, as elsewhere) and
enqueues it (:class:`~.queue.WorkQueue`, keyed by partner, record kind and document number, so posting twice
queues once), returning ``Posting(queued=True)``. The outcome arrives when the Web Connector next runs: the
pipeline reads finished items with :func:`outcomes` (or :meth:`~QuickBooksConnector.outcomes`) and records them;
:meth:`~QuickBooksConnector.find` reports a document whose item is done, with its TxnID.

Inbound only (DESIGN: 810 → Bill, 850 → Purchase order, 856 → Item receipt); nothing goes out.
"""

from __future__ import annotations

import os
from datetime import datetime

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.erp import CredentialSource, Inbound, OutboundBatch, Posting
from edi_assets.connectors.quickbooks import mapping
from edi_assets.connectors.quickbooks.queue import QueueItem, QueueSettings, WorkQueue
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.retry import RetryPolicy
from edi_assets.customers import Customer, ErpKind, QuickBooksErp
from edi_assets.documents import Invoice, PurchaseOrder, ShipNotice

SYSTEM = mapping.SYSTEM


def document_key(document: Inbound, partner: str) -> str:
    """The queue key of a document: its partner, the record it becomes and its number."""
    if isinstance(document, Invoice):
        return f"{partner}/Bill/{document.invoice_number}"
    if isinstance(document, PurchaseOrder):
        return f"{partner}/PurchaseOrder/{document.po_number}"
    if isinstance(document, ShipNotice):
        return f"{partner}/ItemReceipt/{document.shipment_id}"
    raise ValueError(f"QuickBooks takes 810, 850 and 856 documents, not {type(document).__name__}")


def _number(document: Inbound) -> str:
    if isinstance(document, Invoice):
        return document.invoice_number
    if isinstance(document, ShipNotice):
        return document.shipment_id
    return document.po_number


def _posting(item: QueueItem) -> Posting:
    detail = {"queue_key": item.key, "seq": item.seq, "document": item.document}
    if item.state == "done":
        return Posting(record_kind=item.record_kind, record_id=item.txn_id or item.key, existed=True,
                       detail=detail | {"edit_sequence": item.edit_sequence})
    return Posting(record_kind=item.record_kind, record_id=item.key, queued=True, detail=detail)


class QuickBooksConnector:
    """One customer's QuickBooks company file, reached through its work queue.

    ``credentials``, ``limiter`` and ``retry`` are accepted like every connector's; none is used here: the Web
    Connector authenticates to the service with ``quickbooks.username``/``quickbooks.password``, and it, not
    us, sets the pace.
    """

    kind: ErpKind = "quickbooks"  # the protocol's type (a settable member must match it exactly)

    def __init__(self, customer: Customer, credentials: CredentialSource | None = None,
                 limiter: RateLimiter | None = None, *, retry: RetryPolicy | None = None,
                 queue: WorkQueue | None = None, queue_path: str | os.PathLike[str] | None = None,
                 queue_settings: QueueSettings | None = None) -> None:
        if not isinstance(customer.erp, QuickBooksErp):
            raise ValueError(f"customer {customer.id} does not use QuickBooks (erp kind {customer.erp.kind})")
        self.customer = customer
        self.erp = customer.erp
        self._owns_queue = queue is None
        self.queue = queue or WorkQueue(customer.id, queue_path, queue_settings)

    def plan(self, document: Inbound, *, partner: str, xref: CrossReference) -> mapping.Plan:
        """The document's plan; :class:`MappingError` naming every key that does not map."""
        with xref.resolving(system=SYSTEM, partner=partner, document=_number(document)) as resolution:
            if isinstance(document, Invoice):
                return mapping.bill_plan(document, resolution, ap_account=self.erp.ap_account)
            if isinstance(document, PurchaseOrder):
                return mapping.purchase_order_plan(document, resolution)
            if isinstance(document, ShipNotice):
                return mapping.item_receipt_plan(document, resolution, ap_account=self.erp.ap_account)
        raise ValueError(f"QuickBooks takes 810, 850 and 856 documents, not {type(document).__name__}")

    def find(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting | None:
        """The record the document became, when its queue item is done; None while queued, failed or unknown."""
        item = self.queue.item(document_key(document, partner))
        return _posting(item) if item is not None and item.state == "done" else None

    def post(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting:
        """Enqueue the document (once): ``Posting(queued=True)``, or the record when it is done already."""
        key = document_key(document, partner)
        return _posting(self.queue.enqueue(key, self.plan(document, partner=partner, xref=xref)))

    def outbound(self, cursor: str | None, *, xref: CrossReference) -> OutboundBatch:
        """QuickBooks sends nothing to partners here (DESIGN): an empty batch, the cursor unchanged."""
        return OutboundBatch(documents=[], cursor=cursor)

    def outcomes(self, since: datetime) -> list[QueueItem]:
        """Queue items that finished (done with a TxnID, or failed with QuickBooks' status) after ``since``."""
        return self.queue.outcomes(since)

    def close(self) -> None:
        if self._owns_queue:
            self.queue.close()


def outcomes(customer_id: str, since: datetime, *, path: str | os.PathLike[str] | None = None) -> list[QueueItem]:
    """For the pipeline: the customer's queue items that finished after ``since``, in the order they finished."""
    queue = WorkQueue(customer_id, path)
    try:
        return queue.outcomes(since)
    finally:
        queue.close()
