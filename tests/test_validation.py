"""Structure (loops, AK3) and element (AK4) validation of transaction sets."""

from __future__ import annotations

from edi_assets.x12.analyze import SetAnalysis, analyze
from edi_assets.x12.envelope import TransactionSet
from edi_assets.x12.errors import IssueCode, Level
from edi_assets.x12.reader import X12Reader
from edi_assets.x12.typed import X850, X856
from tests.conftest import envelope


def one_set(body: list[str], set_id: str = "850", fid: str = "PO", version: str = "004010") -> SetAnalysis:
    segs = [f"ST*{set_id}*0001", *body, f"SE*{len(body) + 2}*0001"]
    text = envelope("".join(s + "~" for s in segs), fid=fid, gs_version=version)
    ts = next(e for e in X12Reader(text.encode()) if isinstance(e, TransactionSet))
    return analyze(ts)


PO = ["BEG*00*NE*PO-1**20261121", "PO1*1*2*EA*3.5**BP*A1", "CTT*1"]


def issue(a: SetAnalysis, code: IssueCode) -> object:
    return next(i for i in a.issues if i.code is code)


def test_a_valid_850_has_no_issues_and_a_typed_model() -> None:
    a = one_set(PO)
    assert a.issues == []
    assert isinstance(a.typed, X850)
    assert a.typed.po_number == "PO-1"


def test_mandatory_segment_missing_is_ak3_code_3() -> None:
    a = one_set(["PO1*1*2*EA*3.5**BP*A1", "CTT*1"])
    i = issue(a, IssueCode.MANDATORY_SEGMENT_MISSING)
    assert i.ack.ak3 == "3"  # type: ignore[attr-defined]
    assert "BEG" in i.message  # type: ignore[attr-defined]


def test_segment_not_in_the_set_is_ak3_code_6() -> None:
    a = one_set(["BEG*00*NE*PO-1**20261121", "BIG*20261121*INV1", "PO1*1*2*EA*3.5**BP*A1"])
    i = issue(a, IssueCode.UNEXPECTED_SEGMENT)
    assert (i.ack.ak3, i.position.segment, i.position.segment_id) == ("6", 3, "BIG")  # type: ignore[attr-defined]


def test_segment_after_its_place_is_ak3_code_7() -> None:
    a = one_set(["BEG*00*NE*PO-1**20261121", "PO1*1*2*EA*3.5**BP*A1", "NTE*GEN*late note", "CTT*1"])
    assert issue(a, IssueCode.UNEXPECTED_SEGMENT).ack.ak3 == "7"  # type: ignore[attr-defined]


def test_segment_over_its_maximum_use_is_ak3_code_5() -> None:
    a = one_set(["BEG*00*NE*PO-1**20261121", "BEG*00*NE*PO-2**20261121", "PO1*1*2*EA*3.5**BP*A1"])
    assert issue(a, IssueCode.SEGMENT_OVER_MAX_USE).ack.ak3 == "5"  # type: ignore[attr-defined]


def test_loops_nest_lines_under_po1() -> None:
    a = one_set(["BEG*00*NE*PO-1**20261121", "N1*ST*Dock*92*D1", "N3*1 Main St", "N4*Austin*TX*78701",
                 "PO1*1*2*EA*3.5**BP*A1", "PID*F****Widget", "PO1*2*1*EA*9**BP*B2", "CTT*2"])
    assert isinstance(a.typed, X850)
    assert [li.item.line_number for li in a.typed.lines] == ["1", "2"]
    assert a.typed.lines[0].descriptions == ["Widget"]
    assert a.typed.parties[0].city == "Austin"


def test_mandatory_element_missing_is_ak4_code_1() -> None:
    a = one_set(["BEG*00*NE***20261121", "PO1*1*2*EA*3.5**BP*A1"])
    i = issue(a, IssueCode.ELEMENT_MISSING)
    assert (i.ack.ak4, i.ack.ak3, i.position.element, i.level) == ("1", "8", 3, Level.ELEMENT)  # type: ignore[attr-defined]


def test_element_too_long_is_ak4_code_5() -> None:
    a = one_set(["BEG*00*NE*PO-1**20261121", "PO1*1*2*EACH*3.5**BP*A1"])
    i = issue(a, IssueCode.ELEMENT_TOO_LONG)
    assert (i.ack.ak4, i.position.segment_id, i.position.element, i.bad_value) == ("5", "PO1", 3, "EACH")  # type: ignore[attr-defined]


def test_non_numeric_quantity_is_ak4_code_6() -> None:
    a = one_set(["BEG*00*NE*PO-1**20261121", "PO1*1*two*EA*3.5**BP*A1"])
    assert issue(a, IssueCode.ELEMENT_INVALID_CHARACTER).ack.ak4 == "6"  # type: ignore[attr-defined]


def test_invalid_date_is_ak4_code_8() -> None:
    a = one_set(["BEG*00*NE*PO-1**20261332", "PO1*1*2*EA*3.5**BP*A1"])
    assert issue(a, IssueCode.ELEMENT_INVALID_DATE).ack.ak4 == "8"  # type: ignore[attr-defined]


def test_code_not_in_the_code_list_is_ak4_code_7() -> None:
    a = one_set(["BEG*99*NE*PO-1**20261121", "PO1*1*2*EA*3.5**BP*A1"])
    assert issue(a, IssueCode.ELEMENT_INVALID_CODE).ack.ak4 == "7"  # type: ignore[attr-defined]


def test_too_many_elements_is_ak4_code_3() -> None:
    a = one_set(["BEG*00*NE*PO-1**20261121", "CTT*1*2*3*4*5*6*7*8", "PO1*1*2*EA*3.5**BP*A1"])
    assert issue(a, IssueCode.TOO_MANY_ELEMENTS).ack.ak4 == "3"  # type: ignore[attr-defined]


def test_paired_elements_syntax_note_is_ak4_code_2() -> None:
    a = one_set(["BEG*00*NE*PO-1**20261121", "PO1*1*2*EA*3.5**BP"])
    i = issue(a, IssueCode.ELEMENT_CONDITIONAL)
    assert (i.ack.ak4, i.position.element) == ("2", 7)  # type: ignore[attr-defined]


def test_century_in_dtm05_is_valid_before_004010() -> None:
    a = one_set(["BEG*00*NE*PO-1**010614", "DTM*002*010808***20", "PO1*1*2*EA*3.5**BP*A1"], version="003050")
    assert not a.has_errors


def test_the_same_dtm_is_a_syntax_error_in_004010() -> None:
    a = one_set(["BEG*00*NE*PO-1**20261121", "DTM*002*20261121***20", "PO1*1*2*EA*3.5**BP*A1"])
    assert IssueCode.ELEMENT_CONDITIONAL in {i.code for i in a.errors}


def test_856_hierarchy_links_items_to_orders_and_packs() -> None:
    a = one_set(["BSN*00*SHIP1*20261121*1200", "HL*1**S", "HL*2*1*O", "PRF*PO-9", "HL*3*2*P", "MAN*GM*0001",
                 "HL*4*3*I", "LIN*1*BP*A1", "SN1**5*EA"], set_id="856", fid="SH")
    assert isinstance(a.typed, X856)
    item = a.typed.levels[-1]
    assert [item.level, item.ancestor("P").id, item.ancestor("O").id] == ["I", "3", "2"]  # type: ignore[union-attr]
    assert a.typed.shipments[0].descendants("I") == [item]


def test_856_hl_naming_a_missing_parent_is_a_hierarchy_error() -> None:
    a = one_set(["BSN*00*SHIP1*20261121*1200", "HL*1**S", "HL*2*7*I", "SN1**5*EA"], set_id="856", fid="SH")
    assert IssueCode.HIERARCHY_INVALID in {i.code for i in a.errors}


def test_997_segments_build_a_typed_acknowledgment() -> None:
    a = one_set(["AK1*PO*12", "AK2*850*0001", "AK3*PO1*3**8", "AK4*2*330*6*X", "AK5*R*5", "AK9*R*1*1*0"],
                set_id="997", fid="FA")
    assert not a.has_errors
    assert a.typed is not None
