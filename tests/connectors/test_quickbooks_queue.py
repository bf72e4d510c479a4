"""The QuickBooks work queue: order, batches that fit the time budget, answers matched, 3200 retried, restarts
survived, nothing lost and nothing created twice.

QuickBooks here is the simulator's company file and request processor run in-process (no Web Connector, no
HTTP): each batch the queue hands out is executed against the demo company file and the answer recorded, as the
SOAP service does. The company has vendors Toolmart Supply and FastenPro, items HAMMER-16 and SCREW-W8 and an
open purchase order 2001 of Toolmart.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from edi_assets.connectors.crossref import CrossReference, Resolution
from edi_assets.connectors.quickbooks import mapping, qbxml
from edi_assets.connectors.quickbooks.queue import Batch, QueueSettings, WorkQueue, default_path
from edi_assets.documents import Invoice, InvoiceLine, ItemId, PurchaseOrder, PurchaseOrderLine, ShipNotice, ShipOrder
from simulators.core.clock import Clock
from simulators.core.scenario import load_scenario
from simulators.quickbooks.company import CompanyFile
from simulators.quickbooks.executor import QbXmlExecutor
from simulators.quickbooks.seed import company_file
from simulators.quickbooks.settings import QuickBooksSettings
from tests.connectors.conftest import demo_xref

AP = "2000 Accounts Payable"
HAMMER = [ItemId(qualifier="BP", value="HAMMER-16")]


class QuickBooks:
    """The demo company file and QuickBooks' request processor, in process."""

    def __init__(self, **settings: Any) -> None:
        scenario = load_scenario("demo")["quickbooks"]
        self.settings = QuickBooksSettings.model_validate((scenario.get("settings") or {}) | settings)
        self.company: CompanyFile = company_file(Clock(), scenario["companies"][0], self.settings)
        self.executor = QbXmlExecutor(self.company, self.settings)
        self.seen: list[str] = []

    def run(self, text: str) -> str:
        self.seen.append(text)
        return self.executor.execute(text)

    def records(self, kind: str) -> list[str]:
        return [t.ref_number or "" for t in self.company.txns.values() if t.kind == kind]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def xref() -> CrossReference:
    return demo_xref("cedar")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(tmp_path: Path, clock: FakeClock) -> Iterator[WorkQueue]:
    opened = WorkQueue("cedar", tmp_path / "queue.sqlite", QueueSettings(learn=False), clock=clock)
    yield opened
    opened.close()


def bill(xref: CrossReference, number: str, *, items: bool = False, partner: str = "toolmart") -> mapping.Plan:
    line = InvoiceLine(quantity=Decimal(2), unit_price=Decimal("11.75"),
                       item_ids=HAMMER if items else [ItemId(qualifier="VP", value="TM-X")])
    doc = Invoice(invoice_number=number, invoice_date=dt.date(2026, 11, 20), total_amount=Decimal("23.50"),
                  lines=[line])
    return mapping.bill_plan(doc, Resolution(xref, partner), ap_account=AP)


def order(xref: CrossReference, number: str, partner: str = "toolmart") -> mapping.Plan:
    doc = PurchaseOrder(po_number=number, po_date=dt.date(2026, 11, 21),
                        lines=[PurchaseOrderLine(quantity=Decimal(10), unit_price=Decimal("11.75"), item_ids=HAMMER)])
    return mapping.purchase_order_plan(doc, Resolution(xref, partner))


def receipt(xref: CrossReference, shipment: str, po: str) -> mapping.Plan:
    doc = ShipNotice(shipment_id=shipment, ship_notice_date=dt.date(2026, 11, 22), orders=[ShipOrder(po_number=po)])
    return mapping.item_receipt_plan(doc, Resolution(xref, "toolmart"), ap_account=AP)


def requests(batch: Batch) -> list[tuple[str, str]]:
    """(request type, the number it is about) per request of a batch."""
    root = ET.fromstring(batch.qbxml.split("?>", 2)[2])
    out = []
    for rq in root.iter():
        if rq.tag.endswith("Rq") and rq.tag != "QBXMLMsgsRq":
            number = rq.findtext("*/RefNumber") or rq.findtext("RefNumber") or rq.findtext("FullName") or ""
            out.append((rq.tag.removesuffix("Rq"), number))
    return out


def answer(queue: WorkQueue, session: str, batch: Batch, qb: QuickBooks) -> int:
    return queue.record(session, qb.run(batch.qbxml))


def drain(queue: WorkQueue, qb: QuickBooks) -> list[Batch]:
    """One Web Connector session: batches until the queue says 100."""
    session = queue.begin_session()
    batches = []
    while (batch := queue.next_batch(session)) is not None:
        batches.append(batch)
        if answer(queue, session, batch, qb) == 100:
            break
    queue.end_session(session)
    return batches


# -- enqueueing -------------------------------------------------------------------------------------------


def test_enqueueing_a_document_key_twice_queues_it_once(queue: WorkQueue, xref: CrossReference) -> None:
    first = queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    again = queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))

    assert again == first
    assert [item.key for item in queue.items()] == ["toolmart/Bill/INV-1"]


def test_a_document_already_done_is_returned_done_when_enqueued_again(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    drain(queue, QuickBooks())

    again = queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))

    assert again.state == "done"
    assert again.txn_id is not None


def test_a_failed_document_enqueued_again_is_replayed_at_the_end_of_the_queue(
        queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/ItemReceipt/SH-9", receipt(xref, "SH-9", "7777"))  # no such PO: fails
    qb = QuickBooks()
    drain(queue, qb)
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))

    replay = queue.enqueue("toolmart/ItemReceipt/SH-9", receipt(xref, "SH-9", "2001"))

    assert (replay.state, replay.status_message) == ("pending", None)
    assert [item.key for item in queue.items()] == ["toolmart/Bill/INV-1", "toolmart/ItemReceipt/SH-9"]


def test_the_queue_lives_under_dagster_home_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))

    assert default_path("cedar") == tmp_path / "quickbooks" / "cedar.sqlite"


def test_the_queue_file_is_written_ahead_and_synced_fully(queue: WorkQueue) -> None:
    with sqlite3.connect(queue.path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert queue._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


# -- order and batches ------------------------------------------------------------------------------------


def test_work_is_handed_out_in_the_order_it_was_enqueued(queue: WorkQueue, xref: CrossReference) -> None:
    for number in ("INV-3", "INV-1", "INV-2"):
        queue.enqueue(f"toolmart/Bill/{number}", bill(xref, number))

    batch = queue.next_batch(queue.begin_session())

    assert batch is not None
    assert requests(batch) == [("BillAdd", "INV-3"), ("BillAdd", "INV-1"), ("BillAdd", "INV-2")]
    assert batch.request_ids == ["1-1", "2-1", "3-1"]


def test_no_document_is_created_before_an_earlier_one_still_asking_quickbooks(
        queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1", items=True))  # asks which items exist first
    queue.enqueue("toolmart/Bill/INV-2", bill(xref, "INV-2"))
    session, qb = queue.begin_session(), QuickBooks()

    first = queue.next_batch(session)
    assert first is not None
    answer(queue, session, first, qb)
    second = queue.next_batch(session)

    assert requests(first) == [("ItemQuery", "HAMMER-16")]
    assert second is not None
    assert requests(second) == [("BillAdd", "INV-1"), ("BillAdd", "INV-2")]
    assert qb.records("Bill") == []
    answer(queue, session, second, qb)
    assert qb.records("Bill") == ["INV-1", "INV-2"]


def test_queries_of_later_documents_run_ahead_in_the_same_batch(queue: WorkQueue, xref: CrossReference) -> None:
    for number in ("INV-1", "INV-2", "INV-3"):
        queue.enqueue(f"toolmart/Bill/{number}", bill(xref, number, items=True))
    session = queue.begin_session()

    first = queue.next_batch(session)
    assert first is not None
    answer(queue, session, first, QuickBooks())

    assert [kind for kind, _ in requests(first)] == ["ItemQuery"] * 3
    second = queue.next_batch(session)
    assert second is not None
    assert requests(second) == [("BillAdd", "INV-1"), ("BillAdd", "INV-2"), ("BillAdd", "INV-3")]


def test_queries_run_ahead_only_as_far_as_the_lookahead(tmp_path: Path, clock: FakeClock,
                                                         xref: CrossReference) -> None:
    queue = WorkQueue("cedar", tmp_path / "q.sqlite", QueueSettings(lookahead=2, learn=False), clock=clock)
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1", items=True))
    queue.enqueue("toolmart/Bill/INV-2", bill(xref, "INV-2"))
    queue.enqueue("toolmart/Bill/INV-3", bill(xref, "INV-3", items=True))

    batch = queue.next_batch(queue.begin_session())

    assert batch is not None
    assert batch.keys == ["toolmart/Bill/INV-1"]  # INV-3's item query is beyond the two items looked at
    queue.close()


def test_a_receipt_waits_for_the_purchase_order_enqueued_before_it(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1", items=True))
    queue.enqueue("toolmart/PurchaseOrder/2002", order(xref, "2002"))
    queue.enqueue("toolmart/ItemReceipt/SH-1", receipt(xref, "SH-1", "2002"))
    qb = QuickBooks()

    batches = drain(queue, qb)

    assert [requests(b) for b in batches] == [
        [("ItemQuery", "HAMMER-16")],
        [("BillAdd", "INV-1"), ("PurchaseOrderAdd", "2002"), ("PurchaseOrderQuery", "2002")],
        [("ItemReceiptAdd", "SH-1")]]
    receipt_item = queue.item("toolmart/ItemReceipt/SH-1")
    assert receipt_item is not None
    assert receipt_item.state == "done"


def test_batches_fit_the_time_budget(tmp_path: Path, clock: FakeClock, xref: CrossReference) -> None:
    settings = QueueSettings(budget_seconds=2.5, seconds_per_weight=1.0, learn=False)
    queue = WorkQueue("cedar", tmp_path / "q.sqlite", settings, clock=clock)
    for number in ("2002", "2003", "2004", "2005", "2006"):
        queue.enqueue(f"toolmart/PurchaseOrder/{number}", order(xref, number))  # weight 1.1 each

    batches = drain(queue, QuickBooks())

    assert [len(b.request_ids) for b in batches] == [2, 2, 1]
    assert all(b.weight * settings.seconds_per_weight <= settings.budget_seconds for b in batches)
    queue.close()


def test_a_request_heavier_than_the_budget_still_goes_alone(tmp_path: Path, clock: FakeClock,
                                                            xref: CrossReference) -> None:
    queue = WorkQueue("cedar", tmp_path / "q.sqlite", QueueSettings(budget_seconds=0.1, learn=False), clock=clock)
    queue.enqueue("toolmart/PurchaseOrder/2002", order(xref, "2002"))
    queue.enqueue("toolmart/PurchaseOrder/2003", order(xref, "2003"))

    assert [len(b.request_ids) for b in drain(queue, QuickBooks())] == [1, 1]
    queue.close()


def test_a_batch_holds_at_most_max_batch_requests(tmp_path: Path, clock: FakeClock, xref: CrossReference) -> None:
    queue = WorkQueue("cedar", tmp_path / "q.sqlite", QueueSettings(max_batch=2, learn=False), clock=clock)
    for number in ("INV-1", "INV-2", "INV-3"):
        queue.enqueue(f"toolmart/Bill/{number}", bill(xref, number))

    assert [len(b.request_ids) for b in drain(queue, QuickBooks())] == [2, 1]
    queue.close()


def test_the_time_per_unit_of_weight_is_learned_from_answered_batches(
        tmp_path: Path, clock: FakeClock, xref: CrossReference) -> None:
    settings = QueueSettings(budget_seconds=3.0, seconds_per_weight=0.1)
    queue = WorkQueue("cedar", tmp_path / "q.sqlite", settings, clock=clock)
    for number in range(2002, 2032):
        queue.enqueue(f"toolmart/PurchaseOrder/{number}", order(xref, str(number)))
    session, qb = queue.begin_session(), QuickBooks()

    first = queue.next_batch(session)
    assert first is not None
    clock.now += 10 * first.weight  # QuickBooks took 10 s per unit of weight, far more than estimated
    answer(queue, session, first, qb)
    second = queue.next_batch(session)

    assert len(first.request_ids) == 27  # 27 x 1.1 x 0.1 s fit 3 s
    assert second is not None
    assert len(second.request_ids) == 1  # now 1.1 x 2.08 s
    assert queue._seconds_per_weight() == pytest.approx(0.8 * 0.1 + 0.2 * 10)
    queue.close()


def test_percent_done_grows_and_is_100_only_when_nothing_is_left(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1", items=True))
    queue.enqueue("toolmart/ItemReceipt/SH-1", receipt(xref, "SH-1", "2001"))
    session, qb, percents = queue.begin_session(), QuickBooks(), []

    while (batch := queue.next_batch(session)) is not None:
        percents.append(answer(queue, session, batch, qb))

    assert percents == [50, 100]


# -- answers ----------------------------------------------------------------------------------------------


def test_each_document_ends_done_with_the_txn_id_quickbooks_gave_it(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    qb = QuickBooks()

    drain(queue, qb)

    item = queue.item("toolmart/Bill/INV-1")
    assert item is not None
    created = next(t for t in qb.company.txns.values() if t.kind == "Bill")
    assert (item.state, item.txn_id, item.edit_sequence, item.existed) == (
        "done", created.txn_id, created.edit_sequence, False)
    assert (item.status_code, item.status_message) == (0, "Status OK")


def test_a_document_quickbooks_refuses_fails_with_its_status_code_and_message(
        queue: WorkQueue, xref: CrossReference) -> None:
    unknown_vendor = CrossReference(customer="cedar", parties={("ghost", "supplier"): "Ghost Tools"},
                                    gl_accounts=dict(xref.gl_accounts) | {"ghost": xref.gl_accounts["toolmart"]})
    queue.enqueue("ghost/Bill/INV-1", bill(unknown_vendor, "INV-1", partner="ghost"))
    queue.enqueue("toolmart/Bill/INV-2", bill(xref, "INV-2"))
    qb = QuickBooks()

    drain(queue, qb)

    failed, done = queue.item("ghost/Bill/INV-1"), queue.item("toolmart/Bill/INV-2")
    assert failed is not None
    assert done is not None
    assert (failed.state, failed.status_code) == ("failed", 3140)
    assert 'QuickBooks Vendor "Ghost Tools"' in (failed.status_message or "")
    assert done.state == "done"  # a bad document never blocks the others


def test_a_document_that_cannot_go_on_fails_with_the_reason(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/ItemReceipt/SH-1", receipt(xref, "SH-1", "7777"))

    drain(queue, QuickBooks())

    item = queue.item("toolmart/ItemReceipt/SH-1")
    assert item is not None
    assert (item.state, item.status_code) == ("failed", None)
    assert item.status_message == ("purchase order 7777 of Toolmart Supply does not exist in QuickBooks: nothing to "
                                   "receive ship notice SH-1 against")


def test_answers_are_matched_by_request_id_not_by_position(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    queue.enqueue("fastenpro/Bill/INV-2", bill(xref, "INV-2", partner="fastenpro"))
    session = queue.begin_session()
    batch = queue.next_batch(session)
    assert batch is not None
    root = ET.fromstring(QuickBooks().run(batch.qbxml).split("?>", 1)[1])
    messages = root[0]
    messages[:] = list(reversed(list(messages)))  # answers in the other order

    queue.record(session, ET.tostring(root, encoding="unicode"))

    first, second = queue.item("toolmart/Bill/INV-1"), queue.item("fastenpro/Bill/INV-2")
    assert first is not None
    assert second is not None
    assert first.txn_id == messages[1].findtext("BillRet/TxnID")
    assert second.txn_id == messages[0].findtext("BillRet/TxnID")


def test_an_answer_to_a_request_not_outstanding_is_ignored(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    session = queue.begin_session()
    stray = ('<QBXML><QBXMLMsgsRs><BillAddRs requestID="99-1" statusCode="0" statusSeverity="Info" '
             'statusMessage="Status OK"><BillRet><TxnID>X-1</TxnID></BillRet></BillAddRs></QBXMLMsgsRs></QBXML>')

    assert queue.record(session, stray) == 1
    item = queue.item("toolmart/Bill/INV-1")
    assert item is not None
    assert item.state == "pending"


def test_outcomes_are_the_items_finished_since_a_moment_in_the_order_they_finished(
        queue: WorkQueue, xref: CrossReference, clock: FakeClock) -> None:
    before = dt.datetime.fromtimestamp(clock.now, dt.UTC)
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    queue.enqueue("toolmart/ItemReceipt/SH-1", receipt(xref, "SH-1", "7777"))
    queue.enqueue("toolmart/Bill/INV-3", bill(xref, "INV-3"))
    qb = QuickBooks()
    session = queue.begin_session()
    first = queue.next_batch(session)
    assert first is not None
    clock.now += 5
    answer(queue, session, first, qb)  # INV-1 done; SH-1 fails: its PO is not there; INV-3 waited behind it
    clock.now += 5
    middle = dt.datetime.fromtimestamp(clock.now, dt.UTC)
    second = queue.next_batch(session)
    assert second is not None
    clock.now += 5
    answer(queue, session, second, qb)

    assert [(o.key, o.state) for o in queue.outcomes(before)] == [
        ("toolmart/Bill/INV-1", "done"), ("toolmart/ItemReceipt/SH-1", "failed"), ("toolmart/Bill/INV-3", "done")]
    assert [o.key for o in queue.outcomes(middle)] == ["toolmart/Bill/INV-3"]


# -- 3200 -------------------------------------------------------------------------------------------------


def test_a_stale_edit_sequence_looks_the_record_up_and_tries_again(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    qb = QuickBooks(qbxml_faults=[{"request": "BillAddRq", "status_code": 3200, "times": 1}])

    batches = drain(queue, qb)

    assert [requests(b) for b in batches] == [
        [("BillAdd", "INV-1")], [("BillQuery", "INV-1")], [("BillAdd", "INV-1")]]
    item = queue.item("toolmart/Bill/INV-1")
    assert item is not None
    assert (item.state, item.retries) == ("done", 1)
    assert qb.records("Bill") == ["INV-1"]


def test_a_stale_edit_sequence_every_time_fails_after_max_retries(tmp_path: Path, clock: FakeClock,
                                                                  xref: CrossReference) -> None:
    queue = WorkQueue("cedar", tmp_path / "q.sqlite", QueueSettings(max_retries=2, learn=False), clock=clock)
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    qb = QuickBooks(qbxml_faults=[{"request": "BillAddRq", "status_code": 3200, "times": 99}])

    drain(queue, qb)

    item = queue.item("toolmart/Bill/INV-1")
    assert item is not None
    assert (item.state, item.status_code, item.retries) == ("failed", 3200, 2)
    assert qb.records("Bill") == []
    queue.close()


# -- nothing lost, nothing twice --------------------------------------------------------------------------


def test_while_the_web_connector_is_away_the_queue_just_waits(queue: WorkQueue, xref: CrossReference,
                                                              clock: FakeClock) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    clock.now += 30 * 24 * 3600

    item = queue.item("toolmart/Bill/INV-1")
    assert item is not None
    assert item.state == "pending"
    assert queue.has_work()
    assert drain(queue, QuickBooks())
    assert not queue.has_work()


def test_after_a_restart_mid_batch_a_create_quickbooks_saved_is_found_not_created_again(
        tmp_path: Path, clock: FakeClock, xref: CrossReference) -> None:
    path = tmp_path / "q.sqlite"
    before = WorkQueue("cedar", path, QueueSettings(learn=False), clock=clock)
    before.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    before.enqueue("toolmart/Bill/INV-2", bill(xref, "INV-2"))
    batch = before.next_batch(before.begin_session())
    assert batch is not None
    qb = QuickBooks()
    qb.run(batch.qbxml)  # QuickBooks saved both bills; the answer never reached us
    before.close()

    after = WorkQueue("cedar", path, QueueSettings(learn=False), clock=clock)
    batches = drain(after, qb)

    assert [requests(b) for b in batches] == [[("BillQuery", "INV-1"), ("BillQuery", "INV-2")]]
    assert qb.records("Bill") == ["INV-1", "INV-2"]
    assert [(i.state, i.existed) for i in after.items()] == [("done", True), ("done", True)]
    after.close()


def test_after_a_restart_mid_batch_a_create_quickbooks_never_ran_is_sent_again(
        tmp_path: Path, clock: FakeClock, xref: CrossReference) -> None:
    path = tmp_path / "q.sqlite"
    before = WorkQueue("cedar", path, QueueSettings(learn=False), clock=clock)
    before.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    assert before.next_batch(before.begin_session()) is not None  # handed out, then the process died
    before.close()
    qb = QuickBooks()

    after = WorkQueue("cedar", path, QueueSettings(learn=False), clock=clock)
    batches = drain(after, qb)

    assert [requests(b) for b in batches] == [[("BillQuery", "INV-1")], [("BillAdd", "INV-1")]]
    assert qb.records("Bill") == ["INV-1"]
    item = after.item("toolmart/Bill/INV-1")
    assert item is not None
    assert (item.state, item.existed) == ("done", False)
    after.close()


def test_a_query_handed_out_and_never_answered_is_simply_asked_again(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/ItemReceipt/SH-1", receipt(xref, "SH-1", "2001"))
    first = queue.next_batch(queue.begin_session())
    assert first is not None

    batches = drain(queue, QuickBooks())

    assert requests(first) == [("PurchaseOrderQuery", "2001")]
    assert [requests(b) for b in batches] == [[("PurchaseOrderQuery", "2001")], [("ItemReceiptAdd", "SH-1")]]


def test_asking_again_without_answering_gives_the_unanswered_batch_back_first(
        queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    session = queue.begin_session()
    assert queue.next_batch(session) is not None

    again = queue.next_batch(session)

    assert again is not None
    assert requests(again) == [("BillQuery", "INV-1")]


def test_requests_missing_from_an_answer_go_again_reconciled(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    queue.enqueue("toolmart/Bill/INV-2", bill(xref, "INV-2"))
    session, qb = queue.begin_session(), QuickBooks()
    batch = queue.next_batch(session)
    assert batch is not None
    root = ET.fromstring(qb.run(batch.qbxml).split("?>", 1)[1])
    root[0].remove(root[0][1])  # the answer about INV-2 is missing

    queue.record(session, ET.tostring(root, encoding="unicode"))
    again = queue.next_batch(session)

    assert again is not None
    assert requests(again) == [("BillQuery", "INV-2")]
    queue.record(session, qb.run(again.qbxml))
    assert qb.records("Bill") == ["INV-1", "INV-2"]
    assert [(i.state, i.existed) for i in queue.items()] == [("done", False), ("done", True)]


def test_an_unreadable_answer_raises_and_leaves_the_batch_to_be_reconciled(
        queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    session = queue.begin_session()
    assert queue.next_batch(session) is not None

    with pytest.raises(qbxml.QbXmlError):
        queue.record(session, "<QBXML><QBXMLMsgsRs>")
    again = queue.next_batch(session)

    assert again is not None
    assert requests(again) == [("BillQuery", "INV-1")]


def test_a_message_set_quickbooks_could_not_parse_is_retried_one_request_at_a_time(
        queue: WorkQueue, xref: CrossReference) -> None:
    for number in ("INV-1", "INV-2"):
        queue.enqueue(f"toolmart/Bill/{number}", bill(xref, number))
    session = queue.begin_session()
    assert queue.next_batch(session) is not None

    queue.refused(session, qbxml.PARSE_HRESULT, "QuickBooks found an error when parsing the provided XML text stream.")
    alone = queue.next_batch(session)
    assert alone is not None
    queue.refused(session, qbxml.PARSE_HRESULT, "QuickBooks found an error when parsing the provided XML text stream.")

    first = queue.item("toolmart/Bill/INV-1")
    assert first is not None
    assert requests(alone) == [("BillAdd", "INV-1")]
    assert first.state == "failed"
    assert first.status_message == ("QuickBooks refused the request: 0x80040400: QuickBooks found an error when "
                                    "parsing the provided XML text stream.")
    rest = queue.next_batch(session)
    assert rest is not None
    assert requests(rest) == [("BillAdd", "INV-2")]


def test_any_other_refusal_gives_the_batch_back_to_be_reconciled(queue: WorkQueue, xref: CrossReference) -> None:
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))
    session = queue.begin_session()
    assert queue.next_batch(session) is not None

    queue.refused(session, "0x80040408", "Could not start QuickBooks.")

    item = queue.item("toolmart/Bill/INV-1")
    assert item is not None
    assert (item.state, item.phase) == ("pending", "reconcile")


def test_a_request_never_answered_again_and_again_finally_fails(tmp_path: Path, clock: FakeClock,
                                                                xref: CrossReference) -> None:
    queue = WorkQueue("cedar", tmp_path / "q.sqlite", QueueSettings(max_unanswered=3, learn=False), clock=clock)
    queue.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))

    for _ in range(3):
        queue.next_batch(queue.begin_session())
    queue.begin_session()

    item = queue.item("toolmart/Bill/INV-1")
    assert item is not None
    assert (item.state, item.status_message) == ("failed", "handed to the Web Connector 3 times without an answer")
    queue.close()


def test_two_queue_objects_on_one_file_share_the_work(tmp_path: Path, clock: FakeClock, xref: CrossReference) -> None:
    pipeline = WorkQueue("cedar", tmp_path / "q.sqlite", clock=clock)
    service = WorkQueue("cedar", tmp_path / "q.sqlite", clock=clock)
    pipeline.enqueue("toolmart/Bill/INV-1", bill(xref, "INV-1"))

    drain(service, QuickBooks())

    item = pipeline.item("toolmart/Bill/INV-1")
    assert item is not None
    assert item.state == "done"
    pipeline.close()
    service.close()
