"""Ledger units (several writes, one transaction) and the index of the purchase orders each document names."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from edi_assets.ledger import Ledger, LedgerError
from edi_assets.ledger import schema as s
from edi_assets.matching.records import load_records


def doc(ledger: Ledger, key: str, payload: dict[str, Any], doc_type: str = "810") -> Any:
    row, _ = ledger.document(customer="acme", partner="steelco", direction="in", doc_type=doc_type, doc_key=key,
                             number=key, payload=payload, state="received")
    return row


def keys(ledger: Ledger) -> list[str]:
    return [d.doc_key for d in ledger.documents("acme")]


def test_the_writes_of_a_unit_are_seen_only_when_it_ends(ledger: Ledger) -> None:
    with ledger.unit():
        doc(ledger, "a", {})
        doc(ledger, "b", {})
        assert keys(ledger) == []  # other connections see nothing yet
    assert keys(ledger) == ["a", "b"]


class BlockFailedError(Exception):
    """The caller's block inside a unit failed."""


def write_then_fail(ledger: Ledger, *, flush: bool = False, nested: bool = False) -> None:
    with ledger.unit():
        if nested:
            with ledger.unit():
                doc(ledger, "a", {})
        else:
            doc(ledger, "a", {})
        if flush:
            ledger.flush()
            doc(ledger, "b", {})
        raise BlockFailedError


def test_an_exception_in_a_unit_rolls_back_everything_it_wrote(ledger: Ledger) -> None:
    with pytest.raises(BlockFailedError):
        write_then_fail(ledger)
    assert keys(ledger) == []


def test_a_unit_whose_write_failed_refuses_to_commit_even_when_the_error_was_caught(ledger: Ledger) -> None:
    def swallow_a_failed_write() -> None:
        with ledger.unit():
            doc(ledger, "a", {})
            with pytest.raises(LedgerError):
                ledger.set_document_state(10**9, "posted")  # no such document: this write fails

    with pytest.raises(LedgerError):
        swallow_a_failed_write()
    assert keys(ledger) == []


def test_a_unit_inside_a_unit_joins_it(ledger: Ledger) -> None:
    with pytest.raises(BlockFailedError):
        write_then_fail(ledger, nested=True)
    assert keys(ledger) == []


def test_flush_commits_what_the_unit_wrote_so_far(ledger: Ledger) -> None:
    with pytest.raises(BlockFailedError):
        write_then_fail(ledger, flush=True)
    assert keys(ledger) == ["a"]


def test_a_document_is_found_by_every_purchase_order_it_names(ledger: Ledger) -> None:
    doc(ledger, "inv", {"invoice_number": "I1", "po_number": "PO1"})
    doc(ledger, "asn", {"shipment_id": "S1", "orders": [{"po_number": "PO2"}, {"po_number": "PO1"}]}, "856")
    doc(ledger, "other", {"invoice_number": "I2", "po_number": "PO3"})
    assert [r.number for r in load_records(ledger, "acme", po_number="PO1")] == ["inv", "asn"]
    assert [r.number for r in load_records(ledger, "acme", po_number="PO2")] == ["asn"]


def test_upgrading_a_ledger_indexes_the_documents_it_already_holds(ledger: Ledger) -> None:
    doc(ledger, "inv", {"invoice_number": "I1", "po_number": "PO1"})
    with ledger.transaction() as c:  # as a version-1 ledger was: documents, no index of their orders
        c.execute(delete(s.document_orders))
        c.execute(update(s.schema_version).values(version=1))
    assert ledger.migrate() == 1
    assert [r.number for r in load_records(ledger, "acme", po_number="PO1")] == ["inv"]


def test_the_audit_rows_of_a_unit_are_written_with_it_in_order(ledger: Ledger) -> None:
    with ledger.unit():
        row = doc(ledger, "a", {})
        ledger.set_document_state(row.id, "posted")
    assert [a.step for a in ledger.trail("document", row.id)] == ["document.received", "document.posted"]


def test_a_unit_rolled_back_leaves_no_audit_rows(ledger: Ledger) -> None:
    with pytest.raises(BlockFailedError):
        write_then_fail(ledger)
    with ledger.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(s.audit)).scalar() == 0
