"""finish_files: a file whose documents are all posted is moved to the partner's archive folder, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edi_assets.pipeline.inbound import fetch_files, finish_files, post_documents, read_files
from edi_assets.pipeline.runtime import CustomerRuntime
from tests.pipeline.conftest import Fleet


def cleo_files(fleet: Fleet, folder: str) -> list[Any]:
    tenant = next(t for t in fleet.state("cleo")["tenants"] if t["id"] == "acme")
    return next(f["files"] for f in tenant["folders"] if f["path"] == folder)


def an_invoice_read_and_posted(fleet: Fleet, rt: CustomerRuntime) -> None:
    fleet.post("cleo", "/_sim/partners/steelco/send", {"type": "810", "po_number": "PO10001"})
    fetch_files(rt)
    read_files(rt)
    post_documents(rt)


def test_a_posted_file_is_moved_to_the_partner_s_archive(fleet: Fleet,
                                                         runtime_for: Callable[..., CustomerRuntime]) -> None:
    rt = runtime_for("acme", "qad")
    an_invoice_read_and_posted(fleet, rt)
    assert finish_files(rt) == 1
    assert (cleo_files(fleet, "/steelco/inbound"), len(cleo_files(fleet, "/steelco/archive"))) == ([], 1)


def test_a_file_moved_by_a_run_that_died_before_recording_it_is_finished_by_the_next(
        fleet: Fleet, runtime_for: Callable[..., CustomerRuntime]) -> None:
    rt = runtime_for("acme", "qad")
    an_invoice_read_and_posted(fleet, rt)
    (row,) = rt.ledger.files_ready_to_finish("acme")
    rt.cleo.move(row.cleo_file_id, "/steelco/archive")  # the earlier run's move; it died before the ledger knew
    assert finish_files(rt) == 1
    assert [f.state for f in rt.ledger.files("acme")] == ["finished"]
    assert len(cleo_files(fleet, "/steelco/archive")) == 1
