"""Canonical documents ⇄ Acumatica entities (plain dicts), with the cross-reference tables; no HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from edi_assets.connectors.acumatica import mapping
from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.errors import MappingError
from edi_assets.documents import (
    AckLine,
    AllowanceCharge,
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
    Terms,
)
from tests.connectors.conftest import demo_xref

SYSTEM = "acumatica"


@pytest.fixture
def xref() -> CrossReference:
    return demo_xref("bluefin")


def order_850(*lines: PurchaseOrderLine, **changes: Any) -> PurchaseOrder:
    fields: dict[str, Any] = {"po_number": "HF-7001", "po_date": dt.date(2026, 11, 6), "lines": list(lines)}
    return PurchaseOrder(**{**fields, **changes})


def po_line(*ids: tuple[str, str], number: str = "1", quantity: str = "20", unit: str = "CA",
            price: str | None = "48.00") -> PurchaseOrderLine:
    return PurchaseOrderLine(line_number=number, quantity=Decimal(quantity), unit=unit,
                             unit_price=Decimal(price) if price else None,
                             item_ids=[ItemId(qualifier=q, value=v) for q, v in ids])


def invoice_810(*lines: InvoiceLine, **changes: Any) -> Invoice:
    fields: dict[str, Any] = {"invoice_number": "CP-INV-1", "invoice_date": dt.date(2026, 11, 8),
                              "po_number": "PO000101", "lines": list(lines), "total_amount": Decimal("4280.00")}
    return Invoice(**{**fields, **changes})


def invoice_line(number: str | None = "1", item: str = "PAPER-A4", quantity: str = "200",
                 price: str = "21.40") -> InvoiceLine:
    return InvoiceLine(line_number=number, quantity=Decimal(quantity), unit="BX", unit_price=Decimal(price),
                       item_ids=[ItemId(qualifier="BP", value=item)])


def stored_order(**row_changes: Any) -> dict[str, Any]:
    """PO000101 as the client returns it (unwrapped, Details expanded)."""
    row = {"id": "row-1", "LineNbr": 1, "InventoryID": "PAPER-A4", "OrderQty": Decimal(200), "UOM": "BOX",
           "UnitCost": Decimal("21.4"), "ExtendedCost": Decimal(4280), "ReceivedQty": Decimal(0),
           **row_changes}
    return {"id": "po-guid", "Type": "Normal", "OrderNbr": "PO000101", "VendorID": "V-COASTAL", "Hold": False,
            "Status": "Open", "Date": "2026-11-04T00:00:00+00:00", "OrderTotal": Decimal(4280),
            "LastModifiedDateTime": "2026-11-04T09:00:00.123+00:00", "Details": [row]}


def acknowledgment(*lines: AckLine, ack_type: str = "AC") -> POAcknowledgment:
    return POAcknowledgment(ack_type=ack_type, po_number="PO000101", po_date=dt.date(2026, 11, 4), lines=list(lines))


def ack_line(*statuses: LineStatus, number: str | None = "1", price: str = "21.40",
             item: str = "PAPER-A4") -> AckLine:
    return AckLine(line_number=number, quantity=Decimal(200), unit="BX", unit_price=Decimal(price),
                   item_ids=[ItemId(qualifier="BP", value=item)], statuses=list(statuses))


def map_sales_order(xref: CrossReference, po: PurchaseOrder, partner: str = "harborfoods") -> dict[str, Any]:
    with xref.resolving(system=SYSTEM, partner=partner, document=po.po_number) as res:
        return mapping.sales_order(po, res)


def map_bill(xref: CrossReference, invoice: Invoice, partner: str = "coastalpaper") -> dict[str, Any]:
    with xref.resolving(system=SYSTEM, partner=partner, document=invoice.invoice_number) as res:
        return mapping.bill(invoice, res)


def map_ack(xref: CrossReference, ack: POAcknowledgment, order: dict[str, Any]) -> dict[str, Any] | None:
    with xref.resolving(system=SYSTEM, partner="coastalpaper", document=ack.po_number) as res:
        return mapping.acknowledgment_changes(ack, res, order)


# -- 850 → SalesOrder -----------------------------------------------------------------------------------------


def test_an_850_becomes_a_sales_order_for_the_partners_customer(xref: CrossReference) -> None:
    po = order_850(po_line(("VP", "FISH-001")), dates=[DateRef(qualifier="002", date=dt.date(2026, 11, 20))],
                   currency="USD")
    record = map_sales_order(xref, po)
    assert {k: v for k, v in record.items() if k != "Details"} == {
        "OrderType": "SO", "CustomerID": "HARBOR", "CustomerOrder": "HF-7001", "Date": dt.date(2026, 11, 6),
        "RequestedOn": dt.date(2026, 11, 20), "Description": "EDI 850 HF-7001", "CurrencyID": "USD"}


def test_a_sales_order_line_takes_our_item_from_the_vendor_part_and_our_unit(xref: CrossReference) -> None:
    record = map_sales_order(xref, order_850(po_line(("BP", "HF-COD-10"), ("VP", "FISH-001"))))
    assert record["Details"] == [{"InventoryID": "FISH-001", "OrderQty": Decimal(20), "UOM": "CASE",
                                  "UnitPrice": Decimal("48.00"), "LineDescription": None}]


def test_a_sales_order_line_without_price_leaves_the_price_to_acumatica(xref: CrossReference) -> None:
    record = map_sales_order(xref, order_850(po_line(("VP", "FISH-001"), price=None)))
    assert record["Details"][0]["UnitPrice"] is None


def test_the_items_table_maps_a_customers_own_item_number() -> None:
    xref = CrossReference(customer="bluefin", parties={("harborfoods", "customer"): "HARBOR"},
                          items={("harborfoods", "HF-COD-10"): "FISH-001"})
    record = map_sales_order(xref, order_850(po_line(("BP", "HF-COD-10"))))
    assert record["Details"][0]["InventoryID"] == "FISH-001"


def test_every_key_an_850_misses_is_named_in_one_mapping_error() -> None:
    xref = CrossReference(customer="bluefin")
    with pytest.raises(MappingError) as raised:
        map_sales_order(xref, order_850(po_line(("UP", "012345678905"))))
    assert raised.value.missing == (
        "customer id for partner harborfoods (partners.csv)",
        "item of line 1 (UP 012345678905) for partner harborfoods (items.csv)",
    )
    assert raised.value.document == "HF-7001"


# -- 810 → Bill -----------------------------------------------------------------------------------------------


def test_an_810_becomes_a_bill_for_the_partners_vendor_keyed_by_its_invoice_number(xref: CrossReference) -> None:
    record = map_bill(xref, invoice_810(invoice_line(), terms=[Terms(net_days=30)]))
    assert {k: v for k, v in record.items() if k != "Details"} == {
        "Type": "Bill", "Vendor": "V-COASTAL", "VendorRef": "CP-INV-1", "Date": dt.date(2026, 11, 8),
        "DueDate": dt.date(2026, 12, 8), "Description": "EDI 810 CP-INV-1 PO PO000101", "CurrencyID": None}


def test_bill_lines_point_at_the_purchase_order_line_they_invoice(xref: CrossReference) -> None:
    record = map_bill(xref, invoice_810(invoice_line()))
    assert record["Details"] == [{"InventoryID": "PAPER-A4", "TransactionDescription": None,
                                  "Qty": Decimal(200), "UOM": "BOX", "UnitCost": Decimal("21.40"),
                                  "POOrderType": "Normal", "POOrderNbr": "PO000101", "POLine": 1}]


def test_a_bill_line_whose_number_is_not_a_po_line_number_links_the_order_only(xref: CrossReference) -> None:
    record = map_bill(xref, invoice_810(invoice_line(number="A1")))
    assert record["Details"][0]["POOrderNbr"] == "PO000101"
    assert record["Details"][0]["POLine"] is None


def test_an_invoice_without_a_po_number_makes_an_unlinked_bill(xref: CrossReference) -> None:
    record = map_bill(xref, invoice_810(invoice_line(), po_number=None))
    assert "POOrderNbr" not in record["Details"][0]
    assert record["Description"] == "EDI 810 CP-INV-1"


def test_charges_and_allowances_become_bill_lines_of_their_own(xref: CrossReference) -> None:
    invoice = invoice_810(invoice_line(), allowances_charges=[
        AllowanceCharge(indicator="C", code="D240", amount=Decimal("35.00"), description="Freight"),
        AllowanceCharge(indicator="A", code="C310", amount=Decimal("10.00"))])
    record = map_bill(xref, invoice)
    assert record["Details"][1:] == [
        {"TransactionDescription": "Freight", "Qty": Decimal(1), "UnitCost": Decimal("35.00")},
        {"TransactionDescription": "Allowance C310", "Qty": Decimal(1), "UnitCost": Decimal("-10.00")},
    ]


def test_an_810_from_a_partner_without_a_vendor_id_is_a_mapping_error() -> None:
    xref = CrossReference(customer="bluefin")
    with pytest.raises(MappingError, match="supplier id for partner coastalpaper"):
        map_bill(xref, invoice_810(invoice_line()))


# -- 855 → PurchaseOrder changes ------------------------------------------------------------------------------


def test_an_855_quantity_change_sets_the_order_quantity_and_promised_date(xref: CrossReference) -> None:
    ack = acknowledgment(ack_line(LineStatus(code="IQ", quantity=Decimal(180), date=dt.date(2026, 11, 12))))
    assert map_ack(xref, ack, stored_order()) == {
        "id": "po-guid", "Type": "Normal", "OrderNbr": "PO000101",
        "Details": [{"id": "row-1", "PromisedDate": dt.date(2026, 11, 12), "OrderQty": Decimal(180)}]}


def test_an_855_price_change_sets_the_unit_cost(xref: CrossReference) -> None:
    ack = acknowledgment(ack_line(LineStatus(code="IP", quantity=Decimal(200)), price="22.10"))
    changes = map_ack(xref, ack, stored_order())
    assert changes is not None
    assert changes["Details"] == [{"id": "row-1", "UnitCost": Decimal("22.10")}]


def test_a_rejected_line_is_completed(xref: CrossReference) -> None:
    changes = map_ack(xref, acknowledgment(ack_line(LineStatus(code="IR", quantity=Decimal(0)))), stored_order())
    assert changes is not None
    assert changes["Details"] == [{"id": "row-1", "Completed": True}]


def test_an_order_rejected_as_a_whole_goes_back_on_hold(xref: CrossReference) -> None:
    changes = map_ack(xref, acknowledgment(ack_type="RJ"), stored_order())
    assert changes == {"id": "po-guid", "Type": "Normal", "OrderNbr": "PO000101", "Hold": True}


def test_an_855_the_order_already_reflects_changes_nothing(xref: CrossReference) -> None:
    order = stored_order(OrderQty=Decimal(180), PromisedDate="2026-11-12T00:00:00+00:00")
    ack = acknowledgment(ack_line(LineStatus(code="IQ", quantity=Decimal(180), date=dt.date(2026, 11, 12))))
    assert map_ack(xref, ack, order) is None


def test_an_855_accepting_as_ordered_without_dates_changes_nothing(xref: CrossReference) -> None:
    ack = acknowledgment(ack_line(LineStatus(code="IA", quantity=Decimal(200))), ack_type="AD")
    assert map_ack(xref, ack, stored_order()) is None


def test_an_855_line_without_a_number_finds_its_po_line_by_item(xref: CrossReference) -> None:
    ack = acknowledgment(ack_line(LineStatus(code="IA", date=dt.date(2026, 11, 12)), number=None))
    changes = map_ack(xref, ack, stored_order())
    assert changes is not None
    assert changes["Details"] == [{"id": "row-1", "PromisedDate": dt.date(2026, 11, 12)}]


def test_an_855_line_the_order_does_not_have_is_a_mapping_error(xref: CrossReference) -> None:
    ack = acknowledgment(ack_line(LineStatus(code="IA"), number="7"))
    with pytest.raises(MappingError, match=r"line 7 .* is not a line of purchase order PO000101"):
        map_ack(xref, ack, stored_order())


# -- 856 → PurchaseReceipt ------------------------------------------------------------------------------------


def ship_notice(*items: ShippedItem, orders: tuple[str, ...] = ("PO000101",)) -> ShipNotice:
    return ShipNotice(shipment_id="CP-SH-1", ship_notice_date=dt.date(2026, 11, 9),
                      shipped_date=dt.date(2026, 11, 8), carrier_name="Coastal Freight",
                      orders=[ShipOrder(po_number=n) for n in orders], items=list(items))


def map_receipt(xref: CrossReference, notice: ShipNotice,
                line_of: mapping.LineFinder | None = None) -> dict[str, Any]:
    with xref.resolving(system=SYSTEM, partner="coastalpaper", document=notice.shipment_id) as res:
        return mapping.purchase_receipt(notice, res, line_of)


def test_an_856_becomes_a_purchase_receipt_on_hold_keyed_by_the_shipment(xref: CrossReference) -> None:
    notice = ship_notice(ShippedItem(po_number="PO000101", line_number="1", quantity=Decimal(180), unit="BX",
                                     item_ids=[ItemId(qualifier="BP", value="PAPER-A4")]))
    record = map_receipt(xref, notice)
    assert record == {
        "Type": "Receipt", "VendorID": "V-COASTAL", "VendorRef": "CP-SH-1", "Date": dt.date(2026, 11, 8),
        "Description": "EDI 856 CP-SH-1 via Coastal Freight", "Hold": True,
        "Details": [{"InventoryID": "PAPER-A4", "ReceiptQty": Decimal(180), "UOM": "BOX", "POOrderType": "Normal",
                     "POOrderNbr": "PO000101", "POLineNbr": 1}]}


def test_a_shipped_item_without_a_line_number_finds_its_po_line_by_item(xref: CrossReference) -> None:
    asked: list[tuple[str, str]] = []

    def line_of(po_number: str, item: str) -> int | None:
        asked.append((po_number, item))
        return 3

    notice = ship_notice(ShippedItem(quantity=Decimal(5), unit="BX",
                                     item_ids=[ItemId(qualifier="BP", value="PAPER-A4")]))
    record = map_receipt(xref, notice, line_of)
    assert asked == [("PO000101", "PAPER-A4")]
    assert record["Details"][0]["POOrderNbr"] == "PO000101"
    assert record["Details"][0]["POLineNbr"] == 3


def test_a_shipped_item_of_an_unknown_order_is_received_without_a_po_link(xref: CrossReference) -> None:
    notice = ship_notice(ShippedItem(quantity=Decimal(5), unit="BX", item_ids=[ItemId(qualifier="BP",
                                                                                     value="PAPER-A4")]),
                         orders=("PO1", "PO2"))
    details = map_receipt(xref, notice)["Details"][0]
    assert details["POOrderNbr"] is None
    assert details["POOrderType"] is None


# -- outbound -------------------------------------------------------------------------------------------------


def test_a_purchase_order_becomes_an_850_with_our_item_as_buyer_part() -> None:
    xref = CrossReference(customer="bluefin", parties={("coastalpaper", "supplier"): "V-COASTAL"},
                          items={("coastalpaper", "CP-A4-500"): "PAPER-A4"}, units={"BX": "BOX"})
    order = stored_order(PromisedDate=None, LineDescription="Copy paper A4")
    order["PromisedOn"] = "2026-11-20T00:00:00+00:00"
    po = mapping.purchase_order_document(order, partner="coastalpaper", xref=xref, buyer="Bluefin Distribution")
    assert (po.po_number, po.po_date, po.total_amount) == ("PO000101", dt.date(2026, 11, 4), Decimal("4280.00"))
    assert po.dates == [DateRef(qualifier="002", date=dt.date(2026, 11, 20))]
    assert [(p.role, p.name, p.id) for p in po.parties] == [("BY", "Bluefin Distribution", None),
                                                            ("SE", None, "V-COASTAL")]
    line = po.lines[0]
    assert (line.line_number, line.quantity, line.unit, line.unit_price, line.description) == (
        "1", Decimal(200), "BX", Decimal("21.4"), "Copy paper A4")
    assert [(i.qualifier, i.value) for i in line.item_ids] == [("BP", "PAPER-A4"), ("VP", "CP-A4-500")]


def test_a_sales_invoice_becomes_an_810_with_our_item_as_vendor_part(xref: CrossReference) -> None:
    record = {"Type": "Invoice", "ReferenceNbr": "INV000001", "CustomerID": "HARBOR", "CustomerOrder": "HF-4410",
              "Date": "2026-11-05T00:00:00+00:00", "DueDate": "2026-12-05T00:00:00+00:00",
              "Amount": Decimal("462"), "Details": [{"LineNbr": 1, "InventoryID": "FISH-001", "Qty": Decimal(12),
                                                     "UnitPrice": Decimal("38.5"), "UOM": "CASE"}]}
    invoice = mapping.invoice_document(record, partner="harborfoods", xref=xref, seller="Bluefin Distribution")
    assert (invoice.invoice_number, invoice.invoice_date, invoice.po_number, invoice.total_amount) == (
        "INV000001", dt.date(2026, 11, 5), "HF-4410", Decimal("462.00"))
    assert invoice.terms == [Terms(basis_date_code="3", net_days=30)]
    line = invoice.lines[0]
    assert (line.quantity, line.unit, line.unit_price) == (Decimal(12), "CA", Decimal("38.5"))
    assert [(i.qualifier, i.value) for i in line.item_ids] == [("VP", "FISH-001")]
    assert [(p.role, p.id) for p in invoice.parties] == [("SE", None), ("BY", "HARBOR")]


def test_a_record_without_lines_cannot_be_sent(xref: CrossReference) -> None:
    order = stored_order()
    order["Details"] = []
    with pytest.raises(mapping.UnreadableRecord, match="PO000101 has no lines"):
        mapping.purchase_order_document(order, partner="coastalpaper", xref=xref)


def test_a_record_without_a_date_cannot_be_sent(xref: CrossReference) -> None:
    order = stored_order()
    order["Date"] = None
    with pytest.raises(mapping.UnreadableRecord, match="Date is missing"):
        mapping.purchase_order_document(order, partner="coastalpaper", xref=xref)
