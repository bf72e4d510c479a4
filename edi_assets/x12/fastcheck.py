"""A fast "certainly valid" test per segment id, generated from the dictionary.

The exact validator (:func:`edi_assets.x12.elements.check_segment`) explains every problem but costs a few
microseconds per segment. Most segments are valid, so for each segment id we generate a small Python
function from the same definitions that only answers "is this segment certainly valid?". It is sound by
construction: whenever it is unsure (a composite, a sign, an unusual value) it answers no, and the exact
validator decides. A segment it passes would get no problems from the exact validator; the test
``test_fast_check_agrees_with_the_exact_validator`` holds the two together.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from edi_assets.x12.dictionary import ElementDef, SegmentDef, SyntaxNote, segment_definitions
from edi_assets.x12.elements import NOT_BEFORE_004010
from edi_assets.x12.scanning import native_module
from edi_assets.x12.values import digits, valid_time, x12_date

FastCheck = Callable[[list[str], bool], bool]


def _date_ok(v: str) -> bool:
    return x12_date(v) is not None


def _real_ok(v: str, lo: int, hi: int) -> bool:
    """An R value without sign or exponent whose digit count is within lo..hi."""
    if digits(v):
        return lo <= len(v) <= hi
    whole, dot, frac = v.partition(".")
    if not dot or not (whole or frac):
        return False
    if (whole and not digits(whole)) or (frac and not digits(frac)):
        return False
    return lo <= len(whole) + len(frac) <= hi


def _element_test(d: ElementDef, var: str) -> str | None:
    """Python source of a test that is True only when value ``var`` is certainly valid, or None if the
    element cannot be checked quickly (composites, repeats)."""
    if d.is_composite or d.repeat > 1:
        return None
    lo, hi, t = d.min, d.max, d.type
    if t == "ID" and d.codes is not None:
        return f"({lo} <= len({var}) <= {hi} and {var} in _codes_{id(d)})"
    if d.implied_decimals is not None:
        return f"(_digits({var}) and {lo} <= len({var}) <= {hi})"
    if t == "R":
        return f"_real_ok({var}, {lo}, {hi})"
    if t == "DT":
        return f"({lo} <= len({var}) <= {hi} and _date_ok({var}))"
    if t == "TM":
        return f"({lo} <= len({var}) <= {hi} and _time_ok({var}))"
    return f"({lo} <= len({var}) <= {hi} and {var}.isprintable())"


def _syntax_test(note: SyntaxNote) -> str:
    """Source of a test that is True when the syntax note holds."""
    kind = note.kind
    has = [f"(n > {i} and e[{i}] != '')" for i in note.positions]
    if kind == "P":
        return f"(({' and '.join(has)}) or not ({' or '.join(has)}))"
    if kind == "R":
        return f"({' or '.join(has)})"
    if kind == "E":
        return f"({' + '.join(f'int{h}' for h in has)} <= 1)"
    if kind == "C":
        return f"(not {has[0]} or ({' and '.join(has[1:])}))"
    if kind == "L":
        return f"(not {has[0]} or ({' or '.join(has[1:])}))"
    return "False"


def _generate(sdef: SegmentDef) -> FastCheck:
    lines = ["def check(e, old):", "    n = len(e)", f"    if n > {len(sdef.elements) + 1}:", "        return False"]
    env: dict[str, object] = {"_digits": digits, "_real_ok": _real_ok, "_date_ok": _date_ok, "_time_ok": valid_time}
    for i, d in enumerate(sdef.elements, start=1):
        test = _element_test(d, "v")
        if test is None:  # composite or repeating: only "absent and optional" is certainly fine
            if d.req == "M":
                lines += ["    return False"]
                break
            lines += [f"    if n > {i} and e[{i}] != '':", "        return False"]
            continue
        if d.codes is not None:
            env[f"_codes_{id(d)}"] = d.codes
        lines.append(f"    v = e[{i}] if n > {i} else ''")
        if d.req == "M":
            lines += ["    if v == '':", "        return False"]
        lines += [f"    if v != '' and not {test}:", "        return False"]
    for note in sdef.syntax:
        test = _syntax_test(note)
        if (sdef.id, note.text) in NOT_BEFORE_004010:
            lines += [f"    if not old and not {test}:", "        return False"]
        else:
            lines += [f"    if not {test}:", "        return False"]
    if lines[-1] != "    return False":
        lines.append("    return True")
    exec(compile("\n".join(lines), f"<fastcheck {sdef.id}>", "exec"), env)  # noqa: S102 - our own data
    check = env["check"]
    assert callable(check)
    return check


def _always(_e: list[str], _old: bool) -> bool:
    return True


_CHECKS: dict[str, FastCheck] = {}


def fast_check(sid: str) -> FastCheck:
    """The generated test for segment ``sid`` (segments without element definitions always pass)."""
    check = _CHECKS.get(sid)
    if check is None:
        sdef = segment_definitions().get(sid)
        check = _generate(sdef) if sdef is not None and sdef.elements else _always
        _CHECKS[sid] = check
    return check


# -- a whole set at once -----------------------------------------------------------------------------
def doubtful_py(segments: list[list[str]], old: bool) -> list[int]:
    """The indexes of the segments the exact validator must look at: those ``fast_check`` does not pass."""
    return [i for i, seg in enumerate(segments) if not fast_check(seg[0])(seg, old)]


# The same tests as data, for the compiled ``doubtful``: per element (test, min, max, mandatory, codes),
# per syntax note (kind, positions, holds only from 004010 on). The test numbers are the C enum's.
UNCHECKED, CODES, DIGITS, REAL, DATE, TIME, TEXT = range(7)
ElementTest = tuple[int, int, int, bool, frozenset[str] | None]
NoteTest = tuple[str, tuple[int, ...], bool]
Program = tuple[int, tuple[ElementTest, ...], tuple[NoteTest, ...]]


def native_program(sdef: SegmentDef) -> Program | bool:
    """``sdef``'s fast test as data, or False when it never passes (what ``_generate`` makes of it)."""
    elements: list[ElementTest] = []
    for d in sdef.elements:
        if d.is_composite or d.repeat > 1:
            if d.req == "M":
                return False
            test = UNCHECKED
        elif d.type == "ID" and d.codes is not None:
            test = CODES
        elif d.implied_decimals is not None:
            test = DIGITS
        else:
            test = {"R": REAL, "DT": DATE, "TM": TIME}.get(d.type, TEXT)
        elements.append((test, d.min, d.max, d.req == "M", d.codes if test == CODES else None))
    notes: list[NoteTest] = []
    for note in sdef.syntax:
        if note.kind not in "PRECL":
            return False
        notes.append((note.kind, note.positions, (sdef.id, note.text) in NOT_BEFORE_004010))
    return len(sdef.elements) + 1, tuple(elements), tuple(notes)


@cache
def native_programs() -> dict[str, Any]:
    return {sid: native_program(sdef) for sid, sdef in segment_definitions().items() if sdef.elements}


_native = native_module()
_doubtful: Callable[[list[list[str]], dict[str, Any], bool], list[int]] | None = (
    _native.doubtful if _native is not None else None
)


def doubtful(segments: list[list[str]], old: bool) -> list[int]:
    """`doubtful_py`, compiled when the extension is built (a value wider than one byte per character
    makes the compiled test doubt its segment: the exact validator then finds the same, or nothing)."""
    if _doubtful is not None:
        return _doubtful(segments, native_programs(), old)
    return doubtful_py(segments, old)
