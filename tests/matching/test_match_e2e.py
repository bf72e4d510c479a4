"""The match end to end: acme's POs out to the simulated partners, their 855 changes, 856s and 810s back in
through Cleo, posted to the QAD simulator or held."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edi_assets.cli import main as edi
from edi_assets.pipeline.inbound import fetch_files, finish_files, post_documents, read_files
from edi_assets.pipeline.outbound import collect_documents, send_documents
from edi_assets.pipeline.runtime import CustomerRuntime
from tests.pipeline.conftest import Fleet, partners_answer


def run_inbound(rt: CustomerRuntime) -> None:
    fetch_files(rt)
    read_files(rt)
    post_documents(rt)
    finish_files(rt)


def order_cycle(fleet: Fleet, rt: CustomerRuntime, **steelco: Any) -> None:
    """POs out; steelco answers as ``steelco`` behaviour says (prices, quantities, reject_lines)."""
    if steelco:
        fleet.post("cleo", "/_sim/partners/steelco/behaviour", steelco)
    collect_documents(rt)
    send_documents(rt)
    partners_answer(fleet, 1)
    for _ in range(2):
        partners_answer(fleet, 700)
        run_inbound(rt)


def invoices(rt: CustomerRuntime, partner: str = "steelco") -> list[Any]:
    return [d for d in rt.ledger.documents("acme", direction="in") if d.doc_type == "810" and d.partner == partner]


def test_an_855_price_change_lets_the_invoice_at_the_confirmed_price_through(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime]) -> None:
    rt = runtime_for("acme", "qad")
    order_cycle(fleet, rt, prices={"1": "126.00"})  # 0.50 over PO10001's 125.50: beyond acme's one cent
    [bill] = invoices(rt)
    assert bill.payload["lines"][0]["unit_price"] == "126"
    assert (bill.state, rt.ledger.holds("acme")) == ("posted", [])


def test_an_855_quantity_change_and_a_rejected_line_are_what_the_invoice_is_held_to(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime]) -> None:
    rt = runtime_for("acme", "qad")
    order_cycle(fleet, rt, quantities={"1": "30"}, reject_lines=["2"])
    [bill] = invoices(rt)
    assert bill.state == "posted"
    fleet.post("cleo", "/_sim/partners/steelco/send", {"type": "810", "po_number": "PO10001", "lines": [
        {"item": "10-2000", "price": "0.42", "quantity": "500"}]})
    run_inbound(rt)
    [hold] = rt.ledger.holds("acme")
    assert hold.code == "match"
    assert "line 2 (item 10-2000)" in hold.reason


def test_an_overpriced_invoice_is_held_then_approved_and_posted_to_qad(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime]) -> None:
    rt = runtime_for("acme", "qad")
    order_cycle(fleet, rt)
    fleet.post("cleo", "/_sim/partners/packright/send", {"type": "810", "po_number": "PO10002", "lines": [
        {"item": "10-3000", "price": "0.90", "quantity": "1"}]})
    run_inbound(rt)
    [hold] = rt.ledger.holds("acme")
    assert "invoice INV000002 does not match PO PO10002" in hold.reason
    assert "unit price 0.90 exceeds" in hold.reason
    assert edi(["holds", "approve", str(hold.id), "--by", "dana", "--ledger-url", rt.ledger.url]) == 0
    run_inbound(rt)
    assert [(d.number, d.state) for d in invoices(rt, "packright")] == [("INV000001", "posted"),
                                                                        ("INV000002", "posted")]
