"""Fuzzing: whatever bytes come in, the engine raises nothing but its own typed errors.

Reading, typing, converting and acknowledging are all exercised on every input; an exception other than
:class:`X12Error` is a bug. The ``slow`` variants run many more examples.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, TypeVar

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


OPERATIONS = ["flip", "delete", "insert", "duplicate", "delimiter", "truncate"]
T = TypeVar("T")


class Picks(Protocol):
    """Where a mutation's choices come from: hypothesis draws (the tests) or a seeded generator (make chaos)."""

    def integer(self, low: int, high: int) -> int: ...

    def choice(self, options: Sequence[T]) -> T: ...

    def binary(self, low: int, high: int) -> bytes: ...


def mutate(data: bytes, pick: Picks) -> bytes:
    """One to six mutations of ``data``: flip, delete, insert, duplicate, delimiter, truncate."""
    out = bytearray(data)
    for _ in range(pick.integer(1, 6)):
        if not out:
            break
        op = pick.choice(OPERATIONS)
        at = pick.integer(0, len(out) - 1)
        if op == "flip":
            out[at] = pick.integer(0, 255)
        elif op == "delete":
            del out[at : at + pick.integer(1, 40)]
        elif op == "insert":
            out[at:at] = pick.binary(1, 20)
        elif op == "duplicate":
            end = min(len(out), at + pick.integer(1, 200))
            out[at:at] = out[at:end]
        elif op == "delimiter":
            out[at] = ord(pick.choice("*~>^|:\n\r "))
        else:
            del out[at:]
    return bytes(out)


class DrawnPicks:
    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))

    def binary(self, low: int, high: int) -> bytes:
        return self.draw(st.binary(min_size=low, max_size=high))


class RandomPicks:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def binary(self, low: int, high: int) -> bytes:
        return self.rng.randbytes(self.rng.randint(low, high))


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    pick = DrawnPicks(draw)
    return mutate(pick.choice(SEEDS), pick)


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
