"""One run of one customer's pipeline in its own process: what a Dagster run of the partition does, minus Dagster.

Built the way :class:`~edi_assets.defs.resources.EdiResource` builds a runtime (customers.yaml with the
``EDI_*_URL`` overrides, the vault and the ledger from ``DAGSTER_HOME`` / ``EDI_LEDGER_URL``, the cross-process
rate limiter), so the harness exercises the product's own wiring. Prints ``READY`` once set up (the harness
times its random kills from there) and ``DONE {json}`` at the end; the exit code is 0 when nothing failed, 3
when some document failed and waits for the next run, 1 on an exception.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

STEPS = ("outbound", "inbound")
EXIT_MORE_TO_DO = 3


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="chaos run")
    parser.add_argument("--customer", required=True)
    parser.add_argument("--steps", default=",".join(STEPS), help="outbound, inbound, replay (comma-separated)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    logging.getLogger("edi_assets").setLevel(logging.DEBUG)

    from edi_assets.connectors.cleo import cleo_limit
    from edi_assets.connectors.crossref import CrossReference
    from edi_assets.connectors.ratelimit import RateLimiter, RateLimitSettings
    from edi_assets.connectors.redaction import install_log_redaction
    from edi_assets.connectors.retry import RetryPolicy, RetrySettings
    from edi_assets.customers import load_customers
    from edi_assets.ledger import Ledger
    from edi_assets.pipeline.inbound import fetch_files, finish_files, post_documents, read_files
    from edi_assets.pipeline.outbound import collect_documents, send_documents
    from edi_assets.pipeline.replay import replay
    from edi_assets.pipeline.runtime import CustomerRuntime, vault_credentials
    from edi_assets.vault import Vault
    from tests.reliability.world import MAPPINGS

    install_log_redaction()
    log = logging.getLogger("edi_assets.chaos")
    customer = load_customers(MAPPINGS / "customers.yaml").get(args.customer)
    xref = CrossReference.load(customer.id, MAPPINGS, partners=[p.id for p in customer.partners])
    limiter = RateLimiter(RateLimitSettings(limits={"cleo": cleo_limit(customer.cleo.requests_per_second)}))
    # The product's retry policy with shorter waits: a fault storm is waited out in seconds, not minutes.
    retry = RetryPolicy(RetrySettings(max_attempts=6, initial_backoff_seconds=0.05, max_backoff_seconds=1.0,
                                      max_total_seconds=20))
    ledger = Ledger()
    rt = CustomerRuntime(customer=customer, ledger=ledger, xref=xref,
                         credentials=vault_credentials(Vault(), customer.id), limiter=limiter, retry=retry,
                         progress=log.info)
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    print("READY", flush=True)
    summary: dict[str, Any] = {"customer": customer.id}
    failed = 0
    try:
        if "outbound" in steps:
            collected = collect_documents(rt)
            sent = send_documents(rt)
            summary.update(collected=sum(collected.collected.values()), uploaded=sum(sent.uploaded.values()))
            failed += len(sent.failed)
        if "inbound" in steps:
            fetched = fetch_files(rt)
            read = read_files(rt)
            posted = post_documents(rt)
            if customer.erp.kind == "quickbooks":  # what the Web Connector ran since the last run
                from edi_assets.pipeline.quickbooks import record_outcomes

                summary["outcomes"] = record_outcomes(rt)
            finished = finish_files(rt)
            summary.update(files=fetched.files, documents=sum(read.documents.values()),
                           posted=sum(posted.posted.values()), reconciled=posted.reconciled, queued=posted.queued,
                           held=len(read.held) + len(posted.held), finished=finished)
            failed += len(posted.failed)
        if "replay" in steps:
            replayed = replay(rt, by="chaos")
            summary.update(replayed=replayed.replayed, refused=len(replayed.refused))
            failed += len(replayed.posting.failed) if replayed.posting else 0
            failed += len(replayed.upload.failed) if replayed.upload else 0
    finally:
        rt.close()
        ledger.close()
    summary["failed"] = failed
    print("DONE " + json.dumps(summary), flush=True)
    return EXIT_MORE_TO_DO if failed else 0


def dagster_main(argv: Sequence[str]) -> int:
    """``chaos dagster-run --customer C``: the partition's outbound then inbound assets through Dagster itself
    (in-process executor, the instance under ``DAGSTER_HOME``), so its event log and compute logs exist for the
    secrets scan."""
    parser = argparse.ArgumentParser(prog="chaos dagster-run")
    parser.add_argument("--customer", required=True)
    args = parser.parse_args(argv)
    from dagster import DagsterInstance, materialize

    from edi_assets.defs.assets import INBOUND, OUTBOUND
    from edi_assets.defs.resources import EdiResource

    instance = DagsterInstance.get()
    instance.add_dynamic_partitions("customers", [args.customer])
    print("READY", flush=True)
    ok = True
    for assets in (OUTBOUND, INBOUND):
        result = materialize(assets, partition_key=args.customer, instance=instance,
                             resources={"edi": EdiResource(rate_limits=True)}, raise_on_error=False)
        ok &= result.success
    print("DONE " + json.dumps({"customer": args.customer, "dagster": ok}), flush=True)
    return 0 if ok else 1
