"""The QAD business-entity REST API (spec 2.5) on :class:`ApiClient`: one method per remote operation.

QAD answers in three shapes, and :func:`raise_for_qad` reads all of them before the shared status mapping:

* reads: ``{"data": {...}}``;
* writes: ``{"submitResult": {"success", "errors": [{"message", "fieldName"}]}, "data"}``. A business error
  is ``success: false``, usually **inside HTTP 200**, so a status check alone would take a refused invoice for
  a posted one. A stale ``concurrencyHash`` is a :class:`ConcurrencyConflict` (re-read and retry), any
  other error a :class:`RemoteRejected` with QAD's own message and ``fieldName``. Reads answer the same way
  when a record does not exist;
* gateway refusals (400, 403): a bare ``{"errors": [{"message", "fieldName", ...}]}``.

Resource names and ``viewUri`` values the spec marks inferred ([I]: supplier invoices, receipts, the
``modifiedSince`` query) follow the simulator, which models them on the documented entities.

Writes are POSTs. Creates (invoices, receipts) are not idempotent: a 5xx or a dropped connection makes them
:class:`OutcomeUnknown`, and the connector looks the record up before trying again. Updates carry the
``concurrencyHash`` they read, so a repeat of one that did take effect fails as stale instead of applying
twice: they are sent as idempotent and retried.
"""

from __future__ import annotations

from typing import Any

import httpx

from edi_assets.connectors.errors import ConcurrencyConflict, NotFound, PermissionDenied, RemoteRejected
from edi_assets.connectors.http import ApiClient, default_raise_for
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.redaction import redact
from edi_assets.connectors.retry import RetryPolicy

SYSTEM = "qad"

PO_VIEW = "urn:be:com.qad.purchasing.purchaseorders.IPurchaseOrderHeader"
INVOICE_VIEW = "urn:be:com.qad.financials.supplierinvoice.ISupplierInvoice"  # [I]
RECEIPT_VIEW = "urn:be:com.qad.purchasing.receipts.IPurchaseOrderReceipt"  # [I]
MODIFIED_SINCE = "modifiedSince"  # [I] the 'POs changed since' query parameter
CONCURRENCY_FIELD = "concurrencyHash"
WORKSPACE_HEADER = "x-qad-workspace-id"

Record = dict[str, Any]


def raise_for_qad(response: httpx.Response) -> None:
    """QAD's own error shapes first (``success: false`` in any status, bare ``errors``), then the shared mapping."""
    status = response.status_code
    if status in (401, 429) or status >= 500:
        default_raise_for(response, system=SYSTEM)
        return
    try:
        body: Any = response.json()
    except ValueError:
        body = None  # an unreadable 2xx body is the parser's to report (retried or OutcomeUnknown)
    if isinstance(body, dict):
        submit = body.get("submitResult")
        if isinstance(submit, dict) and submit.get("success") is False:
            _raise_business(submit.get("errors"), status)
        if status >= 400 and isinstance(body.get("errors"), list):
            _raise_bare(body["errors"], status)
    default_raise_for(response, system=SYSTEM)


def _first_errors(errors: Any) -> tuple[str, str | None, bool]:
    """(every message joined, the first field, whether any error is a stale concurrency hash)."""
    entries = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    messages = [str(e.get("message") or "").strip() for e in entries]
    message = "; ".join(m for m in messages if m) or "QAD reported success:false without a message"
    fields = [str(e.get("fieldName")) for e in entries if e.get("fieldName")]
    stale = CONCURRENCY_FIELD in fields
    return redact(message), (fields[0] if fields else None), stale


def _raise_business(errors: Any, status: int) -> None:
    message, field, stale = _first_errors(errors)
    if stale:
        raise ConcurrencyConflict(message, system=SYSTEM, status=status)
    raise RemoteRejected(message, field=field, system=SYSTEM, status=status)


def _raise_bare(errors: list[Any], status: int) -> None:
    message, field, _ = _first_errors(errors)
    if status == 403:
        raise PermissionDenied(message, field=field, system=SYSTEM, status=status)
    if status == 404:
        raise NotFound(message, system=SYSTEM, status=status)
    if status in (409, 412):
        raise ConcurrencyConflict(message, system=SYSTEM, status=status)
    raise RemoteRejected(message, field=field, system=SYSTEM, status=status)


class QadClient(ApiClient):
    """One tenant and domain; ``entity`` (with the domain) selects the workspace header."""

    def __init__(self, *, base_url: str, domain: str, entity: str | None = None, auth: httpx.Auth | None = None,
                 limiter: RateLimiter | None = None, retry: RetryPolicy | None = None,
                 timeout: float | httpx.Timeout = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Accept": "application/json"}
        if entity:
            headers[WORKSPACE_HEADER] = f"{domain}_{entity}"
        super().__init__(system=SYSTEM, base_url=base_url.rstrip("/") + "/", auth=auth, limiter=limiter,
                         retry=retry, raise_for=raise_for_qad, timeout=timeout, headers=headers, transport=transport)
        self.domain = domain

    # -- purchase orders --------------------------------------------------------------------------------------

    def purchase_order(self, number: str) -> Record:
        """The PO header as QAD shows it (with its ``concurrencyHash``); RemoteRejected when it does not exist."""
        body = self.json("GET", "api/erp/purchaseOrderHeaders", operation="read purchase order",
                         rate_key="purchaseOrderHeaders", document=number,
                         params={"viewUri": PO_VIEW, "domainCode": self.domain, "purchaseOrderNumber": number})
        headers = _records(body, "purchaseOrderHeaders")
        if not headers:
            raise RemoteRejected(f"Purchase order {number} does not exist", field="purchaseOrderNumber",
                                 system=SYSTEM, operation="read purchase order", document=number)
        return headers[0]

    def purchase_orders_modified_since(self, since: str | None) -> list[Record]:
        """Headers of the domain's POs whose header or any line changed at or after ``since`` (all when None)."""
        params = {"viewUri": PO_VIEW, "domainCode": self.domain}
        if since is not None:
            params[MODIFIED_SINCE] = since
        body = self.json("GET", "api/erp/purchaseOrderHeaders", operation="list changed purchase orders",
                         rate_key="purchaseOrderHeaders", params=params)
        return _records(body, "purchaseOrderHeaders")

    def purchase_order_lines(self, number: str) -> list[Record]:
        body = self.json("GET", "api/erp/purchaseOrderLinesGrid", operation="read purchase order lines",
                         rate_key="purchaseOrderLines", document=number,
                         params={"domainCode": self.domain, "purchaseOrderNumber": number})
        return _records(body, "purchaseOrderLines")

    def update_purchase_order(self, header: Record) -> Record:
        """Update one header (``dataOperation: U``, the ``concurrencyHash`` last read); keys go in the query."""
        number = str(header["purchaseOrderNumber"])
        body = self.json("POST", "api/erp/purchaseOrderHeaders", operation="update purchase order",
                         rate_key="purchaseOrderHeaders", idempotent=True, document=number,
                         params={"viewUri": PO_VIEW, "domainCode": self.domain, "purchaseOrderNumber": number},
                         json={"purchaseOrderHeaders": [{**header, "dataOperation": "U"}]})
        return _first(body, "purchaseOrderHeaders")

    def update_purchase_order_lines(self, lines: list[Record]) -> list[Record]:
        """Commit changed lines through the grid (``dataOperation: U``, each with its ``concurrencyHash``)."""
        document = str(lines[0].get("purchaseOrderNumber", "")) if lines else None
        body = self.json("POST", "api/erp/purchaseOrderLinesGrid", operation="update purchase order lines",
                         rate_key="purchaseOrderLines", idempotent=True, document=document,
                         json={"purchaseOrderLines": [{**line, "dataOperation": "U"} for line in lines]})
        return _records(body, "purchaseOrderLines")

    # -- supplier invoices [I] --------------------------------------------------------------------------------

    def supplier_invoices(self, supplier: str, reference: str) -> list[Record]:
        body = self.json("GET", "api/erp/supplierInvoices", operation="find supplier invoice",
                         rate_key="supplierInvoices", document=reference,
                         params={"viewUri": INVOICE_VIEW, "supplierCode": supplier,
                                 "supplierInvoiceReference": reference})
        return _records(body, "supplierInvoices")

    def create_supplier_invoice(self, invoice: Record) -> Record:
        reference = str(invoice.get("supplierInvoiceReference", ""))
        body = self.json("POST", "api/erp/supplierInvoices", operation="create supplier invoice",
                         rate_key="supplierInvoices", document=reference, params={"viewUri": INVOICE_VIEW},
                         json={"supplierInvoices": [{**invoice, "dataOperation": "C"}]})
        return _first(body, "supplierInvoices")

    # -- purchase order receipts [I] --------------------------------------------------------------------------

    def receipts(self, number: str, packing_slip: str) -> list[Record]:
        body = self.json("GET", "api/erp/purchaseOrderReceipts", operation="find receipt",
                         rate_key="purchaseOrderReceipts", document=number,
                         params={"viewUri": RECEIPT_VIEW, "purchaseOrderNumber": number, "packingSlip": packing_slip})
        return _records(body, "purchaseOrderReceipts")

    def create_receipts(self, receipts: list[Record], *, document: str | None = None) -> list[Record]:
        """All receipts in one request: QAD stores all of them or none."""
        body = self.json("POST", "api/erp/purchaseOrderReceipts", operation="create receipt",
                         rate_key="purchaseOrderReceipts", document=document, params={"viewUri": RECEIPT_VIEW},
                         json={"purchaseOrderReceipts": [{**r, "dataOperation": "C"} for r in receipts]})
        return _records(body, "purchaseOrderReceipts")


def _records(body: Any, key: str) -> list[Record]:
    data = body.get("data") if isinstance(body, dict) else None
    rows = data.get(key) if isinstance(data, dict) else None
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _first(body: Any, key: str) -> Record:
    rows = _records(body, key)
    return rows[0] if rows else {}


