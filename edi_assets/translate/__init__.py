"""X12 ⇄ canonical documents, and acknowledgment files.

``parse_documents`` streams a file into :class:`ParsedDocument` values (one per transaction set, with
the document or the reasons there is none); ``render_documents`` writes documents as one interchange;
``acknowledgment_file`` answers a file with its 997s (and a TA1 where the interchange calls for one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from edi_assets.documents import Document, EnvelopeRef, PurchaseOrder
from edi_assets.translate import fastdocs, fastwrite, inbound, outbound
from edi_assets.translate.outbound import Body
from edi_assets.x12.ack import AckGroup, ack_body, acknowledge_group, ta1_segment
from edi_assets.x12.analyze import SetAnalysis, analyze
from edi_assets.x12.envelope import (
    Delimiters,
    Event,
    Group,
    GroupEnd,
    Interchange,
    InterchangeEnd,
    TransactionSet,
)
from edi_assets.x12.errors import IssueCode, Level, Position, X12Issue, X12RenderError, X12StructureError
from edi_assets.x12.gcpause import gc_paused
from edi_assets.x12.reader import X12Reader
from edi_assets.x12.source import Source
from edi_assets.x12.values import digits
from edi_assets.x12.writer import (
    DEFAULT_DELIMITERS,
    FUNCTIONAL_IDS,
    GroupSpec,
    InterchangeSpec,
    RenderedBody,
    SegmentWriter,
    SetSpec,
    render_interchange,
)


@dataclass(slots=True)
class ParsedDocument:
    """One transaction set read from a file: its document, or the issues that prevent one."""

    envelope: EnvelopeRef
    document: Document | None
    issues: list[X12Issue]
    analysis: SetAnalysis = field(repr=False)

    @property
    def set_id(self) -> str:
        return self.envelope.set_id

    @property
    def errors(self) -> list[X12Issue]:
        return [i for i in self.issues if i.is_error]


def envelope_ref(ts: TransactionSet) -> EnvelopeRef:
    """Built without re-validation: every field is a string the reader took from the envelope."""
    ic, g = ts.interchange, ts.group
    return EnvelopeRef.model_construct(
        sender_qualifier=ic.sender_qualifier, sender_id=ic.sender_id, receiver_qualifier=ic.receiver_qualifier,
        receiver_id=ic.receiver_id, interchange_control_number=ic.control_number,
        group_control_number=g.control_number if g else "", functional_id=g.functional_id if g else "",
        version=ts.version, set_id=ts.set_id, set_control_number=ts.control_number, usage=ic.usage,
    )


def document_of(a: SetAnalysis) -> tuple[Document | None, list[X12Issue]]:
    """The canonical document of an analysed set; a set with errors yields none.

    Read from the tree without validation when every value is certainly valid (:mod:`.fastdocs`),
    else from the typed set with validation, which also words every problem."""
    issues = list(a.issues)
    if a.tree is None or a.has_errors:
        return None, issues
    if a.ts.ascii:
        doc = fastdocs.document(a.ts.set_id, a.tree)
        if doc is not None:
            return doc, issues
    typed = a.typed
    if typed is None:
        return None, issues
    try:
        return inbound.to_document(typed, a.ts.delimiters), issues
    except X12StructureError as exc:
        ts = a.ts
        issues.append(
            X12Issue(
                IssueCode.MANDATORY_SEGMENT_MISSING, f"cannot build the document: {exc}", Level.TRANSACTION,
                Position(ts.interchange.ordinal, ts.group.ordinal if ts.group else None, ts.ordinal),
                ack=inbound.CONTENT_ACK,
            )
        )
        return None, issues


def parse_documents(source: Source, *, check_elements: bool = True) -> Iterator[ParsedDocument]:
    """Every transaction set of ``source`` as a ParsedDocument, streaming.

    The cyclic GC is paused while the next set is read and becomes a document (never while the caller
    holds control): the thousands of lists, dataclasses and models built per set cannot form cycles, and
    collecting them mid-build cost a quarter of the time."""
    events = iter(X12Reader(source))
    while True:
        with gc_paused():
            parsed = _next_document(events, check_elements)
        if parsed is None:
            return
        yield parsed


def _next_document(events: Iterator[Event], check_elements: bool) -> ParsedDocument | None:
    for event in events:
        if isinstance(event, TransactionSet):
            a = analyze(event, check_elements=check_elements)
            doc, issues = document_of(a)
            return ParsedDocument(envelope_ref(event), doc, issues, a)
    return None


def render_documents(
    docs: Sequence[Document],
    interchange: InterchangeSpec,
    group_control_number: int,
    *,
    set_control_start: int = 1,
    sender: str | None = None,
    receiver: str | None = None,
    gs_version: str = "004010",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    line_break: str = "",
) -> str:
    """Documents of one type as one interchange holding one group; set control numbers count up.

    The cyclic GC is paused while rendering: the segment lists it builds cannot form cycles, and
    collecting them mid-render doubled the time."""
    with gc_paused():
        return _render_documents(docs, interchange, group_control_number, set_control_start, sender, receiver,
                                 gs_version, delimiters, line_break)


def _render_documents(
    docs: Sequence[Document],
    interchange: InterchangeSpec,
    group_control_number: int,
    set_control_start: int,
    sender: str | None,
    receiver: str | None,
    gs_version: str,
    delimiters: Delimiters,
    line_break: str,
) -> str:
    five010 = gs_version[:6] >= "005010"
    ele, tail = delimiters.element, delimiters.segment + line_break
    bodies = [_body(d, five010, ele, tail) for d in docs]
    set_ids = {sid for sid, _ in bodies}
    if len(set_ids) > 1:
        raise ValueError(f"one group holds one document type; got {sorted(set_ids)}")
    set_id = next(iter(set_ids)) if set_ids else "850"
    group = GroupSpec(FUNCTIONAL_IDS[set_id], sender or interchange.sender_id, receiver or interchange.receiver_id,
                      group_control_number, gs_version, interchange.timestamp)
    sets = [SetSpec(sid, f"{set_control_start + i:04d}", body) for i, (sid, body) in enumerate(bodies)]
    return render_interchange(interchange, [(group, sets)], delimiters, line_break)


def _body(doc: Document, five010: bool, ele: str, tail: str) -> tuple[str, Body | RenderedBody]:
    """The set id and body of ``doc``: an 850 already written as text (:mod:`.fastwrite`), others as lists."""
    if isinstance(doc, PurchaseOrder):
        return "850", fastwrite.purchase_order(doc, ele, tail)
    return outbound.body_for(doc, five010)


@dataclass(slots=True)
class _GroupWork:
    group: Group
    analyses: list[SetAnalysis] = field(default_factory=list)


@dataclass(slots=True)
class AckResult:
    """What answering a file produced: the acknowledgment text and what it says."""

    text: str
    groups: list[AckGroup]
    ta1: list[list[str]]


@dataclass(slots=True)
class _AckInterchange:
    """One interchange to answer: its envelope, what each of its complete groups gets back, its TA1 if any."""

    interchange: Interchange
    delimiters: Delimiters
    groups: list[tuple[Group, AckGroup]]
    ta1: list[str] | None


@dataclass(slots=True)
class AckPlan:
    """A file's answer, worked out once (the costly part: reading and checking every set) and written with
    whatever control numbers are allocated for it: :attr:`interchanges` ISA13s and :attr:`groups` GS06s, exactly
    the ones :meth:`render` uses."""

    answers: list[_AckInterchange]

    @property
    def interchanges(self) -> int:
        return len(self.answers)

    @property
    def groups(self) -> int:
        return sum(len(a.groups) for a in self.answers)

    def render(self, *, interchange_control_number: int = 1, group_control_start: int = 1,
               timestamp: dt.datetime | None = None) -> AckResult:
        """The acknowledgment file, control numbers counting up from the ones given."""
        ts_now = timestamp or dt.datetime.now(dt.UTC)
        pieces: list[str] = []
        groups_out: list[AckGroup] = []
        ta1s: list[list[str]] = []
        gs_n = group_control_start
        for isa_n, answer in enumerate(self.answers, start=interchange_control_number):
            ic, d = answer.interchange, answer.delimiters
            version = ic.version if digits(ic.version) and 200 <= int(ic.version) <= 501 else "00401"
            spec = InterchangeSpec(ic.receiver_qualifier or "ZZ", ic.receiver_id or "UNKNOWN",
                                   ic.sender_qualifier or "ZZ", ic.sender_id or "UNKNOWN", isa_n, version=version,
                                   usage=ic.usage if ic.usage in ("P", "T") else "P", timestamp=ts_now)
            group_specs: list[tuple[GroupSpec, list[SetSpec]]] = []
            for n, (group, ack) in enumerate(answer.groups, start=1):
                groups_out.append(ack)
                gv = group.version if digits(group.release) else "004010"
                five010 = gv[:6] >= "005010"
                group_specs.append((
                    GroupSpec("FA", group.receiver or "UNKNOWN", group.sender or "UNKNOWN", gs_n,
                              gv[:6] if not five010 else "005010X230", ts_now),
                    [SetSpec("997", f"{n:04d}", ack_body(ack, five010))],
                ))
                gs_n += 1
            text = render_interchange(spec, group_specs, d)
            if answer.ta1 is not None:
                ta1s.append(answer.ta1)
                text = _with_ta1(text, d, answer.ta1)
            pieces.append(text)
        return AckResult("".join(pieces), groups_out, ta1s)


def plan_acknowledgments(source: Source, *, delimiters: Delimiters | None = None) -> AckPlan:
    """Work out the answer to every interchange of ``source``: a TA1 where the interchange has envelope errors
    (or asked for one in ISA14), and a 997 per functional group that has its GE. One interchange back per
    interchange in, from the receiver to the sender."""
    answers: list[_AckInterchange] = []
    current: _GroupWork | None = None
    works: list[_GroupWork] = []
    for event in X12Reader(source):
        if isinstance(event, Interchange):
            works = []
        elif isinstance(event, Group):
            current = _GroupWork(event)
        elif isinstance(event, TransactionSet):
            if current is not None and event.group is current.group:
                current.analyses.append(analyze(event))
        elif isinstance(event, GroupEnd):
            if current is not None:
                works.append(current)
            current = None
        elif isinstance(event, InterchangeEnd):
            ic = event.interchange
            needs_ta1 = ic.ack_requested == "1" or any(i.is_error and i.ack.ta1 for i in ic.issues)
            answers.append(_AckInterchange(
                ic, delimiters or _writable(ic.delimiters),
                [(work.group, acknowledge_group(work.group, work.analyses)) for work in works],
                ta1_segment(ic) if needs_ta1 else None))
    return AckPlan(answers)


def acknowledgment_file(
    source: Source,
    *,
    interchange_control_number: int = 1,
    group_control_start: int = 1,
    timestamp: dt.datetime | None = None,
    delimiters: Delimiters | None = None,
) -> AckResult:
    """Answer every interchange of ``source`` (:func:`plan_acknowledgments`); control numbers count up from
    the ones given."""
    return plan_acknowledgments(source, delimiters=delimiters).render(
        interchange_control_number=interchange_control_number, group_control_start=group_control_start,
        timestamp=timestamp)


def _writable(d: Delimiters) -> Delimiters:
    """The partner's delimiters when we can write with them, else ours: a TA1 that rejects an
    interchange for its delimiters must not fail for the same reason."""
    try:
        SegmentWriter(d)
    except X12RenderError:
        return DEFAULT_DELIMITERS
    return d


def _with_ta1(text: str, d: Delimiters, ta1: list[str]) -> str:
    """The interchange ``text`` with its TA1 between the ISA and the first GS, where X12 places it."""
    isa_end = text.index(d.segment) + 1
    return text[:isa_end] + SegmentWriter(d).segment(ta1) + text[isa_end:]


def render_benchmark(docs: Sequence[Document]) -> int:
    """Render ``docs`` as one interchange (benchmark hook); returns the number of bytes written."""
    spec = InterchangeSpec("ZZ", "BENCHSENDER", "ZZ", "BENCHRECEIVER", 1,
                           timestamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    return len(render_documents(docs, spec, 1).encode())


__all__ = [
    "AckResult",
    "ParsedDocument",
    "acknowledgment_file",
    "document_of",
    "envelope_ref",
    "parse_documents",
    "render_benchmark",
    "render_documents",
]
