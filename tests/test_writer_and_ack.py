"""Writing X12 (envelopes, counts, delimiters) and building 997/TA1 acknowledgments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from edi_assets.documents import PurchaseOrder, PurchaseOrderLine
from edi_assets.translate import acknowledgment_file, parse_documents, plan_acknowledgments, render_documents
from edi_assets.x12.envelope import Delimiters, GroupEnd, InterchangeEnd, TransactionSet
from edi_assets.x12.errors import X12RenderError
from edi_assets.x12.reader import X12Reader
from edi_assets.x12.writer import InterchangeSpec, SegmentWriter
from tests.conftest import envelope, po850

WHEN = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
SPEC = InterchangeSpec("ZZ", "US", "ZZ", "PARTNER", 42, timestamp=WHEN)


def order(n: str = "PO-1", note: str | None = None) -> PurchaseOrder:
    return PurchaseOrder(po_number=n, po_date=dt.date(2026, 11, 21),
                         lines=[PurchaseOrderLine(line_number="1", quantity=Decimal(2), unit="EA",
                                                  unit_price=Decimal("3.5"), description=note)])


def test_rendered_interchange_has_correct_counts_and_control_numbers() -> None:
    text = render_documents([order("A"), order("B")], SPEC, 7, set_control_start=100)
    segs = text.split("~")[:-1]
    assert segs[0].startswith("ISA*00*")
    assert len(segs[0]) == 105  # 106 with its terminator
    assert segs[0].split("*")[13] == "000000042"
    assert segs[1].split("*")[6] == "7"
    ses = [s for s in segs if s.startswith("SE*")]
    assert ses == ["SE*5*0100", "SE*5*0101"]  # ST BEG PO1 CTT SE
    assert segs[-2] == "GE*2*7"
    assert segs[-1] == "IEA*1*000000042"


def test_rendered_file_reads_back_without_any_issue() -> None:
    text = render_documents([order("A"), order("B")], SPEC, 7)
    evs = list(X12Reader(text.encode()))
    assert not [i for e in evs if isinstance(e, InterchangeEnd) for i in e.interchange.issues]
    assert not [i for e in evs if isinstance(e, GroupEnd) for i in e.group.issues]
    assert [p.errors for p in parse_documents(text.encode())] == [[], []]


def test_chosen_delimiters_and_version_are_used() -> None:
    d = Delimiters(element="|", component="^", segment="\n", repetition="{")
    text = render_documents([order()], InterchangeSpec("ZZ", "US", "ZZ", "P", 1, version="00501", timestamp=WHEN),
                            1, gs_version="005010", delimiters=d)
    isa = text.split("\n")[0].split("|")
    assert (isa[11], isa[12], isa[16]) == ("{", "00501", "^")
    assert text.split("\n")[1].endswith("|005010")


def test_a_value_holding_a_delimiter_is_refused() -> None:
    with pytest.raises(X12RenderError, match="PID05"):
        render_documents([order(note="50% off~today")], SPEC, 1)


def test_trailing_empty_elements_are_dropped() -> None:
    assert SegmentWriter().segment(["REF", "DP", "038", "", ""]) == "REF*DP*038~"


def test_isa_fields_are_padded_to_their_fixed_width() -> None:
    text = render_documents([order()], SPEC, 1)
    isa = text.split("~")[0].split("*")
    assert (isa[2], isa[6], isa[8]) == (" " * 10, "US".ljust(15), "PARTNER".ljust(15))


def test_sender_id_longer_than_15_is_refused() -> None:
    with pytest.raises(X12RenderError, match="ISA06"):
        render_documents([order()], InterchangeSpec("ZZ", "X" * 16, "ZZ", "P", 1, timestamp=WHEN), 1)


# -- 997 / TA1 ---------------------------------------------------------------------------------
def ack_segments(text: str) -> list[list[str]]:
    return [s.split("*") for s in text.split("~") if s.startswith("AK")]


def test_valid_group_is_acknowledged_as_accepted() -> None:
    result = acknowledgment_file(envelope(po850("0001"), po850("0002")).encode(), timestamp=WHEN)
    aks = ack_segments(result.text)
    assert aks[0][:3] == ["AK1", "PO", "1"]
    assert [a for a in aks if a[0] == "AK5"] == [["AK5", "A"], ["AK5", "A"]]
    assert aks[-1] == ["AK9", "A", "2", "2", "2"]


def test_997_goes_back_from_receiver_to_sender() -> None:
    result = acknowledgment_file(envelope(po850()).encode(), interchange_control_number=77, timestamp=WHEN)
    isa = result.text.split("~")[0].split("*")
    assert (isa[6].strip(), isa[8].strip(), isa[13]) == ("RECEIVER", "SENDER", "000000077")


def test_element_error_gives_ak3_with_ak4_and_a_partial_group() -> None:
    bad = po850("0002").replace("PO1*1*2*EA", "PO1*1*two*EA")
    result = acknowledgment_file(envelope(po850("0001"), bad).encode(), timestamp=WHEN)
    aks = ack_segments(result.text)
    assert ["AK2", "850", "0002"] in aks
    assert ["AK3", "PO1", "3", "", "8"] in aks
    ak4 = next(a for a in aks if a[0] == "AK4")
    assert ak4[:4] == ["AK4", "2", "330", "6"]
    assert ak4[4] == "two"
    assert ["AK5", "R", "5"] in aks
    assert aks[-1] == ["AK9", "P", "2", "2", "1"]


def test_se_count_error_rejects_the_set_with_ak5_code_4() -> None:
    bad = po850().replace("SE*5*0001", "SE*9*0001")
    aks = ack_segments(acknowledgment_file(envelope(bad).encode(), timestamp=WHEN).text)
    assert ["AK5", "R", "4"] in aks
    assert aks[-1] == ["AK9", "R", "1", "1", "0"]


def test_group_trailer_error_is_reported_in_ak9() -> None:
    text = envelope(po850()).replace("GE*1*1~", "GE*1*2~")
    aks = ack_segments(acknowledgment_file(text.encode(), timestamp=WHEN).text)
    assert aks[-1] == ["AK9", "R", "1", "1", "1", "4"]


def test_interchange_error_is_answered_with_a_ta1() -> None:
    text = envelope(po850()).replace("IEA*1*000000001", "IEA*1*000000009")
    result = acknowledgment_file(text.encode(), timestamp=WHEN)
    assert result.ta1 == [["TA1", "000000001", "261121", "1200", "R", "001"]]
    segs = result.text.split("~")
    assert segs[1].startswith("TA1*")  # between ISA and GS, where X12 puts it


def test_ack_file_reads_back_as_valid_997s() -> None:
    bad = po850("0002").replace("PO1*1*2*EA", "PO1*1*two*EA")
    result = acknowledgment_file(envelope(po850("0001"), bad).encode(), timestamp=WHEN)
    parsed = list(parse_documents(result.text.encode()))
    assert [p.set_id for p in parsed] == ["997"]
    assert parsed[0].errors == []


def test_997_in_5010_carries_the_version_in_ak1() -> None:
    text = envelope(po850(), gs_version="005010", version="00501", rep="^")
    aks = ack_segments(acknowledgment_file(text.encode(), timestamp=WHEN).text)
    assert aks[0] == ["AK1", "PO", "1", "005010"]


def test_sets_of_a_rejected_interchange_still_get_their_997() -> None:
    text = envelope(po850()).replace("IEA*1*000000001", "IEA*1*000000009")
    evs = [e for e in X12Reader(text.encode()) if isinstance(e, TransactionSet)]
    assert len(evs) == 1
    assert ack_segments(acknowledgment_file(text.encode(), timestamp=WHEN).text)[-1][0] == "AK9"


def test_an_acknowledgment_plan_counts_the_control_numbers_its_file_uses() -> None:
    two = envelope(po850("0001"), control="000000001", group="1") + envelope(po850("0001"), control="000000002",
                                                                             group="2")
    plan = plan_acknowledgments(two.encode())
    text = plan.render(interchange_control_number=500, group_control_start=70, timestamp=WHEN).text
    isa13 = [seg.split("*")[13] for seg in text.split("~") if seg.startswith("ISA")]
    gs06 = [seg.split("*")[6] for seg in text.split("~") if seg.startswith("GS")]
    assert (plan.interchanges, plan.groups) == (2, 2)
    assert (isa13, gs06) == (["000000500", "000000501"], ["70", "71"])


def test_a_plan_renders_what_acknowledgment_file_writes() -> None:
    source = envelope(po850("0001"), po850("0002").replace("PO1*1*2*EA", "PO1*1*two*EA")).encode()
    assert plan_acknowledgments(source).render(interchange_control_number=9, timestamp=WHEN) == acknowledgment_file(
        source, interchange_control_number=9, timestamp=WHEN)
