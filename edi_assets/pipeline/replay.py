"""Replay: after a person fixed a mapping, a table or the ERP data, run held or failed records again.

Only holds that a fix can clear are replayed (mapping, rejected, match, failed postings and uploads); a
duplicate or an unreadable set stays held, because running it again would post twice or fail the same way.
Each replay resolves the hold (audited, with who asked) and sends the document through the same exactly-once
steps as the first time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
        row = ledger.get_document(hold.subject_id)
        refusal = _still_blocked(rt, hold.code, row)
        if refusal is not None:  # the hold stays open: replaying now would lose it or post what it stopped
            report.refused.append(f"document {row.id}: {refusal}")
            continue
        ledger.resolve_hold(hold.id, state="replayed", by=by, release=True)
        (inbound if row.direction == "in" else outbound).append(row.id)
    for row in ledger.documents(customer.id, states=["failed"], ids=sorted(wanted) if wanted else None):
        (inbound if row.direction == "in" else outbound).append(row.id)
    report.replayed = sorted(set(inbound + outbound))
    if inbound:
        report.posting = post_documents(rt, ids=sorted(set(inbound)))
    if outbound:
        report.upload = send_documents(rt, ids=sorted(set(outbound)))
    return report


def _still_blocked(rt: CustomerRuntime, code: str, row: Any) -> str | None:
    """Why replaying this held document now would not do what a replay promises, or None. Posting skips
    documents of types the customer does not post (their hold would vanish and nothing happen), and does not
    check the sender again (a ``partner`` hold replayed before ``customers.yaml`` is fixed would post it)."""
    customer = rt.customer
    if row.direction == "in" and row.doc_type not in customer.flows.inbound:
        return (f"a {row.doc_type} is not an inbound flow of customer {customer.id}: a replay would not post it; "
                f"the hold stays open")
    if code == "partner" and row.direction == "in":
        qualifier, _, sender_id = row.doc_key.split("/", 1)[0].partition(":")
        sender = customer.partner_by_interchange(qualifier, sender_id)
        if sender is None or sender.id != row.partner:
            return (f"sender {qualifier}:{sender_id} is still not partner {row.partner} in customers.yaml; "
                    f"the hold stays open")
    return None
