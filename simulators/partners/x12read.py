"""Reading what the customer sends, with pyx12: never with the product's own X12 code (see DESIGN.md).

pyx12's `X12Reader` walks the segments and checks the envelope (trailer counts, control numbers); its error
codes are the acknowledgment codes themselves (TA105 for the interchange, AK905 for a group, AK502 for a
transaction set, AK304 for a segment), so they go into the 997 or TA1 as they are. pyx12 ships no 850 or 810
map, so the business content is read here from its segments.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pyx12.errors import X12Error
from pyx12.x12file import X12Reader

from simulators.partners.orders import Order, OrderLine
from simulators.partners.x12write import Party

_KNOWN_VERSIONS = ("00401", "00501")


@dataclass(frozen=True)
class InterchangeHeader:
    """What a TA1 answer needs from the interchange it answers (all as received)."""

    sender: Party
    receiver: Party
    control: str
    date: str
    time: str


@dataclass
class ElementNote:
    position: int
    code: str
    value: str = ""


@dataclass
class SegmentNote:
    segment_id: str
    position: int
    code: str
    elements: list[ElementNote] = field(default_factory=list)


@dataclass
class ReceivedSet:
    """One ST…SE: its pyx12 segments between ST and SE, and what is wrong with it (for the 997)."""

    set_id: str
    control: str
    segments: list[Any] = field(default_factory=list)
    error: str | None = None
    notes: list[SegmentNote] = field(default_factory=list)

    def note(self, segment_id: str, index: int, code: str, *elements: ElementNote) -> None:
        """Note a problem with `segments[index]` (whose position in the set is index + 2: ST is 1)."""
        self.notes.append(SegmentNote(segment_id, index + 2, code, list(elements)))

    @property
    def accepted(self) -> bool:
        return self.error is None and not self.notes


@dataclass
class ReceivedGroup:
    functional_id: str
    control: str
    version: str
    declared_sets: int | None = None
    sets: list[ReceivedSet] = field(default_factory=list)
    error: str | None = None


@dataclass
class ReceivedInterchange:
    header: InterchangeHeader
    groups: list[ReceivedGroup] = field(default_factory=list)
    ta1s: list[Any] = field(default_factory=list)
    error: str | None = None


class EnvelopeError(Exception):
    """The interchange cannot be read at all; `code` is the TA105 note, `header` what could be salvaged."""

    def __init__(self, code: str, message: str, header: InterchangeHeader | None) -> None:
        super().__init__(message)
        self.code = code
        self.header = header


def read_interchanges(text: str) -> list[ReceivedInterchange]:
    """Every interchange of a file (usually one), with pyx12's envelope findings attached where they belong."""
    try:
        return _walk(X12Reader(io.StringIO(text)))
    except X12Error as exc:
        raise _unreadable(text, str(exc)) from exc


def _walk(reader: Any) -> list[ReceivedInterchange]:
    interchanges: list[ReceivedInterchange] = []
    group: ReceivedGroup | None = None
    current: ReceivedSet | None = None
    for seg in reader:  # pyx12 guarantees the first segment is an ISA
        seg_id = str(seg.get_seg_id())
        if seg_id == "ISA":
            interchanges.append(ReceivedInterchange(_header(seg)))
            group = current = None
        interchange = interchanges[-1]
        if seg_id == "GS":
            group = ReceivedGroup(_value(seg, "01"), _value(seg, "06"), _value(seg, "08"))
            interchange.groups.append(group)
        elif seg_id == "ST":
            if group is None:
                raise EnvelopeError("024", "ST outside a functional group", interchange.header)
            current = ReceivedSet(_value(seg, "01"), _value(seg, "02"))
            group.sets.append(current)
        elif seg_id == "GE" and group is not None:
            group.declared_sets = _integer(_value(seg, "01"))
        elif seg_id == "TA1":
            interchange.ta1s.append(seg)
        elif current is not None and seg_id not in ("SE", "IEA"):
            current.segments.append(seg)
        _attach(reader.pop_errors(), seg_id, interchange, group, current)
        if seg_id == "SE":
            current = None
        elif seg_id == "GE":
            group = None
    reader.cleanup()
    _attach(reader.pop_errors(), "", interchanges[-1], group, current)
    return interchanges


def read_order(received: ReceivedSet) -> Order | None:
    """The purchase order of an 850, or None with notes on the set saying why it cannot be taken."""
    beg_index = _find(received, "BEG")
    if beg_index is None:
        received.note("BEG", 0, "3")
        return None
    beg = received.segments[beg_index]
    number, raw_date = _value(beg, "03"), _value(beg, "05")
    order_date = _date(raw_date)
    problems = [ElementNote(3, "1")] if not number else []
    if order_date is None:
        problems.append(ElementNote(5, "8", raw_date))
    if problems:
        received.note("BEG", beg_index, "8", *problems)
    lines = _order_lines(received)
    if not lines and not received.notes:
        received.note("PO1", len(received.segments), "3")
    if not received.accepted or order_date is None:
        return None
    return Order(number, order_date, lines)


def read_invoice(received: ReceivedSet) -> dict[str, str] | None:
    """The key facts of an 810 the customer sends the partner, or None (with a note) without a BIG."""
    big_index = _find(received, "BIG")
    if big_index is None:
        received.note("BIG", 0, "3")
        return None
    big = received.segments[big_index]
    tds_index = _find(received, "TDS")
    total = _value(received.segments[tds_index], "01") if tds_index is not None else ""
    return {"invoice_number": _value(big, "02"), "po_number": _value(big, "04"), "total_cents": total}


def read_acknowledgment(received: ReceivedSet) -> tuple[int | None, str]:
    """The group control number a 997 acknowledges (AK102) and its verdict (AK901)."""
    ak1, ak9 = _find(received, "AK1"), _find(received, "AK9")
    group = _integer(_value(received.segments[ak1], "02")) if ak1 is not None else None
    verdict = _value(received.segments[ak9], "01") if ak9 is not None else ""
    return group, verdict


def read_ta1(seg: Any) -> tuple[int | None, str, str]:
    """Interchange control number, acknowledgment code (TA104) and note code (TA105) of a TA1."""
    return _integer(_value(seg, "01")), _value(seg, "04"), _value(seg, "05")


def _order_lines(received: ReceivedSet) -> list[OrderLine]:
    lines: list[OrderLine] = []
    for index, seg in enumerate(received.segments):
        seg_id = seg.get_seg_id()
        if seg_id == "PID" and lines:
            lines[-1] = replace(lines[-1], description=_value(seg, "05"))
        if seg_id != "PO1":
            continue
        raw_quantity, unit, raw_price = _value(seg, "02"), _value(seg, "03"), _value(seg, "04")
        quantity, price = _decimal(raw_quantity), _decimal(raw_price or "0")
        problems = []
        if quantity is None:
            problems.append(ElementNote(2, "6" if raw_quantity else "1", raw_quantity))
        if not unit:
            problems.append(ElementNote(3, "1"))
        if price is None:
            problems.append(ElementNote(4, "6", raw_price))
        if problems or quantity is None or price is None:
            received.note("PO1", index, "8", *problems)
            continue
        pairs = ((_value(seg, f"{k:02d}"), _value(seg, f"{k + 1:02d}")) for k in range(6, 25, 2))
        ids = tuple((qualifier, item) for qualifier, item in pairs if qualifier and item)
        lines.append(OrderLine(_value(seg, "01") or str(len(lines) + 1), quantity, unit, price, ids))
    return lines


def _attach(
    errors: list[tuple[str, str, str, str | None, int | None]],
    seg_id: str,
    interchange: ReceivedInterchange,
    group: ReceivedGroup | None,
    current: ReceivedSet | None,
) -> None:
    """Put each pyx12 finding on the envelope level it concerns; the first finding per level is the one reported."""
    for kind, code, *_ in errors:
        if kind == "seg" and current is not None:
            position = len(current.segments) + (2 if seg_id == "SE" else 1)
            current.notes.append(SegmentNote(seg_id, position, code if code.isdigit() else "8"))
        elif kind in ("st", "seg") and current is not None:
            current.error = current.error or code
        elif kind == "gs" and group is not None:
            group.error = group.error or code
        else:
            interchange.error = interchange.error or (code if kind == "isa" else "024")


def _unreadable(text: str, message: str) -> EnvelopeError:
    """pyx12 refused the ISA itself; salvage the header fields a TA1 needs when the ISA splits into 16 elements."""
    elements = text[:200].split(text[3]) if text.startswith("ISA") and len(text) > 3 else []
    if len(elements) < 17:
        return EnvelopeError("022", message, None)
    code = "017" if elements[12] not in _KNOWN_VERSIONS else "022"
    sender, receiver = Party(elements[5], elements[6].strip()), Party(elements[7], elements[8].strip())
    header = InterchangeHeader(sender, receiver, control=elements[13].strip(), date=elements[9], time=elements[10])
    return EnvelopeError(code, message, header)


def _header(isa: Any) -> InterchangeHeader:
    return InterchangeHeader(
        Party(_value(isa, "05"), _value(isa, "06").strip()),
        Party(_value(isa, "07"), _value(isa, "08").strip()),
        _value(isa, "13"),
        _value(isa, "09"),
        _value(isa, "10"),
    )


def _find(received: ReceivedSet, seg_id: str) -> int | None:
    return next((i for i, s in enumerate(received.segments) if s.get_seg_id() == seg_id), None)


def _value(seg: Any, element: str) -> str:
    value = seg.get_value(element)
    return "" if value is None else str(value)


def _integer(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date() if len(text) == 8 else None
    except ValueError:
        return None
