"""The fast paths of writing documents agree with their definitions: an 850 written straight to text
is byte for byte what outbound's segment lists become, the writer's compiled text checks are its
Python ones, and whatever the fast path cannot vouch for is written (or refused) as before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edi_assets.documents import DateRef, ItemId, Note, Party, PurchaseOrder, PurchaseOrderLine, Reference, Terms
from edi_assets.translate import fastwrite, outbound, parse_documents, render_documents
from edi_assets.x12 import writer
from edi_assets.x12.envelope import Delimiters
from edi_assets.x12.errors import X12RenderError
from edi_assets.x12.writer import (
    DEFAULT_DELIMITERS,
    Element,
    GroupSpec,
    InterchangeSpec,
    SegmentWriter,
    SetSpec,
)
from tests.conftest import CORPUS
from tests.test_roundtrip import purchase_orders

WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SPEC = InterchangeSpec("ZZ", "US", "ZZ", "PARTNER", 5, timestamp=WHEN)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LAYOUTS = [(DEFAULT_DELIMITERS, ""), (DEFAULT_DELIMITERS, "\n"), (Delimiters("|", "^", "\n", None), ""),
           (Delimiters("*", ":", "~", "^"), "\r\n"), (Delimiters("!", "@", "\r", None), "")]


def old_body(w: SegmentWriter, body: Sequence[Sequence[Element]]) -> str:
    """``SegmentWriter.body`` as it was before its checks were compiled: the reference."""
    ele, tail = w._ele, w._tail
    try:
        parts = [ele.join(s) for s in body]  # type: ignore[arg-type]
    except TypeError:
        return "".join(w.segment(s) for s in body)
    if not parts:
        return ""
    text = tail.join(parts) + tail
    separators = sum(map(len, body)) - len(body)
    if (text.count(ele) != separators or text.count(w._term) != len(parts) * tail.count(w._term)
            or w._comp in text or (w._rep is not None and w._rep in text)
            or (ele + tail) in text or not "".join(parts).isprintable()):
        return "".join(w.segment(s) for s in body)
    return text


def reference_render(docs: Sequence[PurchaseOrder], d: Delimiters, line_break: str) -> str:
    """Documents as outbound's lists, written with the reference body: what render_documents wrote."""
    w = SegmentWriter(d, line_break)
    out = [writer.isa_segment(SPEC, w), writer.gs_segment(GroupSpec("PO", "US", "PARTNER", 3, timestamp=WHEN), w)]
    for n, doc in enumerate(docs, start=1):
        body = outbound.purchase_order(doc)
        control = f"{n:04d}"
        out += [w.segment(["ST", "850", control]), old_body(w, body), w.segment(["SE", str(len(body) + 2), control])]
    out += [w.segment(["GE", str(len(docs)), "3"]), w.segment(["IEA", "1", "000000005"])]
    return "".join(out)


def outcome(render: Any, *args: Any) -> tuple[str, str]:
    try:
        return "ok", render(*args)
    except (X12RenderError, TypeError, AttributeError, ValueError) as exc:
        return type(exc).__name__, str(exc)


def assert_written_as_before(docs: Sequence[PurchaseOrder], d: Delimiters = DEFAULT_DELIMITERS,
                             line_break: str = "") -> None:
    fast = outcome(lambda: render_documents(docs, SPEC, 3, delimiters=d, line_break=line_break))
    assert fast == outcome(reference_render, docs, d, line_break)


# -- valid documents ----------------------------------------------------------------------------------
@SETTINGS
@given(st.lists(purchase_orders(), min_size=1, max_size=3), st.sampled_from(LAYOUTS))
def test_purchase_orders_are_written_byte_for_byte_as_before(docs: list[PurchaseOrder],
                                                            layout: tuple[Delimiters, str]) -> None:
    assert_written_as_before(docs, *layout)


def _corpus_orders() -> list[PurchaseOrder]:
    if not CORPUS.exists():
        return []
    return [p.document for path in sorted(CORPUS.rglob("*.edi")) for p in parse_documents(path)
            if isinstance(p.document, PurchaseOrder)]


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda x: repr(x))
def test_the_corpus_purchase_orders_are_written_byte_for_byte_as_before(layout: tuple[Delimiters, str]) -> None:
    docs = _corpus_orders()
    assert docs
    assert_written_as_before(docs, *layout)


@SETTINGS
@given(purchase_orders(), st.sampled_from(LAYOUTS))
def test_a_purchase_order_body_written_as_text_is_accepted_by_the_writer(doc: PurchaseOrder,
                                                                         layout: tuple[Delimiters, str]) -> None:
    d, line_break = layout
    w = SegmentWriter(d, line_break)
    rendered = fastwrite.purchase_order(doc, d.element, d.segment + line_break)
    assert w.accepts(rendered)
    assert rendered.text == old_body(w, outbound.purchase_order(doc))


# -- documents the fast path cannot vouch for -------------------------------------------------------------
def _order(**line: Any) -> PurchaseOrder:
    """A purchase order built without validation, so it may hold what validation would refuse."""
    fields = {**PurchaseOrderLine(quantity=Decimal("2")).__dict__, **line}
    li = PurchaseOrderLine.model_construct(**fields)
    return PurchaseOrder.model_construct(po_number="PO1", po_date=dt.date(2026, 1, 2), lines=[li])


ODD_LINES = [
    {"quantity": Decimal("-0")},
    {"quantity": Decimal("-2.5")},
    {"quantity": Decimal("1E+3")},
    {"quantity": Decimal("0.0000001")},
    {"unit_price": Decimal("-1.5"), "price_basis": "PE"},
    {"unit": ""},
    {"unit": "", "item_ids": [ItemId(qualifier="BP", value="X")]},
    {"description": "A*B"},
    {"description": "A~B"},
    {"description": "tab\there"},
    {"description": "caf\u00e9"},
    {"description": "wide \u2026"},
    {"description": "nbsp\u00a0"},
    {"description": ""},
    {"item_ids": [ItemId.model_construct(qualifier="BP", value="")]},
    {"item_ids": [ItemId.model_construct(qualifier="", value="V")]},
    {"pack": 0},
    {"pack": 12, "pack_size": None, "pack_unit": ""},
    {"pack": None, "pack_size": Decimal("1.5"), "pack_unit": None},
    {"pack": None, "pack_size": None, "pack_unit": "EA"},
    {"pack": True},
    {"references": [Reference(qualifier="PD", value="X", description="D")]},
    {"references": [Reference.model_construct(qualifier="PD", value="", description=None)]},
    {"dates": [DateRef(qualifier="002", date=dt.date(1, 1, 1), time="1200")]},
    {"dates": [DateRef.model_construct(qualifier="002", date=dt.datetime(2026, 1, 2, 3, 4), time=None)]},
    {"notes": [Note(text="one"), Note.model_construct(text="")]},
    {"line_number": "", "unit_price": None, "price_basis": "PE"},
    {"quantity": 5},
    {"quantity": None},
    {"unit": None},
    {"item_ids": (ItemId(qualifier="BP", value="X"),)},
]


@pytest.mark.parametrize("line", ODD_LINES, ids=lambda x: repr(x)[:60])
@pytest.mark.parametrize("layout", LAYOUTS[:3], ids=lambda x: repr(x))
def test_an_odd_purchase_order_is_written_or_refused_as_before(line: dict[str, Any],
                                                               layout: tuple[Delimiters, str]) -> None:
    assert_written_as_before([_order(**line)], *layout)


@pytest.mark.parametrize("line", ODD_LINES, ids=lambda x: repr(x)[:60])
def test_the_compiled_body_is_the_python_body_or_leaves_it_to_python(line: dict[str, Any]) -> None:
    doc = _order(**line)
    for d, line_break in LAYOUTS:
        compiled = fastwrite._po_body(doc, d.element, d.segment + line_break) if fastwrite._po_body else None
        if compiled is not None:
            assert compiled == fastwrite.po_body_py(doc, d.element, d.segment + line_break)


def test_odd_header_values_are_written_or_refused_as_before() -> None:
    base = _order()
    odd_headers: list[dict[str, Any]] = [
        {"currency": ""}, {"release_number": "R1"}, {"purpose_code": ""}, {"po_number": "A~B"},
        {"total_amount": Decimal("-0.00")}, {"total_amount": Decimal("12.50")},
        {"terms": [Terms(type_code="01", discount_percent=Decimal("2"), discount_days=10, net_days=30)]},
        {"terms": [Terms()]}, {"terms": [Terms(description="NET 30")]},
        {"parties": [Party(role="ST", address=["1 MAIN", "", "SUITE 2"], city="X")]},
        {"parties": [Party(role="ST", address=["1 MAIN", ""])]},
        {"parties": [Party(role="ST", name="N", country="US")]},
        {"parties": [Party.model_construct(role="ST", name=None, id_qualifier=None, id=None, address=[], city="",
                                           state=None, postal_code=None, country=None)]},
        {"dates": [DateRef(qualifier="002", date=dt.date(2026, 5, 6))]},
        {"references": [Reference(qualifier="IA", value="1", description="x")]},
        {"po_date": None},
    ]
    for header in odd_headers:
        doc = PurchaseOrder.model_construct(**{**base.__dict__, **header})
        for d, line_break in LAYOUTS[:3]:
            assert_written_as_before([doc], d, line_break)
            compiled = fastwrite._po_body(doc, d.element, d.segment + line_break) if fastwrite._po_body else None
            if compiled is not None:
                assert compiled == fastwrite.po_body_py(doc, d.element, d.segment + line_break)


@pytest.mark.skipif(not fastwrite.NATIVE, reason="the C extension is not built here (or EDI_X12_PURE=1)")
@SETTINGS
@given(purchase_orders(), st.sampled_from(LAYOUTS))
def test_the_compiled_body_of_a_valid_order_is_the_python_body(doc: PurchaseOrder,
                                                               layout: tuple[Delimiters, str]) -> None:
    assert fastwrite._po_body is not None
    d, line_break = layout
    assert fastwrite._po_body(doc, d.element, d.segment + line_break) == fastwrite.po_body_py(
        doc, d.element, d.segment + line_break)


# -- the writer's text checks ---------------------------------------------------------------------------
CHARS = "AB1 *~:^|\n\r\t\x00\x7f\x85\xa0\xad\xe9\u2026"


@settings(max_examples=500, deadline=None)
@given(st.text(CHARS, max_size=40), st.sampled_from(["*", "|"]), st.sampled_from(["~", "\n"]),
       st.sampled_from([":", "^"]), st.sampled_from([None, "^", "|"]), st.sampled_from(["", "\n", "\r\n"]))
@example("A*~B", "*", "~", ":", None, "")
@example("A~\nB\n", "*", "~", ":", None, "\n")
@example("A\nB\n\r\n", "*", "\n", ":", None, "\r\n")  # a terminator outside a tail is a control character
@example("A|B", "|", "~", ":", "|", "")  # the element separator as repetition separator
def test_the_compiled_text_checks_are_the_python_ones(text: str, ele: str, term: str, comp: str, rep: str | None,
                                                      line_break: str) -> None:
    tail = term + line_break
    assert writer.text_checks(text, ele, term, comp, rep, tail) == writer.text_checks_py(text, ele, term, comp, rep,
                                                                                         tail)


def test_every_one_byte_character_is_checked_as_python_checks_it() -> None:
    for code in range(256):
        for text in (f"A{chr(code)}B", f"A*{chr(code)}~"):
            assert writer.text_checks(text, "*", "~", ":", "^", "~") == writer.text_checks_py(text, "*", "~", ":", "^",
                                                                                              "~")


segment_values = st.text("AB1 *~:^\n\t\xe9", max_size=5)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(segment_values, min_size=1, max_size=4).map(lambda s: ["REF", *s]), max_size=4),
       st.sampled_from(LAYOUTS))
def test_the_writer_writes_a_body_as_before(body: list[list[str]], layout: tuple[Delimiters, str]) -> None:
    w = SegmentWriter(*layout)
    assert outcome(w.body, body) == outcome(old_body, w, body)


def test_a_rendered_body_for_other_delimiters_is_not_used() -> None:
    doc = _order()
    w = SegmentWriter(DEFAULT_DELIMITERS)
    assert not w.accepts(fastwrite.purchase_order(doc, "|", "~"))
    assert not w.accepts(fastwrite.purchase_order(doc, "*", "~\n"))
    out: list[str] = []
    writer.render_set(SetSpec("850", "0001", fastwrite.purchase_order(doc, "|", "~")), w, out)
    expected: list[str] = []
    writer.render_set(SetSpec("850", "0001", outbound.purchase_order(doc)), w, expected)
    assert out == expected
