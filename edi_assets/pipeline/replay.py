"""Replay: after a person fixed a mapping, a table or the ERP data, run held or failed records again.

Only holds that a fix can clear are replayed (mapping, rejected, match, failed postings and uploads); a
duplicate or an unreadable set stays held, because running it again would post twice or fail the same way.
Each replay resolves the hold (audited, with who asked) and sends the document through the same exactly-once
steps as the first time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edi_assets.pipeline.inbound import PostingReport, post_documents
from edi_assets.pipeline.outbound import OutboundReport, send_documents
from edi_assets.pipeline.runtime import CustomerRuntime

REPLAYABLE = frozenset({"mapping", "rejected", "match", "partner", "flow"})


@dataclass
class ReplayReport:
    replayed: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    posting: PostingReport | None = None
    upload: OutboundReport | None = None


def replay(rt: CustomerRuntime, ids: list[int] | None = None, *, by: str = "replay") -> ReplayReport:
    """Replay the customer's open replayable holds and failed documents (all, or the document ids given)."""
    ledger, customer = rt.ledger, rt.customer
    report = ReplayReport()
    wanted = set(ids) if ids else None
    inbound: list[int] = []
    outbound: list[int] = []
    for hold in ledger.holds(customer.id):
        if hold.subject != "document" or (wanted is not None and hold.subject_id not in wanted):
            continue
        if hold.code not in REPLAYABLE:
            report.refused.append(f"document {hold.subject_id}: a {hold.code} hold is not replayed ({hold.reason})")
            continue
        ledger.resolve_hold(hold.id, state="replayed", by=by)
        row = ledger.get_document(hold.subject_id)
        ledger.set_document_state(row.id, "received" if row.direction == "in" else "pending", None,
                                  {"replayed_by": by})
        (inbound if row.direction == "in" else outbound).append(row.id)
    for row in ledger.documents(customer.id, states=["failed"], ids=sorted(wanted) if wanted else None):
        (inbound if row.direction == "in" else outbound).append(row.id)
    report.replayed = sorted(set(inbound + outbound))
    if inbound:
        report.posting = post_documents(rt, ids=sorted(set(inbound)))
    if outbound:
        report.upload = send_documents(rt, ids=sorted(set(outbound)))
    return report
