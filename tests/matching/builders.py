"""Small builders of canonical documents for the match tests: a PO, an 855, an 856 and an 810, line by line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from edi_assets.documents import (
    AckLine,
    DateRef,
    Invoice,
    InvoiceLine,
    ItemId,
    LineStatus,
    POAcknowledgment,
    PurchaseOrder,
    PurchaseOrderLine,
    ShipNotice,
    ShipOrder,
    ShippedItem,
)

DAY = dt.date(2026, 11, 2)
PO = "PO10001"

# (line, our item, quantity, price): PO10001 of the demo, steel plate and bolts from steelco
PLATE = ("1", "10-1000", "40", "125.50")
BOLTS = ("2", "10-2000", "500", "0.42")


def ids(item: str, vendor: str | None = None) -> list[ItemId]:
    found = [ItemId(qualifier="BP", value=item)]
    return [*found, ItemId(qualifier="VP", value=vendor)] if vendor else found


def purchase_order(*lines: tuple[str, str, str, str], po: str = PO, ship_by: dt.date | None = None) -> PurchaseOrder:
    return PurchaseOrder(po_number=po, po_date=DAY, lines=[
        PurchaseOrderLine(line_number=n, item_ids=ids(item), quantity=Decimal(q), unit_price=Decimal(p))
        for n, item, q, p in (lines or (PLATE, BOLTS))],
        dates=[DateRef(qualifier="002", date=ship_by)] if ship_by else [])


def acknowledgment(*lines: tuple[str, str, str, str, str, str | None], po: str = PO,
                   ack_type: str = "AC") -> POAcknowledgment:
    """Lines as (line, item, ordered quantity, price, ACK01 code, ACK02 quantity)."""
    return POAcknowledgment(ack_type=ack_type, po_number=po, po_date=DAY, lines=[
        AckLine(line_number=n, item_ids=ids(item), quantity=Decimal(q), unit_price=Decimal(p),
                statuses=[LineStatus(code=code, quantity=Decimal(confirmed) if confirmed is not None else None)])
        for n, item, q, p, code, confirmed in lines])


def ship_notice(*items: tuple[str, str, str], po: str = PO, shipment: str = "SH000001") -> ShipNotice:
    """Items as (line, item, quantity shipped)."""
    return ShipNotice(shipment_id=shipment, ship_notice_date=DAY, orders=[ShipOrder(po_number=po)], items=[
        ShippedItem(po_number=po, line_number=n, item_ids=ids(item), quantity=Decimal(q)) for n, item, q in items])


def invoice(*lines: tuple[str | None, str, str, str], po: str | None = PO, number: str = "INV000001",
            unit: str = "EA", item_ids: list[ItemId] | None = None) -> Invoice:
    """Lines as (line, item, quantity, unit price); ``item_ids`` replaces every line's ids."""
    built = [InvoiceLine(line_number=n, item_ids=item_ids if item_ids is not None else ids(item),
                         quantity=Decimal(q), unit_price=Decimal(p), unit=unit) for n, item, q, p in lines]
    total = sum((line.quantity * (line.unit_price or Decimal(0)) for line in built), Decimal(0))
    return Invoice(invoice_number=number, invoice_date=DAY, po_number=po, lines=built, total_amount=total)
