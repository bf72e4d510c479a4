"""Canonical documents ⇄ QAD business-entity records: pure functions, no I/O.

Inbound functions take a :class:`Resolution` (one per document) and, where the document refers to existing
QAD records, those records as the connector just read them; every key that does not map is recorded on the
resolution, so the connector's ``resolving`` block ends with one :class:`MappingError` naming all of them and
nothing half-mapped is ever posted. Record field names follow spec 2.5 and the simulator's [I] entities.

* 810 → a supplier invoice (:func:`supplier_invoice`);
* 855 → a confirmation of the PO: the header's ``isConfirmed`` and the lines the partner changed
  (:func:`confirmation_plan`), as updates of the records read just before, ``concurrencyHash`` included;
* 856 → one receipt per purchase order of the notice, ``packingSlip`` = the shipment id (:func:`receipts`);
* outbound: a PO header and its lines → a canonical :class:`PurchaseOrder` (:func:`purchase_order`).

QAD's JSON carries numbers as floats; they become ``Decimal`` through their shortest repr, so 0.42 reads back
as 0.42, never 0.419999...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from edi_assets.connectors.crossref import CrossReference, Resolution
from edi_assets.documents import (
    AckLine,
    DateRef,
    Invoice,
    ItemId,
    Party,
    POAcknowledgment,
    PurchaseOrder,
    PurchaseOrderLine,
    ShipNotice,
    Terms,
)

Record = dict[str, Any]

#: BAK02 codes by which the partner refuses the whole order: the PO is left (or set back) unconfirmed.
REJECTED_ORDER = frozenset({"RD", "RF", "RJ", "RN", "RO", "RR"})
#: ACK01 codes that mean the line will not be supplied; QAD is not changed for them, they are reported.
REJECTED_LINE = frozenset({"IR", "ID", "R1", "R2", "R3", "R4"})
#: ACK01 codes that change the ordered quantity (to the sum of the quantities the statuses accept).
QUANTITY_CHANGED = frozenset({"IQ", "IC"})
#: ACK01 codes that change the unit price (to the PO1 price of the acknowledgment line).
PRICE_CHANGED = frozenset({"IP", "IC"})
#: ACK01 code for a new date: the line's due date becomes the status date.
DATE_RESCHEDULED = "DR"

CENT = Decimal("0.01")


# -- helpers -------------------------------------------------------------------------------------------------

def qad_date(day: dt.date) -> str:
    """QAD's JSON date-time form for a date: ``2024-05-01T00:00:00.000Z`` (spec 2.5)."""
    return f"{day.isoformat()}T00:00:00.000Z"


def parse_qad_date(value: Any) -> dt.date | None:
    """The date of a QAD date or date-time string (``2026-11-02`` or ``2026-11-02T00:00:00.000Z``)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    return dt.date.fromisoformat(value[:10])


def decimal(value: Any) -> Decimal:
    """A QAD JSON number as Decimal; whole numbers without a fraction (40.0 → 40)."""
    number = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(str(value))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


def number(value: Decimal) -> int | float:
    """A Decimal as the JSON number QAD expects."""
    return int(value) if value == value.to_integral_value() else float(value)


def same(qad_value: Any, value: Decimal) -> bool:
    try:
        return decimal(qad_value) == value
    except (ArithmeticError, TypeError, ValueError):
        return False


def miss(res: Resolution, what: str) -> None:
    """Record a key that does not map, once (the resolution's own lookups do the same)."""
    if what not in res.missing:
        res.missing.append(what)


def line_number(text: str | None) -> int | None:
    """An X12 line number (PO101, IT101, LIN01) as QAD's PO line number when it is one."""
    stripped = (text or "").strip()
    return int(stripped) if stripped.isdigit() and int(stripped) > 0 else None


def match_line(po_lines: list[Record], res: Resolution, number_text: str | None, item_ids: Iterable[ItemId],
               *, po: str, what: str) -> Record | None:
    """The PO line a document line refers to: by line number, else by item (when exactly one line has it).
    None, recorded as a miss, when neither finds one."""
    wanted = line_number(number_text)
    if wanted is not None:
        found = next((ln for ln in po_lines if ln.get("purchaseOrderLine") == wanted), None)
        if found is not None:
            return found
    ids = list(item_ids)
    if ids:
        probe = Resolution(res.xref, res.partner)  # a line matched by number needs no item: probe separately
        item = probe.item(ids, line=number_text)
        candidates = [ln for ln in po_lines if item and ln.get("itemCode") == item]
        if len(candidates) == 1:
            return candidates[0]
    carried = ", ".join(f"{i.qualifier} {i.value}" for i in ids) or "no item id"
    miss(res, f"{what} {number_text or '(no number)'} ({carried}) matches no line of purchase order {po}")
    return None


def check_supplier(res: Resolution, header: Record) -> None:
    """A partner may only acknowledge or ship against its own purchase orders."""
    supplier = res.party("supplier")
    owner = str(header.get("supplierCode") or "")
    if supplier and owner != supplier:
        miss(res, f"purchase order {header.get('purchaseOrderNumber')} belongs to supplier {owner}, not to "
                  f"partner {res.partner} ({supplier} in partners.csv)")


def check_unit(res: Resolution, x12_unit: str | None, po_line: Record, *, what: str) -> None:
    """A quantity in another unit than the PO line's would be booked wrong: record it as a miss."""
    if not x12_unit:
        return
    unit = res.unit(x12_unit)
    expected = str(po_line.get("unitOfMeasure") or "")
    if expected and unit != expected:
        miss(res, f"unit {x12_unit} of {what} is {unit} in QAD, but purchase order line "
                  f"{po_line.get('purchaseOrderLine')} is in {expected} (units.csv)")


# -- 810 → supplier invoice ----------------------------------------------------------------------------------

def supplier_invoice(invoice: Invoice, res: Resolution, *, domain: str) -> Record:
    """The supplier invoice record for an 810; lines refer to the PO (BIG04) and its line (IT101) when given."""
    supplier = res.party("supplier")
    lines: list[Record] = []
    for li in invoice.lines:
        line: Record = {"itemCode": res.item(li.item_ids, line=li.line_number), "quantity": number(li.quantity),
                        "unitOfMeasure": res.unit(li.unit)}
        if invoice.po_number:
            line["purchaseOrderNumber"] = invoice.po_number
            po_line = line_number(li.line_number)
            if po_line is not None:
                line["purchaseOrderLine"] = po_line
        if li.unit_price is not None:
            line["unitCost"] = number(li.unit_price)
            line["amount"] = number((li.quantity * li.unit_price).quantize(CENT))
        if li.description:
            line["description"] = li.description
        lines.append(line)
    record: Record = {
        "supplierInvoiceReference": invoice.invoice_number,
        "supplierCode": supplier,
        "domainCode": domain,
        "invoiceDate": qad_date(invoice.invoice_date),
        "totalAmount": number(invoice.total_amount),
        "supplierInvoiceLines": lines,
    }
    net_days = next((t.net_days for t in invoice.terms if t.net_days is not None), None)
    if net_days is not None:
        record["dueDate"] = qad_date(invoice.invoice_date + dt.timedelta(days=net_days))
    if invoice.currency:
        record["currencyCode"] = invoice.currency
    return record


# -- 855 → PO confirmation -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConfirmationPlan:
    """What an 855 changes in QAD: the header update (None when it is already so) and the line updates."""

    po_number: str
    confirmed: bool
    header: Record | None = None
    lines: list[Record] = field(default_factory=list)
    rejected_lines: list[int] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """True when QAD already shows everything the acknowledgment says."""
        return self.header is None and not self.lines


def confirmation_plan(ack: POAcknowledgment, header: Record, po_lines: list[Record],
                      res: Resolution) -> ConfirmationPlan:
    """Edits of ``header`` and ``po_lines`` (as just read, with their ``concurrencyHash``) that apply ``ack``.

    Accepted (any BAK02 but a rejection) sets ``isConfirmed``; a rejection clears it. Lines: IQ/IC set the
    quantity, IP/IC the unit price, DR the due date; rejected lines (IR, ID) are reported, not changed,
    because QAD cannot order a quantity of zero and cancelling a line is the buyer's decision.
    """
    check_supplier(res, header)
    confirmed = ack.ack_type not in REJECTED_ORDER
    header_update = None if header.get("isConfirmed") is confirmed else {**header, "isConfirmed": confirmed}
    updates: list[Record] = []
    rejected: list[int] = []
    for li in ack.lines:
        po_line = match_line(po_lines, res, li.line_number, li.item_ids, po=ack.po_number,
                             what="acknowledgment line")
        if po_line is None:
            continue
        codes = {s.code for s in li.statuses}
        if codes & REJECTED_LINE and not codes - REJECTED_LINE:
            rejected.append(int(po_line["purchaseOrderLine"]))
            continue
        changes = _line_changes(li, codes, po_line, res)
        if changes:
            updates.append({**po_line, **changes})
    return ConfirmationPlan(po_number=ack.po_number, confirmed=confirmed, header=header_update, lines=updates,
                            rejected_lines=rejected)


def _line_changes(li: AckLine, codes: set[str], po_line: Record, res: Resolution) -> Record:
    changes: Record = {}
    what = f"acknowledgment line {li.line_number or po_line.get('purchaseOrderLine')}"
    if codes & QUANTITY_CHANGED:
        accepted = [s for s in li.statuses if s.code not in REJECTED_LINE and s.quantity is not None]
        quantity = sum((s.quantity for s in accepted if s.quantity is not None), Decimal(0)) if accepted \
            else li.quantity
        check_unit(res, next((s.unit for s in accepted if s.unit), None) or li.unit, po_line, what=what)
        if not same(po_line.get("quantityOrdered"), quantity):
            changes["quantityOrdered"] = number(quantity)
    if codes & PRICE_CHANGED and li.unit_price is not None and not same(po_line.get("purchaseCost"), li.unit_price):
        changes["purchaseCost"] = number(li.unit_price)
    rescheduled = next((s.date for s in li.statuses if s.code == DATE_RESCHEDULED and s.date), None)
    if rescheduled is not None and parse_qad_date(po_line.get("dueDate")) != rescheduled:
        changes["dueDate"] = qad_date(rescheduled)
    return changes


# -- 856 → PO receipts ---------------------------------------------------------------------------------------

def ship_notice_orders(notice: ShipNotice) -> list[str]:
    """The PO numbers a notice ships against, in order of appearance (order levels first, then items)."""
    numbers = [o.po_number for o in notice.orders] + [i.po_number for i in notice.items if i.po_number]
    return list(dict.fromkeys(numbers))


def receipts(notice: ShipNotice, orders: dict[str, tuple[Record, list[Record]]], res: Resolution, *, domain: str,
             site: str | None) -> list[Record]:
    """One receipt per PO in ``orders`` (number → header and lines as read; the notice's other POs are left
    out, e.g. because they were received already): the shipped quantity per PO line (items of one line in
    several packs are summed), ``packingSlip`` = BSN02, effective on the ship date (else the notice date)."""
    numbers = ship_notice_orders(notice)
    single = numbers[0] if len(numbers) == 1 else None
    if not numbers:
        miss(res, f"shipment {notice.shipment_id} names no purchase order (PRF)")
    quantities: dict[str, dict[int, Decimal]] = {po: {} for po in orders}
    sites: dict[tuple[str, int], str] = {}
    for header, _ in orders.values():
        check_supplier(res, header)
    for index, item in enumerate(notice.items, start=1):
        po = item.po_number or single
        if po is None:
            miss(res, f"item {item.line_number or index} of shipment {notice.shipment_id} names no "
                      "purchase order (PRF)")
            continue
        if po not in orders:
            continue
        what = f"shipped line {item.line_number or index}"
        po_line = match_line(orders[po][1], res, item.line_number, item.item_ids, po=po, what=what)
        if po_line is None:
            continue
        check_unit(res, item.unit, po_line, what=what)
        number_ = int(po_line["purchaseOrderLine"])
        quantities[po][number_] = quantities[po].get(number_, Decimal(0)) + item.quantity
        sites[(po, number_)] = str(po_line.get("siteCode") or site or "")
    effective = notice.shipped_date or notice.ship_notice_date
    result: list[Record] = []
    for po, by_line in quantities.items():
        lines: list[Record] = []
        for line, quantity in sorted(by_line.items()):
            if quantity <= 0:
                continue
            entry: Record = {"purchaseOrderLine": line, "quantity": number(quantity)}
            if sites.get((po, line)):
                entry["siteCode"] = sites[(po, line)]
            lines.append(entry)
        if lines:
            result.append({"domainCode": domain, "purchaseOrderNumber": po, "effectiveDate": qad_date(effective),
                           "packingSlip": notice.shipment_id, "purchaseOrderReceiptLines": lines})
    return result


# -- outbound: PO → 850 --------------------------------------------------------------------------------------

def purchase_order(header: Record, po_lines: list[Record], *, partner: str, xref: CrossReference) -> PurchaseOrder:
    """The canonical 850 for a QAD PO: BP = our item, VP = the partner's (items.csv) when known, units through
    units.csv. A cancelled PO (status X) is sent as a cancellation (BEG01 01). Raises ValueError (or pydantic's
    ValidationError, a ValueError) when the record lacks what an 850 needs."""
    order_date = parse_qad_date(header.get("orderDate"))
    if order_date is None:
        raise ValueError(f"purchase order {header.get('purchaseOrderNumber')} has no order date")
    due = parse_qad_date(header.get("dueDate"))
    lines: list[PurchaseOrderLine] = []
    for ln in sorted(po_lines, key=lambda r: int(r.get("purchaseOrderLine") or 0)):
        item = str(ln.get("itemCode") or "")
        ids = [ItemId(qualifier="BP", value=item)] if item else []
        theirs = xref.partner_item(partner, item) if item else None
        if theirs:
            ids.append(ItemId(qualifier="VP", value=theirs))
        line_due = parse_qad_date(ln.get("dueDate"))
        lines.append(PurchaseOrderLine(
            line_number=str(ln.get("purchaseOrderLine")),
            quantity=decimal(ln.get("quantityOrdered", 0)),
            unit=xref.x12_unit(str(ln.get("unitOfMeasure") or "EA")),
            unit_price=decimal(ln["purchaseCost"]) if ln.get("purchaseCost") is not None else None,
            item_ids=ids,
            description=str(ln.get("itemDescription") or "") or None,
            dates=[DateRef(qualifier="002", date=line_due)] if line_due else [],
        ))
    total = sum(((li.quantity * li.unit_price) for li in lines if li.unit_price is not None), Decimal(0))
    parties = [Party(role="VN", id_qualifier="92", id=str(header.get("supplierCode")))]
    if header.get("shipToSite"):
        parties.insert(0, Party(role="ST", id_qualifier="92", id=str(header["shipToSite"])))
    return PurchaseOrder(
        po_number=str(header.get("purchaseOrderNumber") or ""),
        po_date=order_date,
        purpose_code="01" if str(header.get("orderStatus") or "").upper() == "X" else "00",
        currency=str(header.get("currencyCode") or "") or None,
        dates=[DateRef(qualifier="002", date=due)] if due else [],
        terms=[Terms(description=str(header["creditTermsCode"]))] if header.get("creditTermsCode") else [],
        parties=parties,
        lines=lines,
        total_amount=total.quantize(CENT),
    )
