"""The asset checks per customer partition: the promises an operations team watches, after a full cycle and
when a held document has waited longer than the customer's ``hold_limit_hours``."""

from __future__ import annotations

import datetime as dt

from dagster import AssetCheckSeverity
from sqlalchemy import update

from edi_assets.defs.assets import INBOUND, OUTBOUND
from edi_assets.defs.checks import CHECKS, every_inbound_group_acknowledged, no_stale_holds
from edi_assets.ledger import schema as s
from tests.defs.conftest import Home, check_results, drop_in_cleo, unmapped_invoice

INBOUND_CHECKS = [every_inbound_group_acknowledged, no_stale_holds]
ACME_HOLD_LIMIT = dt.timedelta(hours=24)  # customers.yaml leaves acme at the default


def full_cycle(home: Home, customer: str) -> None:
    """POs out, partners answer with 997, 855, 856 and 810, everything read, acknowledged and posted."""
    assert home.materialize(OUTBOUND, customer).success
    assert home.fleet.answer()
    assert home.materialize(INBOUND, customer).success


def hold_unmapped_invoice(home: Home) -> int:
    """An invoice whose item does not map, held by the inbound run; its hold's id."""
    drop_in_cleo(home, "acme", "/steelco/inbound", "810_SC-9001.x12", unmapped_invoice())
    assert home.materialize(INBOUND, "acme").success
    [hold] = home.ledger.holds("acme")
    assert hold.code == "mapping"
    return int(hold.id)


def age(home: Home, hold_id: int, by: dt.timedelta) -> None:
    with home.ledger.transaction() as c:
        c.execute(update(s.holds).where(s.holds.c.id == hold_id).values(
            created_at=dt.datetime.now(dt.UTC) - by))


def test_every_check_passes_after_a_full_cycle(home: Home) -> None:
    full_cycle(home, "acme")
    results = check_results(home.materialize([*INBOUND, *OUTBOUND, *CHECKS], "acme"))
    assert sorted(results) == sorted(c.check_key.name for c in CHECKS)
    assert {name: r.passed for name, r in results.items()} == dict.fromkeys(results, True)


def test_every_inbound_group_is_acknowledged_after_the_inbound_run(home: Home) -> None:
    full_cycle(home, "acme")
    results = check_results(home.materialize([*INBOUND, *INBOUND_CHECKS], "acme"))
    assert results["every_inbound_group_acknowledged"].passed
    assert results["every_inbound_group_acknowledged"].metadata["unacknowledged"].value == "_none_"


def test_a_hold_younger_than_the_customers_limit_passes(home: Home) -> None:
    hold_unmapped_invoice(home)
    results = check_results(home.materialize([*INBOUND, *INBOUND_CHECKS], "acme"))
    assert results["no_stale_holds"].passed
    assert results["no_stale_holds"].metadata["open_holds"].value == 1


def test_no_stale_holds_fails_when_a_hold_is_older_than_the_customers_limit(home: Home) -> None:
    hold_id = hold_unmapped_invoice(home)
    age(home, hold_id, ACME_HOLD_LIMIT + dt.timedelta(hours=1))
    result = home.materialize([*INBOUND, *INBOUND_CHECKS], "acme")
    check = check_results(result)["no_stale_holds"]
    assert not check.passed
    assert check.severity == AssetCheckSeverity.ERROR
    stale = str(check.metadata["stale"].value)
    assert "mapping" in stale
    assert "SC-PL99" in stale  # the reason names the partner's item that did not map
    assert result.success  # a failing check reports; it does not fail the run


def test_an_upload_cleo_refused_fails_the_check_until_a_rerun_confirms_it(home: Home) -> None:
    home.fleet.post("cleo", "/_sim/faults", {"rules": [
        {"kind": "status", "method": "POST", "path": "/api/folders/*/files", "status": 400}]})
    refused = check_results(home.materialize([*OUTBOUND, *CHECKS], "acme"))
    home.fleet.post("cleo", "/_sim/faults", {"rules": []})
    assert not refused["every_upload_confirmed"].passed
    assert "steelco/outbound" in str(refused["every_upload_confirmed"].metadata["unconfirmed"].value)
    confirmed = check_results(home.materialize([*OUTBOUND, *CHECKS], "acme"))
    assert confirmed["every_upload_confirmed"].passed
    assert len(home.ledger.uploads("acme", kind="document")) == 2
