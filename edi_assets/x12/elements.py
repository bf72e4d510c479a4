"""Validate a segment's elements against the dictionary: presence, length, type, codes, syntax notes.

Each defect carries its AK4 code (723): 1 mandatory missing, 2 conditional required missing, 3 too
many elements, 4 too short, 5 too long, 6 invalid character, 7 invalid code, 8 invalid date,
9 invalid time, 10 exclusion violated, 12 too many repetitions, 13 too many components.
Results are cached per distinct segment text, since large files repeat the same segments often.
"""

from __future__ import annotations

import re
from functools import lru_cache

from edi_assets.x12.dictionary import ElementDef, SyntaxNote, segment_definitions
from edi_assets.x12.errors import IssueCode
from edi_assets.x12.values import valid_time, x12_date

_NUMERIC = re.compile(r"-?[0-9]+\Z")
_DECIMAL = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE]-?[0-9]+)?\Z")
_CODES = {
    "1": IssueCode.ELEMENT_MISSING,
    "2": IssueCode.ELEMENT_CONDITIONAL,
    "3": IssueCode.TOO_MANY_ELEMENTS,
    "4": IssueCode.ELEMENT_TOO_SHORT,
    "5": IssueCode.ELEMENT_TOO_LONG,
    "6": IssueCode.ELEMENT_INVALID_CHARACTER,
    "7": IssueCode.ELEMENT_INVALID_CODE,
    "8": IssueCode.ELEMENT_INVALID_DATE,
    "9": IssueCode.ELEMENT_INVALID_TIME,
    "10": IssueCode.ELEMENT_EXCLUSION,
    "12": IssueCode.TOO_MANY_REPETITIONS,
    "13": IssueCode.TOO_MANY_COMPONENTS,
}

# (element position, component position or None, AK4 code, message, bad value, warning only)
ElementProblem = tuple[int, int | None, str, str, str | None, bool]

# Syntax notes that do not hold before 004010, where the element meant something else
# (DTM05 was the century, not a date/time period format qualifier).
NOT_BEFORE_004010 = {("DTM", "P0506")}


def issue_code(ak4: str) -> IssueCode:
    return _CODES[ak4]


def _valid_date(v: str) -> bool:
    return x12_date(v) is not None


def _measure(v: str, typ: str) -> int:
    """X12 length: numeric types do not count the sign or the decimal point."""
    if typ == "R" or typ.startswith("N"):
        return len(v) - v.count("-") - v.count(".") - v.count("+")
    return len(v)


def _type_problem(v: str, d: ElementDef, label: str) -> tuple[str, str] | None:
    """AK4 code and message when ``v`` is not of element ``d``'s X12 type."""
    typ = d.type
    if any(ord(c) < 32 for c in v):
        return "6", f"{label} holds control characters"
    if d.implied_decimals is not None:
        return None if _NUMERIC.match(v) else ("6", f"{label} {v!r} is not a whole number (type {typ})")
    if typ == "R":
        return None if _DECIMAL.match(v) else ("6", f"{label} {v!r} is not a number")
    if typ == "DT":
        return None if _valid_date(v) else ("8", f"{label} {v!r} is not a valid date")
    if typ == "TM":
        return None if valid_time(v) else ("9", f"{label} {v!r} is not a valid time")
    return None


def _check_simple(v: str, d: ElementDef, label: str) -> tuple[str, str] | None:
    typ = d.type
    wrong_type = _type_problem(v, d, label)
    if wrong_type:
        return wrong_type
    size = _measure(v, typ)
    if size < d.min:
        return "4", f"{label} {v!r} is shorter than {d.min}"
    if size > d.max:
        return "5", f"{label} {v[:40]!r} is longer than {d.max}"
    if typ == "ID" and d.codes is not None and v not in d.codes:
        return "7", f"{label} {v!r} is not a valid code"
    return None


@lru_cache(maxsize=65536)
def check_segment(
    elements: tuple[str, ...], comp: str, rep: str | None, release: str = "004010"
) -> tuple[ElementProblem, ...]:
    """Problems in one segment (``elements[0]`` is the id); empty when it is valid or undefined."""
    sid = elements[0]
    sdef = segment_definitions().get(sid)
    if sdef is None or not sdef.elements:
        return ()
    defs = sdef.elements
    out: list[ElementProblem] = []
    if len(elements) - 1 > len(defs):
        extra = len(defs) + 1
        out.append((extra, None, "3", f"{sid} has {len(elements) - 1} elements, at most {len(defs)}",
                    elements[extra][:40], False))
    for i, d in enumerate(defs, start=1):
        v = elements[i] if i < len(elements) else ""
        label = f"{sid}{i:02d}"
        if not v:
            if d.req == "M":
                out.append((i, None, "1", f"mandatory element {label} ({d.name}) is missing", None, False))
            continue
        values = [v]
        if rep and rep in v:
            if d.repeat <= 1:
                # The value is unambiguous: a non-repeating element cannot hold repetitions, so the
                # character is data the sender should not have chosen as a separator.
                out.append((i, None, "12", f"{label} holds the repetition separator {rep!r}; read as data",
                            v[:40], True))
            else:
                values = v.split(rep)
        for value in values:
            if d.is_composite:
                parts = value.split(comp)
                if len(parts) > len(d.components):
                    out.append((i, len(d.components) + 1, "13", f"{label} has too many components", value[:40],
                                False))
                for j, cd in enumerate(d.components, start=1):
                    cv = parts[j - 1] if j <= len(parts) else ""
                    if not cv:
                        if cd.req == "M":
                            out.append((i, j, "1", f"mandatory component {label}-{j} is missing", None, False))
                        continue
                    bad = _check_simple(cv, cd, f"{label}-{j}")
                    if bad:
                        out.append((i, j, bad[0], bad[1], cv[:40], False))
                continue
            if comp in value and d.type != "AN":
                out.append((i, None, "13", f"{label} holds a component separator but is not a composite",
                            value[:40], False))
                continue
            bad = _check_simple(value, d, label)
            if bad:
                out.append((i, None, bad[0], bad[1], value[:40], False))
    old_release = release[:6] < "004010"
    for note in sdef.syntax:
        if old_release and (sid, note.text) in NOT_BEFORE_004010:
            continue
        out.extend(_syntax(note, elements, sid))
    return tuple(out)


def _syntax(syntax: SyntaxNote, el: tuple[str, ...], sid: str) -> list[ElementProblem]:
    kind, idx, note = syntax.kind, syntax.positions, syntax.text

    def has(i: int) -> bool:
        return i < len(el) and bool(el[i])

    present = [i for i in idx if has(i)]
    names = ", ".join(f"{sid}{i:02d}" for i in idx)
    if kind == "P" and present and len(present) != len(idx):
        missing = next(i for i in idx if not has(i))
        return [(missing, None, "2", f"{names} must be used together ({note})", None, False)]
    if kind == "R" and not present:
        return [(idx[0], None, "2", f"at least one of {names} is required ({note})", None, False)]
    if kind == "E" and len(present) > 1:
        return [(present[1], None, "10", f"only one of {names} may be used ({note})", el[present[1]][:40],
                 False)]
    if kind == "C" and has(idx[0]):
        missing_c = [i for i in idx[1:] if not has(i)]
        if missing_c:
            return [(missing_c[0], None, "2", f"{sid}{missing_c[0]:02d} is required when "
                                              f"{sid}{idx[0]:02d} is used ({note})", None, False)]
    if kind == "L" and has(idx[0]) and not any(has(i) for i in idx[1:]):
        return [(idx[1], None, "2", f"one of {names[len(sid) + 4:]} is required when {sid}{idx[0]:02d} "
                                    f"is used ({note})", None, False)]
    return []
