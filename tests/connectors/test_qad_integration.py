"""QAD connector against the QAD simulator over real HTTP (demo scenario, customer acme).

Each test posts canonical documents through :class:`QadConnector` and reads the outcome back from the
simulator's state; faults are injected through ``/_sim/faults``. Retries never really sleep: the policy's
``sleep`` only records the waits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.errors import AuthenticationError, OutcomeUnknown, RemoteRejected
from edi_assets.connectors.qad import QadConnector
from edi_assets.connectors.retry import RetryPolicy, RetrySettings
from edi_assets.customers import CustomersFile
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
)
from simulators.core.scenario import load_scenario
from tests.connectors.conftest import credentials_from, demo_customer, demo_xref, reset_simulator, simulator_state

TENANT = load_scenario("demo")["qad"]["tenants"][0]
USER = TENANT["users"][0]
CREDENTIALS = {"qad.username": USER["username"], "qad.password": USER["password"],
               "qad.client_id": TENANT["client_id"]}
API = "/acme/clouderp/api/erp"


@pytest.fixture
def url(simulator: Callable[[str], str]) -> str:
    served = simulator("qad")
    reset_simulator(served)
    return served


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connect(url: str, demo_customers: CustomersFile, sleeps: list[float]) -> Iterator[Callable[..., QadConnector]]:
    made: list[QadConnector] = []

    def make(**credentials: str) -> QadConnector:
        customer = demo_customer(demo_customers, "acme", url=f"{url}/acme/clouderp")
        policy = RetryPolicy(RetrySettings(max_attempts=4, initial_backoff_seconds=0.001, max_backoff_seconds=0.01),
                             sleep=sleeps.append)
        connector = QadConnector(customer, credentials_from({**CREDENTIALS, **credentials}), retry=policy)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def qad(connect: Callable[..., QadConnector]) -> QadConnector:
    return connect()


@pytest.fixture(scope="module")
def xref() -> CrossReference:
    return demo_xref("acme")


def tenant(url: str) -> dict[str, Any]:
    state: dict[str, Any] = simulator_state(url)["tenants"]["acme"]
    return state


def order(url: str, number: str) -> dict[str, Any]:
    return next(po for po in tenant(url)["purchase_orders"] if po["purchaseOrderNumber"] == number)


def order_lines(url: str, number: str) -> list[dict[str, Any]]:
    return [ln for ln in tenant(url)["purchase_order_lines"] if ln["purchaseOrderNumber"] == number]


def faults(url: str, *rules: dict[str, Any]) -> None:
    httpx.post(f"{url}/_sim/faults", json={"rules": list(rules)}).raise_for_status()


def settings(url: str, **changes: Any) -> None:
    httpx.post(f"{url}/_sim/settings", json=changes).raise_for_status()


def advance(url: str, seconds: float) -> None:
    httpx.post(f"{url}/_sim/clock", json={"advance": seconds}).raise_for_status()


def create_po(url: str, number: str, supplier: str, item: str, quantity: float, cost: float) -> None:
    """A buyer entering a PO in QAD, through the same REST API (header, then a line through the grid)."""
    base = f"{url}/acme/clouderp"
    grant = {"client_id": TENANT["client_id"], "grant_type": "password", "username": USER["username"],
             "password": USER["password"]}
    token = httpx.post(f"{base}/oauth/token", params=grant).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    po = {"purchaseOrderNumber": number, "domainCode": "10USA", "supplierCode": supplier, "shipToSite": "10-100",
          "orderDate": "2026-11-25", "dueDate": "2026-12-05", "dataOperation": "C", "concurrencyHash": ""}
    line = {"purchaseOrderNumber": number, "domainCode": "10USA", "purchaseOrderLine": 1, "siteCode": "10-100",
            "itemCode": item, "unitOfMeasure": "EA", "quantityOrdered": quantity, "purchaseCost": cost,
            "dataOperation": "C"}
    for path, params, body in (
            ("api/erp/purchaseOrderHeaders", {"viewUri": "urn:be:com.qad.purchasing.purchaseorders."
                                                         "IPurchaseOrderHeader"}, {"purchaseOrderHeaders": [po]}),
            ("api/erp/purchaseOrderLinesGrid", {}, {"purchaseOrderLines": [line]})):
        answer = httpx.post(f"{base}/{path}", params=params, json=body, headers=headers).json()
        assert answer["submitResult"]["success"], answer


def steel_invoice(number: str = "INV-5001") -> Invoice:
    return Invoice(
        invoice_number=number, invoice_date=dt.date(2026, 11, 22), po_number="PO10001",
        lines=[InvoiceLine(line_number="1", quantity=Decimal(40), unit="EA", unit_price=Decimal("125.50"),
                           item_ids=[ItemId(qualifier="VP", value="SC-PL10")]),
               InvoiceLine(line_number="2", quantity=Decimal(500), unit="EA", unit_price=Decimal("0.42"),
                           item_ids=[ItemId(qualifier="BP", value="10-2000")])],
        total_amount=Decimal("5230.00"))


def steel_acknowledgment() -> POAcknowledgment:
    """SteelCo accepts line 1 and confirms line 2 at a lower quantity and price (IC)."""
    return POAcknowledgment(ack_type="AC", po_number="PO10001", po_date=dt.date(2026, 11, 2), lines=[
        AckLine(line_number="1", quantity=Decimal(40), unit="EA", unit_price=Decimal("125.5"),
                item_ids=[ItemId(qualifier="VP", value="SC-PL10")],
                statuses=[LineStatus(code="IA", quantity=Decimal(40), unit="EA")]),
        AckLine(line_number="2", quantity=Decimal(500), unit="EA", unit_price=Decimal("0.40"),
                item_ids=[ItemId(qualifier="BP", value="10-2000")],
                statuses=[LineStatus(code="IC", quantity=Decimal(450), unit="EA")])])


def steel_shipment(quantity: int = 40, shipment: str = "SH-7001") -> ShipNotice:
    """Line 1 in two cartons, line 2 in one."""
    return ShipNotice(
        shipment_id=shipment, ship_notice_date=dt.date(2026, 11, 21), shipped_date=dt.date(2026, 11, 20),
        orders=[ShipOrder(po_number="PO10001")],
        items=[ShippedItem(po_number="PO10001", line_number="1", quantity=Decimal(quantity - 10), package_id="C1"),
               ShippedItem(po_number="PO10001", line_number="1", quantity=Decimal(10), package_id="C2"),
               ShippedItem(po_number="PO10001", line_number="2", quantity=Decimal(300), package_id="C3",
                           item_ids=[ItemId(qualifier="VP", value="BW-M8")])])


# -- 810 → supplier invoice ----------------------------------------------------------------------------------

def test_an_invoice_becomes_a_supplier_invoice_in_qad(url: str, qad: QadConnector, xref: CrossReference) -> None:
    posting = qad.post(steel_invoice(), partner="steelco", xref=xref)
    [stored] = tenant(url)["supplier_invoices"]
    assert (stored["supplierInvoiceReference"], stored["supplierCode"], stored["totalAmount"]) == (
        "INV-5001", "S-STEEL", 5230.0)
    assert [(ln["purchaseOrderLine"], ln["itemCode"], ln["amount"]) for ln in stored["supplierInvoiceLines"]] == [
        (1, "10-1000", 5020.0), (2, "10-2000", 210.0)]
    assert (posting.record_kind, posting.record_id, posting.existed) == ("SupplierInvoice",
                                                                         stored["voucherNumber"], False)


def test_an_invoice_not_posted_yet_is_not_found(qad: QadConnector, xref: CrossReference) -> None:
    assert qad.find(steel_invoice(), partner="steelco", xref=xref) is None


def test_a_posted_invoice_is_found_and_a_second_post_creates_no_duplicate(url: str, qad: QadConnector,
                                                                         xref: CrossReference) -> None:
    first = qad.post(steel_invoice(), partner="steelco", xref=xref)
    found = qad.find(steel_invoice(), partner="steelco", xref=xref)
    again = qad.post(steel_invoice(), partner="steelco", xref=xref)
    assert found is not None
    assert (found.record_id, found.existed) == (first.record_id, True)
    assert (again.record_id, again.existed) == (first.record_id, True)
    assert len(tenant(url)["supplier_invoices"]) == 1


def test_an_invoice_qad_refuses_is_remote_rejected_with_its_message_and_field(url: str, qad: QadConnector,
                                                                             xref: CrossReference) -> None:
    wrong = steel_invoice().model_copy(update={"po_number": "PO10002"})  # PackRight's PO
    with pytest.raises(RemoteRejected) as caught:
        qad.post(wrong, partner="steelco", xref=xref)
    assert caught.value.remote_message == "Purchase order PO10002 belongs to supplier S-PACK"
    assert (caught.value.field, caught.value.document, caught.value.partner) == (
        "purchaseOrderNumber", "INV-5001", "steelco")
    assert tenant(url)["supplier_invoices"] == []


# -- 855 → PO confirmation -----------------------------------------------------------------------------------

def test_an_acknowledgment_confirms_the_po_and_applies_the_partners_changes(url: str, qad: QadConnector,
                                                                            xref: CrossReference) -> None:
    posting = qad.post(steel_acknowledgment(), partner="steelco", xref=xref)
    assert order(url, "PO10001")["isConfirmed"] is True
    assert [(ln["quantityOrdered"], ln["purchaseCost"]) for ln in order_lines(url, "PO10001")] == [
        (40.0, 125.5), (450.0, 0.4)]
    assert (posting.record_kind, posting.record_id, posting.existed) == ("PurchaseOrder confirmation", "PO10001",
                                                                         False)
    assert posting.detail["lines_changed"] == [2]


def test_an_acknowledgment_applied_once_is_found_and_not_written_again(url: str, qad: QadConnector,
                                                                       xref: CrossReference) -> None:
    assert qad.find(steel_acknowledgment(), partner="steelco", xref=xref) is None
    qad.post(steel_acknowledgment(), partner="steelco", xref=xref)
    hash_after_first = order(url, "PO10001")["concurrencyHash"]
    found = qad.find(steel_acknowledgment(), partner="steelco", xref=xref)
    again = qad.post(steel_acknowledgment(), partner="steelco", xref=xref)
    assert found is not None
    assert found.existed
    assert again.existed
    assert order(url, "PO10001")["concurrencyHash"] == hash_after_first


def test_an_acknowledgment_of_an_unknown_po_is_remote_rejected(qad: QadConnector, xref: CrossReference) -> None:
    unknown = steel_acknowledgment().model_copy(update={"po_number": "PO99999"})
    with pytest.raises(RemoteRejected, match="PO99999 does not exist") as caught:
        qad.post(unknown, partner="steelco", xref=xref)
    assert caught.value.field == "purchaseOrderNumber"


# -- 856 → receipt -------------------------------------------------------------------------------------------

def test_a_ship_notice_becomes_a_receipt_that_raises_the_received_quantities(url: str, qad: QadConnector,
                                                                            xref: CrossReference) -> None:
    posting = qad.post(steel_shipment(), partner="steelco", xref=xref)
    [receipt] = tenant(url)["receipts"]
    assert (receipt["purchaseOrderNumber"], receipt["packingSlip"], receipt["effectiveDate"]) == (
        "PO10001", "SH-7001", "2026-11-20T00:00:00.000Z")
    assert [ln["quantityReceived"] for ln in order_lines(url, "PO10001")] == [40.0, 300.0]
    assert (posting.record_kind, posting.record_id, posting.existed) == ("PurchaseOrderReceipt",
                                                                         receipt["receiverNumber"], False)


def test_a_received_ship_notice_is_found_and_not_received_twice(url: str, qad: QadConnector,
                                                                xref: CrossReference) -> None:
    assert qad.find(steel_shipment(), partner="steelco", xref=xref) is None
    first = qad.post(steel_shipment(), partner="steelco", xref=xref)
    found = qad.find(steel_shipment(), partner="steelco", xref=xref)
    again = qad.post(steel_shipment(), partner="steelco", xref=xref)
    assert found is not None
    assert (found.record_id, found.existed, again.existed) == (first.record_id, True, True)
    assert len(tenant(url)["receipts"]) == 1
    assert [ln["quantityReceived"] for ln in order_lines(url, "PO10001")] == [40.0, 300.0]


def test_a_receipt_qad_reports_as_failed_although_booked_is_taken_as_posted(url: str, qad: QadConnector,
                                                                           xref: CrossReference) -> None:
    settings(url, receipt_reports_gl_error=True)  # spec 2.6: "tx2d_totamt is mandatory", quantity posted
    posting = qad.post(steel_shipment(), partner="steelco", xref=xref)
    assert posting.detail["warning"] == "tx2d_totamt is mandatory"
    assert not posting.existed
    assert len(tenant(url)["receipts"]) == 1


def test_an_over_receipt_is_remote_rejected_and_nothing_is_booked(url: str, qad: QadConnector,
                                                                  xref: CrossReference) -> None:
    with pytest.raises(RemoteRejected) as caught:
        qad.post(steel_shipment(quantity=41), partner="steelco", xref=xref)
    assert caught.value.field == "quantity"
    assert "exceeds the open quantity" in caught.value.remote_message
    assert tenant(url)["receipts"] == []


# -- outbound: POs → 850 -------------------------------------------------------------------------------------

def test_outbound_without_a_cursor_reads_every_po_for_its_partner(qad: QadConnector, xref: CrossReference) -> None:
    batch = qad.outbound(None, xref=xref)
    by_key = {d.erp_key: d for d in batch.documents}
    assert {k: d.partner for k, d in by_key.items()} == {"PO PO10001": "steelco", "PO PO10002": "packright"}
    steel = by_key["PO PO10001"].document
    assert [[(i.qualifier, i.value) for i in li.item_ids] for li in steel.lines] == [
        [("BP", "10-1000"), ("VP", "SC-PL10")], [("BP", "10-2000")]]
    assert [(li.quantity, li.unit, li.unit_price) for li in steel.lines] == [
        (Decimal(40), "EA", Decimal("125.5")), (Decimal(500), "EA", Decimal("0.42"))]
    assert batch.cursor is not None
    assert batch.skipped == []


def test_outbound_since_its_cursor_returns_nothing_when_nothing_changed(qad: QadConnector,
                                                                        xref: CrossReference) -> None:
    cursor = qad.outbound(None, xref=xref).cursor
    again = qad.outbound(cursor, xref=xref)
    assert again.documents == []
    assert again.cursor == cursor


def test_outbound_since_its_cursor_returns_new_and_changed_pos(url: str, qad: QadConnector,
                                                               xref: CrossReference) -> None:
    first = qad.outbound(None, xref=xref)
    before = {d.erp_key: d.revision for d in first.documents}
    advance(url, 60)
    create_po(url, "PO10003", "S-BOLT", "10-2000", 1000, 0.41)
    qad.post(steel_acknowledgment(), partner="steelco", xref=xref)  # changes PO10001's line 2
    batch = qad.outbound(first.cursor, xref=xref)
    by_key = {d.erp_key: d for d in batch.documents}
    assert sorted(by_key) == ["PO PO10001", "PO PO10003"]
    assert by_key["PO PO10003"].partner == "boltworks"
    assert by_key["PO PO10003"].document.lines[0].item_ids[1] == ItemId(qualifier="VP", value="BW-M8")
    assert by_key["PO PO10001"].revision != before["PO PO10001"]
    assert by_key["PO PO10001"].document.lines[1].quantity == Decimal(450)
    assert qad.outbound(batch.cursor, xref=xref).documents == []


def test_a_change_an_850_does_not_carry_keeps_the_revision(url: str, qad: QadConnector,
                                                           xref: CrossReference) -> None:
    first = qad.outbound(None, xref=xref)
    advance(url, 60)
    qad.post(steel_shipment(), partner="steelco", xref=xref)  # a receipt stamps the PO, the order is the same
    [again] = qad.outbound(first.cursor, xref=xref).documents
    assert again.revision == next(d.revision for d in first.documents if d.erp_key == again.erp_key)


def test_outbound_skips_a_po_whose_supplier_is_no_partners(qad: QadConnector) -> None:
    only_steel = CrossReference(customer="acme", parties={("steelco", "supplier"): "S-STEEL"})
    batch = qad.outbound(None, xref=only_steel)
    assert [d.erp_key for d in batch.documents] == ["PO PO10001"]
    assert len(batch.skipped) == 1
    assert "PO10002" in batch.skipped[0]
    assert "S-PACK" in batch.skipped[0]


# -- faults and tokens ---------------------------------------------------------------------------------------

def test_an_injected_429_is_waited_out(url: str, qad: QadConnector, xref: CrossReference,
                                       sleeps: list[float]) -> None:
    faults(url, {"kind": "status", "status": 429, "retry_after": 7, "path": f"{API}/*", "times": 1})
    assert len(qad.outbound(None, xref=xref).documents) == 2
    assert sleeps[0] >= 7


def test_injected_503s_on_reads_are_retried(url: str, qad: QadConnector, xref: CrossReference) -> None:
    faults(url, {"kind": "status", "status": 503, "method": "GET", "path": f"{API}/*", "times": 2})
    assert len(qad.outbound(None, xref=xref).documents) == 2


def test_a_503_on_the_invoice_create_is_outcome_unknown_then_reconciled(url: str, qad: QadConnector,
                                                                        xref: CrossReference) -> None:
    faults(url, {"kind": "status", "status": 503, "method": "POST", "path": f"{API}/supplierInvoices", "times": 1})
    with pytest.raises(OutcomeUnknown):
        qad.post(steel_invoice(), partner="steelco", xref=xref)
    assert qad.find(steel_invoice(), partner="steelco", xref=xref) is None
    assert not qad.post(steel_invoice(), partner="steelco", xref=xref).existed
    assert len(tenant(url)["supplier_invoices"]) == 1


def test_a_dropped_connection_on_the_receipt_create_is_outcome_unknown(url: str, qad: QadConnector,
                                                                       xref: CrossReference) -> None:
    faults(url, {"kind": "drop", "method": "POST", "path": f"{API}/purchaseOrderReceipts", "times": 1})
    with pytest.raises(OutcomeUnknown):
        qad.post(steel_shipment(), partner="steelco", xref=xref)
    qad.post(steel_shipment(), partner="steelco", xref=xref)
    assert len(tenant(url)["receipts"]) == 1


def test_revoked_tokens_are_renewed_transparently(url: str, qad: QadConnector, xref: CrossReference,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="edi_assets")
    qad.outbound(None, xref=xref)
    faults(url, {"kind": "revoke_tokens", "path": f"{API}/*", "times": 1})
    assert not qad.post(steel_invoice(), partner="steelco", xref=xref).existed
    assert len(tenant(url)["supplier_invoices"]) == 1
    assert "refresh grant refused" in caplog.text  # revoked with the access token: a full re-login


def test_a_token_expired_on_the_server_mid_run_is_renewed(url: str, qad: QadConnector, xref: CrossReference,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="edi_assets")
    qad.outbound(None, xref=xref)
    advance(url, 3700)  # past the simulator's token lifetime; our clock still thinks the token is fresh
    assert not qad.post(steel_invoice(), partner="steelco", xref=xref).existed
    assert "renewing the token" in caplog.text


def test_a_wrong_password_is_an_authentication_error(connect: Callable[..., QadConnector],
                                                     xref: CrossReference) -> None:
    qad = connect(**{"qad.password": "not-the-password-42"})
    with pytest.raises(AuthenticationError, match="Bad credentials"):
        qad.outbound(None, xref=xref)


def test_no_demo_secret_appears_in_logs_or_errors(url: str, connect: Callable[..., QadConnector],
                                                  xref: CrossReference, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    good = connect()
    good.outbound(None, xref=xref)
    advance(url, 3700)
    good.post(steel_invoice(), partner="steelco", xref=xref)  # the refresh grant, its token in the URL
    with pytest.raises(AuthenticationError) as caught:
        connect(**{"qad.client_id": "qad-unknown-client"}).outbound(None, xref=xref)
    assert any("oauth/token" in record.getMessage() for record in caplog.records)
    texts = [caplog.text, str(caught.value), repr(caught.value)]
    for secret in (USER["password"], TENANT["client_id"], "qad-unknown-client"):
        assert all(secret not in text for text in texts), secret
