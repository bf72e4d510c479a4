"""The match in the pipeline: 810s checked against the ledger's records before they are posted, held with code
``match`` when they disagree, let through by an audited approval, matched again on replay."""

from __future__ import annotations

from collections.abc import Callable

from edi_assets.cli import main as edi
from edi_assets.ledger import Ledger
from edi_assets.pipeline.inbound import PostingReport, post_documents
from edi_assets.pipeline.replay import replay
from edi_assets.pipeline.runtime import CustomerRuntime
from tests.matching.builders import PLATE, acknowledgment, invoice, purchase_order, ship_notice
from tests.matching.conftest import Books, ErpWithPurchaseOrders, RecordingErp, acme_runtime

Post = Callable[[], PostingReport]


def shipped(books: Books) -> None:
    books.sent(purchase_order())
    books.received("856", ship_notice(("1", "10-1000", "40"), ("2", "10-2000", "500")))


def steps(ledger: Ledger, document_id: int) -> list[str]:
    return [a.step for a in ledger.trail("document", document_id)]


def match_audit(ledger: Ledger, document_id: int) -> dict[str, object]:
    rows = [a for a in ledger.trail("document", document_id) if a.step.startswith("match.")]
    assert rows, steps(ledger, document_id)
    return dict(rows[-1].detail)


# -- passing and holding ----------------------------------------------------------------------------------------


def test_an_invoice_that_matches_is_posted_and_the_match_is_audited(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    shipped(books)
    bill = books.received("810", invoice(("1", "10-1000", "40", "125.50")), state="received")
    post()
    assert erp.invoices == ["INV000001"]
    assert ledger.get_document(bill).state == "posted"
    detail = match_audit(ledger, bill)
    assert detail["basis"] == "850"
    assert steps(ledger, bill).index("match.passed") < steps(ledger, bill).index("posting.intent")


def test_a_mismatched_invoice_is_held_with_code_match_and_never_reaches_the_erp(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    shipped(books)
    bill = books.received("810", invoice(("1", "10-1000", "40", "125.52")), state="received")
    report = post()
    assert erp.posted == []
    [hold] = ledger.holds("acme")
    assert (hold.code, hold.subject_id) == ("match", bill)
    assert "PO PO10001" in hold.reason
    assert "line 1 (item 10-1000): unit price 125.52 exceeds 125.51" in hold.reason
    assert report.held[0]["reason"] == hold.reason
    assert ledger.posting(bill) is None  # no intent: nothing was attempted
    assert match_audit(ledger, bill)["mismatches"] == [{
        "rule": "price", "line": "1", "expected": "<= 125.51", "actual": "125.52", "message":
        "line 1 (item 10-1000): unit price 125.52 exceeds 125.51 (PO price 125.50 + tolerance 0.01)"}]


def test_only_invoices_are_matched(books: Books, post: Post, erp: RecordingErp) -> None:
    books.sent(purchase_order())
    books.received("856", ship_notice(("1", "10-1000", "999")), state="received")  # more than ordered
    post()
    assert [d.shipment_id for d in erp.posted] == ["SH000001"]


# -- overrides ----------------------------------------------------------------------------------------------------


def test_an_approved_hold_lets_the_invoice_through_on_the_next_run_and_the_approval_is_audited(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    shipped(books)
    bill = books.received("810", invoice(("1", "10-1000", "40", "130.00")), state="received")
    post()
    [hold] = ledger.holds("acme")
    assert edi(["holds", "approve", str(hold.id), "--by", "dana", "--note", "price agreed by phone",
                "--ledger-url", ledger.url]) == 0
    post()
    assert erp.invoices == ["INV000001"]
    assert ledger.get_document(bill).state == "posted"
    approval = next(a for a in ledger.trail("document", bill) if a.step == "hold.approved")
    assert (approval.actor, approval.detail["note"]) == ("dana", "price agreed by phone")
    assert steps(ledger, bill).count("match.failed") == 1  # approved: not matched again


def test_an_approval_covers_only_the_invoice_it_was_given_for(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    shipped(books)
    first = books.received("810", invoice(("1", "10-1000", "40", "130.00")), state="received")
    post()
    ledger.resolve_hold(ledger.holds("acme")[0].id, state="approved", by="dana")
    ledger.set_document_state(first, "received")
    second = books.received("810", invoice(("2", "10-2000", "500", "0.50"), number="INV000002"), state="received")
    post()
    assert erp.invoices == ["INV000001"]
    assert [h.subject_id for h in ledger.holds("acme")] == [second]


def test_a_replay_matches_again_and_passes_once_the_shipment_arrived(
        books: Books, rt: CustomerRuntime, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    books.sent(purchase_order())
    books.received("856", ship_notice(("2", "10-2000", "500")))  # steelco sends 856s, not yet for line 1
    bill = books.received("810", invoice(("1", "10-1000", "40", "125.50")), state="received")
    post()
    assert "invoiced 40 exceeds 0 shipped" in ledger.holds("acme")[0].reason
    books.received("856", ship_notice(("1", "10-1000", "40"), shipment="SH000002"))
    replay(rt, [bill], by="dana")
    assert erp.invoices == ["INV000001"]
    assert steps(ledger, bill).count("match.failed") == 1
    assert steps(ledger, bill).count("match.passed") == 1


# -- second invoices ------------------------------------------------------------------------------------------


def test_a_second_invoice_for_lines_already_posted_is_held(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    shipped(books)
    books.received("810", invoice(("1", "10-1000", "40", "125.50")), state="received")
    post()
    second = books.received("810", invoice(("1", "10-1000", "40", "125.50"), number="INV000002"),
                            state="received")
    post()
    assert erp.invoices == ["INV000001"]
    [hold] = ledger.holds("acme")
    assert hold.subject_id == second
    assert "already invoiced in full by INV000001" in hold.reason


def test_of_two_new_invoices_for_the_same_lines_the_first_is_posted_and_the_second_held(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    shipped(books)
    books.received("810", invoice(("1", "10-1000", "40", "125.50")), state="received")
    second = books.received("810", invoice(("1", "10-1000", "40", "125.50"), number="INV000002"),
                            state="received")
    post()
    assert erp.invoices == ["INV000001"]
    assert [h.subject_id for h in ledger.holds("acme")] == [second]


def test_the_same_invoice_number_in_a_new_interchange_is_held(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    shipped(books)
    books.received("810", invoice(("2", "10-2000", "250", "0.42")), state="received")
    post()
    again = books.received("810", invoice(("2", "10-2000", "250", "0.42")), state="received")
    post()
    assert erp.invoices == ["INV000001"]
    assert "invoice INV000001 for PO PO10001 was received before" in ledger.holds("acme")[0].reason
    assert ledger.holds("acme")[0].subject_id == again


def test_a_held_invoice_does_not_count_against_the_po(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    shipped(books)
    books.received("810", invoice(("1", "10-1000", "40", "130.00")), state="received")  # held: price
    books.received("810", invoice(("1", "10-1000", "40", "125.50"), number="INV000002"), state="received")
    post()
    assert erp.invoices == ["INV000002"]


def test_a_duplicate_interchanges_856_does_not_count_twice(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    books.sent(purchase_order())
    file_a, _ = ledger.file_seen(customer="acme", partner="steelco", folder="/steelco/inbound", cleo_file_id="a",
                                 name="a.edi", content=b"a")
    file_b, _ = ledger.file_seen(customer="acme", partner="steelco", folder="/steelco/inbound", cleo_file_id="b",
                                 name="b.edi", content=b"b")
    first, _ = ledger.interchange_seen(customer="acme", partner="steelco", file_id=file_a.id, sender="ZZ:STEELCO",
                                       control_number="000000007")
    copy, duplicate_of = ledger.interchange_seen(customer="acme", partner="steelco", file_id=file_b.id,
                                                 sender="ZZ:STEELCO", control_number="000000007")
    assert duplicate_of == first
    notice = ship_notice(("1", "10-1000", "20"))
    books.received("856", notice, interchange_id=first)
    books.received("856", notice, interchange_id=copy, state="held")
    books.received("810", invoice(("1", "10-1000", "40", "125.50")), state="received")
    post()
    assert "invoiced 40 exceeds 20 shipped" in ledger.holds("acme")[0].reason


# -- where the PO did not go through us -------------------------------------------------------------------------


def test_without_an_850_the_erps_purchase_order_is_matched_when_the_connector_can_read_it(ledger: Ledger,
                                                                                          books: Books) -> None:
    erp = ErpWithPurchaseOrders({"PO10001": purchase_order(PLATE)})
    books.received("856", ship_notice(("1", "10-1000", "40")))
    bill = books.received("810", invoice(("1", "10-1000", "40", "125.52")), state="received")
    post_documents(acme_runtime(ledger, erp))
    assert erp.asked == ["PO10001"]
    assert "(matched against the ERP's purchase order (no 850 in the ledger))" in ledger.holds("acme")[0].reason
    assert match_audit(ledger, bill)["basis"] == "erp"


def test_an_invoice_for_a_po_the_erp_does_not_have_is_held(ledger: Ledger, books: Books) -> None:
    erp = ErpWithPurchaseOrders({})
    books.received("810", invoice(("1", "10-1000", "40", "125.50"), po="PO99999"), state="received")
    post_documents(acme_runtime(ledger, erp))
    assert erp.posted == []
    assert "PO PO99999 is neither in the ledger (no 850 sent) nor in the ERP" in ledger.holds("acme")[0].reason


def test_without_an_850_and_an_erp_that_cannot_tell_the_855_is_matched_and_the_audit_says_so(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    books.received("855", acknowledgment(("1", "10-1000", "40", "125.50", "IQ", "30")))
    books.received("856", ship_notice(("1", "10-1000", "30")))
    bill = books.received("810", invoice(("1", "10-1000", "30", "125.50")), state="received")
    post()
    assert erp.invoices == ["INV000001"]
    detail = match_audit(ledger, bill)
    assert detail["basis"] == "855"
    assert any("the qad connector cannot read purchase orders" in n for n in detail["notes"])
    assert any("855 and 856s only" in n for n in detail["notes"])


def test_an_invoice_for_a_po_nobody_knows_is_posted_unmatched_and_the_audit_says_why(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    bill = books.received("810", invoice(("1", "10-1000", "40", "125.50"), po="PO77777"), state="received")
    post()
    assert erp.invoices == ["INV000001"]
    assert any("nothing to match against, not matched" in n
               for n in match_audit(ledger, bill)["notes"])


def test_an_invoice_without_a_po_number_is_posted_unmatched(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    bill = books.received("810", invoice(("1", "10-1000", "1", "950.00"), po=None), state="received")
    post()
    assert erp.invoices == ["INV000001"]
    assert match_audit(ledger, bill)["notes"] == ["the invoice names no PO: not matched"]


def test_an_invoice_for_a_po_sent_to_another_partner_is_held(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    books.sent(purchase_order(), partner="packright")
    books.received("810", invoice(("1", "10-1000", "40", "125.50")), state="received")
    post()
    assert "PO PO10001 was sent to packright, not to steelco" in ledger.holds("acme")[0].reason


# -- the 850 as last sent ---------------------------------------------------------------------------------------


def test_the_newest_revision_of_the_850_that_reached_the_partner_is_the_po(
        books: Books, post: Post, erp: RecordingErp, ledger: Ledger) -> None:
    books.sent(purchase_order(("1", "10-1000", "40", "125.50")), revision="1")
    books.sent(purchase_order(("1", "10-1000", "40", "130.00")), revision="2")
    books.sent(purchase_order(("1", "10-1000", "40", "140.00")), revision="3", state="pending")  # not sent yet
    books.received("856", ship_notice(("1", "10-1000", "40")))
    books.received("810", invoice(("1", "10-1000", "40", "130.00")), state="received")
    books.received("810", invoice(("1", "10-1000", "0", "140.00"), number="INV000002"), state="received")
    post()
    assert erp.invoices == ["INV000001"]
    assert "unit price 140.00 exceeds 130.01" in ledger.holds("acme")[0].reason
