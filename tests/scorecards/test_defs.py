"""The ``partner_scorecards`` asset per customer partition: its metadata (tables and the plot as an inline PNG the
UI shows), and its checks: a warning while a document is overdue, a failure when a partner is below threshold."""

from __future__ import annotations

import base64
import datetime as dt
import re
import warnings
from typing import Any

from dagster import AssetCheckSeverity, DagsterInstance, materialize

from edi_assets.defs.resources import EdiResource
from edi_assets.defs.scorecards import SCORECARD_CHECKS, partner_scorecards
from edi_assets.ledger import Ledger
from edi_assets.scorecards import PNG_MAGIC
from tests.matching.builders import acknowledgment
from tests.scorecards.conftest import CUSTOMERS, Timeline, minute

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


def run(ledger: Ledger) -> Any:
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("customers", ["acme"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # partitioned asset checks are a Dagster preview feature
        return materialize([partner_scorecards, *SCORECARD_CHECKS], partition_key="acme", instance=instance,
                           resources={"edi": EdiResource(ledger_url=ledger.url, customers_file=str(CUSTOMERS))},
                           raise_on_error=False)


def late_and_overdue(timeline: Timeline) -> None:
    """steelco got PO10001 three days ago: a 997 in time, an 855 six hours late, no 856 for yesterday's date."""
    sent = minute(dt.datetime.now(dt.UTC)) - 3 * DAY
    group = timeline.sent_850("PO10001", at=sent, ship_by=(sent + DAY).date())
    timeline.ack_997(group, at=sent + HOUR)
    timeline.received("855", acknowledgment(("1", "10-1000", "40", "125.50", "IA", "40")), at=sent + 30 * HOUR)


def metadata(result: Any) -> dict[str, Any]:
    [event] = result.asset_materializations_for_node("partner_scorecards")
    return {key: value.value for key, value in event.metadata.items()}


def checks(result: Any) -> dict[str, Any]:
    return {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}


def test_the_scorecard_asset_attaches_the_tables_and_the_plot_as_an_inline_png(ledger: Ledger,
                                                                              timeline: Timeline) -> None:
    late_and_overdue(timeline)
    result = run(ledger)
    assert result.success
    meta = metadata(result)
    assert "| steelco" in meta["partners_last_4_weeks"]
    assert re.search(r"\| steelco +\| 20\d\d-W\d\d +\| +855 \|", meta["scorecard_by_week"])
    assert "856 for PO PO10001" in meta["overdue"]
    assert meta["partners_below_threshold"] == 1
    image = re.fullmatch(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", meta["on_time_rate_plot"])
    assert image is not None
    assert base64.b64decode(image.group(1)).startswith(PNG_MAGIC)


def test_an_overdue_document_warns_and_a_partner_below_threshold_fails(ledger: Ledger, timeline: Timeline) -> None:
    late_and_overdue(timeline)
    found = checks(run(ledger))
    overdue, rate = found["no_overdue_partner_documents"], found["partners_meet_on_time_rate"]
    assert (overdue.passed, overdue.severity) == (False, AssetCheckSeverity.WARN)
    assert (rate.passed, rate.severity) == (False, AssetCheckSeverity.ERROR)
    assert rate.metadata["below_threshold"].value == "steelco"


def test_a_partner_on_time_passes_both_checks(ledger: Ledger, timeline: Timeline) -> None:
    sent = minute(dt.datetime.now(dt.UTC)) - 3 * DAY
    group = timeline.sent_850("PO10001", at=sent)
    timeline.ack_997(group, at=sent + HOUR)
    timeline.received("855", acknowledgment(("1", "10-1000", "40", "125.50", "IA", "40")), at=sent + 2 * HOUR)
    found = checks(run(ledger))
    assert found["no_overdue_partner_documents"].passed
    assert found["partners_meet_on_time_rate"].passed


def test_a_customer_without_deadlines_yet_materializes_and_passes(ledger: Ledger) -> None:
    result = run(ledger)
    assert result.success
    assert metadata(result)["scorecard_by_week"] == "_nothing due yet_"
    assert all(check.passed for check in checks(result).values())
