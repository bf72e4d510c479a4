"""Infor CloudSuite M3 as an :class:`~edi_assets.connectors.erp.ErpConnector` (DESIGN: 810 in; POs → 850 out).

**Inbound 810 → APS450MI invoice batch**, exactly once. The natural key is supplier + supplier invoice number
(+ invoice year: M3's uniqueness is payee + supplier + number + year). ``post``:

1. maps the whole document first (a MappingError posts nothing);
2. looks the invoice up with ``APS450MI/LstInvBySupInv``: a *posted* batch (it has a voucher number) is returned as
   ``existed=True``; an *open* batch is one an earlier ``post`` left unfinished (crash, OutcomeUnknown) and is
   completed below rather than created again;
3. ``AddHead`` (→ INBN); a refusal is looked up once more, since M3 itself refuses a duplicate invoice number (an
   invoice created between the look-up and the AddHead is then taken as the existing one);
4. ``AddLine`` for each line the batch does not hold yet (``LstLines`` counts them: lines are added in order);
5. ``APS455MI/ValidByBatchNo``, then ``GetHead``: error flags (IBHE head/totals, IBLE lines) leave the batch open in
   M3 and raise :class:`RemoteRejected` naming the batch; a later ``post`` of the same invoice validates it again.

The MI writes are GETs that are not idempotent: they are sent with ``idempotent=False``, so a 5xx or a dropped
connection raises OutcomeUnknown and the pipeline calls ``find`` (None for an open batch) and ``post``, which resumes.

**Outbound**: purchase orders from ``PPS200MI/SearchHead`` by change date (``LMDT``), their lines from ``LstLine``,
the supplier's name from ``CRS620MI/GetBasicData``. The cursor is the latest change date seen, ``YYYYMMDD``; the next
call reads from that day *inclusive* (LMDT has no time, so a later change on the same day would otherwise be
missed) and the pipeline recognises repeats by ``erp_key`` + ``revision``. M3 lists at most 1000 records with no
paging, so a full answer is split by date range until each part fits (spec 6.4).

Customer invoices (→ 810) are not read: the spec names no M3 program for them (6.5) and the simulator has none.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Literal

import httpx

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.erp import CredentialSource, Inbound, OutboundBatch, OutboundDocument, Posting
from edi_assets.connectors.errors import ConnectorError, RemoteRejected
from edi_assets.connectors.infor.auth import SYSTEM
from edi_assets.connectors.infor.client import GRID_CEILING, M3Client, M3Rejected, Record
from edi_assets.connectors.infor.ionapi import IonApiFile, parse_ionapi
from edi_assets.connectors.infor.mapping import (
    invoice_batch,
    m3_date,
    order_revision,
    parse_m3_date,
    parse_m3_number,
    purchase_order,
    unsendable_reason,
)
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.redaction import get_logger
from edi_assets.connectors.retry import RetryPolicy
from edi_assets.customers import Customer, InforErp
from edi_assets.documents import Invoice

log = get_logger(__name__)

CREDENTIAL = "infor.ionapi"
RECORD_KIND = "SupplierInvoiceBatch"
_EARLIEST = dt.date(1900, 1, 1)
_CURSOR = re.compile(r"^\d{8}$")

ErpKind = Literal["qad", "acumatica", "quickbooks", "ifs", "infor"]


def _posted(head: Record) -> bool:
    """Validated and posted: APS455MI gave it a voucher number [I: the simulator's and GetHead's reading]."""
    return head.get("VONO", "").strip("0 ") != ""


class InforConnector:
    """One customer's M3 company, reached with the ``.ionapi`` file stored in the vault as ``infor.ionapi``."""

    kind: ErpKind = "infor"

    def __init__(self, customer: Customer, credentials: CredentialSource, limiter: RateLimiter | None = None, *,
                 retry: RetryPolicy | None = None, transport: httpx.BaseTransport | None = None,
                 grid_ceiling: int = GRID_CEILING, clock: Callable[[], float] = time.monotonic,
                 today: Callable[[], dt.date] | None = None) -> None:
        if not isinstance(customer.erp, InforErp):
            raise ValueError(f"customer {customer.id} is not an Infor customer (erp kind {customer.erp.kind})")
        self.customer = customer
        self.erp: InforErp = customer.erp
        self.ionapi: IonApiFile = parse_ionapi(credentials(CREDENTIAL))
        self.client = M3Client(self.ionapi, cono=self.erp.cono, divi=self.erp.divi, limiter=limiter, retry=retry,
                               transport=transport, clock=clock)
        self.grid_ceiling = grid_ceiling
        self._today = today or (lambda: dt.datetime.now(dt.UTC).date())

    def close(self) -> None:
        self.client.close()

    # -- inbound ------------------------------------------------------------------------------------------

    def find(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting | None:
        """The posted batch of this invoice, or None (also for an open batch, which ``post`` completes)."""
        invoice = _invoice(document)
        with xref.resolving(system=SYSTEM, partner=partner, document=invoice.invoice_number) as resolution:
            supplier = resolution.party("supplier")
        existing = self._existing(invoice, supplier, partner)
        return _posting(existing, existed=True) if existing is not None and _posted(existing) else None

    def post(self, document: Inbound, *, partner: str, xref: CrossReference) -> Posting:
        invoice = _invoice(document)
        number = invoice.invoice_number
        with xref.resolving(system=SYSTEM, partner=partner, document=number) as resolution:
            batch = invoice_batch(invoice, resolution)
        supplier = batch.head["SUNO"]
        existing = self._existing(invoice, supplier, partner)
        if existing is None:
            try:
                inbn = self.client.add_invoice_head(batch.head, document=number, partner=partner)
            except M3Rejected as refused:
                existing = self._existing(invoice, supplier, partner)  # M3 refuses a duplicate invoice number
                if existing is None:
                    raise
                log.info("infor: AddHead of invoice %s refused (%s); batch %s already holds it", number,
                         refused.remote_message, existing.get("INBN"))
        if existing is not None:
            if _posted(existing):
                return _posting(existing, existed=True)
            inbn = existing["INBN"]
            log.info("infor: invoice %s has open batch %s; completing it", number, inbn)
        self._complete(inbn, batch.lines, number, partner)
        self.client.validate_invoice_batch(inbn, document=number, partner=partner)
        head = self.client.get_invoice_head(inbn, document=number)
        flagged = [what for flag, what in (("IBHE", "head (totals)"), ("IBLE", "lines")) if head.get(flag) == "1"]
        if flagged:
            raise RemoteRejected(f"invoice batch {inbn} did not pass APS455MI validation: errors in the "
                                 f"{' and '.join(flagged)}; it stays open in M3 (APS450) until corrected",
                                 field="INBN", system=SYSTEM, operation="APS455MI/ValidByBatchNo", document=number,
                                 partner=partner)
        return _posting(head, existed=False)

    def _existing(self, invoice: Invoice, supplier: str, partner: str) -> Record | None:
        """The batch of this supplier invoice number in the invoice's year (M3 allows the number again in
        another year); a posted one first."""
        year = str(invoice.invoice_date.year)
        found = [r for r in self.client.find_invoices(supplier, invoice.invoice_number, document=invoice.invoice_number,
                                                      partner=partner)
                 if r.get("IVDT", "")[:4] == year and r.get("INBN")]
        return next((r for r in found if _posted(r)), found[0] if found else None)

    def _complete(self, inbn: str, lines: list[Record], number: str, partner: str) -> None:
        """Add the lines batch ``inbn`` lacks; the ones it holds must be the document's first ones."""
        held = self.client.list_invoice_lines(inbn, document=number)
        if len(held) > len(lines) or any(not _same_amount(h, want) for h, want in zip(held, lines, strict=False)):
            raise RemoteRejected(f"invoice batch {inbn} already holds lines that differ from this invoice; "
                                 "resolve it in M3 (APS450) before posting again", field="INBN", system=SYSTEM,
                                 document=number, partner=partner)
        for line in lines[len(held):]:
            self.client.add_invoice_line(inbn, line, document=number, partner=partner)

    # -- outbound -----------------------------------------------------------------------------------------

    def outbound(self, cursor: str | None, *, xref: CrossReference) -> OutboundBatch:
        """POs changed on or after the cursor's day (cursor: the latest M3 change date seen, ``YYYYMMDD``)."""
        since = _parse_cursor(cursor)
        heads = sorted(self._changed_orders(since or _EARLIEST, None),
                       key=lambda h: (h.get("LMDT", ""), h.get("PUNO", "")))
        documents: list[OutboundDocument] = []
        skipped: list[str] = []
        suppliers: dict[str, Record | None] = {}
        newest = cursor or ""
        for head in heads:
            newest = max(newest, head.get("LMDT", ""))
            number, suno = head["PUNO"], head.get("SUNO", "")
            partner = xref.partner_for(suno, "supplier")
            if partner is None:
                skipped.append(f"PO {number}: supplier {suno or '(none)'} is not a trading partner (partners.csv)")
                continue
            reason = unsendable_reason(head)
            if reason is not None:
                skipped.append(reason)
                continue
            lines = self.client.list_order_lines(number)
            if not lines:
                skipped.append(f"PO {number}: no lines")
                continue
            if suno not in suppliers:
                suppliers[suno] = self._supplier(suno)
            try:
                order = purchase_order(head, lines, partner=partner, xref=xref, supplier=suppliers[suno])
            except ValueError as exc:
                skipped.append(str(exc))
                continue
            documents.append(OutboundDocument(partner=partner, document=order, erp_key=f"PO {number}",
                                              revision=order_revision(head, lines)))
        return OutboundBatch(documents=documents, cursor=newest or None, skipped=skipped)

    def _supplier(self, suno: str) -> Record | None:
        try:
            return self.client.get_supplier(suno)
        except M3Rejected as exc:
            log.warning("infor: supplier %s not readable (%s); the 850 goes without its name", suno,
                        exc.remote_message)
            return None

    def _changed_orders(self, low: dt.date, high: dt.date | None) -> list[Record]:
        """PO heads changed in ``[low, high]`` (``high`` None: open-ended), splitting any range whose answer
        reaches the grid ceiling, because M3 would silently leave the rest out."""
        query = f"LMDT:[{m3_date(low)} TO {m3_date(high) if high else '*'}]"
        heads = self.client.search_order_heads(query)
        if len(heads) < self.grid_ceiling:
            return heads
        if high is None:
            seen = [d for d in (parse_m3_date(h.get("LMDT")) for h in heads) if d is not None]
            pivot = max([self._today(), low, *seen])
            return self._changed_orders(low, pivot) + self._changed_orders(pivot + dt.timedelta(days=1), None)
        if low >= high:
            raise ConnectorError(f"more than {self.grid_ceiling - 1} purchase orders changed on {low.isoformat()}: "
                                 "M3 lists no more in one call and has no paging", system=SYSTEM,
                                 operation="PPS200MI/SearchHead")
        middle = low + (high - low) // 2
        return self._changed_orders(low, middle) + self._changed_orders(middle + dt.timedelta(days=1), high)


def _invoice(document: Inbound) -> Invoice:
    if not isinstance(document, Invoice):
        raise ValueError(f"Infor M3 takes only invoices (810) inbound, not {document.kind}")
    return document


def _posting(head: Record, *, existed: bool) -> Posting:
    detail = {k: head[k] for k in ("INBN", "DIVI", "SUNO", "SINO", "VONO", "YEA4") if head.get(k)}
    return Posting(record_kind=RECORD_KIND, record_id=head["INBN"], existed=existed, detail=detail)


def _same_amount(held: Record, wanted: Record) -> bool:
    return (parse_m3_number(held.get("NLAM")) or Decimal(0)) == (parse_m3_number(wanted.get("NLAM")) or Decimal(0))


def _parse_cursor(cursor: str | None) -> dt.date | None:
    if cursor is None:
        return None
    date = parse_m3_date(cursor) if _CURSOR.match(cursor) else None
    if date is None:
        raise ValueError(f"not an Infor outbound cursor (an M3 change date, YYYYMMDD): {cursor!r}")
    return date
