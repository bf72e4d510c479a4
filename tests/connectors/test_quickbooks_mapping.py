"""Canonical documents → QuickBooks plans: the requests each step sends, built from what QuickBooks answered before.

The cross-reference tables are the demo's (``mappings/cedar``): toolmart is vendor "Toolmart Supply" with GL account
"6100 Inventory Purchases" and class "Retail". QuickBooks' answers are written as qbXML and read with the
product's own parser, as the queue hands them to the plans.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from edi_assets.connectors.crossref import CrossReference, GlAccount, Resolution
from edi_assets.connectors.errors import MappingError
from edi_assets.connectors.quickbooks import mapping, qbxml
from edi_assets.documents import (
    AllowanceCharge,
    DateRef,
    Invoice,
    InvoiceLine,
    ItemId,
    PurchaseOrder,
    PurchaseOrderLine,
    Reference,
    ShipNotice,
    ShipOrder,
    ShippedItem,
    Terms,
)
from tests.connectors.conftest import demo_xref

AP = "2000 Accounts Payable"
VENDOR = "Toolmart Supply"


@pytest.fixture(scope="module")
def xref() -> CrossReference:
    return demo_xref("cedar")


def resolve(xref: CrossReference, partner: str = "toolmart") -> Resolution:
    return Resolution(xref, partner)


def invoice(*lines: InvoiceLine, **changes: object) -> Invoice:
    fields: dict[str, object] = dict(
        invoice_number="INV-77", invoice_date=dt.date(2026, 11, 20), po_number="2001", terms=[Terms(net_days=30)],
        total_amount=Decimal("292.00"),
        lines=list(lines) or [
            InvoiceLine(line_number="1", quantity=Decimal(24), unit_price=Decimal("11.75"), description="Claw hammer",
                        item_ids=[ItemId(qualifier="BP", value="HAMMER-16")]),
            InvoiceLine(line_number="2", quantity=Decimal(2), unit_price=Decimal("5"), description="Gloves",
                        item_ids=[ItemId(qualifier="VP", value="TM-GLV")]),
        ])
    return Invoice.model_validate(fields | changes)


def answer(body: str) -> qbxml.Rs:
    return qbxml.parse_response(f"<QBXML><QBXMLMsgsRs>{body}</QBXMLMsgsRs></QBXML>")[0]


def purchase_orders(*orders: str) -> qbxml.Rs:
    return answer('<PurchaseOrderQueryRs requestID="1" statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
                  f'{"".join(orders)}</PurchaseOrderQueryRs>')


def po_ret(txn_id: str, *lines: tuple[str, str, int, int], number: str = "2001", vendor: str = VENDOR,
           fully_received: bool = False) -> str:
    """A PurchaseOrderRet; lines as (TxnLineID, item, ordered, received)."""
    rendered = "".join(
        f"<PurchaseOrderLineRet><TxnLineID>{line_id}</TxnLineID><ItemRef><FullName>{item}</FullName></ItemRef>"
        f"<Quantity>{ordered}</Quantity><ReceivedQuantity>{received}</ReceivedQuantity></PurchaseOrderLineRet>"
        for line_id, item, ordered, received in lines)
    return (f"<PurchaseOrderRet><TxnID>{txn_id}</TxnID><VendorRef><FullName>{vendor}</FullName></VendorRef>"
            f"<TxnDate>2026-11-05</TxnDate><RefNumber>{number}</RefNumber>"
            f"<IsFullyReceived>{str(fully_received).lower()}</IsFullyReceived>{rendered}</PurchaseOrderRet>")


def notice(*items: ShippedItem, orders: tuple[str, ...] = ("2001",)) -> ShipNotice:
    return ShipNotice(
        shipment_id="SH-1", ship_notice_date=dt.date(2026, 11, 22), shipped_date=dt.date(2026, 11, 21),
        references=[Reference(qualifier="BM", value="BOL-9")], orders=[ShipOrder(po_number=n) for n in orders],
        items=list(items) or [
            ShippedItem(quantity=Decimal(24), item_ids=[ItemId(qualifier="BP", value="HAMMER-16")]),
            ShippedItem(quantity=Decimal(5000), item_ids=[ItemId(qualifier="BP", value="SCREW-W8")]),
        ])


SEED_PO = po_ret("B-1", ("9-1", "HAMMER-16", 24, 0), ("A-1", "SCREW-W8", 5000, 0))


# -- 810 → Bill -------------------------------------------------------------------------------------------


def test_a_bill_first_asks_which_of_the_invoice_items_exist(xref: CrossReference) -> None:
    plan = mapping.bill_plan(invoice(), resolve(xref), ap_account=AP)

    assert plan.steps == 2
    assert plan.request(0, []) == qbxml.ItemQuery(full_names=["HAMMER-16"])


def test_the_bill_header_is_the_vendor_the_ap_account_the_dates_and_the_invoice_number(xref: CrossReference) -> None:
    plan = mapping.bill_plan(invoice(), resolve(xref), ap_account=AP)
    bill = plan.request(1, [answer('<ItemQueryRs statusCode="1" statusSeverity="Info" statusMessage="none"/>')])

    assert isinstance(bill, qbxml.BillAdd)
    assert (bill.vendor, bill.ap_account, bill.txn_date, bill.due_date, bill.ref_number, bill.memo) == (
        VENDOR, AP, dt.date(2026, 11, 20), dt.date(2026, 12, 20), "INV-77", "EDI 810, PO 2001")
    assert (plan.vendor, plan.ref_number, plan.record_kind) == (VENDOR, "INV-77", "Bill")


def test_lines_whose_item_exists_become_item_lines_and_the_others_expense_lines(xref: CrossReference) -> None:
    plan = mapping.bill_plan(invoice(), resolve(xref), ap_account=AP)
    found = answer('<ItemQueryRs statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
                   "<ItemInventoryRet><FullName>HAMMER-16</FullName></ItemInventoryRet></ItemQueryRs>")

    bill = plan.request(1, [found])

    assert isinstance(bill, qbxml.BillAdd)
    assert bill.item_lines == [qbxml.ItemLine(item="HAMMER-16", desc="Claw hammer", quantity=Decimal(24),
                                              cost=Decimal("11.75"), amount=Decimal("282.00"), class_name="Retail")]
    assert bill.expense_lines == [qbxml.ExpenseLine(account="6100 Inventory Purchases", amount=Decimal("10.00"),
                                                    memo="VP TM-GLV: Gloves, 2 EA @ 5.00", class_name="Retail")]


def test_an_item_quickbooks_does_not_have_is_billed_to_the_suppliers_expense_account(xref: CrossReference) -> None:
    plan = mapping.bill_plan(invoice(), resolve(xref), ap_account=AP)
    missing = answer('<ItemQueryRs statusCode="500" statusSeverity="Warn" statusMessage="HAMMER-16 not found"/>')

    bill = plan.request(1, [missing])

    assert isinstance(bill, qbxml.BillAdd)
    assert bill.item_lines == []
    assert [(e.account, e.amount, e.class_name) for e in bill.expense_lines] == [
        ("6100 Inventory Purchases", Decimal("282.00"), "Retail"),
        ("6100 Inventory Purchases", Decimal("10.00"), "Retail")]


def test_a_bill_without_known_items_goes_in_one_step(xref: CrossReference) -> None:
    only_vendor_parts = InvoiceLine(quantity=Decimal(1), unit_price=Decimal("9.99"),
                                    item_ids=[ItemId(qualifier="VP", value="TM-X")])
    plan = mapping.bill_plan(invoice(only_vendor_parts), resolve(xref), ap_account=AP)

    assert plan.steps == 1
    assert isinstance(plan.request(0, []), qbxml.BillAdd)


def test_allowances_and_charges_are_expense_lines_an_allowance_negative(xref: CrossReference) -> None:
    doc = invoice(allowances_charges=[AllowanceCharge(indicator="C", code="D240", amount=Decimal("15"),
                                                      description="Freight"),
                                      AllowanceCharge(indicator="A", code="C310", amount=Decimal("4"))])
    bill = mapping.bill_plan(doc, resolve(xref), ap_account=AP).request(1, [
        answer('<ItemQueryRs statusCode="1" statusSeverity="Info" statusMessage="none"/>')])

    assert isinstance(bill, qbxml.BillAdd)
    assert [(e.amount, e.memo) for e in bill.expense_lines][-2:] == [
        (Decimal("15"), "Freight"), (Decimal("-4"), "allowance C310")]


def test_a_supplier_without_a_class_gets_expense_lines_without_one(xref: CrossReference) -> None:
    classless = CrossReference(customer="cedar", parties=dict(xref.parties),
                               gl_accounts={"toolmart": GlAccount("6100 Inventory Purchases", None)})
    bill = mapping.bill_plan(invoice(InvoiceLine(quantity=Decimal(1), unit_price=Decimal(1))), resolve(classless),
                             ap_account=AP).request(0, [])

    assert isinstance(bill, qbxml.BillAdd)
    assert bill.expense_lines[0].class_name is None


def test_a_partner_missing_from_the_tables_is_one_mapping_error_naming_vendor_and_gl_account(
        xref: CrossReference) -> None:
    with pytest.raises(MappingError) as raised:
        mapping.bill_plan(invoice(), resolve(xref, "nobody"), ap_account=AP)

    assert raised.value.missing == (
        "supplier id for partner nobody (partners.csv)",
        "GL account and class for partner nobody (gl_accounts.csv)")
    assert raised.value.document == "invoice INV-77"


def test_an_invoice_line_without_a_price_is_a_mapping_error(xref: CrossReference) -> None:
    with pytest.raises(MappingError, match="unit price of line 3"):
        mapping.bill_plan(invoice(InvoiceLine(line_number="3", quantity=Decimal(1))), resolve(xref), ap_account=AP)


def test_a_value_quickbooks_would_refuse_is_a_mapping_error_before_anything_is_queued(xref: CrossReference) -> None:
    with pytest.raises(MappingError, match="longer than QuickBooks allows"):
        mapping.bill_plan(invoice(invoice_number="INV-" + "9" * 30), resolve(xref), ap_account=AP)


# -- 850 → Purchase order ---------------------------------------------------------------------------------


def order(*lines: PurchaseOrderLine) -> PurchaseOrder:
    return PurchaseOrder(
        po_number="2002", po_date=dt.date(2026, 11, 21),
        dates=[DateRef(qualifier="002", date=dt.date(2026, 11, 28))],
        lines=list(lines) or [PurchaseOrderLine(line_number="1", quantity=Decimal(10), unit_price=Decimal("11.75"),
                                                description="Claw hammer",
                                                item_ids=[ItemId(qualifier="BP", value="HAMMER-16")])])


def test_a_purchase_order_is_added_with_its_lines_in_one_step(xref: CrossReference) -> None:
    plan = mapping.purchase_order_plan(order(), resolve(xref))

    assert plan.steps == 1
    assert plan.request(0, []) == qbxml.PurchaseOrderAdd(
        vendor=VENDOR, class_name="Retail", txn_date=dt.date(2026, 11, 21), ref_number="2002",
        expected_date=dt.date(2026, 11, 28), memo="EDI 850",
        lines=[qbxml.PurchaseOrderLine(item="HAMMER-16", desc="Claw hammer", quantity=Decimal(10),
                                       rate=Decimal("11.75"))])


def test_a_purchase_order_line_whose_item_does_not_map_is_a_mapping_error(xref: CrossReference) -> None:
    line = PurchaseOrderLine(line_number="4", quantity=Decimal(1), item_ids=[ItemId(qualifier="VP", value="TM-X")])

    with pytest.raises(MappingError, match="item of line 4 \\(VP TM-X\\)"):
        mapping.purchase_order_plan(order(line), resolve(xref))


# -- 856 → Item receipt -----------------------------------------------------------------------------------


def test_an_item_receipt_first_looks_up_its_purchase_orders_with_their_lines(xref: CrossReference) -> None:
    plan = mapping.item_receipt_plan(notice(), resolve(xref), ap_account=AP)

    assert plan.steps == 2
    assert plan.request(0, []) == qbxml.purchase_order_query("2001", include_line_items=True)


def test_a_shipment_of_everything_open_links_the_whole_purchase_order(xref: CrossReference) -> None:
    plan = mapping.item_receipt_plan(notice(), resolve(xref), ap_account=AP)

    receipt = plan.request(1, [purchase_orders(SEED_PO)])

    assert receipt == qbxml.ItemReceiptAdd(vendor=VENDOR, ap_account=AP, txn_date=dt.date(2026, 11, 21),
                                           ref_number="SH-1", memo="EDI 856, shipment SH-1, BOL BOL-9",
                                           link_to_txn_ids=["B-1"])


def test_a_partial_shipment_receives_each_line_against_its_purchase_order_line(xref: CrossReference) -> None:
    partial = notice(ShippedItem(quantity=Decimal(10), item_ids=[ItemId(qualifier="BP", value="HAMMER-16")]))

    receipt = mapping.item_receipt_plan(partial, resolve(xref), ap_account=AP).request(1, [purchase_orders(SEED_PO)])

    assert isinstance(receipt, qbxml.ItemReceiptAdd)
    assert receipt.link_to_txn_ids == []
    assert receipt.item_lines == [qbxml.ItemLine(item="HAMMER-16", quantity=Decimal(10),
                                                 link=qbxml.LineLink(txn_id="B-1", txn_line_id="9-1"))]


def test_what_was_received_before_is_not_open_any_more(xref: CrossReference) -> None:
    half_received = po_ret("B-1", ("9-1", "HAMMER-16", 24, 14), ("A-1", "SCREW-W8", 5000, 5000))
    rest = notice(ShippedItem(quantity=Decimal(10), item_ids=[ItemId(qualifier="BP", value="HAMMER-16")]))

    receipt = mapping.item_receipt_plan(rest, resolve(xref), ap_account=AP).request(1, [purchase_orders(half_received)])

    assert isinstance(receipt, qbxml.ItemReceiptAdd)
    assert receipt.link_to_txn_ids == ["B-1"]  # the last 10 hammers close the order


def test_an_over_shipment_is_received_on_the_last_matching_line(xref: CrossReference) -> None:
    over = notice(ShippedItem(quantity=Decimal(30), item_ids=[ItemId(qualifier="BP", value="HAMMER-16")]),
                  ShippedItem(quantity=Decimal(5000), item_ids=[ItemId(qualifier="BP", value="SCREW-W8")]))

    receipt = mapping.item_receipt_plan(over, resolve(xref), ap_account=AP).request(1, [purchase_orders(SEED_PO)])

    assert isinstance(receipt, qbxml.ItemReceiptAdd)
    assert [(line.item, line.quantity) for line in receipt.item_lines] == [("HAMMER-16", Decimal(30)),
                                                                            ("SCREW-W8", Decimal(5000))]


def test_another_vendors_purchase_order_of_the_same_number_is_not_received(xref: CrossReference) -> None:
    theirs = po_ret("C-1", ("9-2", "HAMMER-16", 24, 0), vendor="FastenPro")

    with pytest.raises(mapping.StepFailed, match="purchase order 2001 of Toolmart Supply does not exist"):
        mapping.item_receipt_plan(notice(), resolve(xref), ap_account=AP).request(1, [purchase_orders(theirs)])


def test_a_fully_received_purchase_order_stops_the_receipt(xref: CrossReference) -> None:
    done = po_ret("B-1", ("9-1", "HAMMER-16", 24, 24), fully_received=True)

    with pytest.raises(mapping.StepFailed, match="is fully received or closed"):
        mapping.item_receipt_plan(notice(), resolve(xref), ap_account=AP).request(1, [purchase_orders(done)])


def test_a_purchase_order_open_twice_is_not_guessed_at(xref: CrossReference) -> None:
    twice = purchase_orders(SEED_PO, po_ret("B-2", ("9-2", "HAMMER-16", 24, 0)))

    with pytest.raises(mapping.StepFailed, match="open 2 times"):
        mapping.item_receipt_plan(notice(), resolve(xref), ap_account=AP).request(1, [twice])


def test_an_item_not_open_on_the_purchase_order_stops_the_receipt(xref: CrossReference) -> None:
    stray = notice(ShippedItem(quantity=Decimal(1), item_ids=[ItemId(qualifier="BP", value="NAIL-3")]))

    with pytest.raises(mapping.StepFailed, match="item NAIL-3 is not open on purchase order 2001"):
        mapping.item_receipt_plan(stray, resolve(xref), ap_account=AP).request(1, [purchase_orders(SEED_PO)])


def test_a_shipment_of_several_orders_names_each_items_order(xref: CrossReference) -> None:
    hammer = [ItemId(qualifier="BP", value="HAMMER-16")]
    two = notice(ShippedItem(po_number="2001", quantity=Decimal(2), item_ids=hammer),
                 ShippedItem(po_number="2003", quantity=Decimal(3), item_ids=hammer), orders=("2001", "2003"))
    plan = mapping.item_receipt_plan(two, resolve(xref), ap_account=AP)
    second = po_ret("D-1", ("7-1", "HAMMER-16", 3, 0), number="2003")

    receipt = plan.request(1, [purchase_orders(SEED_PO, second)])

    assert plan.request(0, []) == qbxml.purchase_order_query("2001", "2003", include_line_items=True)
    assert isinstance(receipt, qbxml.ItemReceiptAdd)
    assert receipt.link_to_txn_ids == ["D-1"]
    assert [(line.quantity, line.link) for line in receipt.item_lines] == [
        (Decimal(2), qbxml.LineLink(txn_id="B-1", txn_line_id="9-1"))]


def test_a_shipment_without_a_purchase_order_number_is_a_mapping_error(xref: CrossReference) -> None:
    with pytest.raises(MappingError, match="purchase order number"):
        mapping.item_receipt_plan(notice(orders=()), resolve(xref), ap_account=AP)


def test_a_shipped_item_that_does_not_map_is_a_mapping_error(xref: CrossReference) -> None:
    with pytest.raises(MappingError, match="item of line 1 \\(VP TM-X\\)"):
        mapping.item_receipt_plan(notice(ShippedItem(line_number="1", quantity=Decimal(1),
                                                     item_ids=[ItemId(qualifier="VP", value="TM-X")])),
                                  resolve(xref), ap_account=AP)


# -- reconciliation and order -----------------------------------------------------------------------------


def bills(*rets: tuple[str, str, str]) -> qbxml.Rs:
    """A BillQuery answer; rets as (vendor, RefNumber, TxnDate)."""
    return answer('<BillQueryRs statusCode="0" statusSeverity="Info" statusMessage="Status OK">' + "".join(
        f"<BillRet><TxnID>T-{i}</TxnID><EditSequence>{i}</EditSequence><VendorRef><FullName>{v}</FullName></VendorRef>"
        f"<TxnDate>{d}</TxnDate><RefNumber>{r}</RefNumber></BillRet>" for i, (v, r, d) in enumerate(rets)) +
        "</BillQueryRs>")


def test_a_plan_looks_its_record_up_by_reference_number(xref: CrossReference) -> None:
    assert mapping.bill_plan(invoice(), resolve(xref), ap_account=AP).lookup() == qbxml.bill_query("INV-77")
    assert mapping.purchase_order_plan(order(), resolve(xref)).lookup() == qbxml.purchase_order_query("2002")
    assert mapping.item_receipt_plan(notice(), resolve(xref), ap_account=AP).lookup() == \
        qbxml.item_receipt_query("SH-1")


def test_the_record_found_is_the_one_of_the_same_vendor_number_and_date(xref: CrossReference) -> None:
    plan = mapping.bill_plan(invoice(), resolve(xref), ap_account=AP)
    found = bills(("FastenPro", "INV-77", "2026-11-20"), (VENDOR, "INV-77", "2025-01-02"),
                  (VENDOR.upper(), "inv-77", "2026-11-20"))

    assert plan.found(found) == found.rets[2]
    assert plan.found(bills(("FastenPro", "INV-77", "2026-11-20"))) is None


def test_a_receipt_waits_for_the_purchase_order_it_receives_against(xref: CrossReference) -> None:
    receipt = mapping.item_receipt_plan(notice(), resolve(xref), ap_account=AP)
    po_2001 = mapping.purchase_order_plan(order().model_copy(update={"po_number": "2001"}), resolve(xref))
    other_vendor = mapping.purchase_order_plan(order().model_copy(update={"po_number": "2001"}),
                                               resolve(xref, "fastenpro"))

    assert receipt.waits_for(po_2001)
    assert not receipt.waits_for(mapping.purchase_order_plan(order(), resolve(xref)))
    assert not receipt.waits_for(other_vendor)
    assert not po_2001.waits_for(receipt)


def test_plans_survive_a_json_round_trip_as_the_queue_stores_them(xref: CrossReference) -> None:
    plans: list[mapping.Plan] = [mapping.bill_plan(invoice(), resolve(xref), ap_account=AP),
                                 mapping.purchase_order_plan(order(), resolve(xref)),
                                 mapping.item_receipt_plan(notice(), resolve(xref), ap_account=AP)]

    assert [mapping.PLAN.validate_json(mapping.PLAN.dump_json(p)) for p in plans] == plans
