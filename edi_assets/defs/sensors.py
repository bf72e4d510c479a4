"""Sensors: customer partitions in step with customers.yaml; a run only for customers with new Cleo files;
QuickBooks outcomes recorded once the Web Connector has run the queued requests."""


import hashlib
import json
import time
from typing import Any

from dagster import (
    AddDynamicPartitionsRequest,
    DefaultSensorStatus,
    DeleteDynamicPartitionsRequest,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from edi_assets.connectors.crossref import CrossReferenceError
from edi_assets.connectors.errors import ConnectorError
from edi_assets.defs.jobs import inbound_job
from edi_assets.defs.partitions import customers_partitions
from edi_assets.defs.resources import EdiResource
from edi_assets.pipeline.quickbooks import record_outcomes
from edi_assets.vault import VaultError


@sensor(description="Adds a partition for each enabled customer of customers.yaml and removes the others.",
        minimum_interval_seconds=60, default_status=DefaultSensorStatus.RUNNING)
def customers_sensor(context: SensorEvaluationContext, edi: EdiResource) -> SensorResult:
    wanted = {c.id for c in edi.customers().enabled}
    existing = set(context.instance.get_dynamic_partitions(customers_partitions.name or "customers"))
    requests: list[AddDynamicPartitionsRequest | DeleteDynamicPartitionsRequest] = []
    if wanted - existing:
        requests.append(customers_partitions.build_add_request(sorted(wanted - existing)))
    if existing - wanted:
        requests.append(customers_partitions.build_delete_request(sorted(existing - wanted)))
    return SensorResult(dynamic_partitions_requests=requests,
                        skip_reason=None if requests else SkipReason("customer partitions are up to date"))


def new_files_digest(edi: EdiResource, customer_id: str) -> tuple[str, int]:
    """A digest of the customer's inbound files the ledger does not hold yet, and how many there are."""
    with edi.runtime(customer_id) as rt:
        fresh = sorted(f.id for p in rt.customer.partners for f in rt.cleo.list_folder(p.inbound)
                       if not rt.ledger.files_by_cleo_id(customer_id, f.id))
    return hashlib.sha256("\n".join(fresh).encode()).hexdigest()[:16], len(fresh)


#: Seconds a customer's folders may be listed before its ``schedule.inbound_seconds`` is quite over: a tick of the
#: sensor comes every 30 s or so, not to the second.
LIST_EARLY_SECONDS = 5
#: Files still not in the ledger this long after their run was requested are requested again: that run failed
#: before taking them (Cleo down past every retry), and otherwise they would wait for the partner's next file.
REQUEST_AGAIN_SECONDS = 3600


def _now() -> float:
    return time.time()


def _inbound_cursor(text: str | None) -> dict[str, dict[str, Any]]:
    """``{"digests": {customer: digest requested}, "requested_at": {...}, "listed_at": {...}}`` (times in epoch
    seconds); the first cursors held the digests alone."""
    raw: dict[str, Any] = json.loads(text) if text else {}
    if raw and "digests" not in raw:
        raw = {"digests": raw}
    return {name: dict(raw.get(name, {})) for name in ("digests", "requested_at", "listed_at")}


@sensor(job=inbound_job, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING,
        description="Lists each customer's Cleo inbound folders (every `schedule.inbound_seconds` of customers.yaml, "
                    "at most every 30 s) and requests an inbound run only for customers with files the ledger has "
                    "not seen; the cursor remembers what was already requested (again after an hour if the files are "
                    "still not taken).")
def inbound_files_sensor(context: SensorEvaluationContext, edi: EdiResource) -> SensorResult:
    cursor = _inbound_cursor(context.cursor)
    digests, requested_at, listed_at = cursor["digests"], cursor["requested_at"], cursor["listed_at"]
    partitions = set(context.instance.get_dynamic_partitions(customers_partitions.name or "customers"))
    runs: list[RunRequest] = []
    for customer in edi.customers().enabled:
        if customer.id not in partitions:
            continue
        now = _now()
        if now - float(listed_at.get(customer.id, 0)) + LIST_EARLY_SECONDS < customer.schedule.inbound_seconds:
            continue
        try:
            digest, count = new_files_digest(edi, customer.id)
        except (ConnectorError, CrossReferenceError, VaultError) as error:  # one customer's trouble is its own
            context.log.warning(f"{customer.id}: inbound folders not checked: {error}")
            continue
        listed_at[customer.id] = now
        if not count:
            continue
        if digests.get(customer.id) != digest:
            run_key = f"{customer.id}:{digest}"
        elif now - float(requested_at.setdefault(customer.id, now)) >= REQUEST_AGAIN_SECONDS:
            run_key = f"{customer.id}:{digest}:{int(now)}"
        else:
            continue
        runs.append(RunRequest(partition_key=customer.id, run_key=run_key, tags={"edi/new_files": str(count)}))
        digests[customer.id], requested_at[customer.id] = digest, now
    return SensorResult(run_requests=runs, cursor=json.dumps(cursor, sort_keys=True),
                        skip_reason=None if runs else SkipReason("no new files"))


@sensor(minimum_interval_seconds=60, default_status=DefaultSensorStatus.RUNNING,
        description="Records the outcome of QuickBooks postings once the Web Connector has run them.")
def quickbooks_outcomes_sensor(context: SensorEvaluationContext, edi: EdiResource) -> SensorResult:
    recorded = 0
    for customer in edi.customers().enabled:
        if customer.erp.kind != "quickbooks":
            continue
        with edi.runtime(customer.id, context.log.info) as rt:
            recorded += record_outcomes(rt)
    return SensorResult(skip_reason=None if recorded else SkipReason("no new QuickBooks outcomes"))


SENSORS = [customers_sensor, inbound_files_sensor, quickbooks_outcomes_sensor]
