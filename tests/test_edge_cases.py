"""Edge cases found in review: layouts, chunk boundaries, odd digits, unwritable values."""

from __future__ import annotations

import pytest

from edi_assets.translate import acknowledgment_file, render_documents
from edi_assets.x12.envelope import Delimiters, Event, FileIssue, GroupEnd, Interchange, InterchangeEnd, TransactionSet
from edi_assets.x12.errors import X12Error, X12RenderError
from edi_assets.x12.fastcheck import fast_check
from edi_assets.x12.reader import X12Reader
from edi_assets.x12.writer import SegmentWriter, SetSpec, render_set
from tests.conftest import envelope, isa, po850

BODY = ["GS*PO*SENDER*RECEIVER*20261121*1200*1*X*004010", "ST*850*0001", "BEG*00*NE*PO1**20261121",
        "PO1*1*2*EA*3.50**BP*ITEM1", "CTT*1", "SE*5*0001", "GE*1*1", "IEA*1*000000001"]
ISA = isa()[:-1]  # without its terminator


def layout(term: str, after: str = "", first: str | None = None) -> bytes:
    """The same interchange with terminator ``term``, ``after`` following every terminator, and
    ``first`` (default: ``after``) following the ISA's."""
    head = ISA + term + (after if first is None else first)
    return (head + (term + after).join(BODY) + term + after).encode()


def summary(evs: list[Event]) -> list[object]:
    out: list[object] = []
    for e in evs:
        if isinstance(e, TransactionSet):
            out.append(("set", e.segments, sorted(i.code for i in e.issues)))
        elif isinstance(e, GroupEnd):
            out.append(("ge", sorted(i.code for i in e.group.issues)))
        elif isinstance(e, InterchangeEnd):
            out.append(("iea", sorted(i.code for i in e.interchange.issues)))
        elif isinstance(e, FileIssue):
            out.append(("file", e.issue.code))
    return out


LAYOUTS = {
    "tilde": layout("~"),
    "tilde-lf": layout("~", "\n"),
    "tilde-crlf": layout("~", "\r\n"),
    "crlf-blank-line-after-isa": layout("~", "\r\n", first="\r\n\r\n"),
    "crlf-indented": layout("~", "\r\n  "),
    "lf-terminator": layout("\n"),
    "lf-terminator-blank-lines": layout("\n", "\n", first="\n\n"),
    "cr-terminator-lf": layout("\r", "\n"),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_reads_as_the_plain_file(name: str) -> None:
    assert summary(list(X12Reader(LAYOUTS[name]))) == summary(list(X12Reader(LAYOUTS["tilde"])))


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_reading_does_not_depend_on_where_chunks_end(name: str) -> None:
    data = LAYOUTS[name]
    expected = summary(list(X12Reader(data)))
    for size in range(1, len(data) + 1):
        assert summary(list(X12Reader(data, chunk_size=size))) == expected, f"chunk size {size}"


def test_two_interchanges_read_the_same_at_every_chunk_size() -> None:
    data = envelope(po850()).encode() + b"\n" + envelope(po850(term="\n"), control="000000002", term="\n").encode()
    expected = summary(list(X12Reader(data)))
    assert [s for s in expected if s[0] == "iea"] == [("iea", []), ("iea", [])]
    for size in range(1, len(data) + 1):
        assert summary(list(X12Reader(data, chunk_size=size))) == expected, f"chunk size {size}"


@pytest.mark.parametrize("where", ["GE*¹*1", "SE*⁵*0001", "GS*PO*SENDER*RECEIVER*20261121*1²00*1*X*004010"])
def test_non_ascii_digits_are_reported_not_raised(where: str) -> None:
    target = where.split("*")[0]
    text = "~".join(where if s.startswith(target + "*") else s for s in BODY)
    evs = list(X12Reader((ISA + "~" + text + "~").encode()))
    issues = [i for e in evs if isinstance(e, GroupEnd) for i in e.group.issues]
    issues += [i for e in evs if isinstance(e, TransactionSet) for i in e.issues]
    assert any(i.is_error for i in issues)


def test_non_ascii_digits_in_a_time_element_are_an_element_error() -> None:
    from edi_assets.translate import parse_documents

    text = envelope(po850().replace("CTT*1~", "DTM*002*20261121*²²00~CTT*1~"))
    parsed = list(parse_documents(text.encode()))
    assert parsed[0].document is None
    assert any(i.ack.ak4 == "9" for i in parsed[0].errors)


def test_acknowledging_an_interchange_with_unusable_delimiters_still_answers_every_interchange() -> None:
    good = envelope(po850())
    bad = envelope(po850(), control="000000002").replace("*P*>~", "*P*A~", 1)
    result = acknowledgment_file((good + bad).encode())
    assert [t[4] for t in result.ta1] == ["R"]  # the bad interchange is rejected by its TA1
    assert result.groups[0].status == "A"  # and the good one is still acknowledged


def test_fast_check_never_passes_a_missing_mandatory_composite() -> None:
    assert not fast_check("AK4")(["AK4", "", "355", "4"], False)


def test_isa_elements_are_isa00_to_isa16() -> None:
    ic = next(e for e in X12Reader(envelope(po850()).encode()) if isinstance(e, Interchange))
    assert len(ic.elements) == 17
    assert (ic.elements[15], ic.elements[16]) == ("P", ">")


W = SegmentWriter(Delimiters("*", ">", "~", "^"))


def test_a_composite_component_holding_the_repetition_separator_is_refused() -> None:
    with pytest.raises(X12RenderError):
        W.segment(["SLN", ("A^B", "C")])


@pytest.mark.parametrize("value", ["line\nbreak", "tab\there", "cr\rhere", "nul\x00"])
def test_values_with_control_characters_are_refused(value: str) -> None:
    with pytest.raises(X12RenderError, match="control character"):
        W.segment(["MSG", value])
    with pytest.raises(X12RenderError, match="control character"):
        W.body([["MSG", value]])


def test_an_empty_composite_is_dropped_like_an_empty_element() -> None:
    assert W.segment(["MEA", "PD", ("", "")]) == "MEA*PD~"


@pytest.mark.parametrize("control", ["1", "123", "1234567890", "12 4"])
def test_st02_must_be_4_to_9_letters_or_digits(control: str) -> None:
    with pytest.raises(X12RenderError, match="ST02"):
        render_set(SetSpec("850", control, [["BEG", "00"]]), W, [])


def test_render_errors_are_engine_errors() -> None:
    import datetime as dt
    from decimal import Decimal

    from edi_assets.documents import Note, PurchaseOrder, PurchaseOrderLine
    from edi_assets.x12.writer import InterchangeSpec

    po = PurchaseOrder(po_number="P1", po_date=dt.date(2026, 1, 1),
                       lines=[PurchaseOrderLine(quantity=Decimal(1), notes=[Note(text="two\nlines")])])
    with pytest.raises(X12Error):
        render_documents([po], InterchangeSpec("ZZ", "A", "ZZ", "B", 1), 1)
