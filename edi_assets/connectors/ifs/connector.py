"""IFS Cloud as the pipeline sees it (DESIGN: 810 in → manual supplier invoice; new or changed POs out → 850).

Inbound: an 810 is mapped first (an unmapped supplier is a :class:`MappingError` before any call), then looked up
by company, supplier and invoice number: IFS has no idempotency keys, so a second POST would make a second
invoice. Found, it is not touched: :meth:`IfsConnector.post` returns ``Posting(existed=True)`` whose detail tells
the audit what was found (id, state, etag, posting-proposal rows against those the document maps to, fields that
differ from the document, any duplicates). Not found, the invoice header is POSTed, then its posting-proposal rows
one by one (IFS's APIs are atomic: a composite document takes several calls). If a row fails, the error goes up;
the retry that follows finds the invoice, and the detail shows the missing rows for a person to finish.

Outbound: POs changed since the cursor, with their lines, for suppliers found in ``partners.csv``; see
:meth:`IfsConnector.outbound` for the cursor.

Changing an existing record goes through :meth:`IfsConnector.update_invoice` (etag, If-Match, re-read on 412).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.erp import (
    CredentialSource,
    ErpConnector,
    Inbound,
    OutboundBatch,
    OutboundDocument,
    Posting,
)
from edi_assets.connectors.errors import ConnectorError
from edi_assets.connectors.ifs.auth import DEFAULT_REFRESH_SKEW, IfsAuth
from edi_assets.connectors.ifs.client import Changes, Entity, IfsClient, IfsPaths
from edi_assets.connectors.ifs.mapping import (
    CANCELLED_STATE,
    SENDABLE_STATES,
    IfsInvoice,
    change_stamp,
    invoice_to_ifs,
    purchase_order_from_ifs,
    revision,
)
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.redaction import get_logger
from edi_assets.connectors.retry import RetryPolicy
from edi_assets.customers import Customer, ErpKind, IfsErp
from edi_assets.documents import Invoice

SYSTEM = "ifs"
RECORD_KIND = "ManualSupplierInvoice"
#: Header fields compared when an invoice already exists, so the audit shows a resent 810 that differs.
_COMPARED = ("GrossAmount", "InvoiceDate", "Currency", "PoRef")

log = get_logger(__name__)


class IfsConnector:
    """One customer's IFS Cloud system, with the IAM client from its vault entries ``ifs.client_id``/``_secret``."""

    # Typed as the protocol's whole Literal: the protocol declares a mutable attribute, which is invariant.
    kind: ErpKind = "ifs"

    def __init__(self, customer: Customer, credentials: CredentialSource, limiter: RateLimiter | None = None, *,
                 retry: RetryPolicy | None = None, paths: IfsPaths | None = None, conflict_attempts: int = 3,
                 refresh_skew: float = DEFAULT_REFRESH_SKEW, clock: Callable[[], float] = time.monotonic,
                 timeout: float = 30.0) -> None:
        if not isinstance(customer.erp, IfsErp):
            raise ValueError(f"customer {customer.id} does not use IFS (its ERP is {customer.erp.kind})")
        erp = customer.erp
        self.customer = customer
        self.company = erp.company
        self.auth = IfsAuth(base_url=erp.url, realm=erp.realm,
                            client_id=credentials("ifs.client_id").get_secret_value(),
                            client_secret=credentials("ifs.client_secret"), refresh_skew=refresh_skew, clock=clock)
        self.client = IfsClient(base_url=erp.url, auth=self.auth, limiter=limiter, retry=retry, paths=paths,
                                conflict_attempts=conflict_attempts, timeout=timeout)

    def close(self) -> None:
        self.client.close()

    # -- inbound ------------------------------------------------------------------------------------------

    def find(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting | None:
        """The manual supplier invoice this 810 already became (same company, supplier, invoice number)."""
        invoice = _invoice(document)
        mapped = self._map(invoice, partner, xref)
        return self._lookup(invoice, mapped, partner)

    def post(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting:
        """Create the manual supplier invoice and its posting proposal, unless the invoice is already there."""
        invoice = _invoice(document)
        mapped = self._map(invoice, partner, xref)
        found = self._lookup(invoice, mapped, partner)
        if found is not None:
            log.info("ifs: supplier invoice %s of partner %s already exists as InvoiceId %s; not created again",
                     invoice.invoice_number, partner, found.record_id)
            return found
        number = invoice.invoice_number
        created = self.client.create_supplier_invoice(mapped.header, document=number, partner=partner)
        invoice_id = _invoice_id(created, number)
        added = 0
        try:
            for row in mapped.proposals:
                self.client.add_posting_proposal(self.company, invoice_id, row, document=number, partner=partner)
                added += 1
        except ConnectorError as error:
            log.warning("ifs: supplier invoice %s created as InvoiceId %d, but only %d of %d posting proposal rows "
                        "were added (%s)", number, invoice_id, added, len(mapped.proposals), error)
            raise
        detail = {**_facts(created), "posting_proposal_rows": added}
        if mapped.note:
            detail["note"] = mapped.note
        return Posting(record_kind=RECORD_KIND, record_id=str(invoice_id), detail=detail)

    def update_invoice(self, invoice_id: int, changes: Changes, *, document: str | None = None) -> Posting:
        """Change header fields of a manual supplier invoice: read its etag, PATCH with If-Match, and on 412
        re-read and try again (bounded; then :class:`ConcurrencyConflict`). ``changes`` may be a function of
        the invoice as just read."""
        updated = self.client.update_supplier_invoice(self.company, invoice_id, changes, document=document)
        detail = {**_facts(updated.entity), "changed": list(updated.changed), "conflicts_retried": updated.conflicts}
        return Posting(record_kind=RECORD_KIND, record_id=str(invoice_id), existed=True, detail=detail)

    def _map(self, invoice: Invoice, partner: str, xref: CrossReference) -> IfsInvoice:
        with xref.resolving(system=SYSTEM, partner=partner, document=invoice.invoice_number) as resolution:
            return invoice_to_ifs(invoice, resolution, company=self.company,
                                  cost_centre=xref.cost_centres.get(partner))

    def _lookup(self, invoice: Invoice, mapped: IfsInvoice, partner: str) -> Posting | None:
        number, supplier = invoice.invoice_number, str(mapped.header["Identity"])
        matches = self.client.supplier_invoices(self.company, supplier, number, document=number)
        if not matches:
            return None
        existing = matches[0]
        invoice_id = _invoice_id(existing, number)
        rows = len(self.client.posting_proposals(self.company, invoice_id, document=number))
        expected = len(mapped.proposals)
        detail: dict[str, Any] = {
            **_facts(existing),
            "reconciled": f"supplier invoice {number} of supplier {supplier} already exists in IFS as InvoiceId "
                          f"{invoice_id} ({existing.get('Objstate')}); nothing was created",
            "posting_proposal_rows": rows,
            "expected_posting_proposal_rows": expected,
        }
        differences = {name: {"ifs": existing.get(name), "document": mapped.header[name]}
                       for name in _COMPARED if name in mapped.header and existing.get(name) != mapped.header[name]}
        if differences:
            detail["differences"] = differences
        if len(matches) > 1:
            detail["duplicates"] = [m.get("InvoiceId") for m in matches[1:]]
        if mapped.note and rows == 0:
            detail["note"] = mapped.note
        elif rows != expected:
            detail["note"] = (f"the posting proposal has {rows} row(s) where the document maps to {expected}: "
                              "review it in IFS")
        return Posting(record_kind=RECORD_KIND, record_id=str(invoice_id), existed=True, detail=detail)

    # -- outbound -----------------------------------------------------------------------------------------

    def outbound(self, cursor: str | None, *, xref: CrossReference) -> OutboundBatch:
        """Released or confirmed POs (and, after the first call, cancelled ones) changed since ``cursor``.

        The cursor is JSON: ``since``, the newest ``Objversion`` seen on an order or a line (IFS's
        ``YYYYMMDDHHMMSS`` change stamp), and ``seen``, the ``OrderNo@revision`` of the orders stamped in that
        very second. The next call asks for ``Objversion ge since`` (a later write in the same second must not
        be missed) and drops what ``seen`` lists (so nothing is delivered twice). A line's change does not
        touch its header's stamp, so changed lines are read too. ``None`` reads every open order.

        Each document's ``revision`` digests the etags of the order and its lines; the purpose code is 00
        (01 for a cancelled order): whether a changed order goes as a replacement is the pipeline's call,
        since it knows what was sent before. Planned and closed orders are not sent; orders of suppliers
        missing from ``partners.csv``, and orders that cannot be read, are listed in ``skipped``.
        """
        since, seen = _read_cursor(cursor)
        headers = {str(h["OrderNo"]): h for h in self.client.changed_purchase_orders(since) if h.get("OrderNo")}
        if since:
            more = self.client.orders_with_changed_lines(since) - headers.keys()
            headers.update({str(h["OrderNo"]): h for h in self.client.purchase_orders(more) if h.get("OrderNo")})
        lines: dict[str, list[Entity]] = {}
        for line in self.client.purchase_order_lines(headers) if headers else []:
            lines.setdefault(str(line.get("OrderNo")), []).append(line)
        documents: list[OutboundDocument] = []
        skipped: list[str] = []
        stamped: list[tuple[str, str]] = []
        for order_no, header in sorted(headers.items()):
            order_lines = lines.get(order_no, [])
            stamp, rev = change_stamp(header, order_lines), revision(header, order_lines)
            marker = f"{order_no}@{rev}"
            stamped.append((stamp, marker))
            if stamp == since and marker in seen:
                continue
            state = header.get("Objstate")
            if state not in SENDABLE_STATES and not (state == CANCELLED_STATE and since):
                continue
            vendor = header.get("VendorNo")
            partner = xref.partner_for(str(vendor), "supplier")
            if partner is None:
                skipped.append(f"PO {order_no}: supplier {vendor} is not in partners.csv of {self.customer.id}")
                continue
            try:
                po = purchase_order_from_ifs(header, order_lines, partner=partner, xref=xref,
                                             buyer_name=self.customer.name)
            except ValueError as error:
                skipped.append(f"PO {order_no}: cannot be read as an 850 ({error})")
                continue
            documents.append(OutboundDocument(partner=partner, document=po, erp_key=f"PO {order_no}", revision=rev))
        if not stamped:
            return OutboundBatch(documents=[], cursor=cursor, skipped=[])
        newest = max(stamp for stamp, _ in stamped)
        next_cursor = json.dumps({"since": newest, "seen": sorted(m for s, m in stamped if s == newest)},
                                 separators=(",", ":"))
        return OutboundBatch(documents=documents, cursor=next_cursor, skipped=skipped)


def _invoice(document: Inbound) -> Invoice:
    if not isinstance(document, Invoice):
        raise ValueError(f"IFS takes only 810 invoices inbound, not {document.kind}")
    return document


def _invoice_id(entity: Mapping[str, Any], number: str) -> int:
    value = entity.get("InvoiceId")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ConnectorError(f"IFS answered without a usable InvoiceId ({value!r})", system=SYSTEM, document=number)
    return int(value)


def _facts(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The non-secret facts of an invoice worth an audit line."""
    return {"company": entity.get("Company"), "invoice_id": entity.get("InvoiceId"),
            "invoice_no": entity.get("InvoiceNo"), "supplier": entity.get("Identity"),
            "objstate": entity.get("Objstate"), "etag": entity.get("@odata.etag")}


def _read_cursor(cursor: str | None) -> tuple[str | None, frozenset[str]]:
    if not cursor:
        return None, frozenset()
    try:
        data = json.loads(cursor)
        since, seen = data["since"], data.get("seen", [])
        if not isinstance(since, str) or not isinstance(seen, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"not an IFS outbound cursor: {cursor!r}") from None
    return since, frozenset(str(s) for s in seen)


def _is_an_erp_connector(connector: IfsConnector) -> ErpConnector:
    """Lets mypy check that :class:`IfsConnector` satisfies the protocol the pipeline calls."""
    return connector
