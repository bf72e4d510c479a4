"""Acme on QAD, end to end against the simulators: POs out as 850s, partners' 997/855/856/810 back in and posted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edi_assets.pipeline.inbound import fetch_files, finish_files, post_documents, read_files
from edi_assets.pipeline.outbound import collect_documents, send_documents
from edi_assets.pipeline.runtime import CustomerRuntime
from tests.pipeline.conftest import Fleet, partners_answer


def run_inbound(rt: CustomerRuntime) -> None:
    fetch_files(rt)
    read_files(rt)
    post_documents(rt)
    finish_files(rt)


def full_cycle(fleet: Fleet, rt: CustomerRuntime) -> None:
    collect_documents(rt)
    send_documents(rt)
    partners_answer(fleet, 1)  # partners read the 850s
    for _ in range(4):
        partners_answer(fleet, 700)  # 997, 855, 856 and 810 fall due
        run_inbound(rt)


def qad_tenant(fleet: Fleet) -> Any:
    state = fleet.state("qad")
    tenants = state.get("tenants", state)
    return tenants["acme"] if isinstance(tenants, dict) and "acme" in tenants else state


def test_every_open_po_goes_out_as_one_850_with_gapless_control_numbers(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime]) -> None:
    rt = runtime_for("acme", "qad")
    collect_documents(rt)
    report = send_documents(rt)
    assert sum(report.uploaded.values()) == 2
    uploads = rt.ledger.uploads("acme", kind="document")
    assert sorted((u.partner, u.interchange_control_number) for u in uploads) == [
        ("packright", "000000001"), ("steelco", "000000001")]


def test_a_second_outbound_run_uploads_nothing(fleet: Fleet, runtime_for: Callable[..., CustomerRuntime]) -> None:
    rt = runtime_for("acme", "qad")
    collect_documents(rt)
    send_documents(rt)
    collect_documents(rt)
    assert sum(send_documents(rt).uploaded.values()) == 0


def test_partners_answers_are_acknowledged_and_posted_to_qad(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime]) -> None:
    rt = runtime_for("acme", "qad")
    full_cycle(fleet, rt)
    docs = rt.ledger.documents("acme", direction="in")
    states = {(d.doc_type, d.state) for d in docs}
    assert ("997", "matched") in states
    for doc_type in ("855", "856", "810"):
        assert (doc_type, "posted") in states, (doc_type, [(d.doc_type, d.state, d.reason) for d in docs])
    assert rt.ledger.unacknowledged_groups("acme") == []
    assert rt.ledger.holds("acme") == []
    invoices = [d for d in docs if d.doc_type == "810"]
    assert len(invoices) == 2


def test_running_inbound_again_posts_nothing_twice(fleet: Fleet, runtime_for: Callable[..., CustomerRuntime]) -> None:
    rt = runtime_for("acme", "qad")
    full_cycle(fleet, rt)
    before = fleet.state("qad")
    run_inbound(rt)
    run_inbound(rt)
    assert fleet.state("qad") == before


def test_every_outbound_850_has_its_997_matched(fleet: Fleet, runtime_for: Callable[..., CustomerRuntime]) -> None:
    rt = runtime_for("acme", "qad")
    full_cycle(fleet, rt)
    groups = rt.ledger.groups_out("acme")
    assert [g.ack_status for g in groups] == ["A", "A"]
