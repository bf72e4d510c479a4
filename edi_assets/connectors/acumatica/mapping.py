"""Canonical documents ⇄ Acumatica entities (plain dicts: :mod:`.values` does the wrapping). No I/O.

Inbound (partner → Acumatica), keys resolved through one :class:`~edi_assets.connectors.crossref.Resolution`:

* 850 from a customer → **SalesOrder** (type SO) for the partner's customer id, its PO number in
  ``CustomerOrder`` (the natural key, with the customer);
* 810 from a supplier → AP **Bill** for the partner's vendor id, the invoice number in ``VendorRef`` (the natural
  key, with the vendor), lines linked to our purchase order and its lines when the invoice names them;
* 855 from a supplier → changes to our **PurchaseOrder**: promised dates, confirmed quantities and prices, rejected
  lines completed, a rejected order put back on hold for a buyer;
* 856 from a supplier → a **PurchaseReceipt** against the PO lines, on hold: an ASN announces goods, the
  warehouse confirms them on arrival (``VendorRef`` = the shipment id is the natural key, with the vendor).

Item ids: on an 850 from a customer, our own item number is the *vendor's* part (VP/VN: we sell); on documents
from a supplier it is the *buyer's* part (BP, through :meth:`Resolution.item`). Outbound documents say the same
the other way round: a PO carries our item as BP and the supplier's as VP, an invoice our item as VP and the
customer's as BP.

Outbound (Acumatica → partner): PurchaseOrder → canonical :class:`PurchaseOrder` (850), SalesInvoice → canonical
:class:`Invoice` (810). A record that cannot be a document raises :class:`UnreadableRecord`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from edi_assets.connectors.crossref import SELLER_QUALIFIERS, CrossReference, Resolution
from edi_assets.documents import (
    DateRef,
    Invoice,
    InvoiceLine,
    ItemId,
    Party,
    POAcknowledgment,
    PurchaseOrder,
    PurchaseOrderLine,
    ShipNotice,
    Terms,
)

SALES_ORDER_TYPE: Final = "SO"
PURCHASE_ORDER_TYPE: Final = "Normal"
BILL_TYPE: Final = "Bill"
RECEIPT_TYPE: Final = "Receipt"

#: Our item on a document we receive as the seller (an 850 from a customer).
#: X12 DTM qualifiers of a requested delivery (002) or ship (010) date on an 850.
REQUESTED_DATES: Final = ("002", "010")
#: ACK01 codes (X12 element 668) that take a line out of the order.
REJECTED: Final = frozenset({"IR", "ID", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"})
#: ... that confirm a different quantity (ACK02 is the new quantity) or price (PO104 the new price).
QUANTITY_CHANGED: Final = frozenset({"IQ", "IC"})
PRICE_CHANGED: Final = frozenset({"IP", "IC"})
#: BAK02 codes for an order refused as a whole.
ORDER_REJECTED: Final = frozenset({"RJ"})
CENT: Final = Decimal("0.01")

#: Looks up a PO line number by (PO number, our item) when a ship notice item does not carry one.
LineFinder = Callable[[str, str], int | None]


class UnreadableRecord(ValueError):  # noqa: N818 (named for what the outbound batch says about the record)
    """An Acumatica record that cannot be sent as a document (no lines, no date...); the reason is the text."""


# -- inbound --------------------------------------------------------------------------------------------------


def sales_order(po: PurchaseOrder, res: Resolution) -> dict[str, Any]:
    """An 850 from a customer as a new SalesOrder (the order number is Acumatica's to give)."""
    customer = res.party("customer")
    requested = next((d.date for q in REQUESTED_DATES for d in po.dates if d.qualifier == q), None)
    details = []
    for index, line in enumerate(po.lines, start=1):
        details.append({
            "InventoryID": _seller_item(res, line.item_ids, line.line_number or str(index)),
            "OrderQty": line.quantity,
            "UOM": res.unit(line.unit),
            "UnitPrice": line.unit_price,
            "LineDescription": line.description,
        })
    return {
        "OrderType": SALES_ORDER_TYPE,
        "CustomerID": customer,
        "CustomerOrder": po.po_number,
        "Date": po.po_date,
        "RequestedOn": requested,
        "Description": f"EDI 850 {po.po_number}",
        "CurrencyID": po.currency,
        "Details": details,
    }


def bill(invoice: Invoice, res: Resolution) -> dict[str, Any]:
    """An 810 from a supplier as a new AP Bill; charges and allowances (SAC) become lines of their own so the
    bill's amount is the invoice's."""
    vendor = res.party("supplier")
    details: list[dict[str, Any]] = []
    for index, line in enumerate(invoice.lines, start=1):
        row: dict[str, Any] = {
            "InventoryID": res.item(line.item_ids, line=line.line_number or str(index)),
            "TransactionDescription": line.description,
            "Qty": line.quantity,
            "UOM": res.unit(line.unit),
            "UnitCost": line.unit_price if line.unit_price is not None else Decimal(0),
        }
        if invoice.po_number:
            row["POOrderType"] = PURCHASE_ORDER_TYPE
            row["POOrderNbr"] = invoice.po_number
            row["POLine"] = _line_number(line.line_number)
        details.append(row)
    for charge in invoice.allowances_charges:
        if charge.amount is None:
            continue
        sign = -1 if charge.indicator == "A" else 1
        label = "Allowance" if charge.indicator == "A" else "Charge"
        details.append({
            "TransactionDescription": charge.description or f"{label} {charge.code or ''}".strip(),
            "Qty": Decimal(1),
            "UnitCost": sign * charge.amount,
        })
    net_days = next((t.net_days for t in invoice.terms if t.net_days is not None), None)
    description = f"EDI 810 {invoice.invoice_number}" + (f" PO {invoice.po_number}" if invoice.po_number else "")
    return {
        "Type": BILL_TYPE,
        "Vendor": vendor,
        "VendorRef": invoice.invoice_number,
        "Date": invoice.invoice_date,
        "DueDate": invoice.invoice_date + dt.timedelta(days=net_days) if net_days is not None else None,
        "Description": description,
        "CurrencyID": invoice.currency,
        "Details": details,
    }


def acknowledgment_changes(ack: POAcknowledgment, res: Resolution, order: Mapping[str, Any]) -> dict[str, Any] | None:
    """The update an 855 makes to our PurchaseOrder ``order`` (unwrapped, with its Details), holding only what
    differs from what is stored; None when the order already says everything the 855 does."""
    rows = [r for r in order.get("Details") or [] if isinstance(r, Mapping)]
    changed_rows: list[dict[str, Any]] = []
    for index, line in enumerate(ack.lines, start=1):
        row = _ack_row(res, rows, line.line_number, line.item_ids, ack.po_number, index)
        if row is None:
            continue
        wanted: dict[str, Any] = {}
        codes = {s.code for s in line.statuses}
        promised = next((s.date for s in line.statuses if s.date is not None), None)
        if promised is not None:
            wanted["PromisedDate"] = promised
        new_quantity = next((s.quantity for s in line.statuses
                             if s.code in QUANTITY_CHANGED and s.quantity is not None), None)
        if new_quantity is not None:
            wanted["OrderQty"] = new_quantity
        if codes & PRICE_CHANGED and line.unit_price is not None:
            wanted["UnitCost"] = line.unit_price
        if codes & REJECTED:
            wanted["Completed"] = True
        differs = {name: value for name, value in wanted.items() if not _same(row.get(name), value)}
        if differs:
            changed_rows.append({"id": row.get("id"), **differs})
    hold = ack.ack_type in ORDER_REJECTED and order.get("Hold") is not True
    if not changed_rows and not hold:
        return None
    update: dict[str, Any] = {"id": order.get("id"), "Type": order.get("Type") or PURCHASE_ORDER_TYPE,
                              "OrderNbr": order.get("OrderNbr") or ack.po_number}
    if hold:
        update["Hold"] = True
    if changed_rows:
        update["Details"] = changed_rows
    return update


def purchase_receipt(notice: ShipNotice, res: Resolution, line_of: LineFinder | None = None) -> dict[str, Any]:
    """An 856 from a supplier as a PurchaseReceipt on hold, each item against its PO line (by the line number the
    ASN carries, else through ``line_of`` by our item)."""
    vendor = res.party("supplier")
    sole_order = notice.orders[0].po_number if len(notice.orders) == 1 else None
    details = []
    for index, item in enumerate(notice.items, start=1):
        our_item = res.item(item.item_ids, line=item.line_number or str(index))
        po_number = item.po_number or sole_order
        line = _line_number(item.line_number)
        if line is None and po_number and our_item and line_of is not None:
            line = line_of(po_number, our_item)
        details.append({
            "InventoryID": our_item,
            "ReceiptQty": item.quantity,
            "UOM": res.unit(item.unit),
            "POOrderType": PURCHASE_ORDER_TYPE if po_number else None,
            "POOrderNbr": po_number,
            "POLineNbr": line,
        })
    carrier = notice.carrier_name or notice.carrier_code
    return {
        "Type": RECEIPT_TYPE,
        "VendorID": vendor,
        "VendorRef": notice.shipment_id,
        "Date": notice.shipped_date or notice.ship_notice_date,
        "Description": f"EDI 856 {notice.shipment_id}" + (f" via {carrier}" if carrier else ""),
        "Hold": True,
        "Details": details,
    }


# -- outbound -------------------------------------------------------------------------------------------------


def purchase_order_document(order: Mapping[str, Any], *, partner: str, xref: CrossReference,
                            buyer: str | None = None) -> PurchaseOrder:
    """Our PurchaseOrder (unwrapped, with Details) as the canonical 850 to its supplier ``partner``."""
    number = _text(order.get("OrderNbr"), "OrderNbr")
    rows = _rows(order, number)
    lines = []
    for row in rows:
        item = _text(row.get("InventoryID"), f"line {row.get('LineNbr')} InventoryID")
        ids = [ItemId(qualifier="BP", value=item)]
        theirs = xref.partner_item(partner, item)
        if theirs:
            ids.append(ItemId(qualifier="VP", value=theirs))
        lines.append(PurchaseOrderLine(
            line_number=_line_text(row.get("LineNbr")),
            quantity=_amount(row.get("OrderQty"), f"line {row.get('LineNbr')} OrderQty"),
            unit=xref.x12_unit(str(row.get("UOM") or "EA")),
            unit_price=_decimal(row.get("UnitCost")),
            item_ids=ids,
            description=row.get("LineDescription") or None,
        ))
    promised = _date(order.get("PromisedOn"))
    parties = [Party(role="BY", name=buyer)] if buyer else []
    if order.get("VendorID"):
        parties.append(Party(role="SE", id_qualifier="92", id=str(order["VendorID"])))
    return PurchaseOrder(
        po_number=number,
        po_date=_required_date(order.get("Date"), f"purchase order {number} Date"),
        currency=order.get("CurrencyID") or None,
        dates=[DateRef(qualifier="002", date=promised)] if promised else [],
        parties=parties,
        lines=lines,
        total_amount=_cents(order.get("OrderTotal")),
    )


def invoice_document(invoice: Mapping[str, Any], *, partner: str, xref: CrossReference,
                     seller: str | None = None) -> Invoice:
    """Our SalesInvoice (unwrapped, with Details) as the canonical 810 to its customer ``partner``."""
    number = _text(invoice.get("ReferenceNbr"), "ReferenceNbr")
    rows = _rows(invoice, number)
    lines = []
    for row in rows:
        item = _text(row.get("InventoryID"), f"line {row.get('LineNbr')} InventoryID")
        ids = [ItemId(qualifier="VP", value=item)]
        theirs = xref.partner_item(partner, item)
        if theirs:
            ids.append(ItemId(qualifier="BP", value=theirs))
        lines.append(InvoiceLine(
            line_number=_line_text(row.get("LineNbr")),
            quantity=_amount(row.get("Qty"), f"line {row.get('LineNbr')} Qty"),
            unit=xref.x12_unit(str(row.get("UOM") or "EA")),
            unit_price=_decimal(row.get("UnitPrice")),
            item_ids=ids,
            description=row.get("TransactionDescription") or None,
        ))
    date = _required_date(invoice.get("Date"), f"invoice {number} Date")
    due = _date(invoice.get("DueDate"))
    total = _cents(invoice.get("Amount"))
    if total is None:
        total = sum((line.quantity * (line.unit_price or 0) for line in lines), Decimal(0)).quantize(CENT)
    parties = [Party(role="SE", name=seller)] if seller else []
    if invoice.get("CustomerID"):
        parties.append(Party(role="BY", id_qualifier="91", id=str(invoice["CustomerID"])))
    return Invoice(
        invoice_number=number,
        invoice_date=date,
        po_number=invoice.get("CustomerOrder") or None,
        currency=invoice.get("CurrencyID") or None,
        terms=[Terms(basis_date_code="3", net_days=(due - date).days)] if due and due > date else [],
        parties=parties,
        lines=lines,
        total_amount=total,
    )


# -- helpers --------------------------------------------------------------------------------------------------


def _seller_item(res: Resolution, ids: Sequence[ItemId], line: str) -> str:
    """Our item on a line we sell: the seller's number (VP, VN, ...) is ours."""
    return res.item(ids, line=line, own=SELLER_QUALIFIERS)


def _ack_row(res: Resolution, rows: Sequence[Mapping[str, Any]], line_number: str | None, ids: Iterable[ItemId],
             po_number: str, index: int) -> Mapping[str, Any] | None:
    """The PO row an 855 line answers: by line number, else by our item; a miss when neither finds one."""
    number = _line_number(line_number)
    found = next((r for r in rows if number is not None and _line_number(r.get("LineNbr")) == number), None)
    if found is not None:
        return found
    item_ids = list(ids)
    if number is None and item_ids:
        item = res.item(item_ids, line=str(index))
        found = next((r for r in rows if item and str(r.get("InventoryID") or "").casefold() == item.casefold()),
                     None)
        if found is not None or not item:
            return found
    what = f"line {line_number or index}" + (f" ({', '.join(f'{i.qualifier} {i.value}' for i in item_ids)})"
                                             if item_ids else "")
    missing = f"{what} of the 855 is not a line of purchase order {po_number} in Acumatica"
    if missing not in res.missing:
        res.missing.append(missing)
    return None


def _same(stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool):
        return stored is wanted
    if isinstance(wanted, Decimal):
        return _decimal(stored) == wanted
    if isinstance(wanted, dt.date):
        return _date(stored) == wanted
    return bool(stored == wanted)


def _line_number(value: Any) -> int | None:
    """A PO line number as Acumatica keeps it (an integer); None for one that is not a whole number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip() if value is not None else ""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return int(text) if text.isdigit() else None


def _line_text(value: Any) -> str | None:
    number = _line_number(value)
    return str(number) if number is not None else (str(value) if value not in (None, "") else None)


def _rows(record: Mapping[str, Any], number: str) -> list[Mapping[str, Any]]:
    rows = [r for r in record.get("Details") or [] if isinstance(r, Mapping)]
    if not rows:
        raise UnreadableRecord(f"{number} has no lines")
    return rows


def _text(value: Any, what: str) -> str:
    if value is None or str(value).strip() == "":
        raise UnreadableRecord(f"{what} is empty")
    return str(value)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        return None


def _amount(value: Any, what: str) -> Decimal:
    found = _decimal(value)
    if found is None:
        raise UnreadableRecord(f"{what} is empty")
    return found


def _cents(value: Any) -> Decimal | None:
    found = _decimal(value)
    return found.quantize(CENT) if found is not None else None


def _date(value: Any) -> dt.date | None:
    """The calendar date of an Acumatica date-time (``2026-11-04T00:00:00+00:00``), as written (no time-zone
    shift: Acumatica keeps documents' dates at midnight of the branch's day)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _required_date(value: Any, what: str) -> dt.date:
    found = _date(value)
    if found is None:
        raise UnreadableRecord(f"{what} is missing or unreadable ({value!r})")
    return found
