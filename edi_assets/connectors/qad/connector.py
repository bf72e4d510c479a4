"""The QAD connector: what the pipeline calls for one customer's QAD tenant (DESIGN: 810, 855, 856 in; 850 out).

Exactly-once, per flow:

* **810 → supplier invoice.** The natural key is supplier + invoice number. :meth:`QadConnector.post` looks it
  up first, so a retry after an :class:`OutcomeUnknown` (or a crash) finds the invoice instead of creating a
  second one; a create that QAD refuses as a duplicate (someone posted it in between) is answered the same way.
* **855 → PO confirmation.** An update, not a create: the header (``isConfirmed``) and the changed lines are
  written with the ``concurrencyHash`` read just before. A stale hash (someone edited the PO in between) is a
  :class:`ConcurrencyConflict`: the PO is read again, the changes worked out again, and the write retried, at
  most ``conflict_attempts`` times. Applying the same acknowledgment twice changes nothing the second time, so
  :meth:`~QadConnector.find` reports it as existing when QAD already shows what it says.
* **856 → PO receipts.** One receipt per PO of the notice, keyed by PO number + packing slip (the shipment
  id); only the POs without one are received. QAD can report an error for a receipt whose quantity did post
  (spec 2.6, the GL sub-failure quirk), so after a refusal the receipts are read back before believing it.

Outbound: POs whose header or lines changed since the cursor, as canonical :class:`PurchaseOrder` documents
for the partner that ``partners.csv`` names for their supplier (see :meth:`QadConnector.outbound`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.erp import CredentialSource, Inbound, OutboundBatch, OutboundDocument, Posting
from edi_assets.connectors.errors import ConcurrencyConflict, ConnectorError, MappingError, RemoteRejected
from edi_assets.connectors.qad.auth import QadAuth
from edi_assets.connectors.qad.client import SYSTEM, QadClient, Record
from edi_assets.connectors.qad.mapping import (
    ConfirmationPlan,
    confirmation_plan,
    purchase_order,
    receipts,
    ship_notice_orders,
    supplier_invoice,
)
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.redaction import get_logger
from edi_assets.connectors.retry import RetryPolicy
from edi_assets.customers import Customer, ErpKind, QadErp
from edi_assets.documents import Invoice, POAcknowledgment, ShipNotice

log = get_logger(__name__)

INVOICE_KIND = "SupplierInvoice"
CONFIRMATION_KIND = "PurchaseOrder confirmation"
RECEIPT_KIND = "PurchaseOrderReceipt"


class QadConnector:
    """One customer's QAD tenant, built from its ``customers.yaml`` entry and its vault credentials
    (``qad.username``, ``qad.password``, ``qad.client_id``)."""

    kind: ErpKind = "qad"  # the protocol's type (a settable member must match it exactly)

    def __init__(self, customer: Customer, credentials: CredentialSource, limiter: RateLimiter | None = None, *,
                 retry: RetryPolicy | None = None, conflict_attempts: int = 3, timeout: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, transport: httpx.BaseTransport | None = None) -> None:
        if not isinstance(customer.erp, QadErp):
            raise ValueError(f"customer {customer.id} does not use QAD (erp kind {customer.erp.kind})")
        if conflict_attempts < 1:
            raise ValueError("conflict_attempts must be at least 1")
        self.customer = customer
        self.erp = customer.erp
        self.conflict_attempts = conflict_attempts
        auth = QadAuth(base_url=self.erp.url, client_id=credentials("qad.client_id"),
                       username=credentials("qad.username").get_secret_value(),
                       password=credentials("qad.password"), clock=clock)
        self.client = QadClient(base_url=self.erp.url, domain=self.erp.domain, entity=self.erp.entity, auth=auth,
                                limiter=limiter, retry=retry, timeout=timeout, transport=transport)

    # -- the ErpConnector protocol ------------------------------------------------------------------------

    def find(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting | None:
        with _context(document, partner):
            if isinstance(document, Invoice):
                return self._find_invoice(document, partner, xref)
            if isinstance(document, POAcknowledgment):
                plan = self._confirmation(document, partner, xref)
                return _confirmation_posting(plan, existed=True) if plan.done else None
            if isinstance(document, ShipNotice):
                existing = self._existing_receipts(document)
                if existing and all(existing.values()):
                    return _receipt_posting(existing, existed=True)
                return None
            raise _unsupported(document)

    def post(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting:
        with _context(document, partner):
            if isinstance(document, Invoice):
                return self._post_invoice(document, partner, xref)
            if isinstance(document, POAcknowledgment):
                return self._post_confirmation(document, partner, xref)
            if isinstance(document, ShipNotice):
                return self._post_receipts(document, partner, xref)
            raise _unsupported(document)

    def outbound(self, cursor: str | None, *, xref: CrossReference) -> OutboundBatch:
        """POs of the customer's domain created or changed since ``cursor``, as 850s for their partners.

        The cursor is opaque to callers: JSON with ``since``, the newest ``modifiedDateTime`` seen (QAD's own
        clock, so no clock skew between us and the tenant), and ``seen``, the POs already returned *at* that
        instant. QAD's ``modifiedSince`` is inclusive, which cannot miss a PO stamped in the same millisecond
        as the last one read; ``seen`` keeps those from coming back. A line change stamps its PO, so changed
        lines bring the whole PO back; ``revision`` is a hash of the document, so a stamp that changed
        nothing an 850 carries (a receipt) does not look like a new revision.

        POs whose supplier is no partner's (``partners.csv``), or that have no lines yet, are ``skipped`` with
        the reason; the cursor still moves past them (a line added later stamps the PO again).
        """
        since, seen = _read_cursor(cursor)
        headers = self.client.purchase_orders_modified_since(since)
        documents: list[OutboundDocument] = []
        skipped: list[str] = []
        newest, at_newest = since, set(seen)
        for header in sorted(headers, key=_stamp_key):
            number = str(header.get("purchaseOrderNumber") or "")
            stamp = header.get("modifiedDateTime")
            stamp = stamp if isinstance(stamp, str) and stamp else None
            if stamp is not None and since is not None and _same_instant(stamp, since) and number in seen:
                continue
            if stamp is not None:
                if newest is None or _instant(stamp) > _instant(newest):
                    newest, at_newest = stamp, {number}
                elif _same_instant(stamp, newest):
                    at_newest.add(number)
            read = self._outbound_document(header, number, xref)
            if isinstance(read, str):
                skipped.append(read)
            else:
                documents.append(read)
        next_cursor = json.dumps({"since": newest, "seen": sorted(at_newest)}) if newest is not None else cursor
        return OutboundBatch(documents=documents, cursor=next_cursor, skipped=skipped)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> QadConnector:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- 810 ----------------------------------------------------------------------------------------------

    def _find_invoice(self, invoice: Invoice, partner: str, xref: CrossReference) -> Posting | None:
        with xref.resolving(system=SYSTEM, partner=partner, document=invoice.invoice_number) as res:
            supplier = res.party("supplier")
        return self._invoice_by_key(supplier, invoice.invoice_number)

    def _invoice_by_key(self, supplier: str, reference: str) -> Posting | None:
        found = [r for r in self.client.supplier_invoices(supplier, reference)
                 if r.get("supplierCode") == supplier and r.get("supplierInvoiceReference") == reference]
        return _invoice_posting(found[0], existed=True) if found else None

    def _post_invoice(self, invoice: Invoice, partner: str, xref: CrossReference) -> Posting:
        with xref.resolving(system=SYSTEM, partner=partner, document=invoice.invoice_number) as res:
            record = supplier_invoice(invoice, res, domain=self.erp.domain)
        supplier, reference = str(record["supplierCode"]), invoice.invoice_number
        existing = self._invoice_by_key(supplier, reference)
        if existing is not None:
            log.info("qad: supplier invoice %s of %s exists already; not posted again", reference, supplier)
            return existing
        try:
            created = self.client.create_supplier_invoice(record)
        except RemoteRejected as error:
            if error.field == "supplierInvoiceReference":
                raced = self._invoice_by_key(supplier, reference)
                if raced is not None:
                    return raced
            raise
        return _invoice_posting({**record, **created}, existed=False)

    # -- 855 ----------------------------------------------------------------------------------------------

    def _confirmation(self, ack: POAcknowledgment, partner: str, xref: CrossReference) -> ConfirmationPlan:
        """Read the PO (header and lines, with their hashes) and work out what the acknowledgment changes."""
        header = self.client.purchase_order(ack.po_number)
        lines = self.client.purchase_order_lines(ack.po_number) if ack.lines else []
        with xref.resolving(system=SYSTEM, partner=partner, document=ack.po_number) as res:
            return confirmation_plan(ack, header, lines, res)

    def _post_confirmation(self, ack: POAcknowledgment, partner: str, xref: CrossReference) -> Posting:
        applied = False  # by an earlier attempt of this call (a header written before its lines went stale)
        attempt = 0
        while True:
            attempt += 1
            plan = self._confirmation(ack, partner, xref)
            if plan.done:
                return _confirmation_posting(plan, existed=not applied)
            try:
                if plan.header is not None:
                    self.client.update_purchase_order(plan.header)
                    applied = True
                if plan.lines:
                    self.client.update_purchase_order_lines(plan.lines)
                    applied = True
            except ConcurrencyConflict:
                if attempt >= self.conflict_attempts:
                    log.warning("qad: purchase order %s kept changing; gave up after %d attempts",
                                ack.po_number, attempt)
                    raise
                log.info("qad: purchase order %s changed while confirming it (attempt %d of %d); reading it "
                         "again", ack.po_number, attempt, self.conflict_attempts)
                continue
            return _confirmation_posting(plan, existed=False)

    # -- 856 ----------------------------------------------------------------------------------------------

    def _existing_receipts(self, notice: ShipNotice) -> dict[str, list[Record]]:
        """PO number → the receipts QAD has for it with this notice's packing slip."""
        return {po: [r for r in self.client.receipts(po, notice.shipment_id)
                     if r.get("packingSlip") == notice.shipment_id and r.get("purchaseOrderNumber") == po]
                for po in ship_notice_orders(notice)}

    def _post_receipts(self, notice: ShipNotice, partner: str, xref: CrossReference) -> Posting:
        existing = self._existing_receipts(notice)
        todo = [po for po, found in existing.items() if not found]
        if existing and not todo:
            return _receipt_posting(existing, existed=True)
        orders = {po: (self.client.purchase_order(po), self.client.purchase_order_lines(po)) for po in todo}
        with xref.resolving(system=SYSTEM, partner=partner, document=notice.shipment_id) as res:
            records = receipts(notice, orders, res, domain=self.erp.domain, site=self.erp.site)
        if not records:
            raise MappingError([f"shipment {notice.shipment_id} ships no quantity against purchase orders "
                                f"{', '.join(todo)}"], system=SYSTEM)
        try:
            created = self.client.create_receipts(records, document=notice.shipment_id)
        except RemoteRejected as error:
            # QAD may report an error for a receipt whose quantity posted (spec 2.6): read back, then decide.
            after = self._existing_receipts(notice)
            if all(after.values()):
                log.warning("qad: receipt of shipment %s reported '%s' but is booked; taken as posted",
                            notice.shipment_id, error.remote_message)
                return _receipt_posting(after, existed=False, warning=error.remote_message)
            raise
        by_po = {po: [r for r in created if r.get("purchaseOrderNumber") == po] or found
                 for po, found in existing.items()}
        return _receipt_posting(by_po, existed=False)

    # -- outbound -----------------------------------------------------------------------------------------

    def _outbound_document(self, header: Record, number: str, xref: CrossReference) -> OutboundDocument | str:
        """The 850 for one PO header, or why it is skipped."""
        supplier = str(header.get("supplierCode") or "")
        partner = xref.partner_for(supplier, "supplier")
        if partner is None:
            return f"PO {number}: supplier {supplier or '(none)'} is no partner's supplier (partners.csv)"
        lines = self.client.purchase_order_lines(number)
        if not lines:
            return f"PO {number}: has no lines yet"
        try:
            document = purchase_order(header, lines, partner=partner, xref=xref)
        except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
            return f"PO {number}: cannot be read as an 850 ({type(exc).__name__}: {exc})"
        revision = hashlib.sha256(document.model_dump_json().encode()).hexdigest()[:16]
        return OutboundDocument(partner=partner, document=document, erp_key=f"PO {number}", revision=revision)


# -- helpers -------------------------------------------------------------------------------------------------

@contextmanager
def _context(document: Inbound, partner: str) -> Iterator[None]:
    """Adds the document number and partner to any connector error raised inside."""
    try:
        yield
    except ConnectorError as error:
        error.add_context(document=_number(document), partner=partner)
        raise


def _number(document: Inbound) -> str:
    if isinstance(document, Invoice):
        return document.invoice_number
    if isinstance(document, ShipNotice):
        return document.shipment_id
    return document.po_number


def _unsupported(document: Inbound) -> ValueError:
    return ValueError(f"QAD takes no inbound {type(document).__name__} (its inbound flows are 810, 855 and 856)")


def _invoice_posting(record: Record, *, existed: bool) -> Posting:
    reference = str(record.get("supplierInvoiceReference") or "")
    voucher = str(record.get("voucherNumber") or "")
    detail = {k: v for k, v in (("supplier", record.get("supplierCode")), ("invoice", reference),
                                ("voucher", voucher)) if v}
    return Posting(record_kind=INVOICE_KIND, record_id=voucher or reference, existed=existed, detail=detail)


def _confirmation_posting(plan: ConfirmationPlan, *, existed: bool) -> Posting:
    detail: dict[str, Any] = {"confirmed": plan.confirmed}
    if plan.lines:
        detail["lines_changed"] = [line.get("purchaseOrderLine") for line in plan.lines]
    if plan.rejected_lines:
        detail["rejected_lines"] = plan.rejected_lines
    return Posting(record_kind=CONFIRMATION_KIND, record_id=plan.po_number, existed=existed, detail=detail)


def _receipt_posting(by_po: dict[str, list[Record]], *, existed: bool, warning: str | None = None) -> Posting:
    receivers = [str(r.get("receiverNumber") or "") for found in by_po.values() for r in found]
    detail: dict[str, Any] = {"purchase_orders": sorted(by_po), "receivers": [r for r in receivers if r]}
    if warning:
        detail["warning"] = warning
    record_id = ",".join(r for r in receivers if r) or ",".join(sorted(by_po))
    return Posting(record_kind=RECEIPT_KIND, record_id=record_id, existed=existed, detail=detail)


def _read_cursor(cursor: str | None) -> tuple[str | None, list[str]]:
    if not cursor:
        return None, []
    try:
        data = json.loads(cursor)
        since = data["since"]
        seen = [str(n) for n in data.get("seen") or []]
        _instant(since)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ValueError(f"not a QAD outbound cursor: {cursor!r}") from None
    return str(since), seen


def _instant(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _same_instant(a: str, b: str) -> bool:
    return _instant(a) == _instant(b)


def _stamp_key(header: Record) -> tuple[str, str]:
    stamp = header.get("modifiedDateTime")
    return (stamp if isinstance(stamp, str) else "", str(header.get("purchaseOrderNumber") or ""))

