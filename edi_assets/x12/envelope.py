"""Envelope value types the reader yields: interchange, group and transaction set, with their issues.

Plain slotted dataclasses, not pydantic: the reader builds one per transaction set on the hot path.
A segment is a ``list[str]`` whose item 0 is the segment id and item N is element N (XX01 is ``seg[1]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edi_assets.x12.errors import X12Issue

Segment = list[str]


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four separators of one interchange. ``repetition`` is None before version 00403."""

    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str | None = None

    def all(self) -> tuple[str, ...]:
        return tuple(d for d in (self.element, self.component, self.segment, self.repetition) if d)


@dataclass(slots=True)
class Interchange:
    """ISA header fields, completed with trailer facts (IEA) once the interchange has been read."""

    ordinal: int
    elements: list[str]
    delimiters: Delimiters
    isa_length: int
    issues: list[X12Issue] = field(default_factory=list)
    group_count: int = 0
    trailer: Segment | None = None
    service_segments: list[Segment] = field(default_factory=list)

    def _el(self, i: int) -> str:
        return self.elements[i] if i < len(self.elements) else ""

    @property
    def sender_qualifier(self) -> str:
        return self._el(5).strip()

    @property
    def sender_id(self) -> str:
        return self._el(6).strip()

    @property
    def receiver_qualifier(self) -> str:
        return self._el(7).strip()

    @property
    def receiver_id(self) -> str:
        return self._el(8).strip()

    @property
    def date(self) -> str:
        return self._el(9)

    @property
    def time(self) -> str:
        return self._el(10)

    @property
    def version(self) -> str:
        return self._el(12)

    @property
    def control_number(self) -> str:
        return self._el(13)

    @property
    def ack_requested(self) -> str:
        return self._el(14)

    @property
    def usage(self) -> str:
        """ISA15: P production, T test, I information."""
        return self._el(15)

    @property
    def has_errors(self) -> bool:
        return any(i.is_error for i in self.issues)


@dataclass(slots=True)
class Group:
    """GS header fields, completed with the GE trailer facts once the group has been read."""

    ordinal: int
    elements: list[str]
    interchange: Interchange
    issues: list[X12Issue] = field(default_factory=list)
    transaction_count: int = 0
    trailer: Segment | None = None
    set_control_numbers: set[str] = field(default_factory=set)

    def _el(self, i: int) -> str:
        return self.elements[i] if i < len(self.elements) else ""

    @property
    def functional_id(self) -> str:
        return self._el(1)

    @property
    def sender(self) -> str:
        return self._el(2)

    @property
    def receiver(self) -> str:
        return self._el(3)

    @property
    def date(self) -> str:
        return self._el(4)

    @property
    def time(self) -> str:
        return self._el(5)

    @property
    def control_number(self) -> str:
        return self._el(6)

    @property
    def version(self) -> str:
        """GS08 as sent, e.g. ``004010`` or ``005010X230``."""
        return self._el(8)

    @property
    def release(self) -> str:
        """The six-digit version/release part of GS08 (``004010``)."""
        return self._el(8)[:6]

    @property
    def has_errors(self) -> bool:
        return any(i.is_error for i in self.issues)


@dataclass(slots=True)
class TransactionSet:
    """One ST..SE, as segments; ``issues`` holds every envelope and syntax problem found in it."""

    ordinal: int
    segments: list[Segment]
    interchange: Interchange
    group: Group | None
    first_file_segment: int
    issues: list[X12Issue] = field(default_factory=list)
    plain: bool = False  # no component or repetition separator anywhere in the set's text
    ascii: bool = False  # the text the set was cut from is all ASCII: no value holds a surrogate-escaped byte

    @property
    def set_id(self) -> str:
        st = self.segments[0]
        return st[1] if len(st) > 1 else ""

    @property
    def control_number(self) -> str:
        st = self.segments[0]
        return st[2] if len(st) > 2 else ""

    @property
    def implementation(self) -> str | None:
        """ST03, the implementation convention reference (5010), if sent."""
        st = self.segments[0]
        return st[3] if len(st) > 3 and st[3] else None

    @property
    def version(self) -> str:
        """The version that governs this set: ST03 when present, else GS08."""
        return self.implementation or (self.group.version if self.group else "") or ""

    @property
    def delimiters(self) -> Delimiters:
        return self.interchange.delimiters

    @property
    def has_errors(self) -> bool:
        return any(i.is_error for i in self.issues)


@dataclass(slots=True)
class GroupEnd:
    """Emitted when a group closes (by GE, or by what shows its GE is missing)."""

    group: Group


@dataclass(slots=True)
class InterchangeEnd:
    """Emitted when an interchange closes (by IEA, or by what shows its IEA is missing)."""

    interchange: Interchange


@dataclass(slots=True)
class FileIssue:
    """A problem outside every interchange: not X12 at all, text between interchanges."""

    issue: X12Issue


Event = Interchange | Group | TransactionSet | GroupEnd | InterchangeEnd | FileIssue
