"""Outbound: ERP documents → X12 files → Cleo uploads, each upload exactly once.

1. :func:`collect_documents` asks the ERP for documents changed since the stored cursor and records each once
   (identity: the ERP key and revision), then moves the cursor. A crash between the two re-reads the same
   documents, which the ledger already has.
2. :func:`send_documents` renders each pending document as one interchange and uploads it: the upload intent
   allocates the control numbers and stores the file name and bytes in one transaction, and the upload finds
   the file by that name before creating it, so a retry never makes a second file or burns a number.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from edi_assets.connectors.errors import AuthenticationError, ConnectorError
from edi_assets.crashpoints import crash_point
from edi_assets.customers import Partner
from edi_assets.documents import Document, PurchaseOrder
from edi_assets.ledger import Allocated
from edi_assets.pipeline.inbound import document_number, load_document
from edi_assets.pipeline.runtime import CustomerRuntime
from edi_assets.translate import render_documents
from edi_assets.x12.analyze import analyze
from edi_assets.x12.envelope import TransactionSet
from edi_assets.x12.reader import X12Reader
from edi_assets.x12.writer import FUNCTIONAL_IDS, InterchangeSpec

CURSOR = "erp.outbound"
SET_IDS = {"purchase_order": "850", "invoice": "810"}


@dataclass
class OutboundReport:
    collected: Counter[tuple[str, str]] = field(default_factory=Counter)  # (partner, type)
    skipped: list[str] = field(default_factory=list)
    uploaded: Counter[tuple[str, str]] = field(default_factory=Counter)
    failed: list[dict[str, Any]] = field(default_factory=list)


def collect_documents(rt: CustomerRuntime) -> OutboundReport:
    report = OutboundReport()
    if not rt.customer.flows.outbound:
        return report
    cursor = rt.ledger.cursor(rt.customer.id, CURSOR)
    batch = rt.erp.outbound(cursor, xref=rt.xref)
    for item in batch.documents:
        set_id = SET_IDS[item.document.kind]
        if set_id not in rt.customer.flows.outbound:
            continue
        if item.partner not in rt.partner_ids:
            report.skipped.append(f"{item.erp_key}: partner {item.partner} is not a partner of {rt.customer.id}")
            continue
        document = item.document
        if rt.ledger.documents_with_key_prefix(rt.customer.id, "out", f"{item.erp_key}@"):
            # A later revision of a record already sent: it replaces the earlier one (BEG01/BIG08 05).
            document = document.model_copy(update={"purpose_code": "05"}) if isinstance(
                document, PurchaseOrder) and document.purpose_code == "00" else document
        _, new = rt.ledger.document(customer=rt.customer.id, partner=item.partner, direction="out", doc_type=set_id,
                                    doc_key=f"{item.erp_key}@{item.revision}", number=document_number(document),
                                    payload=document.model_dump(mode="json"), state="pending")
        if new:
            report.collected[(item.partner, set_id)] += 1
    report.skipped.extend(batch.skipped)
    rt.ledger.set_cursor(rt.customer.id, CURSOR, batch.cursor)
    if report.collected:
        rt.progress(f"{rt.customer.id}: {sum(report.collected.values())} outbound document(s) from "
                    f"{rt.customer.erp.kind}")
    return report


class InvalidOutboundError(ValueError):
    """The rendered interchange breaks X12 rules; ``problems`` says where (nothing was allocated or sent)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems[:5]))


def render_for(rt: CustomerRuntime, partner: Partner, document: Document, numbers: Allocated, *,
               set_id: str) -> tuple[str, bytes]:
    """The file name and bytes of one outbound interchange; the name carries the ledger's numbers."""
    five010 = partner.version == "005010"
    spec = InterchangeSpec(rt.customer.isa_qualifier, rt.customer.isa_id, partner.isa_qualifier, partner.isa_id,
                           int(numbers.interchange), version="00501" if five010 else "00401",
                           timestamp=dt.datetime.now(dt.UTC))
    text = render_documents([document], spec, int(numbers.group), gs_version=partner.version)
    sets = [e for e in X12Reader(text.encode("utf-8")) if isinstance(e, TransactionSet)]
    problems = [f"{i.position.segment_id or ''} {i.message}".strip()
                for ts in sets for i in analyze(ts).issues if i.is_error]
    if problems:  # never send what we would reject ourselves (a unit code the ERP spells longer, say)
        raise InvalidOutboundError(problems)
    number = "".join(c if c.isalnum() or c in "-_" else "_" for c in (document_number(document) or "doc"))
    return f"{set_id}_{number}_{numbers.interchange}.x12", text.encode("utf-8")


def send_documents(rt: CustomerRuntime, ids: list[int] | None = None) -> OutboundReport:
    """Upload every pending (or interrupted) outbound document; ``ids`` limits it (replay)."""
    report = OutboundReport()
    rows = rt.ledger.documents(rt.customer.id, direction="out", states=["pending", "uploading", "failed"], ids=ids)
    # A held document waits for a person (replay moves it back to pending).
    for row in rows:
        partner = rt.customer.partner(row.partner)
        document = load_document(row.doc_type, row.payload)
        sla = rt.customer.sla_for(partner.id)
        render = functools.partial(render_for, rt, partner, document, set_id=row.doc_type)
        try:
            upload = rt.ledger.upload_intent(
                customer=rt.customer.id, partner=partner.id, kind="document", subject_key=str(row.id),
                folder=partner.outbound, document_id=row.id, functional_id=FUNCTIONAL_IDS[row.doc_type],
                ack_due=dt.timedelta(hours=sla.ack997_hours or 4), render=render)
        except InvalidOutboundError as invalid:
            reason = f"the {row.doc_type} would not be valid X12: {invalid}"
            rt.ledger.hold(customer=rt.customer.id, partner=partner.id, subject="document", subject_id=row.id,
                           code="mapping", reason=reason)
            report.failed.append({"document": row.number, "reason": reason})
            continue
        if upload.state == "done":
            continue
        with rt.ledger.claim(f"upload {rt.customer.id} {upload.id}"):  # one run at a time from here to the outcome
            if rt.ledger.get_upload(upload.id).state == "done":
                continue  # uploaded by the run that held the claim before this one
            crash_point("after_allocation_before_upload")
            try:
                sent = rt.cleo.upload_once(upload.folder, upload.file_name, upload.content, document=row.number,
                                           partner=partner.id)
            except AuthenticationError:
                raise
            except ConnectorError as error:
                rt.ledger.set_document_state(row.id, "failed", str(error))
                report.failed.append({"document": row.number, "reason": str(error)})
                continue
            crash_point("after_upload_before_outcome")
            rt.ledger.upload_done(upload.id, sent.id)
        report.uploaded[(partner.id, row.doc_type)] += 1
    if report.uploaded:
        rt.progress(f"{rt.customer.id}: uploaded {sum(report.uploaded.values())} file(s) to Cleo")
    return report
