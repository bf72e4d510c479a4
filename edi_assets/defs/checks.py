"""Asset checks per customer partition: the promises an operations team watches."""


import datetime as dt

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, asset_check

from edi_assets.defs.assets import cleo_uploads, erp_postings, partner_acknowledgments
from edi_assets.defs.metadata import table
from edi_assets.defs.partitions import customers_partitions
from edi_assets.defs.resources import EdiResource
from edi_assets.pipeline.inbound import UNSENT_UPLOADS


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@asset_check(asset=partner_acknowledgments, partitions_def=customers_partitions,
             description="Every inbound functional group (but 997s and duplicates) got its 997.")
def every_inbound_group_acknowledged(context: AssetCheckExecutionContext, edi: EdiResource) -> AssetCheckResult:
    missing = edi.ledger().unacknowledged_groups(context.partition_key)
    return AssetCheckResult(passed=not missing, metadata={
        "unacknowledged": table([{"partner": g.partner, "group": g.group_control_number,
                                  "functional_id": g.functional_id} for g in missing],
                                ["partner", "group", "functional_id"])})


@asset_check(asset=erp_postings, partitions_def=customers_partitions,
             description="No document has been held longer than the customer's limit (hold_limit_hours).")
def no_stale_holds(context: AssetCheckExecutionContext, edi: EdiResource) -> AssetCheckResult:
    customer = edi.customers().get(context.partition_key)
    limit = dt.timedelta(hours=customer.hold_limit_hours)
    holds = edi.ledger().holds(customer.id)
    stale = [h for h in holds if _now() - _aware(h.created_at) > limit]
    return AssetCheckResult(passed=not stale, metadata={
        "open_holds": len(holds),
        "stale": table([{"hold": h.id, "partner": h.partner, "code": h.code, "reason": h.reason,
                         "since": h.created_at.isoformat()} for h in stale],
                       ["hold", "partner", "code", "reason", "since"], empty="no stale holds")})


@asset_check(asset=cleo_uploads, partitions_def=customers_partitions,
             description="Every outbound functional group got the partner's 997 before it was due.")
def outbound_groups_acknowledged_in_time(context: AssetCheckExecutionContext,
                                         edi: EdiResource) -> AssetCheckResult:
    overdue = [g for g in edi.ledger().groups_out(context.partition_key)
               if g.acked_at is None and _aware(g.due_at) < _now()]
    rejected = [g for g in edi.ledger().groups_out(context.partition_key) if g.ack_status == "R"]
    rows = [{"partner": g.partner, "group": g.group_control_number, "due": g.due_at.isoformat(),
             "ack": g.ack_status or "missing"} for g in overdue + rejected]
    return AssetCheckResult(passed=not rows, severity=AssetCheckSeverity.WARN,
                            metadata={"overdue_or_rejected": table(rows, ["partner", "group", "due", "ack"])})


@asset_check(asset=cleo_uploads, partitions_def=customers_partitions,
             description="Every upload recorded as intended has been confirmed in Cleo.")
def every_upload_confirmed(context: AssetCheckExecutionContext, edi: EdiResource) -> AssetCheckResult:
    pending = edi.ledger().uploads(context.partition_key, states=UNSENT_UPLOADS)
    return AssetCheckResult(passed=not pending, metadata={
        "unconfirmed": table([{"file": u.file_name, "folder": u.folder, "since": u.created_at.isoformat()}
                              for u in pending], ["file", "folder", "since"])})


CHECKS = [every_inbound_group_acknowledged, no_stale_holds, outbound_groups_acknowledged_in_time,
          every_upload_confirmed]
