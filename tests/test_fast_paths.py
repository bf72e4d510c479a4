"""The fast paths of a typed parse agree with their definitions: documents read from the tree without
validation equal the validated ones (==, fields set, exact digits), and the compiled loop-tree walk
builds the tree the Python walk builds, on the corpus and on generated sets."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter

from benchmarks import gen850
from edi_assets.documents import DOCUMENT_TYPES, ItemId, Note, PurchaseOrder, PurchaseOrderLine, Reference
from edi_assets.translate import ParsedDocument, fastdocs, inbound, parse_documents, render_documents
from edi_assets.x12 import fastcheck, structure
from edi_assets.x12.analyze import analyze
from edi_assets.x12.dictionary import segment_definitions
from edi_assets.x12.envelope import TransactionSet
from edi_assets.x12.errors import Position
from edi_assets.x12.reader import X12Reader
from edi_assets.x12.schemas import SCHEMAS
from edi_assets.x12.structure import LoopNode, native_schema, walk_clean_py
from edi_assets.x12.typed import BUILDERS
from edi_assets.x12.writer import InterchangeSpec
from tests.conftest import CORPUS, envelope
from tests.test_roundtrip import purchase_orders

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- how two models are "the same" -----------------------------------------------------------------
def assert_same(fast: Any, slow: Any, where: str = "document") -> None:
    """Equal as ``==`` sees it and beyond: same types, fields set, field order and exact digits."""
    assert type(fast) is type(slow), where
    if isinstance(slow, BaseModel):
        assert fast == slow, where
        assert list(fast.__dict__) == list(slow.__dict__), where
        assert fast.model_fields_set == slow.model_fields_set, where
        assert fast.model_fields_set is not slow.model_fields_set, where
        assert fast.__pydantic_extra__ == slow.__pydantic_extra__, where
        assert fast.__pydantic_private__ == slow.__pydantic_private__, where
        for name, value in slow.__dict__.items():
            assert_same(fast.__dict__[name], value, f"{where}.{name}")
    elif isinstance(slow, list):
        assert len(fast) == len(slow), where
        for i, (a, b) in enumerate(zip(fast, slow, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(slow, Decimal):
        assert fast.as_tuple() == slow.as_tuple(), where
    else:
        assert fast == slow, where


def validated(p: ParsedDocument) -> Any:
    """The document of a parsed set by the definition: the typed set, then model_validate."""
    typed = p.analysis.typed
    assert typed is not None
    return inbound.to_document(typed, p.analysis.ts.delimiters)


def outcomes(source: bytes | str, check_elements: bool) -> list[tuple[Any, list[dict[str, Any]]]]:
    parsed = parse_documents(source, check_elements=check_elements)
    return [(p.document, [i.as_dict() for i in p.issues]) for p in parsed]


def assert_fast_path_changes_nothing(source: bytes | str, monkeypatch: pytest.MonkeyPatch,
                                     check_elements: bool = True) -> None:
    """Every set's document and issues are the same with the fast path and without it."""
    fast = outcomes(source, check_elements)
    with monkeypatch.context() as m:
        m.setattr(fastdocs, "BUILDERS", {})
        slow = outcomes(source, check_elements)
    assert len(fast) == len(slow)
    for (fast_doc, fast_issues), (slow_doc, slow_issues) in zip(fast, slow, strict=True):
        assert fast_issues == slow_issues
        if slow_doc is None:
            assert fast_doc is None
        else:
            assert_same(fast_doc, slow_doc)


# -- corpus and generated files -----------------------------------------------------------------------
def _corpus() -> list[str]:
    return sorted(str(p) for p in CORPUS.rglob("*") if p.is_file() and p.suffix not in (".md", ".json"))


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.rsplit("x12-corpus/", 1)[-1])
def test_fast_documents_equal_validated_documents_for_every_corpus_file(path: str) -> None:
    for p in parse_documents(path):
        if p.document is not None:
            assert_same(p.document, validated(p))


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.rsplit("x12-corpus/", 1)[-1])
def test_the_fast_path_changes_no_document_or_issue_of_a_corpus_file(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_fast_path_changes_nothing(path, monkeypatch)
    assert_fast_path_changes_nothing(path, monkeypatch, check_elements=False)


def test_every_purchase_order_of_the_corpus_takes_the_fast_path() -> None:
    orders = [p for path in _corpus() for p in parse_documents(path) if isinstance(p.document, PurchaseOrder)]
    assert orders
    for p in orders:
        assert fastdocs.document(p.set_id, p.analysis.tree) is not None  # type: ignore[arg-type]


def _benchmark_sets(count: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(gen850.transaction_set(rng, n) for n in range(1, count + 1))


def test_fast_documents_equal_validated_documents_for_benchmark_orders() -> None:
    text = envelope(_benchmark_sets(25, 7)).encode()
    parsed = list(parse_documents(text))
    assert len(parsed) == 25
    for p in parsed:
        assert p.document is not None
        assert fastdocs.document("850", p.analysis.tree) is not None  # type: ignore[arg-type]
        assert_same(p.document, validated(p))


@SETTINGS
@given(purchase_orders())
def test_a_rendered_purchase_order_reads_back_the_same_by_both_paths(doc: PurchaseOrder) -> None:
    spec = InterchangeSpec("ZZ", "US", "ZZ", "PARTNER", 5, timestamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    (p,) = parse_documents(render_documents([doc], spec, 3).encode())
    assert p.document is not None
    assert_same(p.document, validated(p))
    assert p.document == doc


# -- generated 850s with odd values --------------------------------------------------------------------
ASCII = "ABCXYZ0123456789 .-/#"  # no delimiter
normal_text = st.text(ASCII, min_size=1, max_size=8)
ascii_text = st.one_of(normal_text, normal_text, normal_text, st.just(""))
wide_text = st.one_of(ascii_text, st.text(ASCII + "é", min_size=1, max_size=8),  # 'é': one byte, not ASCII
                      st.sampled_from(["\u0663", "\u2026x"]))
normal_number = st.sampled_from(["1", "12", "3.50", "250", "0.001"])
any_number = st.one_of(normal_number, normal_number, normal_number, st.sampled_from(
    ["", ".5", "7.", "-2", "-0", "0.000", "1E3", "1e3", "+1", "1_0", "NaN", "Infinity", "1.2.3", "-", ".", " 1",
     "\u0663", "00012", "9" * 25, "9" * 31, "123456789012345678.123456789"]))
normal_int = st.sampled_from(["1", "12", "48"])
any_int = st.one_of(normal_int, normal_int, normal_int,
                    st.sampled_from(["", "0", "007", "1.5", "-1", "x", "\u0663", "9" * 18, "9" * 19, "9" * 5000]))
normal_date = st.sampled_from(["20240115", "20261231"])
any_date = st.one_of(normal_date, normal_date, normal_date, st.sampled_from(
    ["240115", "990101", "20240230", "2024011", "", "abcdefgh", "20241301", "\u0663" * 8, "00000101"]))


def _segment(draw: st.DrawFn, sid: str, *elements: st.SearchStrategy[str]) -> list[str]:
    seg = [sid, *(draw(e) for e in elements)]
    while len(seg) > 1 and draw(st.booleans()) and not seg[-1]:
        seg.pop()
    return seg


@st.composite
def odd_orders(draw: st.DrawFn) -> str:
    """The text of an 850 whose values may be anything a partner sends: empty, signed, in exponent
    notation, not a date, not ASCII."""
    plain = draw(st.booleans())  # half the orders hold ordinary values only, half anything at all
    odd_text = normal_text if plain else draw(st.sampled_from([ascii_text, ascii_text, ascii_text, wide_text]))
    odd_number = normal_number if plain else any_number
    odd_int = normal_int if plain else any_int
    odd_date = normal_date if plain else any_date
    body: list[list[str]] = [_segment(draw, "BEG", st.sampled_from(["00", "05", ""]), st.sampled_from(["NE", "SA", ""]),
                                      odd_text, odd_text, odd_date)]
    if draw(st.booleans()):
        body.append(_segment(draw, "CUR", st.just("BY"), st.sampled_from(["USD", ""])))
    for _ in range(draw(st.integers(0, 2))):
        body.append(_segment(draw, "REF", st.sampled_from(["DP", ""]), odd_text, odd_text))
    if draw(st.booleans()):
        body.append(_segment(draw, "ITD", st.just("01"), st.just("3"), odd_number, st.just(""), odd_int, st.just(""),
                             odd_int, *[st.just("")] * 4, odd_text))
    for _ in range(draw(st.integers(0, 2))):
        body.append(_segment(draw, "DTM", st.sampled_from(["002", ""]), odd_date, st.sampled_from(["", "1200"])))
    for _ in range(draw(st.integers(0, 2))):
        body.append(_segment(draw, "N1", st.sampled_from(["ST", ""]), odd_text, st.just("92"), odd_text))
        if draw(st.booleans()):
            body.append(_segment(draw, "N2", odd_text))
        for _ in range(draw(st.integers(0, 2))):
            body.append(_segment(draw, "N3", odd_text, odd_text))
        if draw(st.booleans()):
            body.append(_segment(draw, "N4", odd_text, odd_text, odd_text, odd_text))
    for n in range(draw(st.integers(1, 3))):
        ids = [x for _ in range(draw(st.integers(0, 3))) for x in (draw(st.sampled_from(["BP", "VP", ""])),
                                                                     draw(odd_text))]
        body.append(_segment(draw, "PO1", st.sampled_from([str(n + 1), ""]), odd_number, st.sampled_from(["EA", ""]),
                             odd_number, st.sampled_from(["", "PE"]), *[st.just(x) for x in ids]))
        for _ in range(draw(st.integers(0, 2))):
            body.append(_segment(draw, "PID", st.just("F"), st.just(""), st.just(""), st.just(""), odd_text))
        for _ in range(draw(st.integers(0, 2))):
            body.append(_segment(draw, "PO4", odd_int, odd_number, st.sampled_from(["EA", ""])))
        for _ in range(draw(st.integers(0, 2))):
            body.append(_segment(draw, "REF", st.sampled_from(["PD", ""]), odd_text, odd_text))
        for _ in range(draw(st.integers(0, 2))):
            body.append(_segment(draw, "DTM", st.sampled_from(["002", ""]), odd_date))
        for _ in range(draw(st.integers(0, 2))):
            body.append(_segment(draw, "MSG", odd_text))
    body.append(["CTT", "1"])
    if draw(st.booleans()):
        body.append(_segment(draw, "AMT", st.sampled_from(["TT", "GV", "1"]), odd_number))
    segs = [["ST", "850", "0001"], *body, ["SE", str(len(body) + 2), "0001"]]
    return "".join("*".join(s) + "~" for s in segs)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(text=odd_orders(), check_elements=st.booleans())
def test_the_fast_path_changes_no_document_or_issue_of_an_odd_order(
    text: str, check_elements: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_fast_path_changes_nothing(envelope(text).encode("utf-8", "surrogateescape"), monkeypatch, check_elements)


def test_an_undecodable_byte_leaves_the_document_to_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    text = envelope("ST*850*0001~BEG*00*NE*PO\xff1**20240115~PO1*1*2*EA~CTT*1~SE*5*0001~")
    data = text.encode("latin-1")  # \xff alone is not UTF-8: the reader keeps it as a surrogate
    (p,) = parse_documents(data, check_elements=False)
    assert not p.analysis.ts.ascii
    assert p.document is None  # pydantic refuses the surrogate, and says so
    assert any("po_number" in i.message for i in p.issues)
    assert_fast_path_changes_nothing(data, monkeypatch, check_elements=False)


# -- the value conversions -------------------------------------------------------------------------------
DECIMAL = TypeAdapter(Decimal)


@settings(max_examples=400, deadline=None)
@given(st.text("0123456789.-+eE_ ", max_size=12) | any_number)
@example("9" * 30)
def test_a_number_the_fast_path_reads_is_the_decimal_validation_makes(value: str) -> None:
    try:
        fast = fastdocs.decimal(value)
    except fastdocs.Unsure:
        return
    assert fast.as_tuple() == DECIMAL.validate_python(value).as_tuple()


plain_numbers = st.from_regex(r"-?[0-9]{1,12}(\.[0-9]{0,12})?", fullmatch=True) | st.from_regex(
    r"-?\.[0-9]{1,12}", fullmatch=True)


@given(plain_numbers)
def test_plain_notation_is_read_without_validation(value: str) -> None:
    assert fastdocs.decimal(value).as_tuple() == DECIMAL.validate_python(value).as_tuple()


def test_a_whole_number_is_read_as_inbound_reads_it() -> None:
    assert fastdocs.whole("007") == 7
    for bad in ("", "1.5", "-1", "\u0663", "9" * 19):
        with pytest.raises(fastdocs.Unsure):
            fastdocs.whole(bad)


# -- assembling models -------------------------------------------------------------------------------
def _leaves() -> list[tuple[type[BaseModel], dict[str, Any], frozenset[str]]]:
    return [
        (ItemId, {"qualifier": "BP", "value": "X1"}, frozenset({"qualifier", "value"})),
        (Note, {"text": "n"}, frozenset({"text"})),
        (Reference, {"qualifier": "DP", "value": "1", "description": None}, frozenset({"qualifier", "value"})),
    ]


@pytest.mark.parametrize(("cls", "values", "fields"), _leaves())
def test_an_assembled_model_is_the_validated_model(cls: type[BaseModel], values: dict[str, Any],
                                                   fields: frozenset[str]) -> None:
    given_values = {k: v for k, v in values.items() if k in fields}
    for assemble in (fastdocs.assemble, fastdocs.assemble_py):
        assert_same(assemble(cls, dict(values), fields), cls.model_validate(given_values))


def test_assembled_models_do_not_share_their_fields_set() -> None:
    fields = frozenset({"text"})
    for assemble in (fastdocs.assemble, fastdocs.assemble_py):
        a, b = assemble(Note, {"text": "a"}, fields), assemble(Note, {"text": "b"}, fields)
        assert a.model_fields_set == b.model_fields_set == {"text"}
        assert a.model_fields_set is not b.model_fields_set


def test_an_assembled_model_copies_and_updates_like_a_validated_one() -> None:
    line = fastdocs.assemble(PurchaseOrderLine, PurchaseOrderLine(quantity=Decimal(1)).__dict__.copy(),
                             frozenset({"quantity"}))
    changed = line.model_copy(update={"unit": "CA"})
    assert changed.unit == "CA"
    assert line.unit == "EA"
    assert changed.model_fields_set == {"quantity", "unit"}
    assert line.model_fields_set == {"quantity"}
    assert PurchaseOrderLine.model_validate(line.model_dump()) == line


def test_the_fast_builders_cover_only_types_with_documents() -> None:
    assert set(fastdocs.BUILDERS) <= set(DOCUMENT_TYPES)


# -- the typed view is built on first use ------------------------------------------------------------
def test_the_typed_view_of_an_analysed_set_is_the_one_its_builder_makes() -> None:
    text = envelope(_benchmark_sets(2, 3)).encode()
    for ts in (e for e in X12Reader(text) if isinstance(e, TransactionSet)):
        a = analyze(ts)
        assert a.tree is not None
        assert a.typed == BUILDERS["850"](a.tree)
        assert a.typed is a.typed


def test_a_set_without_its_required_segment_reports_it_while_analysed() -> None:
    (ts,) = (e for e in X12Reader(envelope("ST*850*0001~PO1*1*2*EA~CTT*1~SE*4*0001~").encode())
             if isinstance(e, TransactionSet))
    a = analyze(ts)
    assert a.typed is None
    assert any("has no BEG segment" in i.message for i in a.issues)


# -- the compiled loop-tree walk ------------------------------------------------------------------------
native_walk = structure._walk


def same_tree(a: LoopNode | None, b: LoopNode | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.id == b.id and len(a.items) == len(b.items) and all(
        same_tree(x, y) if isinstance(y, LoopNode) else (x == y and not isinstance(x, LoopNode))
        for x, y in zip(a.items, b.items, strict=True)
    )


def _corpus_sets() -> Iterator[TransactionSet]:
    for path in _corpus():
        yield from (e for e in X12Reader(path) if isinstance(e, TransactionSet) and e.set_id in SCHEMAS)


@pytest.mark.skipif(native_walk is None, reason="the C extension is not built here (or EDI_X12_PURE=1)")
def test_the_compiled_walk_builds_the_python_tree_for_every_corpus_set() -> None:
    assert native_walk is not None
    clean = 0
    for ts in _corpus_sets():
        schema = SCHEMAS[ts.set_id]
        compiled = native_walk(ts.segments, native_schema(schema), LoopNode)
        assert same_tree(compiled, walk_clean_py(ts.segments, schema))
        clean += compiled is not None
    assert clean > 50


def _segment_ids(schema_id: str) -> list[str]:
    return sorted(structure._compile(SCHEMAS[schema_id]).all_ids)


@st.composite
def walks(draw: st.DrawFn) -> tuple[str, list[list[str]]]:
    """A set's segments: a valid benchmark 850 or a corpus-like skeleton, then shuffled, dropped,
    repeated or foreign segments."""
    set_id = draw(st.sampled_from(sorted(SCHEMAS)))
    if set_id == "850" and draw(st.booleans()):
        segs = [s.split("*") for s in gen850.transaction_set(random.Random(draw(st.integers(0, 99))), 1)
                .split("~\n") if s]
    else:
        ids = _segment_ids(set_id)
        segs = [["ST", set_id, "0001"]] + [[draw(st.sampled_from(ids))] for _ in range(draw(st.integers(0, 30)))]
        segs.append(["SE", "1", "0001"])
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(segs) - 1))
        op = draw(st.sampled_from(["drop", "repeat", "swap", "foreign"]))
        if op == "drop" and len(segs) > 1:
            segs.pop(i)
        elif op == "repeat":
            segs.insert(i, list(segs[i]))
        elif op == "swap" and i + 1 < len(segs):
            segs[i], segs[i + 1] = segs[i + 1], segs[i]
        elif op == "foreign":
            segs.insert(i, [draw(st.sampled_from(["ZZZ", "BEG", "N1", "PO1", "HL", "AK2", "CTT"]))])
    return set_id, segs


@pytest.mark.skipif(native_walk is None, reason="the C extension is not built here (or EDI_X12_PURE=1)")
@settings(max_examples=400, deadline=None)
@given(walks())
def test_the_compiled_walk_builds_the_python_tree_or_leaves_the_set_to_python(
    walk: tuple[str, list[list[str]]],
) -> None:
    assert native_walk is not None
    set_id, segs = walk
    schema = SCHEMAS[set_id]
    assert same_tree(native_walk(segs, native_schema(schema), LoopNode), walk_clean_py(segs, schema))


def test_a_tree_built_either_way_has_the_same_issues(monkeypatch: pytest.MonkeyPatch) -> None:
    for ts in _corpus_sets():
        where = Position(1, 1, 1)
        tree, issues = structure.build_tree(ts.segments, SCHEMAS[ts.set_id], where)
        py_tree, py_issues = structure.build_tree_py(ts.segments, SCHEMAS[ts.set_id], where)
        assert same_tree(tree, py_tree)
        assert [i.as_dict() for i in issues] == [i.as_dict() for i in py_issues]


# -- the compiled fast element test -------------------------------------------------------------------
native_doubtful = fastcheck._doubtful
DEFINED = sorted(sid for sid, d in segment_definitions().items() if d.elements)
ELEMENT_VALUES = st.one_of(
    st.just(""), st.text("0123456789", min_size=1, max_size=20), st.text("0123456789.-", min_size=1, max_size=8),
    st.sampled_from(["00", "NE", "SA", "EA", "BP", "ST", "20261121", "20261332", "20240229", "20230229", "19000229",
                     "20000229", "000101", "991231", "500101", "00000101", "1200", "2561", "2400", "235959",
                     "2359591", "23595999", "1260", "A", "AC", "TT", "-5", ".5", "5.", ".", "1.2.3", "1E3",
                     "\t", "x\x01", "\x7f", "\x85", "\xa0", "\xad", "caf\xe9", "wide\u2026", "\u00b2", "92", "006"]),
    st.text("ABCDEFGHIJ abc", min_size=1, max_size=90),
)


@pytest.mark.skipif(native_doubtful is None, reason="the C extension is not built here (or EDI_X12_PURE=1)")
@settings(max_examples=2000, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([*DEFINED, "ZZZ"]), st.lists(ELEMENT_VALUES, max_size=26)), max_size=6),
       st.booleans())
def test_the_compiled_fast_test_doubts_what_the_python_one_doubts(
    segments: list[tuple[str, list[str]]], old: bool
) -> None:
    assert native_doubtful is not None
    segs = [[sid, *values] for sid, values in segments]
    compiled = native_doubtful(segs, fastcheck.native_programs(), old)
    expected = fastcheck.doubtful_py(segs, old)
    if all(max(map(ord, "".join(s)), default=0) < 256 for s in segs):
        assert compiled == expected
    else:  # a value wider than one byte per character is left to the exact validator
        assert set(expected) <= set(compiled)


@pytest.mark.skipif(native_doubtful is None, reason="the C extension is not built here (or EDI_X12_PURE=1)")
def test_the_compiled_fast_test_doubts_what_the_python_one_doubts_in_every_corpus_set() -> None:
    assert native_doubtful is not None
    for ts in _corpus_sets():
        for old in (False, True):
            assert native_doubtful(ts.segments, fastcheck.native_programs(), old) == fastcheck.doubtful_py(
                ts.segments, old)


def test_every_segment_test_has_a_compiled_form() -> None:
    programs = fastcheck.native_programs()
    assert set(programs) == set(DEFINED)
    assert sum(1 for p in programs.values() if p is not False) > len(programs) * 0.8


def _corpus_segments() -> list[list[str]]:
    return [seg for ts in _corpus_sets() if ts.plain for seg in ts.segments]


@pytest.mark.skipif(native_doubtful is None, reason="the C extension is not built here (or EDI_X12_PURE=1)")
@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(_corpus_segments() or [["BEG"]]), st.integers(1, 30), ELEMENT_VALUES, st.booleans())
def test_the_compiled_fast_test_agrees_on_corpus_segments_with_one_value_changed(
    seg: list[str], position: int, value: str, old: bool
) -> None:
    assert native_doubtful is not None
    changed = list(seg)
    if position < len(changed):
        changed[position] = value
    else:
        changed.append(value)
    compiled = native_doubtful([seg, changed], fastcheck.native_programs(), old)
    expected = fastcheck.doubtful_py([seg, changed], old)
    if max(map(ord, "".join(changed)), default=0) < 256:
        assert compiled == expected
    else:
        assert set(expected) <= set(compiled)
