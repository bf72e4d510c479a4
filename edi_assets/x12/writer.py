"""Write X12: segments to text with chosen delimiters, and whole interchanges with correct envelopes.

Control numbers are the caller's (the ledger allocates them); the writer computes SE01, GE01 and
IEA01 itself. A value that contains one of the chosen delimiters cannot be written faithfully, so it
raises :class:`X12RenderError` instead of corrupting the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from edi_assets.x12.envelope import Delimiters
from edi_assets.x12.errors import X12RenderError
from edi_assets.x12.scanning import native_module

DEFAULT_DELIMITERS = Delimiters(element="*", component=">", segment="~", repetition="^")


@dataclass(frozen=True, slots=True)
class InterchangeSpec:
    """ISA values. ``version`` is ISA12 (00401, 00501); ``usage`` is ISA15 (P, T)."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    control_number: int
    version: str = "00401"
    usage: str = "P"
    ack_requested: bool = False
    timestamp: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    authorization: tuple[str, str] = ("00", "")
    security: tuple[str, str] = ("00", "")


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """GS values. ``version`` is GS08 (004010, 005010, 004010VICS, ...)."""

    functional_id: str
    sender: str
    receiver: str
    control_number: int
    version: str = "004010"
    timestamp: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


Element = str | tuple[str, ...]  # a tuple is a composite element's components


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """A set body its builder already wrote as text, for one element separator and segment tail.

    The writer uses ``text`` when it passes the checks :meth:`SegmentWriter.body` makes of its own
    text (given how many segments and element separators the builder wrote); otherwise it writes
    ``fallback()``, the same body as element lists, which trims, or raises naming the element at fault.
    A builder that writes text must write exactly what ``body(fallback())`` would.
    """

    text: str
    segments: int
    separators: int
    element: str
    tail: str
    fallback: Callable[[], Sequence[Sequence[Element]]]


@dataclass(frozen=True, slots=True)
class SetSpec:
    """One transaction set: id, control number (ST02) and its body (everything between ST and SE)."""

    set_id: str
    control_number: str
    body: Sequence[Sequence[Element]] | RenderedBody
    implementation: str | None = None  # ST03 (005010)

FUNCTIONAL_IDS = {"850": "PO", "810": "IN", "855": "PR", "856": "SH", "997": "FA", "860": "PC", "940": "OW"}


class SegmentWriter:
    """Turns element lists into segment text with one interchange's delimiters."""

    __slots__ = ("_bad", "_comp", "_ele", "_rep", "_tail", "_term", "d")

    def __init__(self, d: Delimiters = DEFAULT_DELIMITERS, line_break: str = "") -> None:
        if len(set(d.all())) != len(d.all()):
            raise X12RenderError(f"delimiters must all differ: {d}")
        for ch in d.all():
            if ch.isalnum() or ch == " ":
                raise X12RenderError(f"delimiter {ch!r} is a letter, digit or space")
        self.d = d
        self._ele, self._comp, self._term, self._rep = d.element, d.component, d.segment, d.repetition
        self._tail = d.segment + line_break
        self._bad = [c for c in (d.segment, d.repetition, d.component) if c]

    def composite(self, *parts: str) -> str:
        """Join a composite element's components; trailing empty components are dropped."""
        n = len(parts)
        while n > 1 and not parts[n - 1]:
            n -= 1
        for p in parts[:n]:
            if any(ch in p for ch in (*self._bad, self._ele)) or _has_control(p):
                raise X12RenderError(f"component value {p[:40]!r} contains a delimiter or control character")
        return self._comp.join(parts[:n])

    def segment(self, elements: Sequence[Element]) -> str:
        """``elements[0]`` is the id; a tuple element is a composite. Trailing empty elements are dropped."""
        n = len(elements)
        while n > 1 and _empty(elements[n - 1]):
            n -= 1
        try:
            text = self._ele.join(elements[:n]) if n != len(elements) else self._ele.join(elements)  # type: ignore[arg-type]
        except TypeError:  # a composite (tuple) among the elements: the rare path
            return self._with_composites(elements[:n])
        if (text.count(self._ele) != n - 1 or self._term in text or self._comp in text
                or (self._rep is not None and self._rep in text) or _has_control(text)):
            raise X12RenderError(self._which(elements[:n]))
        return text + self._tail

    def body(self, body: Sequence[Sequence[Element]]) -> str:
        """A run of segments as text, validated as a whole.

        Counting the separators of the finished text proves that no value holds one, at a fraction of
        the cost of checking values one by one. A trailing empty element, a composite, a control
        character or a delimiter in a value sends the run down the precise per-segment path (which
        trims, or raises naming the element at fault), so the fast path never changes what is written.
        """
        ele, tail = self._ele, self._tail
        try:
            parts = [ele.join(s) for s in body]  # type: ignore[arg-type]
        except TypeError:  # a composite element
            return "".join(self.segment(s) for s in body)
        if not parts:
            return ""
        text = tail.join(parts) + tail
        if not self._plain(text, len(parts), sum(map(len, body)) - len(body)):
            return "".join(self.segment(s) for s in body)
        return text

    def _plain(self, text: str, segments: int, separators: int) -> bool:
        """Whether ``text``, written as ``segments`` segments with ``separators`` element separators,
        holds them and nothing else: no value with a delimiter, a control character or a trailing
        empty element. With the terminators accounted for, the text apart from its tails is the
        segments' own text, so checking that is checking every value."""
        elements, terminators, clean = text_checks(text, self._ele, self._term, self._comp, self._rep, self._tail)
        return clean and elements == separators and terminators == segments * self._tail.count(self._term)

    def accepts(self, rendered: RenderedBody) -> bool:
        """Whether ``rendered.text`` is what :meth:`body` writes for its body: the same checks, made of
        the finished text (written with this writer's separator and tail, every value plain)."""
        if rendered.element != self._ele or rendered.tail != self._tail or not rendered.segments:
            return False
        return self._plain(rendered.text, rendered.segments, rendered.separators)

    def _with_composites(self, elements: Sequence[Element]) -> str:
        plain: list[str] = []
        for v in elements:
            if isinstance(v, tuple):
                plain.append(self.composite(*v) if any(v) else "")
            elif any(ch and ch in v for ch in (self._ele, self._comp, self._term, self._rep)) or _has_control(v):
                raise X12RenderError(self._which([e if isinstance(e, str) else "" for e in elements]))
            else:
                plain.append(v)
        return self._ele.join(plain) + self._tail

    def _which(self, elements: Sequence[Element]) -> str:
        for i, v in enumerate(elements):
            if not isinstance(v, str):
                continue
            for ch in (self._ele, self._term, self._comp, self._rep):
                if ch and ch in v:
                    return f"{elements[0]}{i:02d} value {v[:40]!r} contains the delimiter {ch!r}"
            if _has_control(v):
                return f"{elements[0]}{i:02d} value {v[:40]!r} contains a control character (line break, tab, ...)"
        return f"segment {elements[0]!r} cannot be written"


def text_checks_py(text: str, ele: str, term: str, comp: str, rep: str | None, tail: str) -> tuple[int, int, bool]:
    """How many ``ele`` and ``term`` characters ``text`` holds, and whether it is clean: no ``comp``, no
    ``rep``, no ``ele`` right before a ``tail``, and printable apart from its tails. The definition of
    the compiled ``text_checks``."""
    clean = (comp not in text and (rep is None or rep not in text) and (ele + tail) not in text
             and text.replace(tail, "").isprintable())
    return text.count(ele), text.count(term), clean


_native = native_module()
_text_checks: Callable[..., tuple[int, int, bool] | None] | None = _native.text_checks if _native else None


def text_checks(text: str, ele: str, term: str, comp: str, rep: str | None, tail: str) -> tuple[int, int, bool]:
    """`text_checks_py`, compiled when the extension is built and the text is one byte per character."""
    if _text_checks is not None and len(ele) == len(term) == len(comp) == 1 and (rep is None or len(rep) == 1):
        found = _text_checks(text, ele, term, comp, rep, tail)
        if found is not None:
            return found
    return text_checks_py(text, ele, term, comp, rep, tail)


def _empty(e: Element) -> bool:
    """An element with nothing to write: '' or a composite whose components are all empty."""
    return not e or (type(e) is tuple and not any(e))


def _has_control(text: str) -> bool:
    """Control characters (CR, LF, tab, NUL, ...) cannot be data in X12: readers treat them as layout."""
    return not text.isprintable() and any(ord(c) < 32 or ord(c) == 127 for c in text)


def _fixed(value: str, width: int, what: str) -> str:
    if len(value) > width:
        raise X12RenderError(f"{what} {value!r} is longer than {width} characters")
    return value.ljust(width)


def isa_segment(spec: InterchangeSpec, w: SegmentWriter) -> str:
    d = w.d
    if not (len(spec.version) == 5 and spec.version.isdigit()):
        raise X12RenderError(f"ISA12 version {spec.version!r} is not 5 digits")
    if not 0 <= spec.control_number <= 999_999_999:
        raise X12RenderError(f"interchange control number {spec.control_number} is not 1 to 9 digits")
    isa11 = d.repetition if int(spec.version) >= 403 and d.repetition else "U"
    ts = spec.timestamp
    elements = [
        "ISA",
        spec.authorization[0], _fixed(spec.authorization[1], 10, "ISA02"),
        spec.security[0], _fixed(spec.security[1], 10, "ISA04"),
        _fixed(spec.sender_qualifier, 2, "ISA05"), _fixed(spec.sender_id, 15, "ISA06"),
        _fixed(spec.receiver_qualifier, 2, "ISA07"), _fixed(spec.receiver_id, 15, "ISA08"),
        ts.strftime("%y%m%d"), ts.strftime("%H%M"), isa11, spec.version, f"{spec.control_number:09d}",
        "1" if spec.ack_requested else "0", spec.usage, d.component,
    ]
    for i, v in enumerate(elements[1:16], start=1):
        if (i != 11 and any(ch in v for ch in d.all())) or _has_control(v):
            raise X12RenderError(f"ISA{i:02d} value {v.strip()!r} contains a delimiter or control character")
    return d.element.join(elements) + w._tail


def gs_segment(spec: GroupSpec, w: SegmentWriter) -> str:
    if not 0 < spec.control_number <= 999_999_999:
        raise X12RenderError(f"group control number {spec.control_number} is not 1 to 9 digits")
    ts = spec.timestamp
    date = ts.strftime("%Y%m%d") if spec.version[:6] >= "004010" else ts.strftime("%y%m%d")
    return w.segment(["GS", spec.functional_id, spec.sender, spec.receiver, date, ts.strftime("%H%M"),
                      str(spec.control_number), "X", spec.version])


def render_set(spec: SetSpec, w: SegmentWriter, out: list[str]) -> None:
    """Append ST, the body and SE (with its count) to ``out``."""
    if not 4 <= len(spec.control_number) <= 9 or not spec.control_number.isalnum():
        raise X12RenderError(f"ST02 control number {spec.control_number!r} must be 4 to 9 letters or digits")
    out.append(w.segment(["ST", spec.set_id, spec.control_number, spec.implementation or ""]))
    body = spec.body
    if isinstance(body, RenderedBody):
        if w.accepts(body):
            out.append(body.text)
            out.append(w.segment(["SE", str(body.segments + 2), spec.control_number]))
            return
        body = body.fallback()
    out.append(w.body(body))
    out.append(w.segment(["SE", str(len(body) + 2), spec.control_number]))


def render_interchange(
    spec: InterchangeSpec,
    groups: Iterable[tuple[GroupSpec, Iterable[SetSpec]]],
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    line_break: str = "",
) -> str:
    """A whole interchange as text (its pieces are joined once)."""
    out: list[str] = []
    _write(out, None, spec, groups, delimiters, line_break)
    return "".join(out)


def write_interchange(
    emit: object,
    spec: InterchangeSpec,
    groups: Iterable[tuple[GroupSpec, Iterable[SetSpec]]],
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    line_break: str = "",
) -> None:
    """Stream an interchange through ``emit`` (a file's ``write``, or ``list.append``), a few thousand
    pieces at a time."""
    assert callable(emit)
    _write([], emit, spec, groups, delimiters, line_break)


def _write(
    out: list[str],
    emit: Callable[[str], object] | None,
    spec: InterchangeSpec,
    groups: Iterable[tuple[GroupSpec, Iterable[SetSpec]]],
    delimiters: Delimiters,
    line_break: str,
) -> None:
    """Append the interchange's pieces to ``out``; with ``emit``, hand them over joined every ~4096."""
    w = SegmentWriter(delimiters, line_break)
    out.append(isa_segment(spec, w))
    n_groups = 0
    for gspec, sets in groups:
        n_groups += 1
        out.append(gs_segment(gspec, w))
        n_sets = 0
        for s in sets:
            n_sets += 1
            render_set(s, w, out)
            if emit is not None and len(out) > 4096:
                emit("".join(out))
                out.clear()
        out.append(w.segment(["GE", str(n_sets), str(gspec.control_number)]))
    out.append(w.segment(["IEA", str(n_groups), f"{spec.control_number:09d}"]))
    if emit is not None:
        emit("".join(out))
        out.clear()
