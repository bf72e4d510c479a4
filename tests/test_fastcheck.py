"""The generated fast checks never pass a segment the exact validator would fault."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edi_assets.x12.dictionary import segment_definitions
from edi_assets.x12.elements import check_segment
from edi_assets.x12.envelope import TransactionSet
from edi_assets.x12.fastcheck import fast_check
from edi_assets.x12.reader import X12Reader
from tests.conftest import CORPUS


def _agree(seg: list[str], old: bool) -> None:
    if fast_check(seg[0])(seg, old):
        release = "003050" if old else "004010"
        assert check_segment(tuple(seg), ">", None, release) == (), seg


def test_fast_check_agrees_with_the_exact_validator_on_the_corpus() -> None:
    checked = 0
    for path in sorted(CORPUS.glob("*/*.edi")):
        for ev in X12Reader(path):
            if isinstance(ev, TransactionSet) and ev.plain:
                old = ev.version[:6] < "004010"
                for seg in ev.segments:
                    if fast_check(seg[0])(seg, old):
                        problems = check_segment(tuple(seg), ev.delimiters.component, ev.delimiters.repetition,
                                                 ev.version[:6] or "004010")
                        assert problems == (), (path.name, seg, problems)
                        checked += 1
    assert checked > 1000


DEFINED = sorted(sid for sid, d in segment_definitions().items() if d.elements)
VALUES = st.one_of(
    st.just(""), st.text("0123456789", min_size=1, max_size=20), st.text("0123456789.", min_size=1, max_size=8),
    st.sampled_from(["00", "NE", "SA", "EA", "BP", "VP", "ST", "BY", "20261121", "20261332", "1200", "2561",
                     "A", "AC", "IA", "TT", "-5", ".5", "5.", "1E3", "\t", "x\x01", "ZZ", "92", "01", "006"]),
    st.text("ABCDEFGHIJ abc", min_size=1, max_size=90),
)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(DEFINED), st.lists(VALUES, max_size=20), st.booleans())
def test_fast_check_agrees_with_the_exact_validator_on_generated_segments(
    sid: str, values: list[str], old: bool
) -> None:
    _agree([sid, *values], old)


def test_fast_check_passes_ordinary_valid_segments() -> None:
    for seg in (["BEG", "00", "NE", "PO1", "", "20261121"], ["PO1", "1", "2", "EA", "3.50", "", "BP", "A1"],
                ["N1", "ST", "Dock", "92", "D1"], ["CTT", "2"]):
        assert fast_check(seg[0])(seg, False), seg


def test_fast_check_defers_faulty_segments_to_the_exact_validator() -> None:
    for seg in (["BEG", "00", "NE", "", "", "20261121"], ["PO1", "1", "two", "EA"], ["BEG", "00", "NE", "P", "",
                                                                                  "20261332"]):
        assert not fast_check(seg[0])(seg, False), seg
