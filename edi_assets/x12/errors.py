"""Typed X12 problems.

Every defect the engine finds is an :class:`X12Issue`: a value, not an exception, so that one broken
transaction set never stops the rest of a file from being read. Each issue carries where it is and the
code an acknowledgment would carry for it (TA1 for the interchange, AK9 for the group, AK5 for the set,
AK3 for the segment, AK4 for the element), so the 997/TA1 builders need no second opinion.

Exceptions exist only for what makes reading impossible; all of them derive from :class:`X12Error`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Level(StrEnum):
    """The envelope level an issue belongs to; decides which acknowledgment reports it."""

    FILE = "file"
    INTERCHANGE = "interchange"
    GROUP = "group"
    TRANSACTION = "transaction"
    SEGMENT = "segment"
    ELEMENT = "element"


class IssueCode(StrEnum):
    """What went wrong, in words a person can search for."""

    NOT_X12 = "not_x12"
    EMPTY = "empty"
    TEXT_OUTSIDE_INTERCHANGE = "text_outside_interchange"
    ISA_MALFORMED = "isa_malformed"
    ISA_LENGTH = "isa_length"
    ISA_ELEMENT_INVALID = "isa_element_invalid"
    INVALID_DELIMITERS = "invalid_delimiters"
    VERSION_UNSUPPORTED = "version_unsupported"
    IEA_MISSING = "iea_missing"
    IEA_CONTROL_MISMATCH = "iea_control_mismatch"
    IEA_COUNT_MISMATCH = "iea_count_mismatch"
    GS_MALFORMED = "gs_malformed"
    GS_ELEMENT_INVALID = "gs_element_invalid"
    GS_VERSION_UNSUPPORTED = "gs_version_unsupported"
    GE_MISSING = "ge_missing"
    GE_CONTROL_MISMATCH = "ge_control_mismatch"
    GE_CONTROL_SYNTAX = "ge_control_syntax"
    GE_COUNT_MISMATCH = "ge_count_mismatch"
    ST_MALFORMED = "st_malformed"
    SE_MISSING = "se_missing"
    SE_CONTROL_MISMATCH = "se_control_mismatch"
    SE_COUNT_MISMATCH = "se_count_mismatch"
    SEGMENT_OUTSIDE_TRANSACTION = "segment_outside_transaction"
    SEGMENT_OUTSIDE_GROUP = "segment_outside_group"
    DUPLICATE_CONTROL_NUMBER = "duplicate_control_number"
    UNKNOWN_SEGMENT = "unknown_segment"
    UNEXPECTED_SEGMENT = "unexpected_segment"
    MANDATORY_SEGMENT_MISSING = "mandatory_segment_missing"
    LOOP_OCCURS_OVER_MAX = "loop_occurs_over_max"
    SEGMENT_OVER_MAX_USE = "segment_over_max_use"
    SEGMENT_SYNTAX = "segment_syntax"
    ELEMENT_MISSING = "element_missing"
    ELEMENT_CONDITIONAL = "element_conditional"
    TOO_MANY_ELEMENTS = "too_many_elements"
    ELEMENT_TOO_SHORT = "element_too_short"
    ELEMENT_TOO_LONG = "element_too_long"
    ELEMENT_INVALID_CHARACTER = "element_invalid_character"
    ELEMENT_INVALID_CODE = "element_invalid_code"
    ELEMENT_INVALID_DATE = "element_invalid_date"
    ELEMENT_INVALID_TIME = "element_invalid_time"
    ELEMENT_EXCLUSION = "element_exclusion"
    TOO_MANY_REPETITIONS = "too_many_repetitions"
    TOO_MANY_COMPONENTS = "too_many_components"
    HIERARCHY_INVALID = "hierarchy_invalid"
    TOTAL_MISMATCH = "total_mismatch"
    TRANSACTION_UNSUPPORTED = "transaction_unsupported"


@dataclass(frozen=True, slots=True)
class Position:
    """Where an issue is. Ordinals are 1-based and count within the parent envelope.

    ``segment`` counts from ST (ST is 1), as AK302 does; ``file_segment`` counts from the start of the
    file, which is what a person scrolling the raw file needs.
    """

    interchange: int | None = None
    group: int | None = None
    transaction: int | None = None
    segment: int | None = None
    segment_id: str | None = None
    element: int | None = None
    component: int | None = None
    repetition: int | None = None
    file_segment: int | None = None

    def describe(self) -> str:
        parts: list[str] = []
        if self.interchange is not None:
            parts.append(f"interchange {self.interchange}")
        if self.group is not None:
            parts.append(f"group {self.group}")
        if self.transaction is not None:
            parts.append(f"transaction set {self.transaction}")
        if self.segment is not None or self.segment_id is not None:
            seg = f"segment {self.segment_id or '?'}"
            if self.segment is not None:
                seg += f" #{self.segment}"
            parts.append(seg)
        if self.element is not None:
            el = f"element {self.element:02d}"
            if self.component is not None:
                el += f"-{self.component}"
            parts.append(el)
        if self.file_segment is not None:
            parts.append(f"(segment {self.file_segment} of the file)")
        return ", ".join(parts) if parts else "file"


@dataclass(frozen=True, slots=True)
class AckCodes:
    """The codes an acknowledgment carries for an issue; only the fields of its level are set.

    ta1: TA105 (I18) interchange note code.  ak9: AK905 (716) group syntax error code.
    ak5: AK502 (718) transaction set syntax error code.  ak3: AK304 (720) segment syntax error code.
    ak4: AK403 (723) element syntax error code.
    """

    ta1: str | None = None
    ak9: str | None = None
    ak5: str | None = None
    ak3: str | None = None
    ak4: str | None = None


@dataclass(frozen=True, slots=True)
class X12Issue:
    code: IssueCode
    message: str
    level: Level
    position: Position = field(default_factory=Position)
    severity: Severity = Severity.ERROR
    ack: AckCodes = field(default_factory=AckCodes)
    bad_value: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def one_line(self) -> str:
        """A single line a person can act on: what, where."""
        return f"{self.severity.value}: {self.message} [{self.code.value}] at {self.position.describe()}"

    def as_dict(self) -> dict[str, object]:
        pos = {k: getattr(self.position, k) for k in self.position.__slots__}
        ack = {k: getattr(self.ack, k) for k in self.ack.__slots__ if getattr(self.ack, k) is not None}
        out: dict[str, object] = {
            "code": self.code.value,
            "severity": self.severity.value,
            "level": self.level.value,
            "message": self.message,
            "position": {k: v for k, v in pos.items() if v is not None},
            "ack_codes": ack,
        }
        if self.bad_value is not None:
            out["bad_value"] = self.bad_value
        return out


class X12Error(Exception):
    """Base of every exception the X12 engine raises on purpose."""


class NotX12Error(X12Error):
    """The input holds no X12 interchange at all (empty, JSON, binary, ...)."""


class X12SourceError(X12Error):
    """The input could not be read (missing file, unreadable stream)."""


class X12RenderError(X12Error):
    """A document cannot be rendered as X12 (a value contains a delimiter, a required value is missing)."""


class X12StructureError(X12Error):
    """A transaction set cannot be turned into a typed model (wrong set id, missing mandatory segment)."""
