"""The Acumatica connector against the Acumatica simulator (demo scenario, customer bluefin), over real HTTP.

Each test posts canonical documents through the connector and reads the result back from the simulator's state.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from edi_assets.connectors.acumatica import AcumaticaConnector, EndpointNotServed
from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.errors import (
    AuthenticationError,
    ConnectorError,
    MappingError,
    OutcomeUnknown,
    RateLimited,
    RemoteRejected,
)
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.retry import RetryPolicy, RetrySettings
from edi_assets.customers import CustomersFile
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
from simulators.core.scenario import load_scenario
from tests.connectors.conftest import credentials_from, demo_customer, demo_xref, reset_simulator, simulator_state

TENANT = "Bluefin"


def demo_secrets() -> dict[str, str]:
    """The bluefin tenant's user and OAuth client, as the demo scenario seeds them."""
    tenant = next(t for t in load_scenario("demo")["acumatica"]["tenants"] if t["id"] == TENANT)
    user, oauth = tenant["users"][0], tenant["oauth_clients"][0]
    return {"acumatica.username": user["username"], "acumatica.password": user["password"],
            "acumatica.client_id": oauth["client_id"].partition("@")[0],  # the tenant comes from the company
            "acumatica.client_secret": oauth["client_secret"]}


SECRETS = demo_secrets()


@pytest.fixture
def url(simulator: Callable[[str], str]) -> str:
    served = simulator("acumatica")
    reset_simulator(served)
    return served


@pytest.fixture
def xref() -> CrossReference:
    return demo_xref("bluefin")


@pytest.fixture
def connect(url: str, demo_customers: CustomersFile,
            limiter: RateLimiter) -> Iterator[Callable[..., AcumaticaConnector]]:
    """``connect(**erp_changes)``: a connector for bluefin on the simulator, with quick retries; closed after."""
    made: list[AcumaticaConnector] = []

    def make(secrets: dict[str, str] | None = None, **erp_changes: Any) -> AcumaticaConnector:
        customer = demo_customer(demo_customers, "bluefin", url=url, **erp_changes)
        retry = RetryPolicy(RetrySettings(max_attempts=4, initial_backoff_seconds=0.01, max_backoff_seconds=0.05,
                                          max_total_seconds=10))
        connector = AcumaticaConnector(customer, credentials_from(secrets or SECRETS), limiter, retry=retry)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def connector(connect: Callable[..., AcumaticaConnector]) -> AcumaticaConnector:
    return connect()


def records(url: str, entity: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = simulator_state(url)["tenants"][TENANT]["records"][entity]
    return found


def fault(url: str, **rule: Any) -> None:
    httpx.post(f"{url}/_sim/faults", json={"rules": [rule]}).raise_for_status()


def settings(url: str, **changes: Any) -> None:
    httpx.post(f"{url}/_sim/settings", json=changes).raise_for_status()


def order_850(number: str = "HF-7001") -> PurchaseOrder:
    return PurchaseOrder(po_number=number, po_date=dt.date(2026, 11, 6),
                         dates=[DateRef(qualifier="002", date=dt.date(2026, 11, 20))],
                         lines=[PurchaseOrderLine(line_number="1", quantity=Decimal(20), unit="CA",
                                                  unit_price=Decimal("48.00"),
                                                  item_ids=[ItemId(qualifier="VP", value="FISH-001")])])


def invoice_810(number: str = "CP-INV-1") -> Invoice:
    return Invoice(invoice_number=number, invoice_date=dt.date(2026, 11, 8), po_number="PO000101",
                   lines=[InvoiceLine(line_number="1", quantity=Decimal(200), unit="BX", unit_price=Decimal("21.40"),
                                      item_ids=[ItemId(qualifier="BP", value="PAPER-A4")])],
                   total_amount=Decimal("4280.00"))


def ack_855(*statuses: LineStatus, ack_type: str = "AC") -> POAcknowledgment:
    return POAcknowledgment(ack_type=ack_type, po_number="PO000101", po_date=dt.date(2026, 11, 4),
                            lines=[AckLine(line_number="1", quantity=Decimal(200), unit="BX",
                                           unit_price=Decimal("21.40"),
                                           item_ids=[ItemId(qualifier="BP", value="PAPER-A4")],
                                           statuses=list(statuses))])


def notice_856(shipment: str = "CP-SH-1", quantity: str = "180") -> ShipNotice:
    return ShipNotice(shipment_id=shipment, ship_notice_date=dt.date(2026, 11, 9), shipped_date=dt.date(2026, 11, 8),
                      orders=[ShipOrder(po_number="PO000101")],
                      items=[ShippedItem(po_number="PO000101", line_number="1", quantity=Decimal(quantity),
                                         unit="BX", item_ids=[ItemId(qualifier="BP", value="PAPER-A4")])])


# -- inbound --------------------------------------------------------------------------------------------------


def test_an_850_becomes_a_sales_order_for_the_partners_customer(url: str, connector: AcumaticaConnector,
                                                                 xref: CrossReference) -> None:
    posting = connector.post(order_850(), partner="harborfoods", xref=xref)
    [order] = records(url, "SalesOrder")
    assert (posting.record_kind, posting.record_id, posting.existed) == ("SalesOrder", order["OrderNbr"], False)
    assert (order["OrderType"], order["CustomerID"], order["CustomerOrder"]) == ("SO", "HARBOR", "HF-7001")
    assert order["RequestedOn"].startswith("2026-11-20")
    assert [(d["InventoryID"], d["OrderQty"], d["UOM"], d["UnitPrice"]) for d in order["Details"]] == [
        ("FISH-001", 20, "CASE", 48)]
    assert order["OrderTotal"] == 960


def test_an_850_for_a_customer_acumatica_does_not_have_is_held_with_the_reason(
        url: str, connector: AcumaticaConnector, xref: CrossReference) -> None:
    client = connector.client
    client.api.request("DELETE", client.entity_path("Customer", "HARBOR"), operation="delete customer")
    with pytest.raises(MappingError, match=r"customer HARBOR .* does not exist in Acumatica") as raised:
        connector.post(order_850(), partner="harborfoods", xref=xref)
    assert (raised.value.document, raised.value.partner) == ("HF-7001", "harborfoods")
    assert records(url, "SalesOrder") == []


def test_an_850_posted_again_returns_the_order_it_became(url: str, connector: AcumaticaConnector,
                                                        xref: CrossReference) -> None:
    first = connector.post(order_850(), partner="harborfoods", xref=xref)
    found = connector.find(order_850(), partner="harborfoods", xref=xref)
    again = connector.post(order_850(), partner="harborfoods", xref=xref)
    assert found is not None
    assert (found.record_id, found.existed) == (first.record_id, True)
    assert (again.record_id, again.existed) == (first.record_id, True)
    assert len(records(url, "SalesOrder")) == 1


def test_an_810_becomes_a_bill_linked_to_the_purchase_order(url: str, connector: AcumaticaConnector,
                                                           xref: CrossReference) -> None:
    posting = connector.post(invoice_810(), partner="coastalpaper", xref=xref)
    [bill] = records(url, "Bill")
    assert (posting.record_kind, posting.record_id) == ("Bill", bill["ReferenceNbr"])
    assert (bill["Type"], bill["Vendor"], bill["VendorRef"], bill["Amount"]) == ("Bill", "V-COASTAL", "CP-INV-1", 4280)
    assert [(d["InventoryID"], d["UOM"], d["POOrderNbr"], d["POLine"]) for d in bill["Details"]] == [
        ("PAPER-A4", "BOX", "PO000101", 1)]


def test_find_reconciles_an_810_and_a_second_post_creates_no_duplicate(url: str, connector: AcumaticaConnector,
                                                                       xref: CrossReference) -> None:
    assert connector.find(invoice_810(), partner="coastalpaper", xref=xref) is None
    created = connector.post(invoice_810(), partner="coastalpaper", xref=xref)
    found = connector.find(invoice_810(), partner="coastalpaper", xref=xref)
    again = connector.post(invoice_810(), partner="coastalpaper", xref=xref)
    assert found == again
    assert (found.record_id, found.existed) == (created.record_id, True)
    assert len(records(url, "Bill")) == 1


def test_a_bill_refused_by_acumatica_is_rejected_with_its_field(url: str, connector: AcumaticaConnector,
                                                                xref: CrossReference) -> None:
    settings(url, closed_periods=["112026"])
    with pytest.raises(RemoteRejected, match="financial period is inactive") as raised:
        connector.post(invoice_810(), partner="coastalpaper", xref=xref)
    assert (raised.value.field, raised.value.document, raised.value.partner) == (
        "PostPeriod", "CP-INV-1", "coastalpaper")
    assert records(url, "Bill") == []


def test_an_855_updates_the_purchase_order_lines(url: str, connector: AcumaticaConnector,
                                                  xref: CrossReference) -> None:
    ack = ack_855(LineStatus(code="IQ", quantity=Decimal(180), date=dt.date(2026, 11, 12)))
    posting = connector.post(ack, partner="coastalpaper", xref=xref)
    [order] = records(url, "PurchaseOrder")
    assert (posting.record_kind, posting.record_id, posting.existed) == (
        "PurchaseOrder acknowledgment", "PO000101", False)
    assert order["Details"][0]["OrderQty"] == 180
    assert order["Details"][0]["PromisedDate"].startswith("2026-11-12")
    assert order["OrderTotal"] == 3852


def test_an_855_already_applied_is_found_and_changes_nothing(url: str, connector: AcumaticaConnector,
                                                             xref: CrossReference) -> None:
    ack = ack_855(LineStatus(code="IQ", quantity=Decimal(180), date=dt.date(2026, 11, 12)))
    assert connector.find(ack, partner="coastalpaper", xref=xref) is None
    connector.post(ack, partner="coastalpaper", xref=xref)
    stamp = records(url, "PurchaseOrder")[0]["LastModifiedDateTime"]
    found = connector.find(ack, partner="coastalpaper", xref=xref)
    again = connector.post(ack, partner="coastalpaper", xref=xref)
    assert found is not None
    assert (found.existed, again.existed) == (True, True)
    assert records(url, "PurchaseOrder")[0]["LastModifiedDateTime"] == stamp


def test_an_order_rejected_by_the_supplier_goes_on_hold_with_its_lines_completed(
        url: str, connector: AcumaticaConnector, xref: CrossReference) -> None:
    connector.post(ack_855(LineStatus(code="IR", quantity=Decimal(0)), ack_type="RJ"), partner="coastalpaper",
                   xref=xref)
    [order] = records(url, "PurchaseOrder")
    assert (order["Hold"], order["Status"], order["Details"][0]["Completed"]) == (True, "On Hold", True)


def test_an_855_for_another_suppliers_order_is_held(url: str, connector: AcumaticaConnector,
                                                     xref: CrossReference) -> None:
    with pytest.raises(MappingError, match="belongs to vendor V-COASTAL"):
        connector.post(ack_855(LineStatus(code="IA")), partner="harborfoods", xref=xref)


def test_an_856_becomes_a_receipt_against_the_purchase_order(url: str, connector: AcumaticaConnector,
                                                             xref: CrossReference) -> None:
    posting = connector.post(notice_856(), partner="coastalpaper", xref=xref)
    [receipt] = records(url, "PurchaseReceipt")
    assert (posting.record_kind, posting.record_id) == ("PurchaseReceipt", receipt["ReceiptNbr"])
    assert (receipt["VendorID"], receipt["VendorRef"], receipt["Status"]) == ("V-COASTAL", "CP-SH-1", "On Hold")
    assert [(d["InventoryID"], d["ReceiptQty"], d["POOrderNbr"], d["POLineNbr"]) for d in receipt["Details"]] == [
        ("PAPER-A4", 180, "PO000101", 1)]
    assert records(url, "PurchaseOrder")[0]["Details"][0]["ReceivedQty"] == 180


def test_find_reconciles_an_856_and_a_second_post_creates_no_duplicate(url: str, connector: AcumaticaConnector,
                                                                       xref: CrossReference) -> None:
    created = connector.post(notice_856(), partner="coastalpaper", xref=xref)
    found = connector.find(notice_856(), partner="coastalpaper", xref=xref)
    again = connector.post(notice_856(), partner="coastalpaper", xref=xref)
    assert found is not None
    assert found.record_id == again.record_id == created.record_id
    assert again.existed
    assert len(records(url, "PurchaseReceipt")) == 1


# -- outbound -------------------------------------------------------------------------------------------------


def test_outbound_reads_sales_invoices_and_purchase_orders_as_documents(connector: AcumaticaConnector,
                                                                        xref: CrossReference) -> None:
    batch = connector.outbound(None, xref=xref)
    by_key = {d.erp_key: d for d in batch.documents}
    assert set(by_key) == {"SalesInvoice Invoice INV000001", "PurchaseOrder Normal PO000101"}
    invoice, order = by_key["SalesInvoice Invoice INV000001"], by_key["PurchaseOrder Normal PO000101"]
    assert invoice.partner == "harborfoods"
    assert isinstance(invoice.document, Invoice)
    assert (invoice.document.po_number, invoice.document.total_amount) == ("HF-4410", Decimal("462.00"))
    assert (invoice.document.lines[0].unit, invoice.document.lines[0].item("VP")) == ("CA", "FISH-001")
    assert order.partner == "coastalpaper"
    assert isinstance(order.document, PurchaseOrder)
    assert (order.document.lines[0].unit, order.document.lines[0].item("BP")) == ("BX", "PAPER-A4")
    assert batch.skipped == []


def test_outbound_since_its_cursor_reads_only_what_changed(url: str, connector: AcumaticaConnector,
                                                           xref: CrossReference) -> None:
    first = connector.outbound(None, xref=xref)
    assert connector.outbound(first.cursor, xref=xref).documents == []
    connector.post(ack_855(LineStatus(code="IQ", quantity=Decimal(150))), partner="coastalpaper", xref=xref)
    changed = connector.outbound(first.cursor, xref=xref)
    assert [d.erp_key for d in changed.documents] == ["PurchaseOrder Normal PO000101"]
    assert changed.documents[0].revision == records(url, "PurchaseOrder")[0]["LastModifiedDateTime"]
    assert connector.outbound(changed.cursor, xref=xref).documents == []


def test_outbound_skips_a_record_whose_party_has_no_partner(url: str, connector: AcumaticaConnector,
                                                            xref: CrossReference) -> None:
    client = connector.client
    client.put("Vendor", {"VendorID": "V-OTHER", "VendorName": "Other Supplies"})
    client.put("PurchaseOrder", {"VendorID": "V-OTHER", "Details": [{"InventoryID": "PAPER-A4", "OrderQty": 1}]},
               mode="insert")
    batch = connector.outbound(None, xref=xref)
    assert [s for s in batch.skipped if "V-OTHER" in s] == [
        "PurchaseOrder Normal PO000102: supplier V-OTHER has no partner in partners.csv"]
    assert "PurchaseOrder Normal PO000102" not in {d.erp_key for d in batch.documents}


def test_outbound_leaves_a_held_order_until_it_is_released(url: str, connector: AcumaticaConnector,
                                                           xref: CrossReference) -> None:
    connector.client.put("PurchaseOrder", {"Type": "Normal", "OrderNbr": "PO000101", "Hold": True}, mode="update")
    assert "PurchaseOrder Normal PO000101" not in {d.erp_key for d in connector.outbound(None, xref=xref).documents}


def test_outbound_reads_the_lines_when_lists_ignore_expand(url: str, connector: AcumaticaConnector,
                                                           xref: CrossReference) -> None:
    settings(url, expand_details_on_list=False)
    batch = connector.outbound(None, xref=xref)
    assert {len(d.document.lines) for d in batch.documents} == {1}


# -- the configured version, faults, sign-in ---------------------------------------------------------------


def test_a_version_the_instance_does_not_serve_says_so(connect: Callable[..., AcumaticaConnector],
                                                       xref: CrossReference) -> None:
    with pytest.raises(EndpointNotServed, match=r"does not serve endpoint Default version 23\.200\.001"):
        connect(version="23.200.001").post(invoice_810(), partner="coastalpaper", xref=xref)


def test_a_bare_value_is_refused_by_the_server_naming_the_field(connector: AcumaticaConnector) -> None:
    client = connector.client
    with pytest.raises(RemoteRejected) as raised:
        client.api.json("PUT", client.entity_path("SalesOrder"), operation="insert SalesOrder",
                        json={"CustomerID": "HARBOR"})
    assert raised.value.field == "CustomerID"
    assert '{"value": ...}' in raised.value.remote_message


def test_a_429_is_waited_out(url: str, connector: AcumaticaConnector, xref: CrossReference) -> None:
    fault(url, kind="status", status=429, path="/entity/Default/*/Bill", times=2)
    connector.post(invoice_810(), partner="coastalpaper", xref=xref)
    assert len(records(url, "Bill")) == 1


def test_a_503_on_a_read_is_retried(url: str, connector: AcumaticaConnector, xref: CrossReference) -> None:
    fault(url, kind="status", status=503, method="GET", path="/entity/Default/*/PurchaseOrder/*", times=2)
    connector.post(ack_855(LineStatus(code="IQ", quantity=Decimal(150))), partner="coastalpaper", xref=xref)
    assert records(url, "PurchaseOrder")[0]["Details"][0]["OrderQty"] == 150


def test_a_503_on_an_insert_is_reconciled_before_posting_again(url: str, connector: AcumaticaConnector,
                                                               xref: CrossReference) -> None:
    fault(url, kind="status", status=503, method="PUT", path="/entity/Default/*/Bill", times=1)
    with pytest.raises(OutcomeUnknown):
        connector.post(invoice_810(), partner="coastalpaper", xref=xref)
    assert connector.find(invoice_810(), partner="coastalpaper", xref=xref) is None
    assert not connector.post(invoice_810(), partner="coastalpaper", xref=xref).existed
    assert len(records(url, "Bill")) == 1


def test_a_dropped_answer_to_an_insert_is_found_by_reconciliation(url: str, connector: AcumaticaConnector,
                                                                  xref: CrossReference) -> None:
    connector.find(invoice_810(), partner="coastalpaper", xref=xref)  # signed in before the fault
    fault(url, kind="drop", method="PUT", path="/entity/Default/*/SalesOrder", times=1)
    with pytest.raises(OutcomeUnknown):
        connector.post(order_850(), partner="harborfoods", xref=xref)
    # the fault answered in place of the server, so nothing was stored: reconciliation says so, the repost creates
    assert connector.find(order_850(), partner="harborfoods", xref=xref) is None
    connector.post(order_850(), partner="harborfoods", xref=xref)
    assert len(records(url, "SalesOrder")) == 1


def test_revoked_tokens_are_replaced_mid_run(url: str, connector: AcumaticaConnector, xref: CrossReference) -> None:
    connector.post(invoice_810(), partner="coastalpaper", xref=xref)
    fault(url, kind="revoke_tokens", path="/entity/*", times=1)
    connector.post(notice_856(), partner="coastalpaper", xref=xref)
    assert len(records(url, "PurchaseReceipt")) == 1


def test_the_login_limit_is_reported_as_rate_limited(url: str, connect: Callable[..., AcumaticaConnector],
                                                     xref: CrossReference) -> None:
    fault(url, kind="status", status=500, path="/identity/connect/token", body=(
        '{"message":"An error has occurred.","exceptionMessage":"API Login Limit",'
        '"exceptionType":"PX.Data.PXException","stackTrace":""}'))
    with pytest.raises(RateLimited, match="API Login Limit") as raised:  # a minute's wait is past the budget
        connect().find(invoice_810(), partner="coastalpaper", xref=xref)
    assert raised.value.retry_after == 60


def test_wrong_credentials_are_an_authentication_error(connect: Callable[..., AcumaticaConnector],
                                                       xref: CrossReference) -> None:
    connector = connect({**SECRETS, "acumatica.password": "not-the-password-42"})
    with pytest.raises(AuthenticationError, match="invalid_username_or_password"):
        connector.post(invoice_810(), partner="coastalpaper", xref=xref)


def test_closing_signs_out_once(url: str, connector: AcumaticaConnector, xref: CrossReference) -> None:
    fault(url, kind="latency", latency_ms=0, method="POST", path="/entity/auth/logout")  # counts the sign-outs
    connector.find(invoice_810(), partner="coastalpaper", xref=xref)
    connector.close()
    connector.close()
    assert [rule["fired"] for rule in httpx.get(f"{url}/_sim/faults").json()["rules"]] == [1]
    assert connector.client.auth.token is None


def test_no_demo_secret_reaches_the_logs_or_the_errors(url: str, connect: Callable[..., AcumaticaConnector],
                                                       xref: CrossReference, caplog: pytest.LogCaptureFixture) -> None:
    errors: list[str] = []
    with caplog.at_level(logging.DEBUG):
        connector = connect()
        connector.post(order_850(), partner="harborfoods", xref=xref)
        fault(url, kind="revoke_tokens", path="/entity/*", times=1)
        connector.outbound(None, xref=xref)
        for secrets in ({**SECRETS, "acumatica.password": "wrong-password-42"},
                        {**SECRETS, "acumatica.client_secret": "wrong-secret-42"}):
            try:
                connect(secrets).find(invoice_810(), partner="coastalpaper", xref=xref)
            except ConnectorError as error:
                errors.append(str(error))
        connector.close()
    assert len(errors) == 2
    text = caplog.text + "\n".join(errors)
    for name in ("acumatica.password", "acumatica.client_secret"):
        assert SECRETS[name] not in text
    for leaked in ("wrong-password-42", "wrong-secret-42"):
        assert leaked not in text
