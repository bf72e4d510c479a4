"""The customer-partitioned assets: thin wrappers over :mod:`edi_assets.pipeline`, whose steps are idempotent,
so reruns and backfills of a partition never post or upload anything twice.

Inbound: ``inbound_files`` → ``inbound_interchanges`` (997s queued) → ``partner_acknowledgments`` (997s sent) and,
beside it, ``erp_postings`` (then the files archived in Cleo).
Outbound: ``erp_outbound_documents`` → ``cleo_uploads``.
"""


from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, RetryPolicy, asset

from edi_assets.connectors.errors import AuthenticationError
from edi_assets.defs.metadata import counts_table, held_table, table
from edi_assets.defs.partitions import customers_partitions
from edi_assets.defs.resources import EdiResource
from edi_assets.pipeline.inbound import (
    fetch_files,
    finish_files,
    post_documents,
    read_files,
    send_acknowledgments,
)
from edi_assets.pipeline.outbound import collect_documents, send_documents
from edi_assets.pipeline.runtime import CustomerRuntime

#: Transient trouble (a 503 storm, a dropped connection) gets a few more tries; each step is idempotent.
STEP_RETRY = RetryPolicy(max_retries=3, delay=10)


@contextmanager
def _runtime(context: AssetExecutionContext, edi: EdiResource) -> Iterator[CustomerRuntime]:
    """The partition's runtime. A refused login fails the step at once: retrying it only adds failed logins
    (which can lock the account), and nothing changes until a person stores the right credentials."""
    with edi.runtime(context.partition_key, context.log.info) as rt:
        try:
            yield rt
        except AuthenticationError as error:
            raise Failure(description=f"{error}; store the right credentials (`edi credentials set "
                                      f"{context.partition_key} NAME`), then rerun the partition",
                          allow_retries=False) from error


@asset(partitions_def=customers_partitions, group_name="inbound", pool="cleo", kinds={"cleo"},
       retry_policy=STEP_RETRY,
       description="Files partners dropped in the customer's Cleo inbound folders, recorded in the ledger with "
                   "their bytes (once per Cleo file id and checksum).")
def inbound_files(context: AssetExecutionContext, edi: EdiResource) -> MaterializeResult[None]:
    with _runtime(context, edi) as rt:
        report = fetch_files(rt)
    return MaterializeResult(metadata={"new_files": report.files})


@asset(partitions_def=customers_partitions, group_name="inbound", pool="cleo", deps=[inbound_files],
       kinds={"x12"}, retry_policy=STEP_RETRY,
       description="Interchanges read and validated; each transaction set recorded as a canonical document or "
                   "held with its reason; a 997 queued for every interchange (its control numbers and bytes "
                   "recorded with the documents).")
def inbound_interchanges(context: AssetExecutionContext, edi: EdiResource) -> MaterializeResult[None]:
    with _runtime(context, edi) as rt:
        report = read_files(rt, acknowledge=False)
    return MaterializeResult(metadata={
        "files_read": report.files,
        "documents": sum(report.documents.values()),
        "documents_by_partner_and_type": counts_table(report.documents),
        "held": held_table(report.held),
        "duplicate_interchanges": report.duplicates,
    })


@asset(partitions_def=customers_partitions, group_name="inbound", pool="cleo", deps=[inbound_interchanges],
       kinds={"x12", "cleo"}, retry_policy=STEP_RETRY,
       description="The queued 997s uploaded to each partner's Cleo folder exactly once, beside the postings (a "
                   "partner's rate-limited folder does not hold up the ERP).")
def partner_acknowledgments(context: AssetExecutionContext, edi: EdiResource) -> MaterializeResult[None]:
    with _runtime(context, edi) as rt:
        report = send_acknowledgments(rt)
    by_partner = [{"partner": p, "997 files": n} for p, n in sorted(report.by_partner.items())]
    return MaterializeResult(metadata={
        "acknowledgments_sent": report.files,
        "groups_acknowledged": report.groups,
        "acknowledgments_by_partner": table(by_partner, ["partner", "997 files"], empty="nothing sent"),
    })


@asset(partitions_def=customers_partitions, group_name="inbound", pool="erp", deps=[inbound_interchanges],
       kinds={"erp"}, retry_policy=STEP_RETRY,
       description="Canonical documents posted to the customer's ERP exactly once (intent, reconcile, post, "
                   "outcome); processed Cleo files kept, archived or deleted as the customer asks.")
def erp_postings(context: AssetExecutionContext, edi: EdiResource) -> MaterializeResult[None]:
    with _runtime(context, edi) as rt:
        report = post_documents(rt)
        finished = finish_files(rt)
        counts = rt.ledger.counts(rt.customer.id)
    return MaterializeResult(metadata={
        "posted": sum(report.posted.values()),
        "posted_by_type": table([{"type": t, "posted": n} for t, n in sorted(report.posted.items())],
                                ["type", "posted"]),
        "queued_for_web_connector": report.queued,
        "found_already_posted": report.reconciled,
        "held": held_table(report.held),
        "failed_will_retry": table(report.failed, ["document", "reason"], empty="no failures"),
        "files_finished": finished,
        "ledger_documents": table(counts, ["direction", "doc_type", "partner", "state", "documents"]),
    })


@asset(partitions_def=customers_partitions, group_name="outbound", pool="erp", kinds={"erp"},
       retry_policy=STEP_RETRY,
       description="Purchase orders and invoices the ERP created or changed since the last run, recorded once per "
                   "ERP key and revision.")
def erp_outbound_documents(context: AssetExecutionContext, edi: EdiResource) -> MaterializeResult[None]:
    with _runtime(context, edi) as rt:
        report = collect_documents(rt)
    return MaterializeResult(metadata={
        "collected": sum(report.collected.values()),
        "documents_by_partner_and_type": counts_table(report.collected),
        "skipped": table([{"reason": r} for r in report.skipped], ["reason"], empty="nothing skipped"),
    })


@asset(partitions_def=customers_partitions, group_name="outbound", pool="cleo", deps=[erp_outbound_documents],
       kinds={"x12", "cleo"}, retry_policy=STEP_RETRY,
       description="Outbound documents rendered as X12 (control numbers from the ledger, no gaps) and uploaded to "
                   "the partner's Cleo folder exactly once.")
def cleo_uploads(context: AssetExecutionContext, edi: EdiResource) -> MaterializeResult[None]:
    with _runtime(context, edi) as rt:
        report = send_documents(rt)
    uploaded: Counter[tuple[str, str]] = report.uploaded
    return MaterializeResult(metadata={
        "uploaded": sum(uploaded.values()),
        "uploads_by_partner_and_type": counts_table(uploaded, "files"),
        "failed_will_retry": table(report.failed, ["document", "reason"], empty="no failures"),
        "summary": MetadataValue.text(f"{sum(uploaded.values())} uploaded, {len(report.failed)} to retry"),
    })


INBOUND = [inbound_files, inbound_interchanges, partner_acknowledgments, erp_postings]
OUTBOUND = [erp_outbound_documents, cleo_uploads]
