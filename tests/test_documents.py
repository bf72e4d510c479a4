"""X12 → canonical documents: every field the ERPs rely on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from edi_assets.documents import FunctionalAck, Invoice, POAcknowledgment, PurchaseOrder, ShipNotice
from edi_assets.translate import ParsedDocument, parse_documents
from tests.conftest import CORPUS, envelope


def parse(body: list[str], set_id: str, fid: str) -> ParsedDocument:
    segs = [f"ST*{set_id}*0001", *body, f"SE*{len(body) + 2}*0001"]
    text = envelope("".join(s + "~" for s in segs), fid=fid)
    return next(iter(parse_documents(text.encode())))


PO_BODY = [
    "BEG*00*SA*PO-77*R1*20261121", "CUR*BY*USD", "REF*DP*038*Hardware", "ITD*01*3*2**10**30",
    "DTM*002*20261201", "N1*ST*Dock 4*92*WH4", "N3*1 Main St*Suite 2", "N4*Austin*TX*78701*US",
    "N1*BY*Buyer Inc*ZZ*B-1",
    "PO1*1*12*EA*4.25*PE*BP*B-100*VP*V-200*UP*012345678905", "PID*F****Blue widget", "PO4*6*2*EA",
    "REF*PD*PROMO", "DTM*010*20261125", "MSG*Handle with care",
    "PO1*2*1*CA*99.99**VP*V-300", "CTT*2", "AMT*TT*150.99",
]


def po() -> PurchaseOrder:
    doc = parse(PO_BODY, "850", "PO").document
    assert isinstance(doc, PurchaseOrder)
    return doc


def test_850_header_fields() -> None:
    d = po()
    assert (d.po_number, d.po_date, d.purpose_code, d.type_code, d.release_number, d.currency) == (
        "PO-77", dt.date(2026, 11, 21), "00", "SA", "R1", "USD")


def test_850_parties_come_from_n1_loops() -> None:
    st = po().party("ST")
    assert st is not None
    assert (st.name, st.id_qualifier, st.id) == ("Dock 4", "92", "WH4")
    assert st.address == ["1 Main St", "Suite 2"]
    assert (st.city, st.state, st.postal_code, st.country) == ("Austin", "TX", "78701", "US")


def test_850_item_ids_by_qualifier() -> None:
    line = po().lines[0]
    assert (line.item("BP"), line.item("VP"), line.item("UP"), line.item("EN")) == (
        "B-100", "V-200", "012345678905", None)


def test_850_line_quantities_units_and_prices_are_decimal() -> None:
    line = po().lines[0]
    assert (line.quantity, line.unit, line.unit_price, line.price_basis) == (
        Decimal(12), "EA", Decimal("4.25"), "PE")
    assert isinstance(line.unit_price, Decimal)


def test_850_line_details() -> None:
    line = po().lines[0]
    assert line.description == "Blue widget"
    assert (line.pack, line.pack_size, line.pack_unit) == (6, Decimal(2), "EA")
    assert [(r.qualifier, r.value) for r in line.references] == [("PD", "PROMO")]
    assert [(x.qualifier, x.date) for x in line.dates] == [("010", dt.date(2026, 11, 25))]
    assert [n.text for n in line.notes] == ["Handle with care"]


def test_850_terms_references_dates_and_total() -> None:
    d = po()
    t = d.terms[0]
    assert (t.discount_percent, t.discount_days, t.net_days) == (Decimal(2), 10, 30)
    assert [(r.qualifier, r.value, r.description) for r in d.references] == [("DP", "038", "Hardware")]
    assert d.dates[0].date == dt.date(2026, 12, 1)
    assert d.total_amount == Decimal("150.99")


def test_810_total_uses_implied_decimals() -> None:
    body = ["BIG*20261121*INV-5*20261101*PO-77", "IT1*1*3*EA*10.5**BP*B-100", "TDS*3150", "CTT*1"]
    doc = parse(body, "810", "IN").document
    assert isinstance(doc, Invoice)
    assert doc.total_amount == Decimal("31.50")
    assert (doc.invoice_number, doc.po_number, doc.po_date) == ("INV-5", "PO-77", dt.date(2026, 11, 1))


def test_810_allowances_and_charges() -> None:
    body = ["BIG*20261121*INV-5", "IT1*1*3*EA*10.5**BP*B-100", "TDS*3000", "SAC*A*C310***150", "CTT*1"]
    doc = parse(body, "810", "IN").document
    assert isinstance(doc, Invoice)
    assert [(a.indicator, a.code, a.amount) for a in doc.allowances_charges] == [("A", "C310", Decimal("1.50"))]


def test_855_line_statuses_from_ack() -> None:
    body = ["BAK*00*AC*PO-77*20261121****ACK-1*20261122", "PO1*1*12*EA*4.25**BP*B-100",
            "ACK*IA*10*EA*068*20261201", "ACK*IB*2*EA", "CTT*1"]
    doc = parse(body, "855", "PR").document
    assert isinstance(doc, POAcknowledgment)
    statuses = doc.lines[0].statuses
    assert [(s.code, s.quantity, s.date) for s in statuses] == [
        ("IA", Decimal(10), dt.date(2026, 12, 1)), ("IB", Decimal(2), None)]
    assert (doc.ack_type, doc.po_number, doc.ack_date) == ("AC", "PO-77", dt.date(2026, 11, 22))


ASN_BODY = [
    "BSN*00*SHIP-1*20261121*0900", "HL*1**S", "TD1*CTN*3****G*120.5*LB", "TD5**2*UPSN*M*UPS Ground",
    "REF*BM*BOL-9", "DTM*011*20261120", "N1*SF*Supplier Co*92*S1",
    "HL*2*1*O", "PRF*PO-77***20261101",
    "HL*3*2*T", "MAN*GM*00000123450000000017",
    "HL*4*3*P", "MAN*GM*00000123450000000024",
    "HL*5*4*I", "LIN*1*BP*B-100*VP*V-200", "SN1**10*EA**12*EA",
    "HL*6*2*I", "LIN*2*BP*B-200", "SN1**1*CA",
    "CTT*6",
]


def asn() -> ShipNotice:
    doc = parse(ASN_BODY, "856", "SH").document
    assert isinstance(doc, ShipNotice)
    return doc


def test_856_shipment_level() -> None:
    d = asn()
    assert (d.shipment_id, d.shipped_date, d.carrier_code, d.carrier_name, d.gross_weight, d.lading_quantity) == (
        "SHIP-1", dt.date(2026, 11, 20), "UPSN", "UPS Ground", Decimal("120.5"), Decimal(3))
    assert d.reference("BM") == "BOL-9"


def test_856_packages_carry_their_sscc_and_parent() -> None:
    d = asn()
    assert [(p.level, p.marks, p.parent_id) for p in d.packages] == [
        ("T", "00000123450000000017", None), ("P", "00000123450000000024", "00000123450000000017")]


def test_856_each_item_knows_its_order_and_package() -> None:
    d = asn()
    assert [(i.po_number, i.line_number, i.quantity, i.package_id) for i in d.items] == [
        ("PO-77", "1", Decimal(10), "00000123450000000024"), ("PO-77", "2", Decimal(1), None)]
    assert d.items[0].ordered_quantity == Decimal(12)
    assert d.orders[0].po_date == dt.date(2026, 11, 1)


def test_997_becomes_a_functional_ack() -> None:
    body = ["AK1*PO*12", "AK2*850*0001", "AK3*PO1*3**8", "AK4*2*330*6*X", "AK5*R*5", "AK9*R*1*1*0"]
    doc = parse(body, "997", "FA").document
    assert isinstance(doc, FunctionalAck)
    s = doc.sets[0]
    assert (doc.functional_id, doc.group_control_number, doc.group_status) == ("PO", "12", "R")
    assert (s.status, s.error_codes, s.segment_errors[0].elements[0].code) == ("R", ["5"], "6")


def test_content_that_cannot_become_a_document_is_reported_not_raised() -> None:
    body = ["BSN*00*SHIP-1*20261121*0900", "HL*1**S", "HL*2*1*I", "LIN*1*BP*X", "CTT*2"]
    parsed = parse(body, "856", "SH")
    assert parsed.document is None
    assert "SN1" in parsed.errors[-1].message


def test_envelope_identity_travels_beside_the_document() -> None:
    parsed = parse(PO_BODY, "850", "PO")
    e = parsed.envelope
    assert (e.sender_id, e.interchange_control_number, e.group_control_number, e.set_control_number) == (
        "SENDER", "000000001", "1", "0001")
    assert e.key == "ZZ:SENDER/000000001/1/0001/850"


def test_corpus_856_with_pack_level_links_items_to_po() -> None:
    parsed = list(parse_documents(CORPUS / "856" / "oop_from_gregarican.edi"))
    doc = parsed[0].document
    assert isinstance(doc, ShipNotice)
    assert doc.items
    assert all(i.po_number for i in doc.items)


@pytest.mark.parametrize(
    "hls",
    [
        ["HL*1*1*S", "HL*2*1*I"],  # a level that is its own parent
        ["HL*1*2*S", "HL*2*1*O", "HL*3*2*I"],  # two levels naming each other
    ],
    ids=["self-parent", "cycle"],
)
def test_hl_parent_that_does_not_come_before_is_held_without_hanging(hls: list[str]) -> None:
    body = ["BSN*00*SHIP-1*20261121*0900", *[s for hl in hls for s in (hl, "SN1**1*EA")], "CTT*1"]
    parsed = parse(body, "856", "SH")
    assert parsed.document is None
    assert any("does not come before it" in e.message for e in parsed.errors)
