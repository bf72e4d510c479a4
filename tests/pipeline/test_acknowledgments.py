"""997s: reading a file queues its 997 with the documents; send_acknowledgments uploads each queued 997 once,
and neither the postings nor finishing the file wait for it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from edi_assets.pipeline.inbound import fetch_files, finish_files, post_documents, read_files, send_acknowledgments
from edi_assets.pipeline.runtime import CustomerRuntime
from tests.pipeline.conftest import Fleet
from tests.pipeline.test_finish_files import cleo_files

Runtimes = Callable[..., CustomerRuntime]


def an_invoice_read(fleet: Fleet, rt: CustomerRuntime) -> None:
    fleet.post("cleo", "/_sim/partners/steelco/send", {"type": "810", "po_number": "PO10001"})
    fetch_files(rt)
    read_files(rt, acknowledge=False)


def acks_in_cleo(fleet: Fleet) -> list[Any]:
    return [f for f in cleo_files(fleet, "/steelco/outbound") if f["name"].startswith("997_")]


def outbound_listings(fleet: Fleet, rt: CustomerRuntime) -> int:
    """Requests that listed (or searched) steelco's outbound folder: the lookups by name."""
    path = f"/api/folders/{rt.cleo.folder_id('/steelco/outbound')}/children"
    return sum(r["count"] for r in fleet.state("cleo")["requests"] if r["path"] == path)


def test_reading_a_file_queues_its_997_without_sending_it(fleet: Fleet, runtime_for: Runtimes) -> None:
    rt = runtime_for("acme", "qad")
    an_invoice_read(fleet, rt)
    assert acks_in_cleo(fleet) == []
    assert [u.state for u in rt.ledger.uploads("acme", kind="ack")] == ["intent"]
    assert [f.state for f in rt.ledger.files("acme")] == ["processed"]


def test_read_files_sends_the_queued_997s_unless_asked_not_to(fleet: Fleet, runtime_for: Runtimes) -> None:
    rt = runtime_for("acme", "qad")
    fleet.post("cleo", "/_sim/partners/steelco/send", {"type": "810", "po_number": "PO10001"})
    fetch_files(rt)
    report = read_files(rt)
    assert (report.acks_sent, len(acks_in_cleo(fleet))) == (1, 1)
    assert [f.state for f in rt.ledger.files("acme")] == ["processed"]


def test_a_file_is_posted_and_finished_while_its_997_waits(fleet: Fleet, runtime_for: Runtimes) -> None:
    rt = runtime_for("acme", "qad")
    an_invoice_read(fleet, rt)
    assert sum(post_documents(rt).posted.values()) == 1
    assert finish_files(rt) == 1
    assert (send_acknowledgments(rt).files, len(acks_in_cleo(fleet))) == (1, 1)  # its bytes are in the ledger


def test_a_queued_997_is_sent_once_and_records_the_groups_it_answers(fleet: Fleet, runtime_for: Runtimes) -> None:
    rt = runtime_for("acme", "qad")
    an_invoice_read(fleet, rt)
    first, again = send_acknowledgments(rt), send_acknowledgments(rt)
    assert (first.files, first.groups, dict(first.by_partner)) == (1, 1, {"steelco": 1})
    assert (again.files, again.groups) == (0, 0)
    assert len(acks_in_cleo(fleet)) == 1
    assert rt.ledger.unacknowledged_groups("acme") == []
    assert [g.ack_status for g in rt.ledger.groups_in("acme")] == ["A"]
    assert [u.state for u in rt.ledger.uploads("acme", kind="ack")] == ["done"]


def test_a_997_never_tried_before_is_uploaded_without_a_lookup(fleet: Fleet, runtime_for: Runtimes) -> None:
    rt = runtime_for("acme", "qad")
    an_invoice_read(fleet, rt)
    listings = outbound_listings(fleet, rt)
    send_acknowledgments(rt)
    assert outbound_listings(fleet, rt) == listings
    assert len(acks_in_cleo(fleet)) == 1


def test_a_997_uploaded_by_a_sender_that_died_before_its_outcome_is_found_not_sent_again(
        fleet: Fleet, runtime_for: Runtimes) -> None:
    rt = runtime_for("acme", "qad")
    an_invoice_read(fleet, rt)
    (upload,) = rt.ledger.uploads("acme", kind="ack")
    assert rt.ledger.upload_attempts([upload.id]) == {upload.id}  # the run that died took the first attempt...
    sent = rt.cleo.upload(upload.folder, upload.file_name, upload.content)  # ...and its upload got through
    assert send_acknowledgments(rt).files == 1
    assert [f["id"] for f in acks_in_cleo(fleet)] == [sent.id]
    assert rt.ledger.get_upload(upload.id).cleo_file_id == sent.id
    assert rt.ledger.unacknowledged_groups("acme") == []


def test_a_997_another_run_sent_after_this_run_took_its_first_attempt_is_found_not_sent_again(
        fleet: Fleet, runtime_for: Runtimes, monkeypatch: pytest.MonkeyPatch) -> None:
    rt = runtime_for("acme", "qad")
    an_invoice_read(fleet, rt)
    take_first_attempts = rt.ledger.upload_attempts
    sent_by_the_other_run: list[str] = []

    def then_another_run_sends_them_and_dies(ids: Sequence[int]) -> set[int]:
        taken = take_first_attempts(ids)
        for upload in rt.ledger.uploads("acme", kind="ack"):  # before this run holds the claim
            rt.ledger.upload_retry(upload.id)
            sent_by_the_other_run.append(rt.cleo.upload(upload.folder, upload.file_name, upload.content).id)
        return taken

    monkeypatch.setattr(rt.ledger, "upload_attempts", then_another_run_sends_them_and_dies)
    assert send_acknowledgments(rt).files == 1
    assert [f["id"] for f in acks_in_cleo(fleet)] == sent_by_the_other_run


def test_997s_whose_run_died_before_their_outcomes_are_found_by_the_next_run_not_sent_twice(
        fleet: Fleet, runtime_for: Runtimes, monkeypatch: pytest.MonkeyPatch) -> None:
    rt = runtime_for("acme", "qad")
    fleet.post("cleo", "/_sim/partners/steelco/send", {"type": "810", "po_number": "PO10001"})
    an_invoice_read(fleet, rt)  # a second file: two 997s, one batch

    def died(*args: Any, **kwargs: Any) -> None:  # the batch's outcomes are never written, as after a kill -9
        raise SystemExit("killed before the outcomes were written")

    with monkeypatch.context() as patched:
        patched.setattr(rt.ledger, "upload_done", died)
        with pytest.raises(SystemExit):
            send_acknowledgments(rt)
    sent = sorted(f["id"] for f in acks_in_cleo(fleet))
    assert len(sent) == 2
    assert {u.state for u in rt.ledger.uploads("acme", kind="ack")} == {"sending"}
    assert send_acknowledgments(rt).files == 2
    assert sorted(f["id"] for f in acks_in_cleo(fleet)) == sent
    assert sorted(u.cleo_file_id for u in rt.ledger.uploads("acme", kind="ack")) == sent
    assert rt.ledger.unacknowledged_groups("acme") == []
