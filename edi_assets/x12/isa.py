"""Find the delimiters of an interchange from its ISA, and validate the ISA's fields.

The ISA is read by its element separators, not by fixed columns: real files carry ISAs of 78 to 107
characters (single-space padding, 16-character sender ids), and one corpus file even has a line break
inside ISA10. The element separator is the character after ``ISA``; the component separator is
ISA16; the segment terminator is the character after ISA16 (when that is a space and a line break
follows, the line break is the terminator and the spaces are padding); from version 00403 the
repetition separator is ISA11.
"""

from __future__ import annotations

from dataclasses import dataclass

from edi_assets.x12.envelope import Delimiters
from edi_assets.x12.errors import AckCodes, IssueCode, Level, Position, Severity, X12Issue
from edi_assets.x12.values import digits, valid_time, x12_date

ISA_STANDARD_LENGTH = 106
MAX_ISA_SPAN = 220  # beyond this many characters, 16 separators are not an ISA any more
MIN_VERSION, MAX_VERSION = 200, 501
_PADDING = " \t"
_LINE_BREAKS = "\r\n"


@dataclass(frozen=True, slots=True)
class ParsedISA:
    elements: list[str]
    delimiters: Delimiters
    end: int  # index just past the segment terminator
    length: int  # characters from 'I' of ISA through the terminator
    issues: list[X12Issue]


class NeedMoreText(Exception):  # noqa: N818 - control flow signal, never leaves the reader
    """The ISA is cut by the end of the buffered text; read more and try again."""


def _isa_issue(
    code: IssueCode,
    message: str,
    ta1: str | None,
    ordinal: int,
    element: int | None = None,
    bad: str | None = None,
    severity: Severity = Severity.ERROR,
) -> X12Issue:
    return X12Issue(
        code=code,
        message=message,
        level=Level.INTERCHANGE,
        position=Position(interchange=ordinal, segment_id="ISA", element=element),
        severity=severity,
        ack=AckCodes(ta1=ta1),
        bad_value=bad,
    )


def parse_isa(text: str, start: int, ordinal: int, at_eof: bool) -> ParsedISA | X12Issue:
    """Parse the ISA at ``text[start:]`` (which begins with ``ISA``).

    Returns the parsed header, or an issue when no delimiters can be found (the caller skips ahead).
    Raises :class:`NeedMoreText` when the text ends inside the ISA and more may come.
    """
    if len(text) < start + 4:
        if not at_eof:
            raise NeedMoreText
        return _isa_issue(IssueCode.ISA_MALFORMED, "the file ends inside an ISA segment", "023", ordinal)
    ele = text[start + 3]
    if ele.isalnum() or ele.isspace():
        return _isa_issue(
            IssueCode.INVALID_DELIMITERS,
            f"ISA is not followed by an element separator (found {ele!r})",
            "026",
            ordinal,
            bad=ele,
        )
    seps: list[int] = []
    pos = start + 3
    limit = start + MAX_ISA_SPAN
    while len(seps) < 16:
        nxt = text.find(ele, pos, limit)
        if nxt < 0:
            if len(text) < limit and not at_eof:
                raise NeedMoreText
            return _isa_issue(
                IssueCode.ISA_MALFORMED,
                f"ISA has {len(seps)} of its 16 elements before the data stops looking like an ISA",
                "023" if at_eof and len(text) < limit else "022",
                ordinal,
            )
        seps.append(nxt)
        pos = nxt + 1
    last = seps[-1]
    if len(text) < last + 3 and not at_eof:
        raise NeedMoreText
    comp = text[last + 1] if last + 1 < len(text) else ""
    term_at = last + 2
    term = text[term_at] if term_at < len(text) else ""
    if term and term in _PADDING:
        # "...*P*> \r\n" or "...*P*>  ~": trailing spaces, then what really ends the segment
        probe = term_at
        while probe < len(text) and text[probe] in _PADDING:
            probe += 1
        if probe >= len(text) and not at_eof:
            raise NeedMoreText
        if probe < len(text) and (text[probe] in _LINE_BREAKS or
                                  not (text[probe].isalnum() or text[probe] in (ele, comp))):
            term_at, term = probe, text[probe]
    elements = [text[start:start + 3]]
    prev = start + 3
    for s in seps[1:]:  # ISA01 .. ISA15 lie between consecutive separators
        elements.append(text[prev + 1 : s])
        prev = s
    elements.append(comp)  # ISA16
    issues: list[X12Issue] = []
    if term not in _LINE_BREAKS and any(("\r" in e or "\n" in e) for e in elements):
        elements = [e.replace("\r", "").replace("\n", "") for e in elements]
        issues.append(
            _isa_issue(
                IssueCode.ISA_MALFORMED,
                "a line break inside the ISA was ignored (the file is wrapped at a fixed width)",
                None,
                ordinal,
                severity=Severity.WARNING,
            )
        )
    if not comp or comp.isalnum() or comp == ele or comp.isspace():
        issues.append(
            _isa_issue(
                IssueCode.INVALID_DELIMITERS,
                f"ISA16 component separator {comp!r} is not a usable separator",
                "027",
                ordinal,
                16,
                comp,
            )
        )
    if not term or term.isalnum() or term in (ele, comp) or term in _PADDING:
        issues.append(
            _isa_issue(
                IssueCode.INVALID_DELIMITERS,
                f"segment terminator {term!r} after ISA16 is not a usable terminator",
                "004",
                ordinal,
                bad=term,
            )
        )
        return issues[-1]
    version = elements[12]
    rep: str | None = None
    isa11 = elements[11]
    if digits(version) and int(version) >= 403:
        if len(isa11) == 1 and not isa11.isalnum() and isa11 not in (ele, comp, term) and not isa11.isspace():
            rep = isa11
        elif isa11 != "U":
            issues.append(
                _isa_issue(
                    IssueCode.INVALID_DELIMITERS,
                    f"ISA11 repetition separator {isa11!r} is not usable; repetitions are not split",
                    "016",
                    ordinal,
                    11,
                    isa11,
                    Severity.WARNING,
                )
            )
    delims = Delimiters(element=ele, component=comp, segment=term, repetition=rep)
    length = term_at - start + 1
    issues.extend(validate_isa_fields(elements, ordinal, length))
    return ParsedISA(elements=elements, delimiters=delims, end=term_at + 1, length=length, issues=issues)


_QUALIFIER_CODES = {"00", "01", "02", "03", "04", "05", "06"}
_USAGE = {"P", "T", "I"}


def _has_control_chars(value: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in value)


def _valid_date(value: str) -> bool:
    return len(value) == 6 and x12_date(value) is not None


def _valid_time(value: str) -> bool:
    return len(value) == 4 and valid_time(value)


def validate_isa_fields(el: list[str], ordinal: int, length: int) -> list[X12Issue]:
    """Check each ISA field; each defect carries the TA1 note code (I18) a TA1 would report."""
    out: list[X12Issue] = []

    def bad(code: IssueCode, msg: str, ta1: str, idx: int, sev: Severity = Severity.ERROR) -> None:
        out.append(_isa_issue(code, msg, ta1, ordinal, idx, el[idx], sev))

    inv = IssueCode.ISA_ELEMENT_INVALID
    if length != ISA_STANDARD_LENGTH:
        out.append(
            _isa_issue(
                IssueCode.ISA_LENGTH,
                f"ISA is {length} characters long, not {ISA_STANDARD_LENGTH}; fields are read by separator",
                None,
                ordinal,
                severity=Severity.WARNING,
            )
        )
    if el[1] not in _QUALIFIER_CODES:
        bad(inv, f"ISA01 authorization qualifier {el[1]!r} is not a valid code", "010", 1)
    if _has_control_chars(el[2]):
        bad(inv, "ISA02 authorization information holds control characters", "011", 2)
    if el[3] not in {"00", "01"}:
        bad(inv, f"ISA03 security qualifier {el[3]!r} is not a valid code", "012", 3)
    if _has_control_chars(el[4]):
        bad(inv, "ISA04 security information holds control characters", "013", 4)
    for q, v, q_code, v_code, who in ((5, 6, "005", "006", "sender"), (7, 8, "007", "008", "receiver")):
        if not (len(el[q]) == 2 and el[q].isalnum()):
            bad(inv, f"ISA{q:02d} {who} id qualifier {el[q]!r} is not a 2-character code", q_code, q)
        value = el[v]
        if not value.strip() or _has_control_chars(value):
            bad(inv, f"ISA{v:02d} {who} id {value!r} is empty or holds control characters", v_code, v)
        elif len(value.rstrip()) > 15:
            bad(inv, f"ISA{v:02d} {who} id {value!r} is longer than 15 characters", v_code, v, Severity.WARNING)
    if not _valid_date(el[9]):
        bad(inv, f"ISA09 interchange date {el[9]!r} is not a valid YYMMDD date", "014", 9)
    if not _valid_time(el[10]):
        bad(inv, f"ISA10 interchange time {el[10]!r} is not a valid HHMM time", "015", 10)
    version = el[12]
    if not (len(version) == 5 and digits(version) and MIN_VERSION <= int(version) <= MAX_VERSION):
        out.append(
            _isa_issue(
                IssueCode.VERSION_UNSUPPORTED,
                f"ISA12 version {version!r} is not a supported control version (00200 to 00501)",
                "017",
                ordinal,
                12,
                version,
            )
        )
    elif int(version) < 403 and el[11] != "U":
        bad(inv, f"ISA11 standards identifier {el[11]!r} should be 'U' before version 00403", "016", 11,
            Severity.WARNING)
    if not (len(el[13]) == 9 and digits(el[13])):
        bad(inv, f"ISA13 control number {el[13]!r} is not 9 digits", "018", 13)
    if el[14] not in {"0", "1"}:
        bad(inv, f"ISA14 acknowledgment requested {el[14]!r} is not 0 or 1", "019", 14)
    if el[15] not in _USAGE:
        bad(inv, f"ISA15 usage indicator {el[15]!r} is not P, T or I", "020", 15)
    return out
