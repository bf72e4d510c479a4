"""The replay job: after a person fixed what held a document (here a row added to items.csv), the job posts it,
once, and the hold is closed as replayed with who asked."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from dagster import ExecuteInProcessResult

from edi_assets.defs.assets import INBOUND
from edi_assets.defs.jobs import replay_job
from tests.defs.conftest import QUIET, Home, drop_in_cleo, logged_secrets, unmapped_invoice


def held_invoice(home: Home) -> Any:
    drop_in_cleo(home, "acme", "/steelco/inbound", "810_SC-9001.x12", unmapped_invoice())
    assert home.materialize(INBOUND, "acme").success
    [row] = home.ledger.documents("acme", direction="in")
    assert row.state == "held"
    return row


def fix_items_table(home: Home) -> None:
    """What the person does: steelco's part SC-PL99 is acme's item 10-1000."""
    items = Path(str(home.edi.mappings_dir)) / "acme" / "items.csv"
    items.write_text(items.read_text() + "steelco,SC-PL99,10-1000\n")


def replay(home: Home, customer: str, ids: list[int] | None = None) -> ExecuteInProcessResult:
    config: dict[str, Any] = {"customer": customer, "requested_by": "ops@acme"}
    if ids is not None:
        config["ids"] = ids
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return replay_job.execute_in_process(run_config={**QUIET, "ops": {"replay_records": {"config": config}}},
                                             resources=home.resources(), instance=home.instance)


def test_a_document_held_for_an_unmapped_item_names_the_table_to_fix(home: Home) -> None:
    row = held_invoice(home)
    [hold] = home.ledger.holds("acme")
    assert (hold.subject_id, hold.code) == (row.id, "mapping")
    assert "SC-PL99" in hold.reason
    assert "items.csv" in hold.reason


def test_the_replay_job_posts_a_held_document_once_its_mapping_is_fixed(home: Home) -> None:
    row = held_invoice(home)
    fix_items_table(home)
    assert replay(home, "acme").success
    assert home.ledger.get_document(row.id).state == "posted"
    posting = home.ledger.posting(row.id)
    assert posting is not None
    assert posting.record_id in json.dumps(home.erp_state("qad"))
    assert home.ledger.holds("acme") == []
    [closed] = home.ledger.holds("acme", open_only=False)
    assert (closed.state, closed.resolved_by) == ("replayed", "ops@acme")


def test_replaying_the_chosen_document_again_posts_nothing_twice(home: Home) -> None:
    row = held_invoice(home)
    fix_items_table(home)
    assert replay(home, "acme", ids=[row.id]).success
    before = home.erp_state("qad")
    assert replay(home, "acme", ids=[row.id]).success
    assert home.materialize(INBOUND, "acme").success
    assert home.erp_state("qad") == before


def test_a_replay_before_the_fix_holds_the_document_again(home: Home) -> None:
    row = held_invoice(home)
    assert replay(home, "acme").success
    assert home.ledger.get_document(row.id).state == "held"
    [hold] = home.ledger.holds("acme")
    assert hold.code == "mapping"


def test_the_replay_leaves_no_credential_in_the_event_log(home: Home) -> None:
    held_invoice(home)
    fix_items_table(home)
    assert replay(home, "acme").success
    assert logged_secrets(home.instance) == []
