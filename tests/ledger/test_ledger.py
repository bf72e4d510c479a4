"""The ledger's promises: once per identity, intent before outcome, gapless control numbers, a full trail."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from edi_assets.ledger import Allocated, Ledger, LedgerError
from edi_assets.ledger import schema as s


def seen(ledger: Ledger, cleo_file_id: str = "f1", content: bytes = b"ISA...") -> tuple[Any, bool]:
    return ledger.file_seen(customer="acme", partner="steelco", folder="/steelco/inbound", cleo_file_id=cleo_file_id,
                            name="INV1.x12", content=content)


def doc(ledger: Ledger, key: str = "ZZ:STEELCO/1/1/0001/810", **changes: Any) -> tuple[Any, bool]:
    values: dict[str, Any] = dict(customer="acme", partner="steelco", direction="in", doc_type="810", doc_key=key,
                                  number="INV-1", payload={"invoice_number": "INV-1"}, state="received")
    values.update(changes)
    return ledger.document(**values)


def test_migrating_twice_is_a_no_op(ledger: Ledger) -> None:
    assert ledger.migrate() == s.LATEST


def test_a_file_is_recorded_once_per_cleo_id_and_checksum(ledger: Ledger) -> None:
    first, new = seen(ledger)
    again, new_again = seen(ledger)
    assert (new, new_again, again.id) == (True, False, first.id)


def test_the_same_cleo_file_with_other_bytes_is_a_new_file(ledger: Ledger) -> None:
    seen(ledger)
    _, new = seen(ledger, content=b"ISA other bytes")
    assert new


def test_a_second_interchange_with_the_same_sender_and_isa13_is_flagged_as_duplicate(ledger: Ledger) -> None:
    f1, _ = seen(ledger, "f1")
    f2, _ = seen(ledger, "f2")
    first, dup_of_first = ledger.interchange_seen(customer="acme", partner="steelco", file_id=f1.id,
                                                  sender="ZZ:STEELCO", control_number="000000001")
    _, dup_of_second = ledger.interchange_seen(customer="acme", partner="steelco", file_id=f2.id,
                                               sender="ZZ:STEELCO", control_number="000000001")
    assert (dup_of_first, dup_of_second) == (None, first)


def test_rereading_the_same_file_does_not_make_its_interchange_a_duplicate(ledger: Ledger) -> None:
    f1, _ = seen(ledger)
    ledger.interchange_seen(customer="acme", partner="steelco", file_id=f1.id, sender="ZZ:S", control_number="1")
    _, duplicate_of = ledger.interchange_seen(customer="acme", partner="steelco", file_id=f1.id, sender="ZZ:S",
                                              control_number="1")
    assert duplicate_of is None


def test_a_document_is_recorded_once_per_identity(ledger: Ledger) -> None:
    first, new = doc(ledger)
    again, new_again = doc(ledger, payload={"other": True})
    assert (new, new_again, again.id, again.payload) == (True, False, first.id, {"invoice_number": "INV-1"})


def test_posting_intent_then_outcome_marks_the_document_posted(ledger: Ledger) -> None:
    d, _ = doc(ledger)
    _, reconcile = ledger.posting_intent(d.id, "qad")
    ledger.posting_done(d.id, record_kind="SupplierInvoice", record_id="SI-9")
    assert not reconcile
    assert ledger.get_document(d.id).state == "posted"
    posting = ledger.posting(d.id)
    assert posting is not None
    assert (posting.state, posting.record_id) == ("done", "SI-9")


def test_an_intent_without_outcome_asks_the_next_attempt_to_reconcile(ledger: Ledger) -> None:
    d, _ = doc(ledger)
    ledger.posting_intent(d.id, "qad")  # the process died here
    _, reconcile = ledger.posting_intent(d.id, "qad")
    assert reconcile


def test_an_unknown_outcome_asks_for_reconciliation_but_a_plain_failure_does_not(ledger: Ledger) -> None:
    d1, _ = doc(ledger, key="k1")
    d2, _ = doc(ledger, key="k2")
    ledger.posting_intent(d1.id, "qad")
    ledger.posting_failed(d1.id, "connection dropped", unknown=True)
    ledger.posting_intent(d2.id, "qad")
    ledger.posting_failed(d2.id, "HTTP 503 before sending")
    assert ledger.posting_intent(d1.id, "qad")[1]
    assert not ledger.posting_intent(d2.id, "qad")[1]


def test_a_posted_document_is_not_posted_again(ledger: Ledger) -> None:
    d, _ = doc(ledger)
    ledger.posting_intent(d.id, "qad")
    ledger.posting_done(d.id, record_kind="SupplierInvoice", record_id="SI-9")
    row, reconcile = ledger.posting_intent(d.id, "qad")
    assert (row.state, reconcile) == ("done", False)


def test_a_hold_is_visible_with_its_reason_and_can_be_resolved(ledger: Ledger) -> None:
    d, _ = doc(ledger)
    hold_id = ledger.hold(customer="acme", partner="steelco", subject="document", subject_id=d.id, code="mapping",
                          reason="item of line 1 (VP X) for partner steelco (items.csv)")
    assert ledger.get_document(d.id).state == "held"
    assert [h.reason for h in ledger.holds("acme")] == ["item of line 1 (VP X) for partner steelco (items.csv)"]
    ledger.resolve_hold(hold_id, state="replayed", by="ops")
    assert ledger.holds("acme") == []


def test_holding_again_supersedes_the_open_hold(ledger: Ledger) -> None:
    d, _ = doc(ledger)
    ledger.hold(customer="acme", partner="steelco", subject="document", subject_id=d.id, code="mapping", reason="a")
    ledger.hold(customer="acme", partner="steelco", subject="document", subject_id=d.id, code="mapping", reason="b")
    assert [h.reason for h in ledger.holds("acme")] == ["b"]


def test_resolving_a_hold_twice_is_refused(ledger: Ledger) -> None:
    d, _ = doc(ledger)
    hold_id = ledger.hold(customer="acme", partner=None, subject="document", subject_id=d.id, code="x", reason="r")
    ledger.resolve_hold(hold_id, state="released", by="ops")
    with pytest.raises(LedgerError, match="not open"):
        ledger.resolve_hold(hold_id, state="released", by="ops")


def render(numbers: Allocated) -> tuple[str, bytes]:
    return f"PO-{numbers.interchange}.x12", f"ISA*{numbers.interchange}*GS*{numbers.group}".encode()


def test_control_numbers_count_up_per_partner_without_gaps(ledger: Ledger) -> None:
    rows = [ledger.upload_intent(customer="acme", partner=p, kind="document", subject_key=str(i),
                                 folder=f"/{p}/outbound", render=render, functional_id="PO")
            for i, p in enumerate(["steelco", "steelco", "boltworks", "steelco"])]
    assert [(r.partner, r.interchange_control_number, r.group_control_number) for r in rows] == [
        ("steelco", "000000001", "1"), ("steelco", "000000002", "2"), ("boltworks", "000000001", "1"),
        ("steelco", "000000003", "3")]


def test_a_resend_reuses_its_numbers_and_bytes(ledger: Ledger) -> None:
    first = ledger.upload_intent(customer="acme", partner="steelco", kind="document", subject_key="7",
                                 folder="/steelco/outbound", render=render)
    again = ledger.upload_intent(customer="acme", partner="steelco", kind="document", subject_key="7",
                                 folder="/steelco/outbound", render=lambda n: ("other", b"other"))
    assert (again.id, again.file_name, again.content) == (first.id, first.file_name, first.content)


def test_a_render_failure_allocates_nothing(ledger: Ledger) -> None:
    def broken(numbers: Allocated) -> tuple[str, bytes]:
        raise ValueError("cannot render")

    with pytest.raises(ValueError, match="cannot render"):
        ledger.upload_intent(customer="acme", partner="steelco", kind="document", subject_key="1",
                             folder="/steelco/outbound", render=broken)
    row = ledger.upload_intent(customer="acme", partner="steelco", kind="document", subject_key="1",
                               folder="/steelco/outbound", render=render)
    assert row.interchange_control_number == "000000001"


def test_concurrent_allocations_never_repeat_a_number(ledger: Ledger) -> None:
    errors: list[BaseException] = []

    def allocate(worker: int) -> None:
        try:
            other = Ledger(ledger.url)
            for i in range(10):
                other.upload_intent(customer="acme", partner="steelco", kind="document", subject_key=f"{worker}-{i}",
                                    folder="/steelco/outbound", render=render)
            other.close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=allocate, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(int(r.interchange_control_number) for r in ledger.uploads("acme"))
    assert numbers == list(range(1, 41))


def ack_intents(ledger: Ledger, count: int) -> list[int]:
    return [ledger.upload_intent(customer="acme", partner="steelco", kind="ack", subject_key=f"file:{i}",
                                 folder="/steelco/outbound", render=render).id for i in range(count)]


def test_an_upload_s_first_attempt_is_recorded_as_sending(ledger: Ledger) -> None:
    first, second = ack_intents(ledger, 2)
    assert ledger.upload_attempts([first, second]) == {first, second}
    assert [ledger.get_upload(i).state for i in (first, second)] == ["sending", "sending"]
    assert [r.step for r in ledger.trail("upload", first)] == ["upload.intent", "upload.sending"]


def test_an_upload_tried_before_is_not_a_first_attempt_again(ledger: Ledger) -> None:
    (upload,) = ack_intents(ledger, 1)
    ledger.upload_attempts([upload])
    assert ledger.upload_attempts([upload]) == set()
    ledger.upload_done(upload, "cleo-9")
    assert ledger.upload_attempts([upload]) == set()
    assert ledger.get_upload(upload).state == "done"


def test_a_retry_is_recorded_before_it_is_sent(ledger: Ledger) -> None:
    (upload,) = ack_intents(ledger, 1)
    ledger.upload_attempts([upload])
    ledger.upload_retry(upload)
    assert ledger.get_upload(upload).state == "retrying"
    assert [r.step for r in ledger.trail("upload", upload)][-1] == "upload.retry"


def test_a_done_upload_is_not_retried(ledger: Ledger) -> None:
    (upload,) = ack_intents(ledger, 1)
    ledger.upload_done(upload, "cleo-9")
    with pytest.raises(LedgerError, match="is done"):
        ledger.upload_retry(upload)


def test_concurrent_senders_never_both_take_an_upload_s_first_attempt(ledger: Ledger) -> None:
    uploads = ack_intents(ledger, 40)
    taken: list[set[int]] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        other = Ledger(ledger.url)
        barrier.wait()
        taken.append(other.upload_attempts(uploads))
        other.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(i for ids in taken for i in ids) == sorted(uploads)  # each id taken once, by one sender


def test_a_997_matches_the_outbound_group_it_answers(ledger: Ledger) -> None:
    d, _ = doc(ledger, direction="out", doc_type="850", key="PO PO1@1", state="pending")
    upload = ledger.upload_intent(customer="acme", partner="steelco", kind="document", subject_key=str(d.id),
                                  folder="/steelco/outbound", render=render, document_id=d.id, functional_id="PO")
    ledger.upload_done(upload.id, "cleo-1")
    assert ledger.get_document(d.id).state == "uploaded"
    assert ledger.ack_received(customer="acme", partner="steelco", group_control_number="0001", status="A")
    assert ledger.get_document(d.id).state == "acknowledged"


def test_a_997_for_a_group_we_never_sent_matches_nothing(ledger: Ledger) -> None:
    assert ledger.ack_received(customer="acme", partner="steelco", group_control_number="42", status="A") is None


def test_the_audit_trail_tells_the_story_in_order(ledger: Ledger) -> None:
    d, _ = doc(ledger)
    ledger.posting_intent(d.id, "qad")
    ledger.posting_failed(d.id, "HTTP 503")
    ledger.posting_intent(d.id, "qad")
    ledger.posting_done(d.id, record_kind="SupplierInvoice", record_id="SI-9")
    steps = [row.step for row in ledger.trail("document", d.id)]
    assert steps == ["document.received", "posting.intent", "document.failed", "posting.intent", "document.posted"]


def test_the_audit_table_only_grows(ledger: Ledger) -> None:
    d, _ = doc(ledger)
    with ledger.engine.connect() as c:
        before = c.execute(select(func.count()).select_from(s.audit)).scalar()
    ledger.set_document_state(d.id, "posted")
    with ledger.engine.connect() as c:
        after = c.execute(select(func.count()).select_from(s.audit)).scalar()
    assert after == (before or 0) + 1


def test_cursors_are_stored_per_customer_and_name(ledger: Ledger) -> None:
    ledger.set_cursor("acme", "erp.outbound", "2026-11-01T00:00:00Z")
    ledger.set_cursor("acme", "erp.outbound", "2026-11-02T00:00:00Z")
    assert (ledger.cursor("acme", "erp.outbound"), ledger.cursor("bluefin", "erp.outbound")) == (
        "2026-11-02T00:00:00Z", None)


def test_documents_are_found_by_number_or_id(ledger: Ledger) -> None:
    d, _ = doc(ledger)
    assert [r.id for r in ledger.find_documents("INV-1")] == [d.id]
    assert [r.id for r in ledger.find_documents(str(d.id))] == [d.id]


def test_counts_group_documents_by_type_partner_and_state(ledger: Ledger) -> None:
    doc(ledger, key="a")
    doc(ledger, key="b")
    assert ledger.counts("acme") == [{"direction": "in", "doc_type": "810", "partner": "steelco",
                                      "state": "received", "documents": 2}]


def test_without_a_url_or_dagster_home_the_ledger_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDI_LEDGER_URL", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with pytest.raises(LedgerError, match="EDI_LEDGER_URL or DAGSTER_HOME"):
        Ledger()


def test_every_revision_of_an_erp_record_is_found_by_key_prefix_and_wildcards_are_literal(ledger: Ledger) -> None:
    doc(ledger, key="PO P_1@r1", direction="out", doc_type="850")
    doc(ledger, key="PO P_1@r2", direction="out", doc_type="850")
    doc(ledger, key="PO PX1@r1", direction="out", doc_type="850")
    found = ledger.documents_with_key_prefix("acme", "out", "PO P_1@")
    assert [r.doc_key for r in found] == ["PO P_1@r1", "PO P_1@r2"]
