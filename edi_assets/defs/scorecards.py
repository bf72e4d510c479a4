"""The partner scorecard per customer partition, and the checks an operations team watches on it: a thin wrapper
over :mod:`edi_assets.scorecards` (which reads the ledger and changes nothing, so rerunning is free)."""


import base64

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from edi_assets.defs.assets import cleo_uploads, inbound_interchanges
from edi_assets.defs.metadata import table
from edi_assets.defs.partitions import customers_partitions
from edi_assets.defs.resources import EdiResource
from edi_assets.scorecards import Scorecard, build_scorecard
from edi_assets.scorecards.table import OVERDUE_COLUMNS, PARTNER_COLUMNS, WEEKLY_COLUMNS, overdue_rows, rows


def _scorecard(partition: str, edi: EdiResource) -> Scorecard:
    return build_scorecard(edi.ledger(), edi.customers().get(partition))


def _plot(card: Scorecard) -> MetadataValue:
    """The PNG inline in markdown (a data URI), which the Dagster UI shows in the asset's metadata."""
    encoded = base64.b64encode(card.png()).decode("ascii")
    return MetadataValue.md(f"![on-time rate per partner and ISO week](data:image/png;base64,{encoded})")


def _partners_table(card: Scorecard) -> MetadataValue:
    return table(rows(card.partners), PARTNER_COLUMNS)


@asset(partitions_def=customers_partitions, group_name="scorecards", deps=[inbound_interchanges, cleo_uploads],
       kinds={"pandas"},
       description="Partner SLA scorecard: per partner and ISO week, the 997s, 855s, 856s and 810s due, on time, "
                   "late and missing, and the on-time rate per document type (deadlines from customers.yaml "
                   "`sla:`; times from the X12 envelopes). Read from the ledger: materialize it any time.")
def partner_scorecards(context: AssetExecutionContext, edi: EdiResource) -> MaterializeResult[None]:
    card = _scorecard(context.partition_key, edi)
    weekly = card.weekly
    context.log.info(f"{card.customer.id}: {len(card.deadlines)} deadline(s), {len(card.overdue)} overdue, "
                     f"below threshold: {', '.join(card.below_threshold) or 'none'}")
    return MaterializeResult(metadata={
        "as_of": MetadataValue.text(card.as_of.strftime("%Y-%m-%d %H:%M UTC")),
        "on_time_rate_plot": _plot(card),
        f"partners_last_{card.weeks}_weeks": _partners_table(card),
        "scorecard_by_week": table(rows(weekly), WEEKLY_COLUMNS, empty="nothing due yet"),
        "overdue": table(overdue_rows(card.overdue, card.as_of), OVERDUE_COLUMNS, empty="nothing overdue"),
        "partners_below_threshold": len(card.below_threshold),
        "dagster/row_count": len(weekly),
    })


@asset_check(asset=partner_scorecards, partitions_def=customers_partitions,
             description="Warns while a partner document is overdue: its deadline (in the scorecard's window) "
                         "has passed and the partner has not sent it.")
def no_overdue_partner_documents(context: AssetCheckExecutionContext, edi: EdiResource) -> AssetCheckResult:
    card = _scorecard(context.partition_key, edi)
    return AssetCheckResult(passed=not card.overdue, severity=AssetCheckSeverity.WARN, metadata={
        "overdue": table(overdue_rows(card.overdue, card.as_of), OVERDUE_COLUMNS, empty="nothing overdue")})


@asset_check(asset=partner_scorecards, partitions_def=customers_partitions,
             description="Fails when a partner's on-time rate over the scorecard's window (every document type "
                         "together) is below its `sla.min_on_time_rate`.")
def partners_meet_on_time_rate(context: AssetCheckExecutionContext, edi: EdiResource) -> AssetCheckResult:
    card = _scorecard(context.partition_key, edi)
    below = card.below_threshold
    return AssetCheckResult(passed=not below, severity=AssetCheckSeverity.ERROR, metadata={
        "below_threshold": MetadataValue.text(", ".join(below) or "none"),
        f"partners_last_{card.weeks}_weeks": _partners_table(card)})


SCORECARD_ASSETS = [partner_scorecards]
SCORECARD_CHECKS = [no_overdue_partner_documents, partners_meet_on_time_rate]
