"""Postings go in batches: one commit of the batch's intents before its first ERP call, one of its outcomes after
the last; a run that stops inside a batch leaves intents the next run reconciles, never a second posting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import update

from edi_assets.connectors.errors import AuthenticationError
from edi_assets.ledger import Ledger, LedgerError
from edi_assets.ledger.schema import documents
from edi_assets.pipeline import inbound
from edi_assets.pipeline.inbound import fetch_files, post_documents, read_files
from edi_assets.pipeline.outbound import collect_documents, send_documents
from edi_assets.pipeline.runtime import CustomerRuntime
from tests.pipeline.conftest import Fleet, partners_answer


class SpyErp:
    """The customer's connector, noting for each post the documents' states as another run would read them
    (committed); ``fail_on``: the post of that call number raises instead (the run stops there)."""

    def __init__(self, erp: Any, ledger_url: str, fail_on: int | None = None) -> None:
        self.erp, self.fail_on = erp, fail_on
        self.reader = Ledger(ledger_url)
        self.calls: list[dict[int, str]] = []  # per post: the committed state of every inbound document

    def post(self, document: Any, **kwargs: Any) -> Any:
        self.calls.append({d.id: d.state for d in self.reader.documents("acme", direction="in")})
        if len(self.calls) == self.fail_on:
            raise AuthenticationError("the ERP refused the credentials (test)", system="qad")
        return self.erp.post(document, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.erp, name)


def received(fleet: Fleet, rt: CustomerRuntime) -> list[int]:
    """acme's POs out, the partners' 855s, 856s and 810s read (not posted); their document ids."""
    collect_documents(rt)
    send_documents(rt)
    partners_answer(fleet, 1)
    for _ in range(4):
        partners_answer(fleet, 700)
        fetch_files(rt)
        read_files(rt)
    ids = [d.id for d in rt.ledger.documents("acme", direction="in", states=["received"])]
    assert len(ids) >= 4, "the scenario brings at least four documents to post"
    return ids


def spy_on(rt: CustomerRuntime, **options: Any) -> SpyErp:
    spy = SpyErp(rt.erp, rt.ledger.url, **options)
    rt._erp = spy  # type: ignore[assignment]
    return spy


def qad_invoices(fleet: Fleet) -> Counter[tuple[str, str]]:
    """acme's supplier invoices in QAD by (supplier, invoice number): each should be there once."""
    tenant = fleet.state("qad")["tenants"]["acme"]
    return Counter((str(i["supplierCode"]), str(i["supplierInvoiceReference"]))
                   for i in tenant.get("supplier_invoices", []))


@pytest.fixture
def batches_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbound, "POST_BATCH", 2)


def test_a_batchs_intents_are_committed_before_its_first_call(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime], batches_of_two: None) -> None:
    rt = runtime_for("acme", "qad")
    ids = received(fleet, rt)
    spy = spy_on(rt)
    post_documents(rt)
    first_batch = ids[:2]
    states = spy.calls[0]
    assert [states[i] for i in first_batch] == ["posting", "posting"]
    assert all(states[i] == "received" for i in ids[2:])


def test_a_batchs_outcomes_are_committed_before_the_next_batch_starts(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime], batches_of_two: None) -> None:
    rt = runtime_for("acme", "qad")
    ids = received(fleet, rt)
    spy = spy_on(rt)
    post_documents(rt)
    states = spy.calls[2]  # the first call of the second batch
    assert [states[i] for i in ids[:2]] == ["posted", "posted"]
    assert [states[i] for i in ids[2:4]] == ["posting", "posting"]
    assert {d.state for d in rt.ledger.documents("acme", direction="in") if d.id in ids} == {"posted"}


def test_a_run_stopped_inside_a_batch_records_what_it_posted_and_the_next_posts_the_rest_once(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime], batches_of_two: None) -> None:
    rt = runtime_for("acme", "qad")
    ids = received(fleet, rt)
    real = rt.erp
    spy_on(rt, fail_on=4)  # the second call of the second batch
    with pytest.raises(AuthenticationError):
        post_documents(rt)
    states = {d.id: d.state for d in rt.ledger.documents("acme", direction="in")}
    assert [states[i] for i in ids[:4]] == ["posted", "posted", "posted", "failed"]
    assert all(states[i] == "received" for i in ids[4:])  # the batches after it were not begun
    rt._erp = real
    report = post_documents(rt)
    assert {d.state for d in rt.ledger.documents("acme", direction="in") if d.id in ids} == {"posted"}
    assert report.reconciled == 0
    invoices = qad_invoices(fleet)
    assert invoices
    assert set(invoices.values()) == {1}


def test_a_run_that_died_after_posting_leaves_intents_the_next_run_finds_posted(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime], batches_of_two: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    rt = runtime_for("acme", "qad")
    ids = received(fleet, rt)

    def died(*args: Any, **kwargs: Any) -> None:  # the outcomes' commit never happens, as after a kill -9
        raise SystemExit("killed before the outcomes were written")

    with monkeypatch.context() as patched:
        patched.setattr(rt.ledger, "posting_done", died)
        with pytest.raises(SystemExit):
            post_documents(rt)
    states = {d.id: d.state for d in rt.ledger.documents("acme", direction="in")}
    assert [states[i] for i in ids[:2]] == ["posting", "posting"]  # posted, but the ledger does not know it
    before = qad_invoices(fleet)
    report = post_documents(rt)
    assert report.reconciled >= 2  # the first batch found in QAD, not posted again
    assert {d.state for d in rt.ledger.documents("acme", direction="in") if d.id in ids} == {"posted"}
    after = qad_invoices(fleet)
    assert set(after.values()) == {1}
    assert before.keys() <= after.keys()


def test_an_outcome_the_ledger_refuses_costs_only_its_own_document_a_lookup(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime], batches_of_two: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    rt = runtime_for("acme", "qad")
    ids = received(fleet, rt)
    write = rt.ledger.posting_done

    def refuse_the_first(document_id: int, **kwargs: Any) -> Any:
        if document_id == ids[0]:
            raise LedgerError("the ledger refused this outcome (test)")
        return write(document_id, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(rt.ledger, "posting_done", refuse_the_first)
        with pytest.raises(LedgerError, match="1 of 2 outcome"):
            post_documents(rt)
    states = {d.id: d.state for d in rt.ledger.documents("acme", direction="in")}
    assert [states[i] for i in ids[:2]] == ["posting", "posted"]  # its batch's other outcome was written
    report = post_documents(rt)
    assert report.reconciled == 1  # found in QAD, not posted again
    assert {d.state for d in rt.ledger.documents("acme", direction="in") if d.id in ids} == {"posted"}
    assert set(qad_invoices(fleet).values()) == {1}


def test_an_authentication_error_stays_one_when_its_batchs_outcomes_cannot_be_written(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime], batches_of_two: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    rt = runtime_for("acme", "qad")
    ids = received(fleet, rt)
    spy_on(rt, fail_on=2)

    def refused(*args: Any, **kwargs: Any) -> None:
        raise LedgerError("the ledger refused the outcome (test)")

    monkeypatch.setattr(rt.ledger, "posting_done", refused)
    with pytest.raises(AuthenticationError):  # what the step must see: no retry with bad credentials
        post_documents(rt)
    states = {d.id: d.state for d in rt.ledger.documents("acme", direction="in")}
    assert [states[i] for i in ids[:2]] == ["posting", "failed"]


def a_row(doc_type: str, po: str | None, partner: str = "steelco") -> SimpleNamespace:
    return SimpleNamespace(doc_type=doc_type, partner=partner, payload={"po_number": po})


def test_two_invoices_for_one_po_never_share_a_batch(batches_of_two: None) -> None:
    first, second, other_po, notice = a_row("810", "PO1"), a_row("810", "PO1"), a_row("810", "PO2"), a_row("856", "PO1")
    assert list(inbound._batches([first, second, other_po, notice])) == [[first, other_po], [second, notice]]


def test_invoices_for_one_po_from_two_partners_or_for_no_po_may_share_a_batch(batches_of_two: None) -> None:
    ours, theirs = a_row("810", "PO1"), a_row("810", "PO1", partner="boltco")
    unmatched = [a_row("810", None), a_row("810", None)]
    assert list(inbound._batches([ours, theirs])) == [[ours, theirs]]
    assert list(inbound._batches(unmatched)) == [unmatched]


def test_batches_hold_every_row_once_in_order_and_never_more_than_the_batch_size() -> None:
    rows = [a_row("810", f"PO{n % 7}") for n in range(200)]
    batches = list(inbound._batches(rows))
    assert all(0 < len(batch) <= inbound.POST_BATCH for batch in batches)
    assert sorted(map(id, (row for batch in batches for row in batch))) == sorted(map(id, rows))
    for batch in batches:
        positions = [rows.index(row) for row in batch]
        assert positions == sorted(positions)
        assert len({row.payload["po_number"] for row in batch}) == len(batch)


def test_a_stored_document_that_no_longer_reads_is_held_and_the_others_of_its_batch_are_posted(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime], batches_of_two: None) -> None:
    rt = runtime_for("acme", "qad")
    ids = received(fleet, rt)
    with rt.ledger.engine.begin() as c:  # as if an older version had stored it under another model
        c.execute(update(documents).where(documents.c.id == ids[0]).values(payload={"unexpected": True}))
    report = post_documents(rt)
    states = {d.id: d.state for d in rt.ledger.documents("acme", direction="in")}
    assert states[ids[0]] == "held"
    assert all(states[i] == "posted" for i in ids[1:])
    (held,) = report.held
    assert held["reason"].startswith(f"the stored {held['type']} does not read as one")
