"""Canonical documents ⇄ IFS Cloud payloads; pure functions, no I/O.

Inbound 810 → manual supplier invoice (LU ``ManSuppInvoice``) and its posting proposal:

* header: ``Company`` (customer setting), ``Identity`` (the supplier, through ``partners.csv``: the one key that
  must map), ``InvoiceNo``, ``InvoiceDate``, ``GrossAmount`` (the 810's total, TDS), ``PoRef``, ``Currency``,
  ``DueDate`` (invoice date + the terms' net days);
* ``NetAmount`` and ``VatAmount`` only when every line is priced: net is the sum of the line amounts (IT1
  quantity × price, to the cent) with charges added and allowances taken off (SAC), and VAT what the total holds
  beyond that. X12 totals include tax and lines do not; when the figures disagree (net above the total) neither
  is sent and a person reads the gross amount alone;
* posting proposal rows: one per line and per allowance or charge when net is known, else one row for the
  total; each on the partner's account and cost centre (code part B) from ``cost_centres.csv``. That table is
  optional for IFS: without a row for the partner the invoice is created without a posting proposal, and a person
  adds one in IFS (the ``note`` says so).

Outbound PO (``PurchaseOrderSet`` header + ``PurchaseOrderLineSet`` lines) → canonical 850: BP is our part
(``PartNo``), VP the partner's item when ``items.csv`` knows it, units through ``units.csv`` in reverse, the
requested dates as DTM 002. Lines without a part (``PurchaseOrderLineNopart``: services) carry the description
only. A cancelled line of an open order is left out; a cancelled order goes with purpose 01 and all its lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from edi_assets.connectors.crossref import CostCentre, CrossReference, Resolution
from edi_assets.documents import (
    DateRef,
    Invoice,
    InvoiceLine,
    ItemId,
    Party,
    PurchaseOrder,
    PurchaseOrderLine,
    Reference,
)

CENT = Decimal("0.01")
TEXT_LENGTH = 100  # posting-proposal text is for people; keep it short whatever the partner sent

#: PO states whose changes go to the supplier as an 850 (00 original); a cancelled PO goes as 01 cancellation.
SENDABLE_STATES = frozenset({"Released", "Confirmed"})
CANCELLED_STATE = "Cancelled"


# -- inbound: 810 → manual supplier invoice ------------------------------------------------------------------

@dataclass(frozen=True)
class IfsInvoice:
    """What one 810 becomes: the invoice header to POST, then its posting-proposal rows (may be none)."""

    header: dict[str, Any]
    proposals: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None  # why there is no posting proposal, when there is none


def invoice_to_ifs(invoice: Invoice, resolution: Resolution, *, company: str,
                   cost_centre: CostCentre | None) -> IfsInvoice:
    """Map an 810; call inside ``xref.resolving(...)`` so an unmapped supplier ends in one MappingError."""
    supplier = resolution.party("supplier")
    header: dict[str, Any] = {
        "Company": company,
        "Identity": supplier,
        "InvoiceNo": invoice.invoice_number,
        "InvoiceDate": invoice.invoice_date.isoformat(),
        "GrossAmount": _money(invoice.total_amount),
    }
    if invoice.currency:
        header["Currency"] = invoice.currency
    if invoice.po_number:
        header["PoRef"] = invoice.po_number
    due = due_date(invoice)
    if due is not None:
        header["DueDate"] = due.isoformat()
    total = invoice.total_amount.quantize(CENT, ROUND_HALF_UP)
    rows = _net_rows(invoice)
    net = sum((amount for amount, _ in rows), Decimal("0.00")) if rows is not None else None
    if rows is None or net is None or net > total:
        rows = [(total, f"Invoice {invoice.invoice_number}")]
    else:
        header["NetAmount"] = _money(net)
        header["VatAmount"] = _money(total - net)
    if cost_centre is None:
        return IfsInvoice(header, [], note=f"no account for partner {resolution.partner} in cost_centres.csv: "
                                           "the posting proposal is left for a person to enter in IFS")
    proposals = [{"Account": cost_centre.account, "CodeB": cost_centre.cost_centre, "CurrAmount": _money(amount),
                  "Text": text[:TEXT_LENGTH]} for amount, text in rows if amount != 0]
    return IfsInvoice(header, proposals)


def due_date(invoice: Invoice) -> dt.date | None:
    """Invoice date plus the first net-days term (ITD07), if the partner gave one."""
    days = next((t.net_days for t in invoice.terms if t.net_days is not None), None)
    return invoice.invoice_date + dt.timedelta(days=days) if days is not None else None


def _net_rows(invoice: Invoice) -> list[tuple[Decimal, str]] | None:
    """(amount to the cent, text) per line and per allowance/charge; None when a price or amount is missing."""
    rows: list[tuple[Decimal, str]] = []
    for number, line in enumerate(invoice.lines, start=1):
        if line.unit_price is None:
            return None
        amount = (line.quantity * line.unit_price).quantize(CENT, ROUND_HALF_UP)
        rows.append((amount, _line_text(line, number)))
    for sac in invoice.allowances_charges:
        if sac.amount is None:
            return None
        amount = sac.amount.quantize(CENT, ROUND_HALF_UP)
        kind = "Allowance" if sac.indicator == "A" else "Charge"
        rows.append((-amount if sac.indicator == "A" else amount,
                     f"{kind} {sac.description or sac.code or ''}".strip()))
    return rows


def _line_text(line: InvoiceLine, number: int) -> str:
    what = line.description or ", ".join(f"{i.qualifier} {i.value}" for i in line.item_ids) or "item"
    return f"Line {line.line_number or number}: {what} ({_plain(line.quantity)} {line.unit})"


def _money(value: Decimal) -> float:
    """JSON number for an Edm.Decimal amount, to the cent (IFS's JSON carries numbers, not strings)."""
    return float(value.quantize(CENT, ROUND_HALF_UP))


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


# -- outbound: purchase order → 850 --------------------------------------------------------------------------

def purchase_order_from_ifs(header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], *, partner: str,
                            xref: CrossReference, buyer_name: str | None = None) -> PurchaseOrder:
    """The canonical PO for one IFS order and its lines; raises ValueError when a value cannot be read."""
    order_no = _text(header, "OrderNo")
    cancelled = header.get("Objstate") == CANCELLED_STATE  # a cancellation names the lines it cancels
    kept = sorted((line for line in lines if cancelled or line.get("Objstate") != CANCELLED_STATE), key=_line_order)
    po_lines = [_po_line(line, partner, xref) for line in kept]
    if not po_lines:
        raise ValueError(f"PO {order_no} has no open lines")
    priced = [line.quantity * line.unit_price for line in po_lines if line.unit_price is not None]
    parties = [Party(role="BY", name=buyer_name)] if buyer_name else []
    if header.get("Contract"):
        # The site as the ship-to location; X12 ids are at least two characters, so site "1" goes as "01".
        parties.append(Party(role="ST", id_qualifier="92", id=str(header["Contract"]).zfill(2)))
    vendor = _text(header, "VendorNo")
    parties.append(Party(role="VN", id_qualifier="92", id=vendor))
    dates = [DateRef(qualifier="002", date=_date(header["WantedReceiptDate"]))] if header.get(
        "WantedReceiptDate") else []
    return PurchaseOrder(
        po_number=order_no,
        po_date=_date(header.get("OrderDate") or header.get("DateEntered")),
        purpose_code="01" if cancelled else "00",
        currency=header.get("CurrencyCode") or None,
        references=[Reference(qualifier="IA", value=vendor)],  # our number for the vendor
        dates=dates,
        parties=parties,
        lines=po_lines,
        total_amount=_plain_decimal(sum(priced, Decimal(0))) if len(priced) == len(po_lines) else None,
    )


def _po_line(line: Mapping[str, Any], partner: str, xref: CrossReference) -> PurchaseOrderLine:
    part = line.get("PartNo")
    item_ids: list[ItemId] = []
    if part:
        item_ids.append(ItemId(qualifier="BP", value=str(part)))
        theirs = xref.partner_item(partner, str(part))
        if theirs:
            item_ids.append(ItemId(qualifier="VP", value=theirs))
    release = str(line.get("ReleaseNo") or "1")
    number = _text(line, "LineNo") if release == "1" else f"{_text(line, 'LineNo')}-{release}"
    wanted = line.get("WantedDeliveryDate")
    unit = line.get("BuyUnitMeas")
    return PurchaseOrderLine(
        line_number=number,
        quantity=_decimal(line.get("BuyQtyDue"), "BuyQtyDue"),
        unit=xref.x12_unit(str(unit)) if unit else "EA",
        unit_price=_decimal(line["BuyUnitPrice"], "BuyUnitPrice") if line.get("BuyUnitPrice") is not None else None,
        item_ids=item_ids,
        description=line.get("Description") or None,
        dates=[DateRef(qualifier="002", date=_date(wanted))] if wanted else [],
    )


def change_stamp(header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> str:
    """The latest ``Objversion`` of the order and its lines (``YYYYMMDDHHMMSS``: compares as text)."""
    return max(str(row.get("Objversion") or "") for row in [header, *lines])


def revision(header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> str:
    """Changes whenever the order or any line is saved: a digest of their etags (version stamps as fallback)."""
    tags = sorted(str(row.get("@odata.etag") or row.get("Objversion") or "") for row in lines)
    text = "|".join([str(header.get("@odata.etag") or header.get("Objversion") or ""), *tags])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _line_order(line: Mapping[str, Any]) -> tuple[tuple[int, str], tuple[int, str]]:
    return _natural(line.get("LineNo")), _natural(line.get("ReleaseNo"))


def _natural(value: Any) -> tuple[int, str]:
    text = str(value or "")
    return (int(text), "") if text.isdigit() else (1 << 30, text)


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    if value is None or str(value) == "":
        raise ValueError(f"{name} is empty")
    return str(value)


def _date(value: Any) -> dt.date:
    if not value:
        raise ValueError("the order has no date")
    return dt.date.fromisoformat(str(value)[:10])


def _decimal(value: Any, name: str) -> Decimal:
    if value is None or isinstance(value, bool):
        raise ValueError(f"{name} is empty")
    try:
        return _plain_decimal(Decimal(str(value)))
    except ArithmeticError:
        raise ValueError(f"{name} is not a number: {value!r}") from None


def _plain_decimal(value: Decimal) -> Decimal:
    """JSON numbers arrive as floats (``212.0``): an integral value becomes ``212``, others stay as sent."""
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
