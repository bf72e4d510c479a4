"""Acknowledgments: the 997 for a functional group, and the TA1 for an interchange.

:func:`acknowledge_group` turns what the reader and :func:`~edi_assets.x12.analyze.analyze` found into
an :class:`AckGroup`; :func:`ack_body` renders any AckGroup (ours, or one built from a canonical
FunctionalAck) as the AK1..AK9 segments of a 997, so there is one layout of a 997 in the code base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from edi_assets.x12.analyze import SetAnalysis
from edi_assets.x12.dictionary import segment_definitions
from edi_assets.x12.envelope import Group, Interchange, Segment
from edi_assets.x12.errors import Level, X12Issue
from edi_assets.x12.values import digits

MAX_AK4_PER_AK3 = 99
MAX_CODES = 5


@dataclass(slots=True)
class AckElement:
    position: int
    component: int | None
    reference: str | None
    code: str
    bad_value: str | None = None


@dataclass(slots=True)
class AckSegment:
    segment_id: str
    position: int
    loop_id: str | None
    code: str | None
    elements: list[AckElement] = field(default_factory=list)


@dataclass(slots=True)
class AckSet:
    set_id: str
    control_number: str
    status: str
    codes: list[str] = field(default_factory=list)
    segments: list[AckSegment] = field(default_factory=list)
    implementation: str | None = None


@dataclass(slots=True)
class AckGroup:
    functional_id: str
    control_number: str
    version: str | None
    sets: list[AckSet]
    status: str
    included: int
    received: int
    accepted: int
    codes: list[str] = field(default_factory=list)


def _element_ref(segment_id: str, position: int, component: int | None) -> str | None:
    sdef = segment_definitions().get(segment_id)
    if sdef is None or not 0 < position <= len(sdef.elements):
        return None
    e = sdef.elements[position - 1]
    if component and e.components and component <= len(e.components):
        return e.components[component - 1].ref
    return e.ref if e.ref and e.ref[0].isdigit() else None


def _unique(codes: Sequence[str | None]) -> list[str]:
    out: list[str] = []
    for c in codes:
        if c and c not in out:
            out.append(c)
    return out[:MAX_CODES]


def acknowledge_set(a: SetAnalysis) -> AckSet:
    errors = [i for i in a.issues if i.is_error]
    segments: list[AckSegment] = []
    by_position: dict[int, AckSegment] = {}
    for issue in errors:
        pos = issue.position.segment
        if pos is None or issue.level not in (Level.SEGMENT, Level.ELEMENT):
            continue
        sid = issue.position.segment_id or "?"
        if issue.level is Level.ELEMENT:
            note = by_position.get(pos)
            if note is None:
                note = AckSegment(sid, pos, None, "8")
                by_position[pos] = note
                segments.append(note)
            if len(note.elements) < MAX_AK4_PER_AK3 and issue.position.element:
                element = issue.position.element
                note.elements.append(
                    AckElement(element, issue.position.component,
                               _element_ref(sid, element, issue.position.component),
                               issue.ack.ak4 or "6", issue.bad_value)
                )
        else:
            segments.append(AckSegment(sid, pos, None, issue.ack.ak3))
    codes = _unique([i.ack.ak5 for i in errors])
    if errors and not codes:
        codes = ["5"]
    return AckSet(
        set_id=a.ts.set_id or "?", control_number=a.ts.control_number or "?",
        status="R" if errors else "A", codes=codes, segments=segments, implementation=a.ts.implementation,
    )


def acknowledge_group(group: Group, analyses: Sequence[SetAnalysis]) -> AckGroup:
    """The 997 content for one group: AK2/AK5 per set, AK3/AK4 per faulty segment, AK9 totals."""
    sets = [acknowledge_set(a) for a in analyses]
    accepted = sum(1 for s in sets if s.status == "A")
    group_errors: list[X12Issue] = [i for i in group.issues if i.is_error]
    codes = _unique([i.ack.ak9 for i in group_errors])
    if group_errors or (sets and accepted == 0):
        status = "R"
    elif accepted < len(sets):
        status = "P"
    else:
        status = "A"
    ge_count = group.trailer[1] if group.trailer and len(group.trailer) > 1 else ""
    return AckGroup(
        functional_id=group.functional_id, control_number=group.control_number, version=group.version or None,
        sets=sets, status=status, included=int(ge_count) if digits(ge_count) else len(sets),
        received=len(sets), accepted=accepted, codes=codes,
    )


def ack_body(ack: AckGroup, with_5010_elements: bool) -> list[list[str | tuple[str, ...]]]:
    """The AK1..AK9 segments of a 997 for ``ack`` (AK401 is a composite when it names a component)."""
    body: list[list[str | tuple[str, ...]]] = [["AK1", ack.functional_id, ack.control_number,
                            (ack.version or "") if with_5010_elements else ""]]
    for s in ack.sets:
        body.append(["AK2", s.set_id, s.control_number, (s.implementation or "") if with_5010_elements else ""])
        for seg in s.segments:
            body.append(["AK3", seg.segment_id, str(seg.position), seg.loop_id or "", seg.code or ""])
            for e in seg.elements:
                position: str | tuple[str, ...] = (
                    (str(e.position), str(e.component)) if e.component else str(e.position))
                body.append(["AK4", position, e.reference or "", e.code, _safe_bad(e.bad_value)])
        body.append(["AK5", s.status, *s.codes[:MAX_CODES]])
    body.append(["AK9", ack.status, str(ack.included), str(ack.received), str(ack.accepted),
                 *ack.codes[:MAX_CODES]])
    return body


def _safe_bad(value: str | None) -> str:
    """AK404 copies the bad value; keep it printable and short, without delimiter characters."""
    if not value:
        return ""
    cleaned = "".join(c if c.isalnum() or c in " .-/#,()" else "?" for c in value)
    return cleaned[:99].strip()


def ta1_segment(ic: Interchange) -> Segment:
    """TA1 for an interchange: A accepted, E accepted with errors noted, R rejected, with the note code."""
    errors = [i for i in ic.issues if i.is_error and i.ack.ta1]
    warnings = [i for i in ic.issues if not i.is_error and i.ack.ta1]
    if errors:
        status, code = "R", errors[0].ack.ta1 or "000"
    elif warnings:
        status, code = "E", warnings[0].ack.ta1 or "000"
    else:
        status, code = "A", "000"
    date = ic.date if len(ic.date) == 6 and digits(ic.date) else "000000"
    time = ic.time if len(ic.time) == 4 and digits(ic.time) else "0000"
    control = ic.control_number if digits(ic.control_number) else "0" * 9
    return ["TA1", control.zfill(9)[-9:], date, time, status, code]
