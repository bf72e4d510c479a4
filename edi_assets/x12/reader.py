"""Streaming X12 reader with envelope validation.

Memory stays flat: text is read in chunks and only the transaction set being built is held, so a
500 MB file reads in the same memory as a 5 MB one. Each interchange's delimiters come from its own
ISA. The hot path works a transaction set at a time: the set's end is found with one C-level search for
``<terminator>SE<separator>``, the set is split with two ``str.split`` calls, and the envelope and
segment-id checks are set operations, so the per-segment cost stays close to a bare split.

Whitespace that real files carry around terminators (CR/LF, indentation, blank lines, trailing blanks)
is removed per chunk before splitting: a plain ``str.replace`` for the common ``~\\r\\n`` layout, a
regular expression only when something odder is present.

Nothing here raises for bad input: every defect becomes an :class:`~edi_assets.x12.errors.X12Issue`
on the event it belongs to, and reading goes on with the next segment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from edi_assets.x12 import dictionary
from edi_assets.x12.envelope import (
    Delimiters,
    Event,
    FileIssue,
    Group,
    GroupEnd,
    Interchange,
    InterchangeEnd,
    Segment,
    TransactionSet,
)
from edi_assets.x12.errors import AckCodes, IssueCode, Level, Position, Severity, X12Issue
from edi_assets.x12.isa import NeedMoreText, ParsedISA, parse_isa
from edi_assets.x12.scanning import BLANKS, clean_layout, control_starts, find_isa, scan_set
from edi_assets.x12.source import DEFAULT_CHUNK, Source, source_size, text_chunks
from edi_assets.x12.values import digits, valid_time, x12_date

LEAD_LIMIT = 1 << 20  # text before the first ISA that we scan before calling a file "not X12"
_WS = BLANKS
_CONTROL_IDS = frozenset({"ST", "GS", "GE", "ISA", "IEA", "TA1", "ISB", "ISE"})
MIN_GS_VERSION, MAX_GS_VERSION = 3010, 5010


@lru_cache(maxsize=64)
def _normalizer(term: str) -> re.Pattern[str]:
    blanks = "".join(c for c in _WS if c != term)
    cls = "[" + re.escape(blanks) + "]*"
    return re.compile(cls + re.escape(term) + "[" + re.escape(_WS) + "]*")


def _normalize_to_term(piece: str, term: str) -> str:
    """Remove the whitespace real files put around segment terminators; segments end with ``term``."""
    if term == "\n":
        if "\r" in piece:
            piece = piece.replace("\r\n", "\n")
        odd = "\r" in piece or "\n\n" in piece or " \n" in piece or "\n " in piece or "\t" in piece
    elif term == "\r":
        if "\n" in piece:
            piece = piece.replace("\r\n", "\r")
        odd = "\n" in piece or "\r\r" in piece or " \r" in piece or "\r " in piece or "\t" in piece
    else:
        # Line breaks are never data when they are not the terminator: drop them all, which also
        # rejoins files wrapped at a fixed width (80 columns) by old systems.
        if "\n" in piece:
            piece = piece.replace(term + "\r\n", term).replace(term + "\n", term)
            if "\n" in piece:
                piece = piece.replace("\n", "")
        if "\r" in piece:
            piece = piece.replace("\r", "")
        odd = (term + " ") in piece or (" " + term) in piece or "\t" in piece
    if odd:
        piece = _normalizer(term).sub(term, piece)
    if piece[:1] in _WS:
        # a piece starts a segment: blanks before it are padding, and so are empty lines when the
        # terminator is itself a line break
        piece = piece.lstrip(_WS if term in "\r\n" else _WS.replace(term, ""))
    return piece


def normalize(piece: str, term: str, sep: str | None = None) -> str:
    """Whitespace-free segments ending with ``sep`` (the terminator, or terminator + line break).

    When a file puts the same line break after every terminator (``~\n``, the most common layout),
    ``sep`` is terminator + line break and a clean piece is returned as it is: no copy at all.
    """
    sep = sep or term
    if sep != term:
        lead = piece[:1]
        if lead in _WS and lead != term:
            piece = piece.lstrip(_WS.replace(term, ""))
        if clean_layout(piece, term, sep[len(term) :]):
            return piece
        return _normalize_to_term(piece, term).replace(term, sep)
    return _normalize_to_term(piece, term)


def effective_separator(term: str, following: str) -> str:
    """The terminator plus the line break the sender puts after it, judged from what follows the ISA.

    Only a plain layout (one line break, then the next segment) earns the longer separator; blank lines
    or indentation fall back to the bare terminator, whose normalisation handles any layout.
    """
    if term == "\n":
        return term
    if term == "\r":
        return "\r\n" if following.startswith("\n") and following[1:2] not in ("\r", "\n", " ", "\t") else term
    if following.startswith("\r\n"):
        eol = "\r\n"
    elif following[:1] in ("\n", "\r"):
        eol = following[0]
    else:
        return term
    if following[len(eol) : len(eol) + 1] in ("\r", "\n", " ", "\t"):
        return term
    return term + eol


def _describe_non_x12(sample: str) -> tuple[IssueCode, str]:
    stripped = sample.lstrip(" \t\r\n\ufeff")
    if not stripped:
        return IssueCode.EMPTY, "the file is empty (no X12 interchange)"
    if "\x00" in stripped[:4096] or any(0xDC80 <= ord(c) <= 0xDCFF for c in stripped[:4096]):
        return IssueCode.NOT_X12, "the file holds binary data, not X12 (no ISA segment)"
    first = stripped[0]
    if first in "{[":
        return IssueCode.NOT_X12, "the file looks like JSON, not X12 (no ISA segment)"
    if first == "<":
        return IssueCode.NOT_X12, "the file looks like XML, not X12 (no ISA segment)"
    if stripped.startswith(("UNA", "UNB")):
        return IssueCode.NOT_X12, "the file looks like EDIFACT (UNA/UNB), not X12"
    return IssueCode.NOT_X12, "no ISA segment found: this is not an X12 interchange"


def _pos(ic: Interchange, g: Group | None, ts: int | None = None, **kw: object) -> Position:
    return Position(interchange=ic.ordinal, group=g.ordinal if g else None, transaction=ts, **kw)  # type: ignore[arg-type]


class X12Reader:
    """Iterate the events of an X12 file: interchanges, groups, transaction sets and their ends.

    >>> for event in X12Reader(path):            # doctest: +SKIP
    ...     if isinstance(event, TransactionSet): ...
    """

    def __init__(
        self,
        source: Source,
        *,
        chunk_size: int = DEFAULT_CHUNK,
        known_segments: frozenset[str] | None = None,
    ) -> None:
        self._read = [0]
        self._chunks = text_chunks(source, chunk_size, self._read)
        self.total_bytes = source_size(source)
        self._raw = ""
        self._eof = False
        self._file_segment = 0
        known = known_segments if known_segments is not None else dictionary.known_segment_ids()
        # ids that may stand between ST and SE without a second look
        self._body_ok = frozenset(known - _CONTROL_IDS) | {"SE"}
        self.interchange_count = 0

    @property
    def bytes_read(self) -> int:
        """Bytes read from the source so far (for progress reports)."""
        return self._read[0]

    # -- raw text -------------------------------------------------------------------------------
    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = next(self._chunks, None)
        if chunk is None:
            self._eof = True
            return False
        self._raw = self._raw + chunk if self._raw else chunk
        return True

    def _next_piece(self, d: Delimiters, sep: str) -> str | None:
        """The next run of complete, normalized segments of the current interchange, or None at its end.

        A piece ends after the last separator of the buffered text, at the IEA, or before a new ISA.
        """
        term = d.segment
        while True:
            raw = self._raw
            isa_at, iea = control_starts(raw, term, d.element)
            region = isa_at if isa_at >= 0 else len(raw)
            cut = raw.rfind(sep, 0, region)
            cut_end = cut + len(sep) if cut >= 0 else -1
            if cut < 0 and sep != term:
                cut = raw.rfind(term, 0, region)
                cut_end = cut + 1 if cut >= 0 else -1
            if isa_at >= 0 or cut >= 0 or self._eof:
                break
            if not self._fill():
                break
        while iea >= 0 and isa_at < 0 and not self._eof:
            end = raw.find(term, iea)
            if end >= 0 and len(raw) >= end + len(sep):
                break  # the IEA is whole, with the line break that may follow it
            if not self._fill():  # the IEA straddles the end of the buffered text: read on
                break
            raw = self._raw
            isa_at, iea = control_starts(raw, term, d.element)
            region = isa_at if isa_at >= 0 else len(raw)
        if iea >= 0:
            end = raw.find(term, iea, region)
            piece_end = end + 1 if end >= 0 else region
            if end >= 0 and sep != term and raw.startswith(sep, end):
                piece_end = end + len(sep)
        elif isa_at >= 0:
            piece_end = isa_at
        elif cut >= 0:
            piece_end = cut_end
        else:
            piece_end = len(raw)  # end of file: a last segment without terminator
        piece = raw[:piece_end]
        self._raw = raw[piece_end:]
        if _blank(piece, _WS + term):
            if isa_at >= 0 or (self._eof and not self._raw.strip()):
                return None  # the interchange is over: a new ISA begins, or the file ended
            return ""  # blanks consumed; the caller asks again
        if not piece.endswith(term) and not piece.endswith(sep):
            piece = piece.rstrip(_WS) + term
        return normalize(piece, term, sep)

    # -- events ---------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Event]:
        ordinal = 0
        while True:
            found, junk = self._seek_isa(first=ordinal == 0)
            if junk:
                if ordinal == 0 and not found:
                    code, message = _describe_non_x12(junk)
                    yield FileIssue(X12Issue(code, message, Level.FILE))
                    return
                where = "before the first interchange" if ordinal == 0 else "between interchanges"
                snippet = junk.strip()[:40]
                yield FileIssue(
                    X12Issue(
                        IssueCode.TEXT_OUTSIDE_INTERCHANGE,
                        f"{len(junk.strip())} characters of text {where} were skipped ({snippet!r}...)",
                        Level.FILE,
                        Position(interchange=ordinal + 1 if found else ordinal),
                        severity=Severity.WARNING,
                    )
                )
            if not found:
                if ordinal == 0:
                    code, message = _describe_non_x12(junk)
                    yield FileIssue(X12Issue(code, message, Level.FILE))
                return
            ordinal += 1
            parsed = self._parse_isa(ordinal)
            if isinstance(parsed, X12Issue):
                yield FileIssue(parsed)
                self._raw = self._raw[3:]  # skip this 'ISA' and look for the next one
                continue
            self.interchange_count = ordinal
            ic = Interchange(
                ordinal=ordinal,
                elements=parsed.elements,
                delimiters=parsed.delimiters,
                isa_length=parsed.length,
                issues=list(parsed.issues),
            )
            self._file_segment += 1
            yield ic
            yield from self._interchange(ic)

    def _seek_isa(self, first: bool) -> tuple[bool, str]:
        """Move the buffer to the next ISA; return whether one was found and the text skipped."""
        skipped: list[str] = []
        skipped_len = 0
        while True:
            if not self._raw and not self._fill():
                return False, "".join(skipped)
            at = find_isa(self._raw)
            if at >= 0:
                skipped.append(self._raw[:at])
                self._raw = self._raw[at:]
                junk = "".join(skipped)
                return True, junk if junk.strip(_WS + "\ufeff") else ""
            keep = 3
            head, self._raw = self._raw[:-keep], self._raw[-keep:]
            if skipped_len < 4096:
                skipped.append(head[: 4096 - skipped_len])
            skipped_len += len(head)
            if first and skipped_len > LEAD_LIMIT:
                return False, "".join(skipped)
            if not self._fill():
                skipped.append(self._raw)
                self._raw = ""
                junk = "".join(skipped)
                return False, junk if (junk.strip(_WS + "\ufeff") or first) else ""

    def _parse_isa(self, ordinal: int) -> ParsedISA | X12Issue:
        while True:
            try:
                parsed = parse_isa(self._raw, 0, ordinal, self._eof)
            except NeedMoreText:
                if not self._fill():
                    continue  # now at EOF: parse_isa reports the truncation
                continue
            if isinstance(parsed, ParsedISA):
                self._raw = self._raw[parsed.end :]
            return parsed

    def _interchange(self, ic: Interchange) -> Iterator[Event]:
        d = ic.delimiters
        ele, comp, rep = d.element, d.component, d.repetition
        while len(self._raw) < 4 and self._fill():
            pass  # the layout is judged from what follows the ISA: have enough of it
        sep = effective_separator(d.segment, self._raw[:4])
        seplen = len(sep)
        t = ""
        c = 0
        group: Group | None = None
        group_ordinal = 0
        set_ordinal = 0
        body_ok = self._body_ok
        while True:
            if c >= len(t):
                piece = self._next_piece(d, sep)
                if piece is None:
                    break
                t, c = piece, 0
                if not t:
                    continue
            e = t.find(sep, c)
            head = t[c:e]
            sid = head.split(ele, 1)[0]
            if sid == "ST":
                start = c
                while True:
                    segs, ids_known, plain, set_end = scan_set(t, start, sep, ele, comp, rep, body_ok)
                    if set_end >= 0:
                        break
                    piece = self._next_piece(d, sep)
                    if piece is None:
                        break
                    t = t[start:] + piece
                    start = c = 0
                closed = set_end >= 0
                if closed:
                    c = set_end
                else:  # no SE before the interchange's text ended
                    segs.pop()  # the text after the last terminator is empty
                    c = len(t)
                    plain = False
                set_ordinal += 1
                if group is None:
                    ic.issues.append(
                        X12Issue(
                            IssueCode.SEGMENT_OUTSIDE_GROUP,
                            "transaction set outside a functional group (no GS before ST)",
                            Level.INTERCHANGE,
                            _pos(ic, None, set_ordinal, segment_id="ST", file_segment=self._file_segment + 1),
                            ack=AckCodes(ta1="024"),
                        )
                    )
                if ids_known and closed:
                    pushback = 0
                    issues: list[X12Issue] = []
                else:
                    parts = t[start : c - seplen].split(sep) if closed else t[start:].split(sep)[:-1]
                    segs, pushback, issues = self._check_body(segs, parts, ic, group, set_ordinal, closed, seplen)
                    if pushback:
                        c = start + pushback
                ts = TransactionSet(set_ordinal, segs, ic, group, self._file_segment + 1, issues, plain, t.isascii())
                self._file_segment += len(segs)
                self._check_set_envelope(ts, closed=closed and not pushback)
                if group is not None:
                    group.transaction_count += 1
                yield ts
                continue
            seg = head.split(ele)
            seg_start = c
            c = e + seplen
            self._file_segment += 1
            if sid == "GS":
                if group is not None:
                    self._close_group_missing(group, "a new GS began")
                    yield GroupEnd(group)
                group_ordinal += 1
                set_ordinal = 0
                group = Group(group_ordinal, seg, ic)
                ic.group_count += 1
                self._check_gs(group)
                yield group
            elif sid == "GE":
                if group is None:
                    ic.issues.append(
                        X12Issue(
                            IssueCode.SEGMENT_OUTSIDE_GROUP,
                            "GE without a GS",
                            Level.INTERCHANGE,
                            _pos(ic, None, segment_id="GE", file_segment=self._file_segment),
                            ack=AckCodes(ta1="024"),
                        )
                    )
                    continue
                group.trailer = seg
                self._check_ge(group, seg)
                yield GroupEnd(group)
                group = None
            elif sid == "IEA":
                if group is not None:
                    self._close_group_missing(group, "the IEA came first")
                    yield GroupEnd(group)
                    group = None
                ic.trailer = seg
                self._check_iea(ic, seg)
                if c < len(t):  # what follows belongs to the next interchange
                    self._raw = t[c:] + self._raw
                yield InterchangeEnd(ic)
                return
            elif sid == "ISA":
                self._file_segment -= 1
                self._raw = t[seg_start:] + self._raw
                break
            elif sid in ("TA1", "ISB", "ISE"):
                ic.service_segments.append(seg)
            else:
                level = Level.GROUP if group else Level.INTERCHANGE
                issue = X12Issue(
                    IssueCode.SEGMENT_OUTSIDE_TRANSACTION,
                    f"segment {sid!r} outside a transaction set was skipped",
                    level,
                    _pos(ic, group, segment_id=sid[:3], file_segment=self._file_segment),
                    ack=AckCodes(ta1="024"),
                    bad_value=head[:80],
                )
                (group.issues if group else ic.issues).append(issue)
        # the text ended (or a new ISA began) before this interchange's IEA
        if group is not None:
            self._close_group_missing(group, "the file ended")
            yield GroupEnd(group)
        ic.issues.append(
            X12Issue(
                IssueCode.IEA_MISSING,
                "interchange trailer IEA is missing (file truncated or interchange not closed)",
                Level.INTERCHANGE,
                Position(interchange=ic.ordinal, segment_id="IEA"),
                ack=AckCodes(ta1="023"),
            )
        )
        yield InterchangeEnd(ic)

    # -- checks ---------------------------------------------------------------------------------
    def _check_body(
        self,
        segs: list[Segment],
        parts: list[str],
        ic: Interchange,
        group: Group | None,
        ordinal: int,
        has_se: bool,
        seplen: int,
    ) -> tuple[list[Segment], int, list[X12Issue]]:
        """Slow path for a set with an odd segment: unknown ids, empty segments, a missing SE.

        Returns the set's segments, the text offset where the set really ended when a control segment
        (a second ST, GE, IEA, ...) shows its SE is missing (0 if not), and the issues found.
        """
        issues: list[X12Issue] = []
        out: list[Segment] = []
        offset = 0
        pushback = 0
        body_ok = self._body_ok
        for i, (seg, text) in enumerate(zip(segs, parts, strict=True)):
            sid = seg[0]
            if i > 0 and sid in _CONTROL_IDS:
                pushback = offset
                break
            offset += len(text) + seplen
            if sid == "":
                issues.append(
                    X12Issue(
                        IssueCode.UNKNOWN_SEGMENT,
                        "empty segment (two terminators in a row) was skipped",
                        Level.SEGMENT,
                        _pos(ic, group, ordinal, segment=len(out) + 1, file_segment=self._file_segment + i + 1),
                        severity=Severity.WARNING,
                    )
                )
                continue
            out.append(seg)
            if i > 0 and sid not in body_ok:
                shown = sid if len(sid) <= 20 else sid[:20] + "..."
                issues.append(
                    X12Issue(
                        IssueCode.UNKNOWN_SEGMENT,
                        f"unrecognized segment id {shown!r}",
                        Level.SEGMENT,
                        _pos(ic, group, ordinal, segment=len(out), segment_id=sid[:3],
                             file_segment=self._file_segment + i + 1),
                        ack=AckCodes(ak3="1", ak5="5"),
                        bad_value=text[:80],
                    )
                )
        if pushback or not has_se:
            issues.append(
                X12Issue(
                    IssueCode.SE_MISSING,
                    "transaction set trailer SE is missing",
                    Level.TRANSACTION,
                    _pos(ic, group, ordinal, segment_id="SE"),
                    ack=AckCodes(ak5="2"),
                )
            )
        return out, pushback, issues

    def _check_set_envelope(self, ts: TransactionSet, closed: bool) -> None:
        ic, group, ordinal = ts.interchange, ts.group, ts.ordinal
        st = ts.segments[0]
        issues = ts.issues

        def add(code: IssueCode, msg: str, ak5: str, seg_id: str, bad: str | None = None) -> None:
            issues.append(
                X12Issue(code, msg, Level.TRANSACTION, _pos(ic, group, ordinal, segment_id=seg_id),
                         ack=AckCodes(ak5=ak5), bad_value=bad)
            )

        set_id = st[1] if len(st) > 1 else ""
        control = st[2] if len(st) > 2 else ""
        if not (len(set_id) == 3 and digits(set_id)):
            add(IssueCode.ST_MALFORMED, f"ST01 transaction set id {set_id!r} is missing or invalid", "6", "ST",
                set_id)
        if not (4 <= len(control) <= 9) or any(c in control for c in " \t"):
            add(IssueCode.ST_MALFORMED, f"ST02 control number {control!r} is missing or invalid", "7", "ST",
                control)
        if group is not None and control:
            if control in group.set_control_numbers:
                add(IssueCode.DUPLICATE_CONTROL_NUMBER,
                    f"ST02 control number {control!r} is used twice in this group", "23", "ST", control)
            group.set_control_numbers.add(control)
        if not closed:
            return
        se = ts.segments[-1]
        count = se[1] if len(se) > 1 else ""
        se_control = se[2] if len(se) > 2 else ""
        if count != str(len(ts.segments)) and not (digits(count) and int(count) == len(ts.segments)):
            add(IssueCode.SE_COUNT_MISMATCH,
                f"SE01 says {count!r} segments but the set has {len(ts.segments)}", "4", "SE", count)
        if se_control != control:
            add(IssueCode.SE_CONTROL_MISMATCH,
                f"SE02 control number {se_control!r} does not match ST02 {control!r}", "3", "SE", se_control)

    def _check_gs(self, g: Group) -> None:
        el = g.elements

        def add(code: IssueCode, msg: str, ak9: str | None, element: int, bad: str | None) -> None:
            g.issues.append(
                X12Issue(code, msg, Level.GROUP, _pos(g.interchange, g, segment_id="GS", element=element),
                         ack=AckCodes(ak9=ak9), bad_value=bad)
            )

        if len(el) < 9:
            add(IssueCode.GS_MALFORMED, f"GS has {len(el) - 1} elements, 8 are required", None, len(el), None)
        fid = g.functional_id
        if not (len(fid) == 2 and fid.isalpha()):
            add(IssueCode.GS_ELEMENT_INVALID, f"GS01 functional id {fid!r} is invalid", "1", 1, fid)
        date = g.date
        if x12_date(date) is None:
            add(IssueCode.GS_ELEMENT_INVALID, f"GS04 date {date!r} is not a valid date", None, 4, date)
        time = g.time
        if not valid_time(time):
            add(IssueCode.GS_ELEMENT_INVALID, f"GS05 time {time!r} is not a valid time", None, 5, time)
        control = g.control_number
        if not (digits(control) and 1 <= len(control) <= 9):
            add(IssueCode.GS_ELEMENT_INVALID, f"GS06 group control number {control!r} is not 1-9 digits", "6", 6,
                control)
        release = g.release
        if not (digits(release) and MIN_GS_VERSION <= int(release) <= MAX_GS_VERSION):
            add(IssueCode.GS_VERSION_UNSUPPORTED,
                f"GS08 version {g.version!r} is not supported (003010 to 005010)", "2", 8, g.version)

    def _check_ge(self, g: Group, ge: Segment) -> None:
        count = ge[1] if len(ge) > 1 else ""
        control = ge[2] if len(ge) > 2 else ""

        def add(code: IssueCode, msg: str, ak9: str, element: int, bad: str) -> None:
            g.issues.append(
                X12Issue(code, msg, Level.GROUP, _pos(g.interchange, g, segment_id="GE", element=element),
                         ack=AckCodes(ak9=ak9), bad_value=bad)
            )

        if not (digits(count) and int(count) == g.transaction_count):
            add(IssueCode.GE_COUNT_MISMATCH,
                f"GE01 says {count!r} transaction sets but the group has {g.transaction_count}", "5", 1, count)
        if control != g.control_number:
            if _same_number(control, g.control_number):
                g.issues.append(
                    X12Issue(IssueCode.GE_CONTROL_MISMATCH,
                             f"GE02 {control!r} and GS06 {g.control_number!r} are padded differently",
                             Level.GROUP, _pos(g.interchange, g, segment_id="GE", element=2),
                             severity=Severity.WARNING, bad_value=control)
                )
            else:
                add(IssueCode.GE_CONTROL_MISMATCH,
                    f"GE02 control number {control!r} does not match GS06 {g.control_number!r}", "4", 2, control)
        if not (digits(control) and 1 <= len(control) <= 9):
            add(IssueCode.GE_CONTROL_SYNTAX, f"GE02 control number {control[:40]!r} is not 1-9 digits", "6", 2,
                control)

    def _close_group_missing(self, g: Group, why: str) -> None:
        g.issues.append(
            X12Issue(
                IssueCode.GE_MISSING,
                f"functional group trailer GE is missing ({why})",
                Level.GROUP,
                _pos(g.interchange, g, segment_id="GE"),
                ack=AckCodes(ak9="3"),
            )
        )

    def _check_iea(self, ic: Interchange, iea: Segment) -> None:
        count = iea[1] if len(iea) > 1 else ""
        control = iea[2] if len(iea) > 2 else ""
        if not (digits(count) and int(count) == ic.group_count):
            ic.issues.append(
                X12Issue(
                    IssueCode.IEA_COUNT_MISMATCH,
                    f"IEA01 says {count!r} functional groups but the interchange has {ic.group_count}",
                    Level.INTERCHANGE,
                    Position(interchange=ic.ordinal, segment_id="IEA", element=1),
                    ack=AckCodes(ta1="021"),
                    bad_value=count,
                )
            )
        if control != ic.control_number:
            padded = _same_number(control, ic.control_number)
            ic.issues.append(
                X12Issue(
                    IssueCode.IEA_CONTROL_MISMATCH,
                    f"IEA02 {control!r} and ISA13 {ic.control_number!r} are padded differently"
                    if padded
                    else f"IEA02 control number {control!r} does not match ISA13 {ic.control_number!r}",
                    Level.INTERCHANGE,
                    Position(interchange=ic.ordinal, segment_id="IEA", element=2),
                    severity=Severity.WARNING if padded else Severity.ERROR,
                    ack=AckCodes() if padded else AckCodes(ta1="001"),
                    bad_value=control,
                )
            )


def _blank(text: str, chars: str) -> bool:
    """Whether `text` holds only characters of `chars`; unlike `strip`, no copy of a long text."""
    return not text or (text[0] in chars and text[-1] in chars and not text.strip(chars))


def _same_number(a: str, b: str) -> bool:
    """Control numbers that differ only in zero padding name the same envelope."""
    return digits(a) and digits(b) and int(a) == int(b)
