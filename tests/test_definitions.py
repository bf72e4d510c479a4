"""The Dagster code location loads with the product's assets, checks, jobs, sensors and schedules."""

from __future__ import annotations

from edi_assets.definitions import defs


def test_definitions_hold_the_inbound_and_outbound_assets() -> None:
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {"inbound_files", "inbound_interchanges", "partner_acknowledgments", "erp_postings",
                    "erp_outbound_documents", "cleo_uploads", "partner_scorecards"}


def _parents() -> dict[str, set[str]]:
    graph = defs.resolve_asset_graph()
    return {k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys}
            for k in graph.get_all_asset_keys()}


def test_inbound_lineage_reads_files_then_interchanges_then_postings() -> None:
    parents = _parents()
    assert parents["inbound_interchanges"] == {"inbound_files"}
    assert parents["erp_postings"] == {"inbound_interchanges"}
    assert parents["cleo_uploads"] == {"erp_outbound_documents"}


def test_acknowledgments_go_beside_the_postings() -> None:
    parents = _parents()
    assert parents["partner_acknowledgments"] == {"inbound_interchanges"}
    assert "partner_acknowledgments" not in parents["erp_postings"]


def test_every_customer_with_outbound_flows_has_its_own_schedule() -> None:
    assert sorted(s.name for s in defs.schedules) == ["outbound_acme", "outbound_bluefin", "outbound_delta",
                                                      "outbound_evergreen"]


def test_sensors_and_the_replay_job_are_defined() -> None:
    assert {s.name for s in defs.sensors} == {"customers_sensor", "inbound_files_sensor",
                                             "quickbooks_outcomes_sensor"}
    assert defs.get_job_def("replay_job") is not None


def test_the_partition_checks_are_defined() -> None:
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert checks == {"every_inbound_group_acknowledged", "no_stale_holds", "outbound_groups_acknowledged_in_time",
                      "every_upload_confirmed", "no_overdue_partner_documents", "partners_meet_on_time_rate"}
