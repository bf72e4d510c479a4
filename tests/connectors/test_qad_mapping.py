"""QAD mapping: canonical documents ⇄ QAD business-entity records, pure functions over the demo tables of acme."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from edi_assets.connectors.crossref import CrossReference, Resolution
from edi_assets.connectors.errors import MappingError
from edi_assets.connectors.qad.mapping import (
    confirmation_plan,
    decimal,
    purchase_order,
    qad_date,
    receipts,
    supplier_invoice,
)
from edi_assets.documents import (
    AckLine,
    Invoice,
    InvoiceLine,
    ItemId,
    LineStatus,
    POAcknowledgment,
    ShipNotice,
    ShipOrder,
    ShippedItem,
    Terms,
)
from tests.connectors.conftest import demo_xref

Record = dict[str, Any]


@pytest.fixture(scope="module")
def xref() -> CrossReference:
    return demo_xref("acme")


def resolve(xref: CrossReference, partner: str = "steelco") -> Resolution:
    return Resolution(xref, partner)


def header(**changes: Any) -> Record:
    return {"purchaseOrderNumber": "PO10001", "domainCode": "10USA", "supplierCode": "S-STEEL",
            "currencyCode": "USD", "shipToSite": "10-100", "orderDate": "2026-11-02T00:00:00.000Z",
            "dueDate": "2026-11-16T00:00:00.000Z", "orderStatus": "O", "isConfirmed": False,
            "concurrencyHash": "h-header", "modifiedDateTime": "2026-11-02T08:00:00.000Z", **changes}


def po_line(number: int, item: str, quantity: float, cost: float, **changes: Any) -> Record:
    return {"purchaseOrderNumber": "PO10001", "domainCode": "10USA", "purchaseOrderLine": number, "itemCode": item,
            "quantityOrdered": quantity, "quantityReceived": 0.0, "unitOfMeasure": "EA", "purchaseCost": cost,
            "siteCode": "10-100", "dueDate": "", "concurrencyHash": f"h-line-{number}", **changes}


LINES = [po_line(1, "10-1000", 40.0, 125.5), po_line(2, "10-2000", 500.0, 0.42)]


def invoice(**changes: Any) -> Invoice:
    data: dict[str, Any] = {
        "invoice_number": "INV-77", "invoice_date": dt.date(2026, 11, 20), "po_number": "PO10001",
        "lines": [InvoiceLine(line_number="1", quantity=Decimal(40), unit="EA", unit_price=Decimal("125.5"),
                              item_ids=[ItemId(qualifier="VP", value="SC-PL10")]),
                  InvoiceLine(line_number="2", quantity=Decimal(450), unit="EA", unit_price=Decimal("0.42"),
                              item_ids=[ItemId(qualifier="BP", value="10-2000")])],
        "total_amount": Decimal("5209.00"), **changes}
    return Invoice(**data)


def ack(ack_type: str = "AC", *lines: AckLine) -> POAcknowledgment:
    return POAcknowledgment(ack_type=ack_type, po_number="PO10001", po_date=dt.date(2026, 11, 2), lines=list(lines))


def ack_line(number: str | None, *statuses: LineStatus, quantity: str = "40", price: str = "125.5",
             unit: str = "EA", ids: list[ItemId] | None = None) -> AckLine:
    return AckLine(line_number=number, quantity=Decimal(quantity), unit=unit, unit_price=Decimal(price),
                   item_ids=ids or [], statuses=list(statuses))


def status(code: str, quantity: str | None = None, when: dt.date | None = None) -> LineStatus:
    return LineStatus(code=code, quantity=Decimal(quantity) if quantity else None, date=when)


def notice(*items: ShippedItem, orders: tuple[str, ...] = ("PO10001",)) -> ShipNotice:
    return ShipNotice(shipment_id="SH-500", ship_notice_date=dt.date(2026, 11, 21),
                      shipped_date=dt.date(2026, 11, 20), orders=[ShipOrder(po_number=o) for o in orders],
                      items=list(items))


# -- 810 → supplier invoice ----------------------------------------------------------------------------------

def test_invoice_names_the_supplier_from_partners_csv_and_the_items_from_items_csv(xref: CrossReference) -> None:
    record = supplier_invoice(invoice(), resolve(xref), domain="10USA")
    assert (record["supplierCode"], record["supplierInvoiceReference"], record["domainCode"]) == (
        "S-STEEL", "INV-77", "10USA")
    assert [line["itemCode"] for line in record["supplierInvoiceLines"]] == ["10-1000", "10-2000"]


def test_invoice_lines_refer_to_the_po_and_its_line_numbers(xref: CrossReference) -> None:
    lines = supplier_invoice(invoice(), resolve(xref), domain="10USA")["supplierInvoiceLines"]
    assert [(ln["purchaseOrderNumber"], ln["purchaseOrderLine"]) for ln in lines] == [("PO10001", 1),
                                                                                         ("PO10001", 2)]


def test_invoice_amounts_are_json_numbers_rounded_to_cents(xref: CrossReference) -> None:
    record = supplier_invoice(invoice(), resolve(xref), domain="10USA")
    second = record["supplierInvoiceLines"][1]
    assert (second["quantity"], second["unitCost"], second["amount"]) == (450, 0.42, 189)
    assert record["totalAmount"] == 5209


def test_invoice_dates_are_qad_date_times_and_due_date_follows_net_terms(xref: CrossReference) -> None:
    record = supplier_invoice(invoice(terms=[Terms(net_days=30)]), resolve(xref), domain="10USA")
    assert record["invoiceDate"] == "2026-11-20T00:00:00.000Z"
    assert record["dueDate"] == "2026-12-20T00:00:00.000Z"


def test_invoice_without_a_po_sends_no_po_reference(xref: CrossReference) -> None:
    lines = supplier_invoice(invoice(po_number=None), resolve(xref), domain="10USA")["supplierInvoiceLines"]
    assert all("purchaseOrderNumber" not in ln and "purchaseOrderLine" not in ln for ln in lines)


def test_invoice_misses_are_all_named_in_one_mapping_error(xref: CrossReference) -> None:
    strange = invoice(lines=[InvoiceLine(line_number="1", quantity=Decimal(1), unit_price=Decimal(1),
                                         item_ids=[ItemId(qualifier="VP", value="NOPE-1")])])
    with pytest.raises(MappingError) as caught, xref.resolving(system="qad", partner="stranger") as res:
        supplier_invoice(strange, res, domain="10USA")
    assert len(caught.value.missing) == 2
    assert "supplier id for partner stranger" in caught.value.missing[0]
    assert "VP NOPE-1" in caught.value.missing[1]


# -- 855 → PO confirmation -----------------------------------------------------------------------------------

def test_acceptance_confirms_the_header_as_read_with_its_concurrency_hash(xref: CrossReference) -> None:
    plan = confirmation_plan(ack("AD"), header(), LINES, resolve(xref))
    assert plan.header is not None
    assert plan.header["isConfirmed"] is True
    assert plan.header["concurrencyHash"] == "h-header"
    assert plan.header["supplierCode"] == "S-STEEL"  # the whole record goes back, as QAD clients do


def test_a_rejected_order_is_set_unconfirmed(xref: CrossReference) -> None:
    plan = confirmation_plan(ack("RJ"), header(isConfirmed=True), LINES, resolve(xref))
    assert plan.header is not None
    assert plan.header["isConfirmed"] is False
    assert plan.confirmed is False


def test_changed_quantity_and_price_update_the_lines_with_their_hashes(xref: CrossReference) -> None:
    plan = confirmation_plan(ack("AC", ack_line("1", status("IQ", "35")),
                                 ack_line("2", status("IP", "500"), quantity="500", price="0.40")),
                             header(), LINES, resolve(xref))
    assert [(ln["purchaseOrderLine"], ln["quantityOrdered"], ln["purchaseCost"], ln["concurrencyHash"])
            for ln in plan.lines] == [(1, 35, 125.5, "h-line-1"), (2, 500.0, 0.4, "h-line-2")]


def test_an_accepted_line_changes_nothing(xref: CrossReference) -> None:
    plan = confirmation_plan(ack("AC", ack_line("1", status("IA", "40"))), header(), LINES, resolve(xref))
    assert plan.lines == []


def test_a_split_acceptance_orders_the_accepted_quantities(xref: CrossReference) -> None:
    plan = confirmation_plan(ack("AC", ack_line("1", status("IQ", "30"), status("IB", "5"), status("IR", "5"))),
                             header(), LINES, resolve(xref))
    assert plan.lines[0]["quantityOrdered"] == 35


def test_a_rescheduled_line_gets_the_new_due_date(xref: CrossReference) -> None:
    plan = confirmation_plan(ack("AC", ack_line("1", status("DR", "40", dt.date(2026, 12, 1)))),
                             header(), LINES, resolve(xref))
    assert plan.lines[0]["dueDate"] == "2026-12-01T00:00:00.000Z"


def test_rejected_lines_are_reported_and_not_changed(xref: CrossReference) -> None:
    plan = confirmation_plan(ack("AC", ack_line("2", status("IR", "0"))), header(), LINES, resolve(xref))
    assert (plan.lines, plan.rejected_lines) == ([], [2])


def test_an_acknowledgment_qad_already_shows_is_done(xref: CrossReference) -> None:
    lines = [po_line(1, "10-1000", 35.0, 125.5), LINES[1]]
    plan = confirmation_plan(ack("AC", ack_line("1", status("IQ", "35"))), header(isConfirmed=True), lines,
                             resolve(xref))
    assert plan.done


def test_an_ack_line_with_an_unknown_number_is_matched_by_its_item(xref: CrossReference) -> None:
    line = ack_line("9", status("IQ", "30"), ids=[ItemId(qualifier="VP", value="SC-PL10")])
    plan = confirmation_plan(ack("AC", line), header(), LINES, resolve(xref))
    assert [(ln["purchaseOrderLine"], ln["quantityOrdered"]) for ln in plan.lines] == [(1, 30)]


def test_an_ack_line_matching_no_po_line_is_a_mapping_error(xref: CrossReference) -> None:
    line = ack_line("9", status("IQ", "1"), ids=[ItemId(qualifier="VP", value="XX-1")])
    with pytest.raises(MappingError, match=r"acknowledgment line 9 .*VP XX-1.* matches no line of purchase order"), \
            xref.resolving(system="qad", partner="steelco") as res:
        confirmation_plan(ack("AC", line), header(), LINES, res)


def test_an_ack_for_another_suppliers_po_is_a_mapping_error(xref: CrossReference) -> None:
    with pytest.raises(MappingError, match="belongs to supplier S-STEEL, not to partner boltworks"), \
            xref.resolving(system="qad", partner="boltworks") as res:
        confirmation_plan(ack("AD"), header(), LINES, res)


def test_a_changed_quantity_in_another_unit_is_a_mapping_error(xref: CrossReference) -> None:
    with pytest.raises(MappingError, match=r"unit CA of acknowledgment line 1 is CA in QAD.*in EA"), \
            xref.resolving(system="qad", partner="steelco") as res:
        confirmation_plan(ack("AC", ack_line("1", status("IQ", "2"), unit="CA")), header(), LINES, res)


# -- 856 → receipts ------------------------------------------------------------------------------------------

def test_a_receipt_per_po_carries_the_packing_slip_and_ship_date(xref: CrossReference) -> None:
    found = receipts(notice(ShippedItem(po_number="PO10001", line_number="1", quantity=Decimal(40))),
                     {"PO10001": (header(), LINES)}, resolve(xref), domain="10USA", site=None)
    assert found == [{"domainCode": "10USA", "purchaseOrderNumber": "PO10001",
                      "effectiveDate": "2026-11-20T00:00:00.000Z", "packingSlip": "SH-500",
                      "purchaseOrderReceiptLines": [{"purchaseOrderLine": 1, "quantity": 40, "siteCode": "10-100"}]}]


def test_one_line_shipped_in_several_packs_is_received_once_with_the_sum(xref: CrossReference) -> None:
    items = [ShippedItem(po_number="PO10001", line_number="2", quantity=Decimal(200), package_id=p)
             for p in ("A", "B")]
    found = receipts(notice(*items), {"PO10001": (header(), LINES)}, resolve(xref), domain="10USA", site=None)
    assert found[0]["purchaseOrderReceiptLines"] == [{"purchaseOrderLine": 2, "quantity": 400, "siteCode": "10-100"}]


def test_a_shipped_item_without_line_number_is_matched_by_item(xref: CrossReference) -> None:
    item = ShippedItem(quantity=Decimal(5), item_ids=[ItemId(qualifier="VP", value="SC-PL10")])
    found = receipts(notice(item), {"PO10001": (header(), LINES)}, resolve(xref), domain="10USA", site=None)
    assert found[0]["purchaseOrderReceiptLines"][0]["purchaseOrderLine"] == 1


def test_pos_left_out_of_the_orders_are_not_received(xref: CrossReference) -> None:
    items = [ShippedItem(po_number="PO10001", line_number="1", quantity=Decimal(1)),
             ShippedItem(po_number="PO10002", line_number="1", quantity=Decimal(1))]
    found = receipts(notice(*items, orders=("PO10001", "PO10002")), {"PO10001": (header(), LINES)},
                     resolve(xref), domain="10USA", site=None)
    assert [r["purchaseOrderNumber"] for r in found] == ["PO10001"]


def test_a_shipped_line_matching_no_po_line_is_a_mapping_error(xref: CrossReference) -> None:
    item = ShippedItem(po_number="PO10001", line_number="7", quantity=Decimal(1))
    with pytest.raises(MappingError, match=r"shipped line 7 .* matches no line of purchase order PO10001"), \
            xref.resolving(system="qad", partner="steelco") as res:
        receipts(notice(item), {"PO10001": (header(), LINES)}, res, domain="10USA", site=None)


# -- outbound: PO → 850 --------------------------------------------------------------------------------------

def test_a_po_becomes_an_850_with_our_item_as_bp_and_the_partners_as_vp(xref: CrossReference) -> None:
    po = purchase_order(header(), LINES, partner="steelco", xref=xref)
    first, second = po.lines
    assert [(i.qualifier, i.value) for i in first.item_ids] == [("BP", "10-1000"), ("VP", "SC-PL10")]
    assert [(i.qualifier, i.value) for i in second.item_ids] == [("BP", "10-2000")]  # no steelco id for it


def test_a_po_850_carries_dates_quantities_prices_and_total_as_decimals(xref: CrossReference) -> None:
    po = purchase_order(header(), LINES, partner="steelco", xref=xref)
    assert (po.po_number, po.po_date, po.purpose_code, po.currency) == ("PO10001", dt.date(2026, 11, 2), "00", "USD")
    assert [(d.qualifier, d.date) for d in po.dates] == [("002", dt.date(2026, 11, 16))]
    assert [(li.line_number, li.quantity, li.unit_price) for li in po.lines] == [
        ("1", Decimal(40), Decimal("125.5")), ("2", Decimal(500), Decimal("0.42"))]
    assert po.total_amount == Decimal("5230.00")


def test_a_po_850_names_the_ship_to_site_and_the_vendor(xref: CrossReference) -> None:
    po = purchase_order(header(), LINES, partner="steelco", xref=xref)
    assert [(p.role, p.id) for p in po.parties] == [("ST", "10-100"), ("VN", "S-STEEL")]


def test_qad_units_become_x12_units_through_units_csv() -> None:
    xref = CrossReference(customer="t", parties={("steelco", "supplier"): "S-STEEL"}, units={"CA": "BOX"})
    po = purchase_order(header(), [po_line(1, "10-1000", 2.0, 1.0, unitOfMeasure="BOX")], partner="steelco",
                        xref=xref)
    assert po.lines[0].unit == "CA"


def test_a_cancelled_po_is_sent_as_a_cancellation(xref: CrossReference) -> None:
    assert purchase_order(header(orderStatus="X"), LINES, partner="steelco", xref=xref).purpose_code == "01"


def test_a_po_without_an_order_date_cannot_be_an_850(xref: CrossReference) -> None:
    with pytest.raises(ValueError, match="has no order date"):
        purchase_order(header(orderDate=""), LINES, partner="steelco", xref=xref)


def test_qad_numbers_and_dates_convert_without_float_noise() -> None:
    assert (decimal(0.42), decimal(40.0), decimal(125.50)) == (Decimal("0.42"), Decimal(40), Decimal("125.5"))
    assert qad_date(dt.date(2024, 5, 1)) == "2024-05-01T00:00:00.000Z"
