"""qbXML: requests written in the SDK's element order with escaped values, responses read, hostile XML refused.

Element order is checked twice: against the order written here from the SDK reference, and by the QuickBooks
simulator's own schema check (an independent implementation of the same rule).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from pydantic import ValidationError

from edi_assets.connectors.quickbooks import qbxml
from simulators.quickbooks.schema import validate as simulator_validate

DAY = dt.date(2026, 11, 20)


def _bill(**changes: object) -> qbxml.BillAdd:
    fields: dict[str, object] = dict(
        vendor="Toolmart Supply", ap_account="2000 Accounts Payable", txn_date=DAY, due_date=DAY + dt.timedelta(30),
        ref_number="INV-77", memo="EDI 810", link_to_txn_ids=["B-1"],
        expense_lines=[qbxml.ExpenseLine(account="6100 Inventory Purchases", amount=Decimal("62.5"), memo="freight",
                                         class_name="Retail")],
        item_lines=[qbxml.ItemLine(item="HAMMER-16", desc="Claw hammer", quantity=Decimal(24), cost=Decimal("11.75"),
                                   amount=Decimal("282"), class_name="Retail")],
    )
    return qbxml.BillAdd.model_validate(fields | changes)


def _purchase_order() -> qbxml.PurchaseOrderAdd:
    return qbxml.PurchaseOrderAdd(
        vendor="Toolmart Supply", class_name="Retail", txn_date=DAY, ref_number="2002", due_date=DAY,
        expected_date=DAY + dt.timedelta(7), memo="EDI 850",
        lines=[qbxml.PurchaseOrderLine(item="HAMMER-16", desc="Claw hammer", quantity=Decimal(10),
                                       rate=Decimal("11.75"), class_name="Retail", amount=Decimal("117.50"))],
    )


def _receipt() -> qbxml.ItemReceiptAdd:
    return qbxml.ItemReceiptAdd(
        vendor="Toolmart Supply", ap_account="2000 Accounts Payable", txn_date=DAY, ref_number="SH-1", memo="EDI 856",
        item_lines=[qbxml.ItemLine(item="HAMMER-16", quantity=Decimal(12),
                                   link=qbxml.LineLink(txn_id="B-1795270544", txn_line_id="9-1795270544"))],
    )


def _only_request(text: str) -> ET.Element:
    root = ET.fromstring(text.split("?>", 2)[2])
    messages = root.find("QBXMLMsgsRq")
    assert messages is not None
    assert len(messages) == 1
    return messages[0]


def _children(element: ET.Element | None) -> list[str]:
    assert element is not None
    return [child.tag for child in element]


ALL_REQUESTS: list[qbxml.Request] = [
    qbxml.VendorQuery(full_names=["Toolmart Supply"]),
    qbxml.ItemQuery(full_names=["HAMMER-16", "SCREW-W8"]),
    qbxml.purchase_order_query("2001", include_line_items=True),
    qbxml.bill_query("INV-77"),
    qbxml.item_receipt_query("SH-1"),
    _bill(),
    _purchase_order(),
    _receipt(),
]


# -- writing ----------------------------------------------------------------------------------------------


def test_a_document_starts_with_the_xml_declaration_and_the_qbxml_version() -> None:
    text = qbxml.document([("1", qbxml.bill_query("INV-77"))])

    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n<QBXML>')


def test_a_batch_continues_on_error_by_default_and_can_stop_on_error() -> None:
    assert 'onError="continueOnError"' in qbxml.document([("1", qbxml.bill_query("A"))])
    assert 'onError="stopOnError"' in qbxml.document([("1", qbxml.bill_query("A"))], on_error="stopOnError")


def test_each_request_carries_its_own_request_id_in_order() -> None:
    text = qbxml.document([("7-1", qbxml.bill_query("A")), ("8-3", _bill())])
    root = ET.fromstring(text.split("?>", 2)[2])

    assert [(rq.tag, rq.get("requestID")) for rq in root.iter() if rq.tag.endswith("Rq") and rq.tag != "QBXMLMsgsRq"] \
        == [("BillQueryRq", "7-1"), ("BillAddRq", "8-3")]


def test_bill_add_elements_follow_the_sdk_order() -> None:
    rq = _only_request(qbxml.document([("1", _bill())]))

    assert _children(rq.find("BillAdd")) == [
        "VendorRef", "APAccountRef", "TxnDate", "DueDate", "RefNumber", "Memo", "LinkToTxnID", "ExpenseLineAdd",
        "ItemLineAdd"]
    assert _children(rq.find("BillAdd/ExpenseLineAdd")) == ["AccountRef", "Amount", "Memo", "ClassRef"]
    assert _children(rq.find("BillAdd/ItemLineAdd")) == ["ItemRef", "Desc", "Quantity", "Cost", "Amount", "ClassRef"]


def test_purchase_order_add_elements_follow_the_sdk_order() -> None:
    rq = _only_request(qbxml.document([("1", _purchase_order())]))

    assert _children(rq.find("PurchaseOrderAdd")) == [
        "VendorRef", "ClassRef", "TxnDate", "RefNumber", "DueDate", "ExpectedDate", "Memo", "PurchaseOrderLineAdd"]
    assert _children(rq.find("PurchaseOrderAdd/PurchaseOrderLineAdd")) == [
        "ItemRef", "Desc", "Quantity", "Rate", "ClassRef", "Amount"]


def test_item_receipt_add_links_a_line_to_the_purchase_order_line_with_link_to_txn() -> None:
    rq = _only_request(qbxml.document([("1", _receipt())]))

    assert _children(rq.find("ItemReceiptAdd")) == [
        "VendorRef", "APAccountRef", "TxnDate", "RefNumber", "Memo", "ItemLineAdd"]
    assert _children(rq.find("ItemReceiptAdd/ItemLineAdd")) == ["ItemRef", "Quantity", "LinkToTxn"]
    assert rq.findtext("ItemReceiptAdd/ItemLineAdd/LinkToTxn/TxnID") == "B-1795270544"
    assert rq.findtext("ItemReceiptAdd/ItemLineAdd/LinkToTxn/TxnLineID") == "9-1795270544"


def test_item_receipt_add_links_the_whole_purchase_order_with_link_to_txn_id() -> None:
    receipt = _receipt().model_copy(update={"link_to_txn_ids": ["B-1795270544"], "item_lines": []})

    rq = _only_request(qbxml.document([("1", receipt)]))

    assert rq.findtext("ItemReceiptAdd/LinkToTxnID") == "B-1795270544"
    assert rq.find("ItemReceiptAdd/DueDate") is None


def test_queries_name_what_they_look_for() -> None:
    po = _only_request(qbxml.document([("1", qbxml.purchase_order_query("2001", "2002", include_line_items=True))]))
    vendor = _only_request(qbxml.document([("1", qbxml.VendorQuery(full_names=["Toolmart Supply"]))]))

    assert po.tag == "PurchaseOrderQueryRq"
    assert _children(po) == ["RefNumber", "RefNumber", "IncludeLineItems"]
    assert [e.text for e in po.findall("RefNumber")] == ["2001", "2002"]
    assert vendor.findtext("FullName") == "Toolmart Supply"


@pytest.mark.parametrize("request_", ALL_REQUESTS, ids=lambda r: r.type)
def test_every_request_passes_the_simulators_schema_and_order_check(request_: qbxml.Request) -> None:
    simulator_validate(_only_request(qbxml.document([("1", request_)])), check_order=True)


def test_values_are_xml_escaped() -> None:
    text = qbxml.document([("1", _bill(memo='A & B <C> "D"', ref_number="R&D-1"))])

    assert "A &amp; B &lt;C&gt;" in text
    assert _only_request(text).findtext("BillAdd/Memo") == 'A & B <C> "D"'
    assert _only_request(text).findtext("BillAdd/RefNumber") == "R&D-1"


def test_characters_xml_cannot_carry_are_dropped_from_values() -> None:
    text = qbxml.document([("1", _bill(memo="bell\x07 and tab\tkept"))])

    assert _only_request(text).findtext("BillAdd/Memo") == "bell and tab\tkept"


def test_amounts_have_two_decimals_prices_up_to_five_and_quantities_no_exponent() -> None:
    assert qbxml.amount(Decimal("62.5")) == "62.50"
    assert qbxml.amount(Decimal("-3")) == "-3.00"
    assert qbxml.price(Decimal("0.03")) == "0.03"
    assert qbxml.price(Decimal("0.123456")) == "0.12346"
    assert qbxml.price(Decimal("11.7500")) == "11.75"
    assert qbxml.quantity(Decimal("5000")) == "5000"
    assert qbxml.quantity(Decimal("2.50")) == "2.5"


def test_a_name_longer_than_quickbooks_allows_is_refused_when_the_request_is_built() -> None:
    with pytest.raises(ValidationError, match="longer than QuickBooks allows \\(41"):
        _bill(vendor="V" * 42)


def test_each_level_of_a_full_name_is_checked_on_its_own() -> None:
    assert _bill(expense_lines=[qbxml.ExpenseLine(account=f"{'A' * 41}:{'B' * 41}", amount=Decimal(1))])
    with pytest.raises(ValidationError):
        qbxml.ExpenseLine(account=f"{'A' * 41}:{'B' * 42}", amount=Decimal(1))


def test_a_reference_number_longer_than_quickbooks_allows_is_refused() -> None:
    with pytest.raises(ValidationError, match="longer than QuickBooks allows \\(20"):
        _bill(ref_number="X" * 21)


def test_requests_survive_a_json_round_trip_as_the_queue_stores_them() -> None:
    for request in ALL_REQUESTS:
        assert qbxml.REQUEST.validate_json(qbxml.REQUEST.dump_json(request)) == request


def test_only_adds_create_records_and_weigh_more_with_their_lines() -> None:
    assert [r.creates for r in ALL_REQUESTS] == [False] * 5 + [True] * 3
    assert qbxml.bill_query("A").weight == 1.0
    assert _bill().weight == pytest.approx(1.3)


# -- reading ----------------------------------------------------------------------------------------------

RESPONSE = """<?xml version="1.0" ?>
<QBXML><QBXMLMsgsRs>
<BillAddRs requestID="4-1" statusCode="0" statusSeverity="Info" statusMessage="Status OK">
  <BillRet><TxnID>E-1795270544</TxnID><TimeCreated>2026-11-20T10:00:00+00:00</TimeCreated>
    <EditSequence>1795270544</EditSequence><TxnNumber>5</TxnNumber>
    <VendorRef><ListID>80000001-1795270544</ListID><FullName>Toolmart Supply</FullName></VendorRef>
    <TxnDate>2026-11-20</TxnDate><AmountDue>282.00</AmountDue><RefNumber>INV-77</RefNumber></BillRet>
</BillAddRs>
<PurchaseOrderQueryRs requestID="5-2" statusCode="0" statusSeverity="Info" statusMessage="Status OK">
  <PurchaseOrderRet><TxnID>B-1</TxnID><EditSequence>17</EditSequence>
    <VendorRef><FullName>Toolmart Supply</FullName></VendorRef><TxnDate>2026-11-05</TxnDate><RefNumber>2001</RefNumber>
    <IsManuallyClosed>false</IsManuallyClosed><IsFullyReceived>false</IsFullyReceived>
    <PurchaseOrderLineRet><TxnLineID>9-1</TxnLineID><ItemRef><FullName>HAMMER-16</FullName></ItemRef>
      <Quantity>24</Quantity><Rate>11.75</Rate><Amount>282.00</Amount><ReceivedQuantity>4</ReceivedQuantity>
      <IsManuallyClosed>false</IsManuallyClosed></PurchaseOrderLineRet>
  </PurchaseOrderRet>
</PurchaseOrderQueryRs>
<VendorQueryRs requestID="6-1" statusCode="1" statusSeverity="Info"
  statusMessage="A query request did not find a matching object in QuickBooks" />
<VendorModRs requestID="7-1" statusCode="3200" statusSeverity="Error"
  statusMessage="The provided edit sequence &quot;42&quot; is out-of-date." />
<VendorQueryRs requestID="8-1" statusCode="0" statusSeverity="Info" statusMessage="Status OK">
  <VendorRet><ListID>80000001-1795270544</ListID><EditSequence>1795270544</EditSequence><Name>Toolmart Supply</Name>
  </VendorRet>
</VendorQueryRs>
</QBXMLMsgsRs></QBXML>"""


def test_a_response_is_read_per_request_with_its_status() -> None:
    answers = qbxml.parse_response(RESPONSE)

    assert [(a.type, a.request_id, a.status_code, a.status_severity, a.ok) for a in answers] == [
        ("BillAddRs", "4-1", 0, "Info", True), ("PurchaseOrderQueryRs", "5-2", 0, "Info", True),
        ("VendorQueryRs", "6-1", 1, "Info", True), ("VendorModRs", "7-1", 3200, "Error", False),
        ("VendorQueryRs", "8-1", 0, "Info", True)]
    assert answers[3].status_message == 'The provided edit sequence "42" is out-of-date.'
    assert answers[2].rets == []


def test_a_transaction_ret_gives_its_txn_id_edit_sequence_and_vendor() -> None:
    bill = qbxml.parse_response(RESPONSE)[0].rets[0]

    assert (bill.type, bill.id, bill.edit_sequence, bill.ref_number, bill.vendor, bill.txn_date) == (
        "BillRet", "E-1795270544", "1795270544", "INV-77", "Toolmart Supply", "2026-11-20")


def test_a_list_ret_gives_its_list_id() -> None:
    vendor = qbxml.parse_response(RESPONSE)[4].rets[0]

    assert (vendor.id, vendor.list_id, vendor.name, vendor.edit_sequence) == (
        "80000001-1795270544", "80000001-1795270544", "Toolmart Supply", "1795270544")


def test_purchase_order_lines_give_what_is_still_open() -> None:
    po = qbxml.parse_response(RESPONSE)[1].rets[0]

    assert po.is_fully_received is False
    assert [(line.txn_line_id, line.item, line.open_quantity) for line in po.lines] == [
        ("9-1", "HAMMER-16", Decimal(20))]


def test_rets_are_filtered_by_vendor_without_regard_to_case() -> None:
    answer = qbxml.parse_response(RESPONSE)[1]

    assert answer.for_vendor("TOOLMART SUPPLY") == answer.rets
    assert answer.for_vendor("FastenPro") == []


def test_a_response_passed_on_as_text_with_another_encoding_declared_is_read() -> None:
    text = RESPONSE.replace('<?xml version="1.0" ?>', '<?xml version="1.0" encoding="utf-16"?>')

    assert len(qbxml.parse_response(text)) == 5


@pytest.mark.parametrize("hostile", [
    b'<?xml version="1.0"?><!DOCTYPE QBXML [<!ENTITY x "boom">]><QBXML><QBXMLMsgsRs/></QBXML>',
    b'<!DOCTYPE QBXML SYSTEM "http://127.0.0.1:1/evil.dtd"><QBXML><QBXMLMsgsRs/></QBXML>',
    '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE QBXML [<!ENTITY x "boom">]><QBXML>&x;</QBXML>'.encode("utf-16"),
    b'<!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><QBXML><QBXMLMsgsRs>&c;</QBXMLMsgsRs></QBXML>',
], ids=["internal-entity", "external-dtd", "utf16-doctype", "entity-expansion"])
def test_a_doctype_is_refused_in_any_encoding(hostile: bytes) -> None:
    with pytest.raises(qbxml.QbXmlError, match="DOCTYPE"):
        qbxml.parse_response(hostile)


def test_text_that_is_not_well_formed_is_refused() -> None:
    with pytest.raises(qbxml.QbXmlError, match="not well-formed"):
        qbxml.parse_response("<QBXML><QBXMLMsgsRs>")


def test_xml_that_is_not_a_qbxml_response_is_refused() -> None:
    with pytest.raises(qbxml.QbXmlError, match="not a qbXML response"):
        qbxml.parse_response("<QBXML><QBXMLMsgsRq/></QBXML>")


def test_a_response_without_a_status_code_is_refused() -> None:
    with pytest.raises(qbxml.QbXmlError, match="statusCode"):
        qbxml.parse_response('<QBXML><QBXMLMsgsRs><BillAddRs requestID="1"/></QBXMLMsgsRs></QBXML>')
