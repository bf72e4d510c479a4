"""End to end: the simulator's Web Connector drives the product's SOAP endpoint, and QuickBooks' company file shows it.

Our service runs on a free 127.0.0.1 port; the simulator's company ``cedar`` has its application (the .qwc AppURL)
pointed at it through the scenario. A test posts canonical documents through :class:`QuickBooksConnector`
(which only enqueues), triggers a Web Connector session with the simulator's ``POST /_sim/run`` and reads the
company file from ``/_sim/state``. Faults are the simulator's settings: QuickBooks closed (``open: false``) and
qbXML error statuses (``qbxml_faults``).
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.responses import PlainTextResponse

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.erp import ErpConnector
from edi_assets.connectors.quickbooks import QuickBooksConnector, outcomes
from edi_assets.connectors.quickbooks.queue import WorkQueue
from edi_assets.connectors.quickbooks.service import Endpoint, QbwcService, create_app
from edi_assets.customers import Customer, CustomersFile
from edi_assets.documents import (
    Invoice,
    InvoiceLine,
    ItemId,
    PurchaseOrder,
    PurchaseOrderLine,
    ShipNotice,
    ShipOrder,
    ShippedItem,
    Terms,
)
from simulators.core.scenario import load_scenario
from simulators.core.server import start
from simulators.quickbooks import create_app as create_simulator
from simulators.quickbooks import demo_credentials
from tests.connectors.conftest import demo_xref, reset_simulator, simulator_state

SCENARIO = load_scenario("demo")
LOGIN = next(c for c in demo_credentials(SCENARIO) if c.tenant == "cedar")
CREDENTIALS = {"quickbooks.username": LOGIN.username, "quickbooks.password": LOGIN.secret}
HAMMER = [ItemId(qualifier="BP", value="HAMMER-16")]
SCREWS = [ItemId(qualifier="BP", value="SCREW-W8")]
HTTP = httpx.Client(timeout=60)


class Product:
    """Our service, one per test, behind one server for the module; ``lose_answers`` drops that many
    receiveResponseXML calls on the wire before the service sees them."""

    def __init__(self) -> None:
        self.app: Any = None
        self.lose_answers = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.lose_answers and b"receiveResponseXML" in dict(scope["headers"]).get(
                b"soapaction", b""):
            self.lose_answers -= 1
            await PlainTextResponse("connection reset", 502)(scope, receive, send)
            return
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Product, str, str]]:
    """(our service's holder, its URL, the simulator's URL); the simulator's cedar application points at us."""
    product = Product()
    ours = start(product)
    scenario = copy.deepcopy(SCENARIO)
    scenario["quickbooks"]["companies"][0]["app_url"] = f"{ours.url}/qbwc"
    simulator = start(create_simulator(scenario))
    yield product, ours.url, simulator.url
    simulator.stop()
    ours.stop()
    HTTP.close()


@pytest.fixture
def cedar(demo_customers: CustomersFile) -> Customer:
    return demo_customers.get("cedar")


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[WorkQueue]:
    opened = WorkQueue("cedar", tmp_path / "cedar.sqlite")
    yield opened
    opened.close()


@pytest.fixture
def sim(servers: tuple[Product, str, str], cedar: Customer, queue: WorkQueue) -> str:
    """The simulator, reset to the demo scenario, driving a fresh service over this test's queue."""
    product, _, url = servers
    product.app = create_app(QbwcService([Endpoint(cedar, lambda name: SecretStr(CREDENTIALS[name]), queue)]))
    product.lose_answers = 0
    reset_simulator(url)
    return url


@pytest.fixture
def connector(cedar: Customer, queue: WorkQueue) -> QuickBooksConnector:
    return QuickBooksConnector(cedar, queue=queue)


@pytest.fixture(scope="module")
def xref() -> CrossReference:
    return demo_xref("cedar")


def run_session(sim: str) -> dict[str, Any]:
    response = HTTP.post(f"{sim}/_sim/run", json={"company": "cedar"})
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()["sessions"][0]
    return session


def transactions(sim: str, kind: str) -> list[dict[str, Any]]:
    return [t for t in simulator_state(sim)["companies"]["cedar"]["transactions"] if t["kind"] == kind]


def name(ref: dict[str, str] | None) -> str | None:
    return ref["full_name"] if ref else None


def invoice(number: str = "INV-77") -> Invoice:
    return Invoice(
        invoice_number=number, invoice_date=dt.date(2026, 11, 20), po_number="2001", terms=[Terms(net_days=30)],
        total_amount=Decimal("292.00"),
        lines=[InvoiceLine(line_number="1", quantity=Decimal(24), unit_price=Decimal("11.75"), item_ids=HAMMER,
                           description="Claw hammer 16oz"),
               InvoiceLine(line_number="2", quantity=Decimal(2), unit_price=Decimal("5"), description="Work gloves",
                           item_ids=[ItemId(qualifier="VP", value="TM-GLV")])])


def order(number: str = "2002") -> PurchaseOrder:
    return PurchaseOrder(po_number=number, po_date=dt.date(2026, 11, 21),
                         lines=[PurchaseOrderLine(quantity=Decimal(10), unit_price=Decimal("11.75"), item_ids=HAMMER),
                                PurchaseOrderLine(quantity=Decimal(800), unit_price=Decimal("0.03"), item_ids=SCREWS)])


def notice(shipment: str, po: str, hammers: int, screws: int) -> ShipNotice:
    return ShipNotice(shipment_id=shipment, ship_notice_date=dt.date(2026, 11, 22), orders=[ShipOrder(po_number=po)],
                      items=[ShippedItem(quantity=Decimal(hammers), item_ids=HAMMER),
                             ShippedItem(quantity=Decimal(screws), item_ids=SCREWS)])


# -- posting each document --------------------------------------------------------------------------------


def test_the_connector_is_an_erp_connector(connector: QuickBooksConnector) -> None:
    as_protocol: ErpConnector = connector
    assert as_protocol.kind == "quickbooks"


def test_posting_only_queues_until_the_web_connector_comes(sim: str, connector: QuickBooksConnector,
                                                           xref: CrossReference) -> None:
    posting = connector.post(invoice(), partner="toolmart", xref=xref)

    assert (posting.queued, posting.record_kind, posting.record_id) == (True, "Bill", "toolmart/Bill/INV-77")
    assert transactions(sim, "Bill") == []
    assert connector.find(invoice(), partner="toolmart", xref=xref) is None


def test_an_invoice_becomes_a_bill_in_the_company_file(sim: str, connector: QuickBooksConnector,
                                                       xref: CrossReference) -> None:
    connector.post(invoice(), partner="toolmart", xref=xref)

    session = run_session(sim)

    assert (session["outcome"], session["detail"]) == ("done", "")
    [bill] = transactions(sim, "Bill")
    assert (name(bill["vendor"]), name(bill["ap_account"]), bill["ref_number"], bill["txn_date"], bill["due_date"]) \
        == ("Toolmart Supply", "2000 Accounts Payable", "INV-77", "2026-11-20", "2026-12-20")
    assert [(name(li["item"]), li["quantity"], li["amount"], name(li["class_ref"])) for li in bill["item_lines"]] == [
        ("HAMMER-16", "24", "282.00", "Retail")]
    assert [(name(li["account"]), li["amount"], name(li["class_ref"])) for li in bill["expense_lines"]] == [
        ("6100 Inventory Purchases", "10.00", "Retail")]
    found = connector.find(invoice(), partner="toolmart", xref=xref)
    assert found is not None
    assert (found.record_kind, found.record_id, found.existed) == ("Bill", bill["txn_id"], True)


def test_a_second_post_after_the_bill_exists_creates_nothing(sim: str, connector: QuickBooksConnector,
                                                             xref: CrossReference) -> None:
    connector.post(invoice(), partner="toolmart", xref=xref)
    run_session(sim)

    again = connector.post(invoice(), partner="toolmart", xref=xref)
    session = run_session(sim)

    assert (again.existed, again.queued) == (True, False)
    assert session["outcome"] == "none"  # nothing to do: authenticate said so
    assert len(transactions(sim, "Bill")) == 1


def test_a_purchase_order_becomes_a_purchase_order_in_the_company_file(sim: str, connector: QuickBooksConnector,
                                                                       xref: CrossReference) -> None:
    connector.post(order(), partner="toolmart", xref=xref)

    run_session(sim)

    [po] = [t for t in transactions(sim, "PurchaseOrder") if t["ref_number"] == "2002"]
    assert (name(po["vendor"]), po["txn_date"], name(po["class_ref"])) == ("Toolmart Supply", "2026-11-21", "Retail")
    assert [(name(li["item"]), li["quantity"], li["price"]) for li in po["item_lines"]] == [
        ("HAMMER-16", "10", "11.75"), ("SCREW-W8", "800", "0.03")]


def test_a_ship_notice_becomes_an_item_receipt_linked_to_the_open_purchase_order(
        sim: str, connector: QuickBooksConnector, xref: CrossReference) -> None:
    connector.post(notice("SH-1", "2001", 24, 5000), partner="toolmart", xref=xref)

    run_session(sim)

    [po] = [t for t in transactions(sim, "PurchaseOrder") if t["ref_number"] == "2001"]
    [receipt] = transactions(sim, "ItemReceipt")
    assert receipt["ref_number"] == "SH-1"
    assert receipt["linked"] == [po["txn_id"]]
    assert [(name(li["item"]), li["quantity"], li["link"][0]) for li in receipt["item_lines"]] == [
        ("HAMMER-16", "24", po["txn_id"]), ("SCREW-W8", "5000", po["txn_id"])]
    assert [li["received"] for li in po["item_lines"]] == ["24", "5000"]


def test_a_partial_shipment_receives_only_what_was_shipped(sim: str, connector: QuickBooksConnector,
                                                           xref: CrossReference) -> None:
    connector.post(notice("SH-1", "2001", 10, 0), partner="toolmart", xref=xref)

    run_session(sim)

    [po] = [t for t in transactions(sim, "PurchaseOrder") if t["ref_number"] == "2001"]
    [receipt] = transactions(sim, "ItemReceipt")
    assert [(name(li["item"]), li["quantity"]) for li in receipt["item_lines"]] == [("HAMMER-16", "10")]
    assert [li["received"] for li in po["item_lines"]] == ["10", "0"]


def test_a_receipt_for_a_purchase_order_posted_just_before_it_is_linked_to_it(
        sim: str, connector: QuickBooksConnector, xref: CrossReference) -> None:
    connector.post(order("2002"), partner="toolmart", xref=xref)
    connector.post(notice("SH-2", "2002", 10, 800), partner="toolmart", xref=xref)

    run_session(sim)

    [po] = [t for t in transactions(sim, "PurchaseOrder") if t["ref_number"] == "2002"]
    [receipt] = transactions(sim, "ItemReceipt")
    assert receipt["linked"] == [po["txn_id"]]
    assert [li["received"] for li in po["item_lines"]] == ["10", "800"]


def test_a_document_quickbooks_refuses_comes_back_failed_with_its_status(
        sim: str, connector: QuickBooksConnector, xref: CrossReference) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    HTTP.post(f"{sim}/_sim/settings", json={"closing_date": "2026-12-31"}).raise_for_status()
    connector.post(invoice(), partner="toolmart", xref=xref)

    run_session(sim)

    [failed] = connector.outcomes(since)
    assert (failed.key, failed.state, failed.status_code) == ("toolmart/Bill/INV-77", "failed", 3180)
    assert "closing date" in (failed.status_message or "")
    assert connector.find(invoice(), partner="toolmart", xref=xref) is None


def test_the_pipeline_reads_finished_outcomes_from_the_queue_file(sim: str, connector: QuickBooksConnector,
                                                                  queue: WorkQueue, xref: CrossReference) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    connector.post(invoice(), partner="toolmart", xref=xref)
    connector.post(order(), partner="toolmart", xref=xref)

    run_session(sim)

    finished = outcomes("cedar", since, path=queue.path)
    assert [(o.record_kind, o.ref_number, o.state) for o in finished] == [
        ("Bill", "INV-77", "done"), ("PurchaseOrder", "2002", "done")]
    assert {o.txn_id for o in finished} == {t["txn_id"] for t in transactions(sim, "Bill")} | {
        t["txn_id"] for t in transactions(sim, "PurchaseOrder") if t["ref_number"] == "2002"}


# -- QuickBooks away, faults ------------------------------------------------------------------------------


def test_while_quickbooks_is_closed_the_queue_waits_then_drains_when_it_opens(
        sim: str, connector: QuickBooksConnector, queue: WorkQueue, xref: CrossReference) -> None:
    HTTP.post(f"{sim}/_sim/settings", json={"open": False}).raise_for_status()
    connector.post(invoice(), partner="toolmart", xref=xref)

    closed = run_session(sim)

    assert closed["outcome"] == "connection_error"
    assert [c["method"] for c in closed["calls"]][-2:] == ["connectionError", "closeConnection"]
    assert transactions(sim, "Bill") == []
    assert [i.state for i in queue.items()] == ["pending"]

    HTTP.post(f"{sim}/_sim/settings", json={"open": True}).raise_for_status()
    opened = run_session(sim)

    assert opened["outcome"] == "done"
    assert [t["ref_number"] for t in transactions(sim, "Bill")] == ["INV-77"]


def test_a_stale_edit_sequence_on_the_first_attempt_is_retried(sim: str, connector: QuickBooksConnector,
                                                               queue: WorkQueue, xref: CrossReference) -> None:
    HTTP.post(f"{sim}/_sim/settings", json={"qbxml_faults": [
        {"request": "BillAddRq", "status_code": 3200, "times": 1}]}).raise_for_status()
    connector.post(invoice(), partner="toolmart", xref=xref)

    session = run_session(sim)

    assert session["outcome"] == "done"
    assert [t["ref_number"] for t in transactions(sim, "Bill")] == ["INV-77"]
    item = queue.item("toolmart/Bill/INV-77")
    assert item is not None
    assert (item.state, item.retries, item.existed) == ("done", 1, False)


def test_an_answer_lost_on_the_way_back_is_reconciled_not_created_twice(
        servers: tuple[Product, str, str], sim: str, connector: QuickBooksConnector, queue: WorkQueue,
        xref: CrossReference) -> None:
    servers[0].lose_answers = 1
    connector.post(order("2002"), partner="toolmart", xref=xref)  # one request: the PurchaseOrderAdd

    lost = run_session(sim)
    assert lost["outcome"] == "error"
    assert [t["ref_number"] for t in transactions(sim, "PurchaseOrder")] == ["2001", "2002"]  # QuickBooks saved it
    assert [i.state for i in queue.items()] == ["sent"]

    again = run_session(sim)

    assert again["outcome"] == "done"
    assert [t["ref_number"] for t in transactions(sim, "PurchaseOrder")] == ["2001", "2002"]
    po = transactions(sim, "PurchaseOrder")[1]
    item = queue.item("toolmart/PurchaseOrder/2002")
    assert item is not None
    assert (item.state, item.txn_id, item.existed) == ("done", po["txn_id"], True)


def test_the_products_own_qwc_installs_into_the_web_connector(servers: tuple[Product, str, str], sim: str,
                                                               connector: QuickBooksConnector,
                                                               xref: CrossReference) -> None:
    qwc = HTTP.get(f"{servers[1]}/qwc/cedar")
    installed = HTTP.post(f"{sim}/_sim/qwc", params={"company": "cedar"}, content=qwc.content)
    HTTP.post(f"{sim}/_sim/qwc/password", json={"company": "cedar", "password": LOGIN.secret}).raise_for_status()
    connector.post(invoice(), partner="toolmart", xref=xref)

    session = run_session(sim)

    assert installed.status_code == 200, installed.text
    assert installed.json()["qwc"]["app_url"] == f"{servers[1]}/qbwc"
    assert session["outcome"] == "done"
    assert len(transactions(sim, "Bill")) == 1


def test_no_password_reaches_the_log_during_a_session(sim: str, connector: QuickBooksConnector,
                                                      xref: CrossReference, caplog: pytest.LogCaptureFixture) -> None:
    connector.post(invoice(), partner="toolmart", xref=xref)

    with caplog.at_level(logging.DEBUG):
        session = run_session(sim)

    assert session["outcome"] == "done"
    assert LOGIN.secret not in caplog.text
