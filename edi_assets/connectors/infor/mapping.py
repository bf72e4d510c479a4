"""Canonical documents ⇄ M3 records: pure functions, no I/O.

Inbound 810 → an APS450MI invoice batch (spec 6.5):

* head (``AddHead``): supplier ``SUNO`` through ``partners.csv``, supplier invoice number ``SINO``, invoice date
  ``IVDT`` (YYYYMMDD), invoice amount ``CUAM`` (the 810's TDS), currency, and the PO number when the 810 names one;
* one goods line (``AddLine``, line type ``RDTP`` :data:`GOODS_LINE`) per IT1: net amount ``NLAM`` = quantity ×
  unit price, invoiced quantity ``IVQA``, our item ``ITNO``, and the PO line ``PUNO``/``PNLI``(/``PNLS``) the
  partner echoes in IT101 (our 850 sends ``PNLI`` as PO101, ``PNLI-PNLS`` for a sub-line);
* one charge line (``RDTP`` :data:`CHARGE_LINE`) per SAC with an amount, negative for an allowance, so that the
  lines add up to ``CUAM`` as APS455MI's validation demands.

APS450MI/AddLine has no account or dimension inputs: M3 derives the GL coding itself (FAM event AP50), so the
``cost_centres.csv`` table is not sent anywhere by this connector (spec 6.5).

Outbound PPS200MI purchase order → 850: BP is our item (``ITNO``), VP the partner's (``items.csv``) when known, the
unit through ``units.csv`` (``PUUN`` ``BAG`` → ``BG``), ``PO101`` the PO line number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from edi_assets.connectors.crossref import CrossReference, Resolution
from edi_assets.documents import DateRef, Invoice, ItemId, Party, PurchaseOrder, PurchaseOrderLine

Record = dict[str, str]

GOODS_LINE = "1"  # RDTP of an invoice line matched to a PO line [I]
CHARGE_LINE = "2"  # RDTP of a charge or allowance line [I]
CENT = Decimal("0.01")
#: M3 order statuses below "20" (registered) are preliminary: not an order to send yet [I].
FIRST_SENDABLE_STATUS = "20"

_PO_LINE = re.compile(r"^0*(\d{1,5})(?:[-.]0*(\d{1,3}))?$")


@dataclass(frozen=True)
class InvoiceBatch:
    """The APS450MI inputs of one invoice: the head, then the lines in the order they are added."""

    head: Record
    lines: list[Record]


# -- values as M3 carries them -------------------------------------------------------------------------------

def m3_date(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def m3_number(value: Decimal) -> str:
    """Plain notation (never an exponent), as M3's numeric inputs want it."""
    return format(value, "f")


def parse_m3_date(text: str | None) -> dt.date | None:
    """A YYYYMMDD value (``dateformat=YMD8``); None for M3's empty dates (blank or ``0``)."""
    text = (text or "").strip()
    if not text or set(text) == {"0"}:
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def parse_m3_number(text: str | None) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def po_line_reference(line_number: str | None) -> tuple[str, str | None] | None:
    """PNLI and PNLS from an IT101 that echoes our PO101 (``10``, ``10-1``); None when it is not such a number."""
    match = _PO_LINE.match((line_number or "").strip())
    if match is None:
        return None
    return match.group(1), match.group(2)


def po_line_number(line: Record) -> str:
    """Our PO101 for an M3 PO line: PNLI, with the sub-line when there is one (``10-1``)."""
    sub = line.get("PNLS", "").strip()
    return f"{line['PNLI']}-{sub}" if sub and sub.strip("0") else line["PNLI"]


# -- inbound: 810 → APS450MI ---------------------------------------------------------------------------------

def invoice_batch(invoice: Invoice, resolution: Resolution) -> InvoiceBatch:
    """The batch for one 810; misses (supplier, items, prices) are recorded on ``resolution`` so the caller's
    ``resolving`` block raises one MappingError naming them all."""
    head: Record = {
        "SUNO": resolution.party("supplier"),
        "SINO": invoice.invoice_number,
        "IVDT": m3_date(invoice.invoice_date),
        "CUAM": m3_number(invoice.total_amount),
    }
    if invoice.currency:
        head["CUCD"] = invoice.currency
    if invoice.po_number:
        head["PUNO"] = invoice.po_number
    lines = [_goods_line(invoice, index, resolution) for index in range(len(invoice.lines))]
    for charge in invoice.allowances_charges:
        if charge.amount is None or charge.amount == 0:
            continue
        amount = -charge.amount if charge.indicator == "A" else charge.amount
        lines.append({"RDTP": CHARGE_LINE, "NLAM": m3_number(amount)})
    return InvoiceBatch(head, lines)


def _goods_line(invoice: Invoice, index: int, resolution: Resolution) -> Record:
    line = invoice.lines[index]
    label = line.line_number or str(index + 1)
    record: Record = {"RDTP": GOODS_LINE, "IVQA": m3_number(line.quantity)}
    if line.unit_price is None:
        resolution.missing.append(f"unit price of line {label} (IT104)")
    else:
        record["NLAM"] = m3_number((line.quantity * line.unit_price).quantize(CENT, rounding=ROUND_HALF_UP))
    if line.item_ids:
        item = resolution.item(line.item_ids, line=label)
        if item:
            record["ITNO"] = item
    reference = po_line_reference(line.line_number)
    if invoice.po_number:
        record["PUNO"] = invoice.po_number
        if reference is not None:
            record["PNLI"] = reference[0]
            if reference[1]:
                record["PNLS"] = reference[1]
    return record


# -- outbound: PPS200MI → 850 --------------------------------------------------------------------------------

def order_revision(head: Record, lines: Sequence[Record]) -> str:
    """Changes whenever the order changes: the change date, plus a digest of head and lines (two changes on one
    day share the date, M3's LMDT having no time)."""
    payload = json.dumps({"head": head, "lines": list(lines)}, sort_keys=True, separators=(",", ":"))
    return f"{head.get('LMDT', '')}:{hashlib.sha256(payload.encode()).hexdigest()[:16]}"


def unsendable_reason(head: Record) -> str | None:
    """Why a PO is not sent as an 850 (yet), or None."""
    status = head.get("PUSL", "").strip()
    if status and status < FIRST_SENDABLE_STATUS:
        return f"PO {head['PUNO']}: status {status} is preliminary (sent from {FIRST_SENDABLE_STATUS})"
    return None


def purchase_order(head: Record, lines: Sequence[Record], *, partner: str, xref: CrossReference,
                   supplier: Record | None = None) -> PurchaseOrder:
    """The 850 for an M3 purchase order head and its lines (PPS200MI SearchHead/GetHead and LstLine records)."""
    po_date = parse_m3_date(head.get("PUDT")) or parse_m3_date(head.get("LMDT"))
    if po_date is None:
        raise ValueError(f"PO {head.get('PUNO')}: no order date (PUDT)")
    order_lines = [_order_line(line, partner, xref) for line in lines]
    amounts = [ln.quantity * ln.unit_price for ln in order_lines if ln.unit_price is not None]
    parties: list[Party] = []
    suno = head.get("SUNO", "")
    if suno:
        name = (supplier or {}).get("SUNM") or None
        parties.append(Party(role="SE", name=name, id_qualifier="92", id=suno))
    if head.get("WHLO"):
        parties.append(Party(role="ST", id_qualifier="92", id=head["WHLO"]))
    delivery = parse_m3_date(head.get("DWDT"))
    return PurchaseOrder(
        po_number=head["PUNO"],
        po_date=po_date,
        currency=head.get("CUCD") or None,
        dates=[DateRef(qualifier="002", date=delivery)] if delivery else [],
        parties=parties,
        lines=order_lines,
        total_amount=sum(amounts, Decimal(0)) if len(amounts) == len(order_lines) else None,
    )


def _order_line(line: Record, partner: str, xref: CrossReference) -> PurchaseOrderLine:
    item = line.get("ITNO", "")
    ids = [ItemId(qualifier="BP", value=item)] if item else []
    theirs = xref.partner_item(partner, item) if item else None
    if theirs:
        ids.append(ItemId(qualifier="VP", value=theirs))
    quantity = parse_m3_number(line.get("ORQA"))
    if quantity is None:
        raise ValueError(f"PO {line.get('PUNO')} line {line.get('PNLI')}: no ordered quantity (ORQA)")
    delivery = parse_m3_date(line.get("DWDT"))
    return PurchaseOrderLine(
        line_number=po_line_number(line),
        quantity=quantity,
        unit=xref.x12_unit(line.get("PUUN") or "EA"),
        unit_price=parse_m3_number(line.get("PUPR")),
        item_ids=ids,
        description=line.get("PITD") or None,
        dates=[DateRef(qualifier="002", date=delivery)] if delivery else [],
    )
