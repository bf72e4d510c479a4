"""Inbound: partners' files in Cleo → ledger records (with 997s back) → ERP postings.

Steps, each safe to repeat after a crash at any point:

1. :func:`fetch_files` downloads each file of the partners' inbound folders that the ledger does not hold and
   records it with its bytes; :func:`read_files` reads each recorded file, records its interchanges and
   documents (holding what cannot be posted, with the reason) and queues its 997 (the upload intent, control
   numbers and bytes) in the same transaction. Nothing is acknowledged before the ledger holds the documents;
   nothing in Cleo is moved or deleted before the documents are posted.
2. :func:`send_acknowledgments` uploads the queued 997s to the partners. Nothing else waits for it, so the
   Dagster job runs it beside step 3: a partner's rate-limited folder does not hold up the ERP.
3. :func:`post_documents` posts each received document to the ERP: intent, then (after an earlier attempt
   whose outcome is unknown) reconciliation by lookup, then the post, then the outcome; then
   :func:`finish_files` applies the customer's after-processing setting (keep, delete, move to archive) to
   files whose documents have all been posted or held.
"""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from edi_assets.connectors.cleo import CleoFile
from edi_assets.connectors.errors import (
    AuthenticationError,
    ConnectorError,
    MappingError,
    NotFound,
    OutcomeUnknown,
    RemoteRejected,
)
from edi_assets.connectors.redaction import get_logger
from edi_assets.crashpoints import crash_point
from edi_assets.customers import Partner
from edi_assets.documents import DOCUMENT_TYPES, Document, FunctionalAck, Invoice
from edi_assets.ledger import Allocated, LedgerError
from edi_assets.matching import MatchResult, check_invoice, record_verdict
from edi_assets.pipeline.runtime import CustomerRuntime
from edi_assets.translate import document_of, envelope_ref, plan_acknowledgments
from edi_assets.x12.analyze import analyze
from edi_assets.x12.envelope import FileIssue, Group, Interchange, InterchangeEnd, TransactionSet
from edi_assets.x12.errors import X12Error, X12RenderError
from edi_assets.x12.reader import X12Reader

_NUMBER_FIELDS = ("invoice_number", "po_number", "shipment_id", "group_control_number")
POSTABLE_STATES = ["received", "failed", "posting"]
UNSENT_UPLOADS = ["intent", "sending", "retrying"]  # an upload's states before its outcome

log = get_logger(__name__)


@dataclass
class InboundReport:
    files: int = 0
    documents: Counter[tuple[str, str]] = field(default_factory=Counter)  # (partner, type)
    held: list[dict[str, Any]] = field(default_factory=list)
    acks_sent: int = 0
    duplicates: int = 0

    def merge(self, other: InboundReport) -> None:
        self.files += other.files
        self.documents.update(other.documents)
        self.held.extend(other.held)
        self.acks_sent += other.acks_sent
        self.duplicates += other.duplicates


@dataclass
class PostingReport:
    posted: Counter[str] = field(default_factory=Counter)  # per type
    reconciled: int = 0
    queued: int = 0
    held: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


def load_document(doc_type: str, payload: Any) -> Document:
    """A canonical document back from the JSON the ledger stored."""
    document: Document = DOCUMENT_TYPES[doc_type].model_validate(payload)  # type: ignore[assignment]
    return document


def document_number(document: Document) -> str | None:
    for name in _NUMBER_FIELDS:
        value = getattr(document, name, None)
        if value:
            return str(value)
    return None


# -- step 1: files ----------------------------------------------------------------------------------------


def fetch_files(rt: CustomerRuntime) -> InboundReport:
    """Download every file of the partners' inbound folders that the ledger does not hold yet, and record it
    with its bytes. Nothing in Cleo changes here, so a crash before the ledger commit loses nothing."""
    report = InboundReport()
    for partner in rt.customer.partners:
        fresh = [f for f in rt.cleo.list_folder(partner.inbound)
                 if not rt.ledger.files_by_cleo_id(rt.customer.id, f.id)]
        if fresh:
            rt.progress(f"{rt.customer.id}: {len(fresh)} new file(s) from {partner.id}")
        pending: list[tuple[CleoFile, bytes]] = []
        try:
            for cleo_file in fresh:
                content = rt.cleo.download(cleo_file.id)
                crash_point("after_download_before_ledger")
                pending.append((cleo_file, content))
                if len(pending) >= FETCH_BATCH_FILES or sum(len(c) for _, c in pending) >= FETCH_BATCH_BYTES:
                    report.files += _record_files(rt, partner, pending)
        finally:  # what was downloaded is recorded even when a later download fails
            report.files += _record_files(rt, partner, pending)
    return report


#: Downloaded files are recorded in one ledger transaction per batch (a crash before its commit only means
#: downloading them again): at most this many files, or this many bytes.
FETCH_BATCH_FILES = 50
FETCH_BATCH_BYTES = 8 << 20


def _record_files(rt: CustomerRuntime, partner: Partner, pending: list[tuple[CleoFile, bytes]]) -> int:
    """Record downloaded files in one transaction and empty ``pending``; how many were new."""
    new_files = 0
    with rt.ledger.unit():
        for cleo_file, content in pending:
            _, new = rt.ledger.file_seen(customer=rt.customer.id, partner=partner.id, folder=partner.inbound,
                                         cleo_file_id=cleo_file.id, name=cleo_file.name, content=content)
            new_files += int(new)
    pending.clear()
    return new_files


def read_files(rt: CustomerRuntime, *, acknowledge: bool = True) -> InboundReport:
    """Read every recorded file not read yet: interchanges, groups and documents into the ledger (holding what
    cannot be posted, with the reason), each file's 997 queued with them. ``acknowledge``: then send the queued
    997s (:func:`send_acknowledgments`); the Dagster job sends them in a step of its own, beside the postings."""
    report = InboundReport()
    rows = rt.ledger.files(rt.customer.id, states=["seen"])
    for start in range(0, len(rows), FETCH_BATCH_FILES):
        batch = rows[start:start + FETCH_BATCH_FILES]
        try:
            with rt.ledger.unit():  # the batch's files commit together: one commit, not one per file
                readings = [read_file(rt, row) for row in batch]
        except (X12Error, ValueError):  # one of them cannot be handled, and the batch was rolled back: each
            # file on its own, so the others are recorded and that one is held
            ids = {row.id for row in batch}
            readings = [_read_alone(rt, row) for row in rt.ledger.files(rt.customer.id, states=["seen"])
                        if row.id in ids]
        for reading in readings:
            report.merge(reading)
    if acknowledge:
        report.acks_sent += send_acknowledgments(rt).groups
    return report


def _read_alone(rt: CustomerRuntime, row: Any) -> InboundReport:
    """One file in a unit of its own; one whose content cannot be handled (a 997 cannot be written for an id
    longer than X12 allows...) is held with the reason."""
    try:
        return read_file(rt, row)
    except (X12Error, ValueError) as error:
        reason = f"the file cannot be read or acknowledged: {type(error).__name__}: {error}"
        rt.ledger.hold(customer=rt.customer.id, partner=row.partner, subject="file", subject_id=row.id,
                       code="x12", reason=reason)
        return InboundReport(held=[{"partner": row.partner, "document": row.name, "reason": reason}])


def read_file(rt: CustomerRuntime, file_row: Any) -> InboundReport:
    """Read one recorded file and queue its 997; repeating it after a crash records nothing twice. The file's
    records and holds, its 997's upload intent and its new state (``processed``) commit together."""
    ledger, customer = rt.ledger, rt.customer
    partner = customer.partner(file_row.partner)
    report = InboundReport(files=1)
    content = bytes(file_row.content)
    with ledger.unit():
        reading = _read(rt, partner, file_row.id, content)
        if reading.not_x12:
            reason = f"not an X12 file: {reading.not_x12}"
            ledger.hold(customer=customer.id, partner=partner.id, subject="file", subject_id=file_row.id,
                        code="x12", reason=reason)
            report.held.append({"partner": partner.id, "document": file_row.name, "reason": reason})
            return report
        report.documents.update(reading.documents)
        report.held.extend(reading.held)
        report.duplicates += reading.duplicates
        if reading.groups:
            _ack_intent(rt, partner, file_row.id, content)
        ledger.file_state(file_row.id, "processed")
    return report


@dataclass
class AckReport:
    files: int = 0  # 997 files uploaded
    groups: int = 0  # inbound functional groups they acknowledge
    by_partner: Counter[str] = field(default_factory=Counter)  # 997 files per partner


def send_acknowledgments(rt: CustomerRuntime) -> AckReport:
    """Upload every queued 997 of the customer, once each, and record the groups it acknowledges. Independent of
    the postings and of finishing the file (the 997's bytes are in the ledger), so it runs beside them."""
    report = AckReport()
    queued = rt.ledger.uploads(rt.customer.id, states=UNSENT_UPLOADS, kind="ack")
    if queued:
        rt.progress(f"{rt.customer.id}: sending {len(queued)} 997(s)")
    for start in range(0, len(queued), FETCH_BATCH_FILES):
        _send_acks(rt, queued[start:start + FETCH_BATCH_FILES], report)
    return report


def _send_acks(rt: CustomerRuntime, batch: list[Any], report: AckReport) -> None:
    """Upload a batch of 997s, one run at a time, and record their outcomes (with the groups each answers) in one
    unit before the claims are let go; one that another run sent meanwhile is skipped.

    The batch's first attempts are taken before its first request (:meth:`Ledger.upload_attempts`): a 997 never
    tried before is uploaded without a lookup by name. One tried before (by a run that died after sending it, say)
    is recorded as a retry and looked up first: so is every 997 of a batch that died before its outcomes."""
    ledger = rt.ledger
    with ledger.claims([f"upload {rt.customer.id} {upload.id}" for upload in batch]):
        first = ledger.upload_attempts([u.id for u in batch if u.state == "intent"])
        # Read again under the claims: the run that held them before may have sent some, or tried them since
        # this run took their first attempts (then it may have sent them and died: look them up).
        states = {u.id: u.state for u in ledger.uploads(rt.customer.id, ids=[u.id for u in batch])}
        outcomes: Outcomes = []
        try:
            for upload in batch:
                if states[upload.id] == "done":
                    continue
                first_attempt = upload.id in first and states[upload.id] == "sending"
                if not first_attempt:
                    ledger.upload_retry(upload.id)
                crash_point("after_ack_allocation_before_upload")
                cleo_file = rt.cleo.upload_once(upload.folder, upload.file_name, upload.content,
                                                partner=upload.partner, first_attempt=first_attempt)
                crash_point("after_ack_upload_before_outcome")
                outcomes.append(functools.partial(_ack_done, rt, upload, cleo_file.id))
        except BaseException:
            _record_outcomes(rt, outcomes, failing=True)
            raise
        for partner, groups in _record_outcomes(rt, outcomes):
            report.groups += groups
            report.files += 1
            report.by_partner[partner] += 1


def _ack_done(rt: CustomerRuntime, upload: Any, cleo_file_id: str) -> tuple[str, int]:
    """Record a sent 997 and what it says of each group it answers (AK9); its partner and how many groups."""
    ledger = rt.ledger
    ledger.upload_done(upload.id, cleo_file_id)
    said = _ack_statuses(upload.content)  # read back from the bytes we uploaded, as the ledger keeps it
    groups = ledger.groups_to_acknowledge(int(upload.subject_key.removeprefix("file:")))
    for group in groups:
        key = (group.functional_id, group.group_control_number.lstrip("0") or "0")
        ledger.ack_sent(group.id, said.get(key, "?"), upload.id)
    return upload.partner, len(groups)


#: What a batch's external calls leave to record: written in one ledger unit when the batch ends (or fails).
Outcomes = list[Callable[[], Any]]

#: Outcomes refused one after another when a batch's are written one by one: then the ledger, not one outcome, is
#: at fault, and waiting on it again for each of the others would only hold the run up.
REFUSED_IN_A_ROW = 3


def _record_outcomes(rt: CustomerRuntime, outcomes: Outcomes, *, failing: bool = False) -> list[Any]:
    """Write a batch's outcomes in one ledger unit; what each returned. When that unit fails, each outcome is
    written in a unit of its own: one the ledger refuses costs only its own record a lookup on the next run (an
    outcome not written leaves an intent, which that run reconciles), not its whole batch.

    ``failing``: an exception is already leaving the batch (an AuthenticationError, say): it goes on as it is, and
    outcomes the ledger refuses are only logged. Otherwise :class:`LedgerError` says how many were not written."""
    if not outcomes:
        return []
    ledger = rt.ledger
    try:
        with ledger.unit():
            return [record() for record in outcomes]
    except Exception as error:
        log.warning("%s: %d outcome(s) could not be written together (%s): writing them one by one",
                    rt.customer.id, len(outcomes), error)
    results: list[Any] = []
    refused: list[Exception] = []
    in_a_row = 0
    for record in outcomes:
        try:
            with ledger.unit():
                results.append(record())
            in_a_row = 0
        except Exception as error:
            log.error("%s: an outcome was not written, its intent is reconciled on the next run: %s",
                      rt.customer.id, error)
            refused.append(error)
            in_a_row += 1
            if in_a_row == REFUSED_IN_A_ROW:
                break
    if refused and not failing:
        raise LedgerError(f"{rt.customer.id}: {len(outcomes) - len(results)} of {len(outcomes)} outcome(s) not "
                          f"written (their intents are reconciled on the next run): {refused[0]}") from refused[0]
    return results


@dataclass
class _Reading:
    not_x12: str | None = None
    documents: Counter[tuple[str, str]] = field(default_factory=Counter)
    held: list[dict[str, Any]] = field(default_factory=list)
    groups: int = 0  # groups that need a 997 (997 groups and those of a duplicate interchange do not)
    interchanges: int = 0
    duplicates: int = 0
    changed: int = 0  # documents of a repeated interchange whose content differs from the first copy's


#: Inside a file's ledger unit, the records are committed after each interchange that brings this many more.
FLUSH_DOCUMENTS = 200


def _read(rt: CustomerRuntime, partner: Partner, file_id: int, content: bytes) -> _Reading:
    """Record every interchange, group and document of the file; hold what must not be posted."""
    ledger, customer = rt.ledger, rt.customer
    reading = _Reading()
    pending: list[tuple[TransactionSet, Document | None, list[str]]] = []
    interchange_id = 0
    duplicate_of: int | None = None
    group_ids: dict[int, int] = {}
    unflushed = 0
    for event in X12Reader(content):
        if isinstance(event, FileIssue):
            if event.issue.is_error and reading.interchanges == 0 and not pending:
                reading.not_x12 = event.issue.message
        elif isinstance(event, Interchange):
            reading.interchanges += 1
            sender = f"{event.sender_qualifier}:{event.sender_id}"
            interchange_id, duplicate_of = ledger.interchange_seen(
                customer=customer.id, partner=partner.id, file_id=file_id, sender=sender,
                control_number=event.control_number)
            pending, reading.changed = [], 0
        elif isinstance(event, Group):
            group_id = ledger.group_in(customer=customer.id, partner=partner.id, interchange_id=interchange_id,
                                       group_control_number=event.control_number, functional_id=event.functional_id)
            group_ids[id(event)] = group_id
            if event.functional_id != "FA" and duplicate_of is None:  # as Ledger.groups_to_acknowledge
                reading.groups += 1
        elif isinstance(event, TransactionSet):
            analysis = analyze(event)
            document, issues = document_of(analysis)
            pending.append((event, document, [i.message for i in issues if i.is_error]))
        elif isinstance(event, InterchangeEnd):
            envelope_errors = [i.message for i in event.interchange.issues if i.is_error]
            fresh = 0
            for ts, document, errors in pending:
                group_errors = [i.message for i in ts.group.issues if i.is_error] if ts.group else []
                fresh += _record(rt, partner, file_id, interchange_id, ts, document,
                                 errors + group_errors + envelope_errors, duplicate_of, reading)
            if duplicate_of is not None and pending and not fresh:
                _hold_repeat(rt, partner, interchange_id, duplicate_of, event.interchange.control_number, reading)
            unflushed += len(pending)
            if unflushed >= FLUSH_DOCUMENTS:  # a big file's records are committed as they go, not all at the end
                ledger.flush()
                unflushed = 0
            pending = []
    if reading.interchanges == 0 and reading.not_x12 is None:
        reading.not_x12 = "no interchange (ISA) in the file"
    return reading


def _hold_repeat(rt: CustomerRuntime, partner: Partner, interchange_id: int, duplicate_of: int, control_number: str,
                 reading: _Reading) -> None:
    """An interchange received before, every document of it already recorded from the first copy: nothing of it
    is posted again, and the repeat is held (not silently absorbed) so a person sees the partner resent it."""
    reading.duplicates += 1
    differs = f"; {reading.changed} of its documents differ from the first copy" if reading.changed else ""
    reason = (f"interchange {control_number} was received before (ledger interchange {duplicate_of}); this copy "
              f"repeats documents already recorded and is not posted again{differs}")
    rt.ledger.hold(customer=rt.customer.id, partner=partner.id, subject="interchange", subject_id=interchange_id,
                   code="duplicate", reason=reason)
    reading.held.append({"partner": partner.id, "type": "interchange", "document": control_number, "reason": reason})


def _record(rt: CustomerRuntime, partner: Partner, file_id: int, interchange_id: int, ts: TransactionSet,
            document: Document | None, errors: list[str], duplicate_of: int | None, reading: _Reading) -> bool:
    """Record one transaction set and decide its fate; whether this read decided it (False: decided before)."""
    ledger, customer = rt.ledger, rt.customer
    envelope = envelope_ref(ts)
    payload = document.model_dump(mode="json") if document is not None else {"errors": errors}
    row, new = ledger.document(
        customer=customer.id, partner=partner.id, direction="in", doc_type=ts.set_id, doc_key=envelope.key,
        number=document_number(document) if document is not None else None, payload=payload, state="received",
        file_id=file_id, interchange_id=interchange_id, group_control_number=envelope.group_control_number,
        functional_id=envelope.functional_id)
    if not new and (row.state != "received" or row.file_id != file_id):
        reading.changed += int(row.file_id != file_id and row.payload != payload)  # a copy that differs
        return False  # recorded from another file (a copy), or its fate (held, matched...) was recorded already
    # A row of this file still 'received' may be one whose reader died before recording its fate: decide it.
    reading.documents[(partner.id, ts.set_id)] += int(new)
    sender = customer.partner_by_interchange(envelope.sender_qualifier, envelope.sender_id)
    hold: tuple[str, str] | None = None
    if duplicate_of is not None:
        reading.duplicates += 1
        hold = ("duplicate", f"interchange {envelope.interchange_control_number} from "
                             f"{envelope.sender_qualifier}:{envelope.sender_id} was received before "
                             f"(ledger interchange {duplicate_of}); not posted twice")
    elif errors or document is None:
        hold = ("x12", "; ".join(errors[:5]) or "the transaction set could not be read")
    elif sender is None or sender.id != partner.id:
        hold = ("partner", f"sender {envelope.sender_qualifier}:{envelope.sender_id} is not partner {partner.id} "
                           f"({partner.isa_qualifier}:{partner.isa_id}) whose folder the file was in")
    elif isinstance(document, FunctionalAck):
        hold = _match_ack(rt, partner, document)
        if hold is None:
            ledger.set_document_state(row.id, "matched")
    elif ts.set_id not in customer.flows.inbound:
        # Acknowledged (the 997 says we received it) but not for the ERP: recorded, not held, since no fix
        # of ours would ever post it.
        ledger.set_document_state(row.id, "ignored", f"{ts.set_id} is not an inbound flow of customer "
                                                      f"{customer.id} (inbound: "
                                                      f"{', '.join(customer.flows.inbound) or 'none'})")
    if hold is not None:
        code, reason = hold
        ledger.hold(customer=customer.id, partner=partner.id, subject="document", subject_id=row.id, code=code,
                    reason=reason)
        reading.held.append({"partner": partner.id, "type": ts.set_id, "document": row.number or envelope.key,
                             "reason": reason})
    return True


def _match_ack(rt: CustomerRuntime, partner: Partner, ack: FunctionalAck) -> tuple[str, str] | None:
    matched = rt.ledger.ack_received(customer=rt.customer.id, partner=partner.id,
                                     group_control_number=ack.group_control_number, status=ack.group_status)
    if matched is None:
        return ("unknown_ack", f"997 for group {ack.group_control_number} ({ack.functional_id}) that was never "
                               f"sent to {partner.id}")
    return None


def _ack_intent(rt: CustomerRuntime, partner: Partner, file_id: int, content: bytes) -> None:
    """The upload intent of the file's 997 (one 997 interchange per inbound interchange): its numbers and bytes
    are stored with the intent, so a crash before the upload resends the same file under the same name."""
    # Allocate exactly the numbers the 997 file uses (it answers every group, 997s and repeats included, and
    # none that lacks its GE): the plan counts them, so no ISA13 or GS06 is ever skipped or sent twice.
    plan = plan_acknowledgments(content)

    def render(numbers: Allocated) -> tuple[str, bytes]:
        text = plan.render(interchange_control_number=int(numbers.interchange),
                           group_control_start=int(numbers.group)).text
        if _envelopes(text) != (plan.interchanges, plan.groups):  # read back: what we send is what we allocated
            raise X12RenderError(f"its 997 does not use the {plan.interchanges} ISA13(s) and {plan.groups} GS06(s) "
                                 f"allocated for it")
        return f"997_{rt.customer.id}_{partner.id}_{numbers.interchange}.x12", text.encode("utf-8")

    # A 997 that fails the checks raises inside the intent's transaction: its numbers are not taken (no gap).
    rt.ledger.upload_intent(customer=rt.customer.id, partner=partner.id, kind="ack", subject_key=f"file:{file_id}",
                            folder=partner.outbound, render=render, interchanges=plan.interchanges,
                            groups=plan.groups)


def _ack_statuses(content: bytes) -> dict[tuple[str, str], str]:
    """(GS01, GS06) → the AK9 status our 997 gives that group: read back from the bytes we upload (its AK1 and
    AK9 segments; the file is ours, checked before its intent was recorded)."""
    said: dict[tuple[str, str], str] = {}
    for event in X12Reader(content):
        if isinstance(event, TransactionSet) and event.set_id == "997":
            ak1 = next((seg for seg in event.segments if seg[0] == "AK1"), None)
            ak9 = next((seg for seg in event.segments if seg[0] == "AK9"), None)
            if ak1 is not None and ak9 is not None and len(ak1) > 2 and len(ak9) > 1:
                said[(ak1[1], ak1[2].lstrip("0") or "0")] = ak9[1]
    return said


def _envelopes(text: str) -> tuple[int, int]:
    """How many interchanges and functional groups a 997 file holds, read back rather than guessed; and
    :class:`X12RenderError` when it breaks X12 rules (it echoes a partner's group without a control number,
    say): we send nothing we would reject ourselves, the file is held with the reason instead."""
    interchanges = groups = 0
    problems: list[str] = []
    for event in X12Reader(text.encode("utf-8")):
        interchanges += isinstance(event, Interchange)
        groups += isinstance(event, Group)
        if isinstance(event, TransactionSet):
            problems += [i.message for i in analyze(event).issues if i.is_error]
        elif isinstance(event, InterchangeEnd):  # the envelope too: it echoes the partner's ids
            problems += [i.message for i in event.interchange.issues if i.is_error]
        elif isinstance(event, FileIssue) and event.issue.is_error:
            problems.append(event.issue.message)
    if problems:
        raise X12RenderError(f"its 997 would not be valid X12: {'; '.join(problems[:3])}")
    return interchanges, groups


# -- step 2: postings -------------------------------------------------------------------------------------


#: Postings go this many at a time: their claims taken together, their match verdicts and intents committed in one
#: transaction before the first call, their outcomes in one after the last. A run that dies in between leaves
#: intents without outcome, which the next run reconciles (looks up in the ERP) before posting: one commit (and
#: one wait for the write lock) per batch instead of two per document.
POST_BATCH = 50


def post_documents(rt: CustomerRuntime, ids: list[int] | None = None) -> PostingReport:
    """Post every received (or failed, or interrupted) inbound document; ``ids`` limits it (replay)."""
    report = PostingReport()
    rows = rt.ledger.documents(rt.customer.id, direction="in", states=POSTABLE_STATES, ids=ids)
    rows = [r for r in rows if r.doc_type in rt.customer.flows.inbound]
    if rows:
        rt.progress(f"{rt.customer.id}: posting {len(rows)} document(s) to {rt.customer.erp.kind}")
    done = 0
    for batch in _batches(rows):
        _post_batch(rt, batch, report)
        done += len(batch)
        if len(rows) > POST_BATCH:
            rt.progress(f"{rt.customer.id}: {done}/{len(rows)} posted")
    return report


def _batches(rows: list[Any]) -> Iterator[list[Any]]:
    """``rows`` in order, :data:`POST_BATCH` at a time, but at most one invoice per partner and PO in a batch: the
    batch's matches all run before its posts, and an invoice must be matched knowing how the PO's invoice before
    it fared (one the ERP rejected is held, and no longer counts against the PO). The others go in a later batch."""
    pending = rows
    while pending:
        batch: list[Any] = []
        later: list[Any] = []
        orders: set[tuple[str, str]] = set()
        for at, row in enumerate(pending):
            if len(batch) == POST_BATCH:
                later += pending[at:]
                break
            po = row.payload.get("po_number") if row.doc_type == "810" and isinstance(row.payload, dict) else None
            order = (row.partner, po) if isinstance(po, str) and po else None
            if order in orders:
                later.append(row)
                continue
            batch.append(row)
            if order is not None:
                orders.add(order)
        yield batch
        pending = later


def _post_batch(rt: CustomerRuntime, rows: list[Any], report: PostingReport) -> None:
    """Post a batch, one run at a time: a second run of the partition waits for the batch's claims, then finds
    the postings' outcomes (or, after a run that died, intents to reconcile) instead of posting them again."""
    ledger = rt.ledger
    with ledger.claims([f"posting {rt.customer.id} {row.id}" for row in rows]):
        current = [r for r in ledger.documents(rt.customer.id, ids=[row.id for row in rows])
                   if r.state in POSTABLE_STATES]
        planned = _intend(rt, current, report)
        outcomes: Outcomes = []
        try:
            for row, document, reconcile in planned:
                _post_intended(rt, row, document, reconcile, report, outcomes)
        except BaseException:
            _record_outcomes(rt, outcomes, failing=True)  # before the claims are let go: the next holder reads them
            raise
        _record_outcomes(rt, outcomes)


def _intend(rt: CustomerRuntime, rows: list[Any], report: PostingReport) -> list[tuple[Any, Document, bool]]:
    """Match each invoice (a person's approval overrides it), then record the verdicts and posting intents in one
    unit committed before the first call; (row, document, whether to reconcile first) for each one to post.

    The matches only read (the ledger, the ERP's PO when no 850 was sent), so they run before the unit: no writer
    waits on them. A failed match is held at once, committed: the next invoice's match must not count it."""
    ledger = rt.ledger
    approved = ledger.approvals("document", [row.id for row in rows], "match")
    passed: dict[int, MatchResult] = {}
    to_post: list[tuple[Any, Document]] = []
    for row in rows:
        try:
            document = load_document(row.doc_type, row.payload)
        except ValidationError as error:  # stored by an older version whose model read it differently, say
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the document"
            _hold_now(rt, row, "mapping", f"the stored {row.doc_type} does not read as one ({error.error_count()} "
                                          f"problem(s)); {where}: {first['msg']}", report)
            continue
        if isinstance(document, Invoice) and row.id not in approved:
            verdict = check_invoice(rt, row, document)  # three-way match
            if not verdict.passed:
                _hold_now(rt, row, "match", verdict.reason, report, verdict=verdict)
                continue
            passed[row.id] = verdict
        to_post.append((row, document))
    planned: list[tuple[Any, Document, bool]] = []
    with ledger.unit():
        for row, document in to_post:
            if row.id in passed:
                record_verdict(rt, row.id, passed[row.id])
            posting, reconcile = ledger.posting_intent(row.id, rt.customer.erp.kind)
            if posting.state not in ("done", "queued"):
                planned.append((row, document, reconcile))
    return planned


def _hold_now(rt: CustomerRuntime, row: Any, code: str, reason: str, report: PostingReport,
              verdict: MatchResult | None = None) -> None:
    """Hold a document before its batch's intents, committed at once: the matches after it must not count it."""
    with rt.ledger.unit():
        if verdict is not None:
            record_verdict(rt, row.id, verdict)
        _hold_document(rt, row, code, reason, report)


def _post_intended(rt: CustomerRuntime, row: Any, document: Document, reconcile: bool, report: PostingReport,
                   outcomes: Outcomes) -> None:
    """One ERP call (a lookup first when an earlier attempt may have posted it); its outcome joins ``outcomes``."""
    ledger, erp, xref = rt.ledger, rt.erp, rt.xref
    try:
        found = erp.find(document, partner=row.partner, xref=xref) if reconcile else None  # type: ignore[arg-type]
        if found is not None:
            report.reconciled += 1
            outcomes.append(functools.partial(
                ledger.posting_done, row.id, record_kind=found.record_kind, record_id=found.record_id,
                existed=True, detail={**found.detail, "reconciled": True}))
            return
        result = erp.post(document, partner=row.partner, xref=xref)  # type: ignore[arg-type]
    except MappingError as error:
        _hold(rt, row, "mapping", str(error), report, outcomes)
        return
    except (RemoteRejected, NotFound) as error:
        _hold(rt, row, "rejected", str(error), report, outcomes)
        return
    except OutcomeUnknown as error:
        outcomes.append(functools.partial(ledger.posting_failed, row.id, str(error), unknown=True))
        report.failed.append({"document": row.number, "reason": str(error)})
        return
    except AuthenticationError as error:
        outcomes.append(functools.partial(ledger.posting_failed, row.id, str(error)))
        raise  # every later post would fail the same way: a person must fix the credentials
    except ConnectorError as error:
        outcomes.append(functools.partial(ledger.posting_failed, row.id, str(error)))
        report.failed.append({"document": row.number, "reason": str(error)})
        return
    crash_point("after_post_before_outcome")
    outcomes.append(functools.partial(
        ledger.posting_done, row.id, record_kind=result.record_kind, record_id=result.record_id,
        existed=result.existed, queued=result.queued, detail=result.detail))
    if result.queued:
        report.queued += 1
    elif result.existed:
        report.reconciled += 1
    else:
        report.posted[row.doc_type] += 1


def _hold(rt: CustomerRuntime, row: Any, code: str, reason: str, report: PostingReport, outcomes: Outcomes) -> None:
    """Hold a document the ERP refused: its failed posting and the hold join the batch's outcomes."""
    def record() -> None:
        rt.ledger.posting_failed(row.id, reason)
        _hold_document(rt, row, code, reason, report)

    outcomes.append(record)


def _hold_document(rt: CustomerRuntime, row: Any, code: str, reason: str, report: PostingReport) -> None:
    rt.ledger.hold(customer=rt.customer.id, partner=row.partner, subject="document", subject_id=row.id, code=code,
                   reason=reason)
    report.held.append({"partner": row.partner, "type": row.doc_type, "document": row.number, "reason": reason})


# -- step 3: files done -----------------------------------------------------------------------------------


def finish_files(rt: CustomerRuntime) -> int:
    """Apply ``after_processing`` to files whose documents are all posted, matched or held; the count."""
    setting = rt.customer.cleo.after_processing
    done: list[int] = []
    finished = 0

    def record() -> int:
        # Outcomes of a batch in one transaction: keeping, deleting (missing_ok) and moving again are harmless,
        # so a crash before the commit only repeats them.
        with rt.ledger.unit():
            for file_id in done:
                rt.ledger.file_state(file_id, "finished", f"after processing: {setting}")
        count = len(done)
        done.clear()
        return count

    try:
        for row in rt.ledger.files_ready_to_finish(rt.customer.id):
            if setting != "keep":
                # The file as the ledger recorded it when it was fetched (no metadata request per file); one that
                # an earlier attempt deleted or moved before dying is found so by the call itself.
                recorded = CleoFile(id=row.cleo_file_id, name=row.name, folder=row.folder.rstrip("/") or "/")
                with contextlib.suppress(NotFound):  # deleted by an earlier attempt that died before recording it
                    rt.cleo.after_processing(recorded, setting)
            done.append(row.id)
            if len(done) >= FETCH_BATCH_FILES:
                finished += record()
    finally:
        finished += record()
    return finished
