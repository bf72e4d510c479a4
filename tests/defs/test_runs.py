"""The customer-partitioned assets through Dagster (``materialize`` on a temp instance): a partition's run posts
what its partners sent; rerunning it, or backfilling several partitions, posts nothing twice (asserted on the
ERP simulators' own state); and no credential ever reaches Dagster's event log."""

from __future__ import annotations

import json
import re
from typing import Any

from dagster import ExecuteInProcessResult

from edi_assets.customers import load_customers
from edi_assets.defs import build_definitions
from edi_assets.defs.assets import INBOUND, OUTBOUND
from edi_assets.vault import Vault
from tests.defs.conftest import QUIET, Home, event_log_text, logged_secrets

ERP = {"acme": "qad", "delta": "ifs"}


def orders_out_and_answered(home: Home, *customers: str) -> None:
    """The customers' POs go out as 850s; their partners answer every one with 997, 855, 856 and 810."""
    for customer in customers:
        assert home.materialize(OUTBOUND, customer).success
    assert home.fleet.answer()


def backfill(home: Home, *customers: str) -> list[ExecuteInProcessResult]:
    """What a backfill of the inbound job over these partitions launches: one run of the job per partition."""
    job = build_definitions(load_customers(), home.edi).resolve_job_def("inbound")
    return [job.execute_in_process(partition_key=customer, instance=home.instance, run_config=QUIET)
            for customer in customers]


def posted(home: Home, customer: str) -> dict[tuple[str, str | None], str]:
    """Posted documents of the customer: (type, number) → the ERP record id."""
    found = {}
    for row in home.ledger.documents(customer, direction="in", states=["posted"]):
        posting = home.ledger.posting(row.id)
        assert posting is not None
        found[(row.doc_type, row.number)] = str(posting.record_id)
    return found


def metadata(result: ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    [event] = result.asset_materializations_for_node(asset)
    return {key: value.value for key, value in event.metadata.items()}


def test_a_partition_run_posts_what_the_partners_sent_into_the_customers_erp(home: Home) -> None:
    orders_out_and_answered(home, "acme")
    assert home.materialize(INBOUND, "acme").success
    records = posted(home, "acme")
    assert {doc_type for doc_type, _ in records} == {"855", "856", "810"}
    state = json.dumps(home.erp_state("qad"))
    assert all(record_id in state for record_id in records.values())


def test_the_run_metadata_counts_documents_per_partner_and_type_as_tables(home: Home) -> None:
    orders_out_and_answered(home, "acme")
    result = home.materialize(INBOUND, "acme")
    read = metadata(result, "inbound_interchanges")
    assert read["documents"] == 8  # 997, 855, 856 and 810 from each of steelco and packright
    assert re.search(r"\| steelco +\| +810 \| +1 \|", read["documents_by_partner_and_type"])
    postings = metadata(result, "erp_postings")
    assert postings["posted"] == 6
    assert re.search(r"\| +810 \| +2 \|", postings["posted_by_type"])
    assert postings["held"] == "_nothing held_"


def test_rerunning_a_partition_posts_nothing_twice(home: Home) -> None:
    orders_out_and_answered(home, "acme")
    assert home.materialize(INBOUND, "acme").success
    before, records = home.erp_state("qad"), posted(home, "acme")
    rerun = home.materialize(INBOUND, "acme")
    assert rerun.success
    assert metadata(rerun, "erp_postings")["posted"] == 0
    assert home.erp_state("qad") == before
    assert posted(home, "acme") == records


def test_backfilling_two_partitions_posts_nothing_twice(home: Home) -> None:
    orders_out_and_answered(home, "acme", "delta")
    assert home.materialize(INBOUND, "acme").success  # acme's documents are in before the backfill
    qad_before = home.erp_state("qad")
    assert all(run.success for run in backfill(home, "acme", "delta"))
    assert home.erp_state("qad") == qad_before
    ifs_after, delta_records = home.erp_state("ifs"), posted(home, "delta")
    assert {doc_type for doc_type, _ in delta_records} == {"810"}
    assert all(run.success for run in backfill(home, "acme", "delta"))  # the same backfill once more
    assert home.erp_state("qad") == qad_before
    assert home.erp_state("ifs") == ifs_after
    assert posted(home, "delta") == delta_records


def test_outbound_reruns_upload_each_purchase_order_once(home: Home) -> None:
    assert home.materialize(OUTBOUND, "acme").success
    assert home.materialize(OUTBOUND, "acme").success
    uploads = home.ledger.uploads("acme", kind="document")
    assert sorted(u.partner for u in uploads) == ["packright", "steelco"]
    assert len({u.file_name for u in uploads}) == 2


def test_no_credential_reaches_the_event_log_of_any_run(home: Home) -> None:
    orders_out_and_answered(home, "acme", "delta")
    for customer in ("acme", "delta"):
        assert home.materialize(INBOUND, customer).success
    assert "documents_by_partner_and_type" in event_log_text(home.instance)  # the metadata is searched too
    assert logged_secrets(home.instance) == []


def test_a_refused_login_fails_the_run_at_once_and_says_what_to_fix(home: Home) -> None:
    Vault().set("cedar", "cleo.password", "not-the-right-pass-42")
    result = home.materialize(INBOUND, "cedar", raise_on_error=False)
    assert not result.success
    events = [e.event_type_value for e in result.all_events]
    assert "STEP_UP_FOR_RETRY" not in events  # more attempts would only add failed logins
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "edi credentials set cedar" in str(failure.event_specific_data)


def test_a_failed_login_leaves_no_password_in_the_event_log(home: Home) -> None:
    Vault().set("acme", "cleo.password", "not-the-right-pass-42")
    result = home.materialize(INBOUND, "acme", raise_on_error=False)
    assert not result.success
    text = event_log_text(home.instance)
    assert "STEP_FAILURE" in text
    assert "not-the-right-pass-42" not in text
    assert logged_secrets(home.instance) == []
