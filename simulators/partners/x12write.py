"""The partners' own small X12 writer: envelopes with per-partner control numbers and correct trailer counts.

Deliberately independent of the product's X12 code. Delimiters are the common ones (`*`, `>`, `~`, and `^`
for repetition in 005010); each segment ends with a newline after the terminator, as many translators write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

ELEMENT, COMPONENT, TERMINATOR, REPETITION = "*", ">", "~", "^"

Segment = tuple[str, ...]
Breakage = Literal["se_count", "envelope"]


@dataclass(frozen=True)
class Party:
    """An ISA sender or receiver: qualifier and id (unpadded)."""

    qualifier: str
    id: str


@dataclass(frozen=True)
class Envelope:
    sender: Party
    receiver: Party
    version: str
    usage: str
    when: datetime


@dataclass(frozen=True)
class Written:
    """A rendered interchange and the control numbers it used (for the partner's sent log)."""

    text: str
    interchange: int
    group: int | None
    sets: tuple[int, ...]


class ControlNumbers:
    """A partner's interchange, group and transaction-set counters, each incrementing from 1."""

    def __init__(self) -> None:
        self.interchange = self.group = self.transaction = 0

    def next_interchange(self) -> int:
        self.interchange += 1
        return self.interchange

    def next_group(self) -> int:
        self.group += 1
        return self.group

    def next_transaction(self) -> int:
        self.transaction += 1
        return self.transaction


def number(value: Decimal) -> str:
    """An X12 R (decimal) value: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


_DELIMITERS = str.maketrans(dict.fromkeys(ELEMENT + COMPONENT + TERMINATOR + REPETITION, " "))


def render(seg: Segment) -> str:
    """One segment with its terminator; delimiters inside values become spaces, trailing empty elements go."""
    elements = [value.translate(_DELIMITERS) for value in seg]
    while len(elements) > 1 and elements[-1] == "":
        elements.pop()
    return ELEMENT.join(elements) + TERMINATOR + "\n"


def write_interchange(
    envelope: Envelope,
    controls: ControlNumbers,
    functional_id: str,
    transactions: Sequence[tuple[str, list[Segment]]],
    breakage: Breakage | None = None,
) -> Written:
    """ISA, one GS group holding each (set id, body) as ST…SE, GE, IEA."""
    icn, gcn = controls.next_interchange(), controls.next_group()
    lines = [_isa(envelope, icn)]
    when = envelope.when
    gs = ("GS", functional_id, envelope.sender.id, envelope.receiver.id, f"{when:%Y%m%d}", f"{when:%H%M}", str(gcn))
    lines.append(render((*gs, "X", envelope.version)))
    set_numbers = []
    for set_id, body in transactions:
        stcn = controls.next_transaction()
        set_numbers.append(stcn)
        control = f"{stcn:04d}"
        count = len(body) + 2 + (1 if breakage == "se_count" else 0)
        lines.append(render(("ST", set_id, control)))
        lines.extend(render(s) for s in body)
        lines.append(render(("SE", str(count), control)))
    lines.append(render(("GE", str(len(transactions)), str(gcn))))
    lines.append(_iea(1, icn, breakage))
    return Written("".join(lines), icn, gcn, tuple(set_numbers))


def write_ta1_interchange(envelope: Envelope, controls: ControlNumbers, ta1: Segment) -> Written:
    """An interchange holding only a TA1 (interchange acknowledgment): no group, so IEA01 is 0."""
    icn = controls.next_interchange()
    return Written(_isa(envelope, icn) + render(ta1) + _iea(0, icn, None), icn, None, ())


def _isa(envelope: Envelope, icn: int) -> str:
    sender, receiver, when = envelope.sender, envelope.receiver, envelope.when
    repetition = REPETITION if envelope.version.startswith("005") else "U"
    elements = ["ISA", "00", " " * 10, "00", " " * 10, sender.qualifier, sender.id.ljust(15)]
    elements += [receiver.qualifier, receiver.id.ljust(15), f"{when:%y%m%d}", f"{when:%H%M}", repetition]
    elements += [envelope.version[:5], f"{icn:09d}", "0", envelope.usage, COMPONENT]
    return ELEMENT.join(elements) + TERMINATOR + "\n"


def _iea(groups: int, icn: int, breakage: Breakage | None) -> str:
    control = icn + 1 if breakage == "envelope" else icn
    return render(("IEA", str(groups), f"{control:09d}"))
