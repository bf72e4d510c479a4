"""Fuzzing: whatever bytes come in, the engine raises nothing but its own typed errors.

Reading, typing, converting and acknowledging are all exercised on every input; an exception other than
:class:`X12Error` is a bug. The ``slow`` variants run many more examples.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edi_assets.translate import acknowledgment_file, parse_documents
from edi_assets.x12.errors import X12Error
from tests.conftest import CORPUS, envelope, po850

CORPUS_FILES = sorted(CORPUS.glob("*/*.edi")) if CORPUS.exists() else []
SEEDS = [p.read_bytes() for p in CORPUS_FILES] or [envelope(po850()).encode()]


def exercise(data: bytes) -> None:
    """Everything a partner's file goes through; only X12Error may escape."""
    try:
        for parsed in parse_documents(data):
            if parsed.document is not None:
                parsed.document.model_dump(mode="json")
            for issue in parsed.issues:
                issue.one_line()
        acknowledgment_file(data)
    except X12Error:
        pass


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "delete", "insert", "duplicate", "delimiter", "truncate"]))
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif op == "duplicate":
            end = min(len(data), at + draw(st.integers(1, 200)))
            data[at:at] = data[at:end]
        elif op == "delimiter":
            data[at] = ord(draw(st.sampled_from("*~>^|:\n\r ")))
        else:
            del data[at:]
    return bytes(data)


x12_like = st.lists(
    st.tuples(st.sampled_from(["ISA", "GS", "ST", "SE", "GE", "IEA", "BEG", "PO1", "HL", "AK2", "N1", "XX", ""]),
              st.lists(st.text("0123456789ABC *>:^", max_size=12), max_size=18)),
    max_size=40,
).map(lambda segs: "".join("*".join([sid, *els]) + "~" for sid, els in segs).encode())

FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
DEEP = settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes_raise_only_typed_errors(data: bytes) -> None:
    exercise(data)


@FAST
@given(mutated())
def test_mutated_corpus_files_raise_only_typed_errors(data: bytes) -> None:
    exercise(data)


@FAST
@given(x12_like)
def test_x12_shaped_garbage_raises_only_typed_errors(data: bytes) -> None:
    exercise(data)


@FAST
@given(st.sampled_from(SEEDS), st.integers(1, 400))
def test_every_truncation_of_a_corpus_file_raises_only_typed_errors(data: bytes, cut: int) -> None:
    exercise(data[: max(0, len(data) - cut)])


@pytest.mark.slow
@DEEP
@given(mutated())
def test_mutated_corpus_files_at_depth(data: bytes) -> None:
    exercise(data)


@pytest.mark.slow
@DEEP
@given(x12_like)
def test_x12_shaped_garbage_at_depth(data: bytes) -> None:
    exercise(data)


def test_a_missing_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(X12Error, match="cannot open"):
        list(parse_documents(tmp_path / "nope.edi"))
