"""The compiled scans of the reader agree with their pure-Python definitions, on any text."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from edi_assets.x12 import scanning
from edi_assets.x12.envelope import FileIssue, GroupEnd, InterchangeEnd, TransactionSet
from edi_assets.x12.reader import X12Reader
from tests.conftest import CORPUS

native: Any = pytest.importorskip("edi_assets.x12._split", reason="the C extension is not built here (no compiler)")

# Texts built from the characters that matter to the scans, plus a few that are one byte but not ASCII.
ALPHABET = "STEIA*~:^\n\r\t 01ABé\x85"
texts = st.text(alphabet=ALPHABET, max_size=120)
KNOWN = frozenset({"AB", "S", "BEG", ""})


def test_native_extension_is_used_unless_pure_mode_is_asked_for() -> None:
    assert scanning.NATIVE is (not os.environ.get("EDI_X12_PURE"))


@settings(max_examples=400, deadline=None)
@given(texts, st.integers(0, 130), st.sampled_from(["~", "~\n", "~\r\n", "\n"]), st.sampled_from([None, "^"]))
@example("ST*1~AB*x:y~SE*3~BEG*2~", 0, "~", None)
@example("xxST*1~\nZZ*1^2~\nSE~\nSE*1~\n", 2, "~\n", "^")
@example("ST*1~SE*2", 0, "~", None)
def test_scan_set_matches_its_python_definition(text: str, start: int, sep: str, rep: str | None) -> None:
    start = min(start, len(text))
    assert native.scan_set(text, start, sep, "*", ":", rep, KNOWN) == scanning.scan_set_py(
        text, start, sep, "*", ":", rep, KNOWN
    )


@settings(max_examples=400, deadline=None)
@given(texts, st.sampled_from(["~", "\n", "A", "é"]), st.sampled_from(["*", "A"]))
@example("ISA*1~GS~IEA*1~\n ISA*2~", "~", "*")
@example("IEA*~ISAB~ISA~ISA", "~", "*")
@example("éISA*~IEA*1~", "~", "*")
def test_control_starts_match_their_python_definition(text: str, term: str, ele: str) -> None:
    assert native.control_starts(text, term, ele) == scanning.control_starts_py(text, term, ele)


@settings(max_examples=400, deadline=None)
@given(texts, st.sampled_from(["~", "*"]), st.sampled_from(["\n", "\r\n", "\r"]))
@example("A*1~\nB*2~\n", "~", "\n")
@example("A*1 ~\nB~\n C~\n", "~", "\n")
@example("A~\r\nB~\n", "~", "\r\n")
def test_clean_layout_matches_its_python_definition(text: str, term: str, eol: str) -> None:
    assert native.clean_layout(text, term, eol) == scanning.clean_layout_py(text, term, eol)


def test_text_wider_than_one_byte_per_character_is_left_to_python() -> None:
    assert native.scan_set("ST*1~SE*2~\u2026", 0, "~", "*", ":", None, KNOWN) is None
    assert native.control_starts("ISA*\u2026", "\u2026", "*") is None
    assert native.clean_layout("A\u2026\n", "\u2026", "\n") is None


def _events(path: str) -> list[object]:
    out: list[object] = []
    for ev in X12Reader(path, chunk_size=4096):
        if isinstance(ev, TransactionSet):
            out.append(("set", ev.segments, ev.plain, [i.as_dict() for i in ev.issues]))
        elif isinstance(ev, GroupEnd | InterchangeEnd):
            owner = ev.group if isinstance(ev, GroupEnd) else ev.interchange
            out.append((type(ev).__name__, [i.as_dict() for i in owner.issues]))
        elif isinstance(ev, FileIssue):
            out.append(("file", ev.issue.as_dict()))
        else:  # Interchange, Group
            out.append((type(ev).__name__, ev.elements))
    return out


def _corpus() -> list[str]:
    if not CORPUS.exists():
        return []
    return [str(CORPUS / e["file"]) for e in json.loads((CORPUS / "inventory.json").read_text())]


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.rsplit("x12-corpus/", 1)[-1])
def test_compiled_and_pure_readers_report_the_same_events_for_every_corpus_file(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = _events(path)
    for name in ("_scan", "_clean", "_controls"):
        monkeypatch.setattr(scanning, name, None)
    assert _events(path) == compiled
