"""The chaos harness in small: real kill -9s, fault storms, bad input, runs at once, secrets; invariants after each.

Marked slow (a few minutes in all on two cores); ``make chaos`` runs the full scenarios with the summary table.
Each test builds a world of its own (simulators on free ports, a DAGSTER_HOME, a ledger) and asserts that every
invariant of :mod:`tests.reliability.invariants` held, quoting the broken ones when not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.scenarios import (
    Options,
    Row,
    bad_input,
    concurrency,
    crash_point_tour,
    fault_storm,
    quickbooks_storm,
    random_kills,
    secrets,
)
from tests.reliability.world import POSTGRES_URL

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

QUICK = Options(quick=True, seed=11, postgres=bool(POSTGRES_URL))


def held(row: Row) -> None:
    """Every promise kept: nothing lost, nothing duplicated, no other invariant broken."""
    assert row.details == [], "\n".join(row.details)
    assert (row.lost, row.duplicated, row.violations) == (0, 0, 0)


def test_a_kill_at_each_named_point_of_the_flow_loses_and_repeats_nothing(tmp_path: Path) -> None:
    row = crash_point_tour(tmp_path, QUICK, "acme")
    held(row)
    assert row.crashes >= 6  # every point but, at times, one whose work the tour's order leaves empty


def test_runs_killed_at_random_instants_lose_and_repeat_nothing(tmp_path: Path) -> None:
    row = random_kills(tmp_path, QUICK, kills=8, customers=("acme", "delta"))
    held(row)
    assert row.crashes >= 8
    assert row.documents > 20


def test_runs_killed_at_random_named_points_lose_and_repeat_nothing(tmp_path: Path) -> None:
    row = random_kills(tmp_path, QUICK, kills=6, points=True, customers=("acme", "evergreen"))
    held(row)
    assert row.crashes >= 6


def test_a_storm_of_erp_faults_loses_and_repeats_nothing(tmp_path: Path) -> None:
    row = fault_storm(tmp_path, QUICK, "qad")
    held(row)
    assert row.faults > 20


def test_quickbooks_closed_and_3200_on_first_attempts_lose_and_repeat_nothing(tmp_path: Path) -> None:
    row = quickbooks_storm(tmp_path, QUICK)
    held(row)
    assert row.faults > 0


def test_bad_input_is_held_with_its_reason_while_the_partners_traffic_goes_through(tmp_path: Path) -> None:
    row = bad_input(tmp_path, QUICK)
    held(row)
    assert row.held == row.expected_held > 10


@pytest.mark.parametrize("ledger", ["sqlite", "postgresql"])
def test_two_runs_of_a_partition_at_once_and_a_backfill_lose_and_repeat_nothing(tmp_path: Path, ledger: str) -> None:
    if ledger == "postgresql" and not POSTGRES_URL:
        pytest.skip("EDI_TEST_POSTGRES_URL is not set: the PostgreSQL run is skipped")
    row = concurrency(tmp_path, QUICK, ledger=ledger, customers=("acme", "bluefin"))
    held(row)


def test_no_scenario_credential_is_left_under_dagster_home_in_the_ledger_or_the_logs(tmp_path: Path) -> None:
    row = secrets(tmp_path, QUICK, customers=("evergreen", "bluefin"))
    held(row)
