"""The reader's scans of raw text: hot loops compiled when available, else in Python.

The pure-Python twins (`scan_set_py`, `clean_layout_py`, `control_starts_py`) are the definitions and the test oracle;
`edi_assets.x12._split` does the same in C and is built by `pip install` when a compiler is there. The
C functions answer None for text that is not one byte per character, and the Python twin then runs.
`EDI_X12_PURE=1` forces the Python path everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Set
from itertools import islice
from types import ModuleType

Scan = tuple[list[list[str]], bool, bool, int]
BLANKS = " \t\r\n"  # what real files put around segments: never data next to a terminator


def scan_set_py(text: str, start: int, sep: str, ele: str, comp: str, rep: str | None, known: Set[str]) -> Scan:
    """The transaction set that begins at `start`: its segments up to and including the first SE.

    Returns (segments, all_known, plain, end): every segment split on `ele`; whether every segment id
    after the first is in `known`; whether neither `comp` nor `rep` occurs (no element needs a second
    split); the offset just after the SE segment's separator, or -1 when the text ends first, in which
    case the segments run to the end of the text (the last one is what follows the final separator).
    """
    se = text.find(sep + "SE" + ele, start)
    stop = text.find(sep, se + len(sep)) if se >= 0 else -1
    chunk = text[start:stop] if stop >= 0 else text[start:]
    segs = [part.split(ele) for part in chunk.split(sep)]
    all_known = all(seg[0] in known for seg in islice(segs, 1, None))
    plain = comp not in chunk and (rep is None or rep not in chunk)
    return segs, all_known, plain, stop + len(sep) if stop >= 0 else -1


def at_segment_start(raw: str, hit: int, term: str, start: int = 0) -> bool:
    """Whether ``raw[hit]`` begins a segment: at ``start`` or after the terminator (blanks allowed)."""
    j = hit - 1
    while j >= start and raw[j] in BLANKS and raw[j] != term:
        j -= 1
    return j < start or raw[j] == term


def find_segment_start(raw: str, tag: str, term: str, start: int, end: int) -> int:
    """Index of a segment beginning with ``tag`` in raw[start:end], or -1."""
    pos = start
    while True:
        hit = raw.find(tag, pos, end)
        if hit < 0 or at_segment_start(raw, hit, term, start):
            return hit
        pos = hit + 1


def find_isa(raw: str, start: int = 0, end: int | None = None) -> int:
    """Index of something that looks like an ISA header start, or -1."""
    end = len(raw) if end is None else end
    pos = start
    while True:
        hit = raw.find("ISA", pos, end)
        if hit < 0:
            return -1
        nxt = raw[hit + 3 : hit + 4]
        prev = raw[hit - 1] if hit > 0 else ""
        if (not nxt or not (nxt.isalnum() or nxt.isspace())) and not prev.isalnum():
            return hit
        pos = hit + 1


def find_isa_boundary(raw: str, term: str) -> int:
    """A new interchange's ISA at a segment boundary in ``raw`` (which starts at a segment start)."""
    pos = 0
    while True:
        hit = find_isa(raw, pos)
        if hit < 0 or at_segment_start(raw, hit, term):
            return hit
        pos = hit + 1


def control_starts_py(raw: str, term: str, ele: str) -> tuple[int, int]:
    """Where a new interchange begins (`find_isa_boundary`) and the first IEA segment before it, or -1s."""
    isa = find_isa_boundary(raw, term)
    iea = find_segment_start(raw, "IEA" + ele, term, 0, isa if isa >= 0 else len(raw))
    return isa, iea


def clean_layout_py(piece: str, term: str, eol: str) -> bool:
    """Whether every terminator is followed by exactly `eol`, with no other line break, no tab and no
    blank next to a terminator: such a piece is already normalised."""
    sep = term + eol
    if "\t" in piece or (sep + " ") in piece or (" " + term) in piece:
        return False
    rest = piece.replace(sep, "\x00")
    return term not in rest and "\r" not in rest and "\n" not in rest


def _native_module() -> ModuleType | None:
    if os.environ.get("EDI_X12_PURE"):
        return None
    try:
        from edi_assets.x12 import _split  # type: ignore[attr-defined]
    except ImportError:
        return None
    module: ModuleType = _split
    return module


_native = _native_module()
NATIVE = _native is not None


def native_module() -> ModuleType | None:
    """The compiled extension, or None (not built, or ``EDI_X12_PURE=1``)."""
    return _native
_scan: Callable[..., Scan | None] | None = _native.scan_set if _native else None
_clean: Callable[[str, str, str], bool | None] | None = _native.clean_layout if _native else None
_controls: Callable[[str, str, str], tuple[int, int] | None] | None = _native.control_starts if _native else None


def scan_set(text: str, start: int, sep: str, ele: str, comp: str, rep: str | None, known: frozenset[str]) -> Scan:
    """`scan_set_py`, compiled when the extension is built and the text is one byte per character."""
    if _scan is not None:
        result = _scan(text, start, sep, ele, comp, rep, known)
        if result is not None:
            return result
    return scan_set_py(text, start, sep, ele, comp, rep, known)


def clean_layout(piece: str, term: str, eol: str) -> bool:
    """`clean_layout_py`, compiled when the extension is built and the text is one byte per character."""
    if _clean is not None:
        result = _clean(piece, term, eol)
        if result is not None:
            return result
    return clean_layout_py(piece, term, eol)


def control_starts(raw: str, term: str, ele: str) -> tuple[int, int]:
    """`control_starts_py`, compiled when the extension is built and the text is one byte per character."""
    if _controls is not None:
        result = _controls(raw, term, ele)
        if result is not None:
            return result
    return control_starts_py(raw, term, ele)
