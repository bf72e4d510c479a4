"""Round trip: for every canonical document, parse(render(doc)) == doc (property-tested)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edi_assets.documents import (
    AckLine,
    AllowanceCharge,
    DateRef,
    Document,
    ElementError,
    FunctionalAck,
    Invoice,
    InvoiceLine,
    ItemId,
    LineStatus,
    Note,
    Package,
    Party,
    POAcknowledgment,
    PurchaseOrder,
    PurchaseOrderLine,
    Reference,
    SegmentError,
    SetAck,
    ShipNotice,
    ShipOrder,
    ShippedItem,
    Terms,
)
from edi_assets.translate import parse_documents, render_documents
from edi_assets.x12.envelope import Delimiters
from edi_assets.x12.writer import InterchangeSpec

WHEN = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
TEXT_CHARS = ALNUM + "abcdefghijklmnopqrstuvwxyz .-/,#&()"


def text(lo: int, hi: int) -> st.SearchStrategy[str]:
    """Printable X12 text without delimiters, without leading or trailing blanks."""
    return st.text(TEXT_CHARS, min_size=lo, max_size=hi).map(str.strip).filter(lambda s: len(s) >= lo)


def ident(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.text(ALNUM, min_size=lo, max_size=hi)


def money(places: int = 2, hi: int = 99_999) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=hi, places=places, allow_nan=False, allow_infinity=False)


def qty() -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal("0.001"), max_value=99_999, places=3, allow_nan=False,
                       allow_infinity=False)


dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2049, 12, 31))
units = st.sampled_from(["EA", "CA", "BX", "PK", "LB", "DZ"])
item_ids = st.lists(st.builds(ItemId, qualifier=st.sampled_from(["BP", "VP", "UP", "VN", "IN", "EN"]),
                              value=ident(1, 20)), max_size=3)
refs = st.lists(st.builds(Reference, qualifier=st.sampled_from(["DP", "IA", "PD", "BM", "CN", "VR"]),
                          value=ident(1, 20), description=st.none() | text(1, 30)), max_size=3)
date_refs = st.lists(st.builds(DateRef, qualifier=st.sampled_from(["002", "010", "011", "017"]), date=dates,
                               time=st.none() | st.sampled_from(["0800", "1730"])), max_size=2)
parties = st.lists(
    st.builds(Party, role=st.sampled_from(["ST", "BY", "BT", "SE", "VN", "SF"]), name=text(1, 35),
              id_qualifier=st.just("92"), id=ident(2, 15), address=st.lists(text(1, 30), max_size=3),
              city=st.none() | text(2, 20), state=st.none() | st.sampled_from(["TX", "CA", "ON"]),
              postal_code=st.none() | ident(3, 9), country=st.none() | st.sampled_from(["US", "CA"])),
    max_size=3,
)


@st.composite
def terms(draw: st.DrawFn) -> Terms:
    with_discount = draw(st.booleans())
    return Terms(type_code=draw(st.sampled_from(["01", "05", "14"])),
                 basis_date_code=draw(st.sampled_from(["3", "15"])),
                 discount_percent=draw(money(2, 10)) if with_discount else None,
                 discount_days=draw(st.integers(1, 30)) if with_discount else None,
                 net_days=draw(st.integers(1, 90)), description=draw(st.none() | text(1, 40)))


@st.composite
def priced(draw: st.DrawFn) -> dict[str, object]:
    price = draw(st.none() | money(4))
    return {"line_number": draw(st.none() | ident(1, 6)), "quantity": draw(qty()), "unit": draw(units),
            "unit_price": price, "price_basis": draw(st.sampled_from(["PE", "CT"])) if price is not None else None,
            "item_ids": draw(item_ids), "description": draw(st.none() | text(1, 60))}


@st.composite
def purchase_orders(draw: st.DrawFn) -> PurchaseOrder:
    lines = [
        PurchaseOrderLine(
            **draw(priced()), pack=draw(st.none() | st.integers(1, 999)), references=draw(refs), dates=draw(date_refs),
            notes=draw(st.lists(st.builds(Note, text=text(1, 60)), max_size=2)),
        )
        for _ in range(draw(st.integers(1, 4)))
    ]
    return PurchaseOrder(
        po_number=draw(ident(1, 22)), po_date=draw(dates), purpose_code=draw(st.sampled_from(["00", "01", "05"])),
        type_code=draw(st.sampled_from(["NE", "SA", "RO"])), release_number=draw(st.none() | ident(1, 10)),
        currency=draw(st.none() | st.sampled_from(["USD", "CAD", "EUR"])), references=draw(refs),
        dates=draw(date_refs), terms=draw(st.lists(terms(), max_size=1)), parties=draw(parties), lines=lines,
        total_amount=draw(st.none() | money(2)),
    )


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        fields = draw(priced())
        fields["unit_price"] = draw(money(4))  # IT102, IT103 and IT104 go together (P020304)
        lines.append(InvoiceLine(**fields))
    return Invoice(
        invoice_number=draw(ident(1, 22)), invoice_date=draw(dates), po_number=draw(st.none() | ident(1, 22)),
        po_date=draw(st.none() | dates), currency=draw(st.none() | st.sampled_from(["USD", "CAD"])),
        references=draw(refs), dates=draw(date_refs), terms=draw(st.lists(terms(), max_size=1)),
        parties=draw(parties), lines=lines, total_amount=draw(money(2)),
        allowances_charges=draw(st.lists(st.builds(AllowanceCharge, indicator=st.sampled_from(["A", "C"]),
                                                   code=st.sampled_from(["C310", "D240", "F050"]), amount=money(2),
                                                   description=st.none() | text(1, 40)), max_size=2)),
    )


@st.composite
def acknowledgments(draw: st.DrawFn) -> POAcknowledgment:
    lines = []
    for _ in range(draw(st.integers(0, 3))):
        statuses = []
        for _ in range(draw(st.integers(0, 2))):
            with_qty = draw(st.booleans())
            statuses.append(LineStatus(code=draw(st.sampled_from(["IA", "IR", "IQ", "IP", "IB"])),
                                       quantity=draw(qty()) if with_qty else None,
                                       unit=draw(units) if with_qty else None, date=draw(st.none() | dates)))
        lines.append(AckLine(**draw(priced()), statuses=statuses))
    return POAcknowledgment(
        ack_type=draw(st.sampled_from(["AC", "AD", "AK", "RJ"])), po_number=draw(ident(1, 22)), po_date=draw(dates),
        ack_date=draw(st.none() | dates), references=draw(refs), dates=draw(date_refs), parties=draw(parties),
        lines=lines,
    )


@st.composite
def ship_notices(draw: st.DrawFn) -> ShipNotice:
    po_numbers = draw(st.lists(ident(3, 10), min_size=1, max_size=3, unique=True))
    orders = [ShipOrder(po_number=p, po_date=draw(st.none() | dates), release_number=draw(st.none() | ident(1, 5)))
              for p in po_numbers]
    marks = draw(st.lists(st.text("0123456789", min_size=20, max_size=20), max_size=4, unique=True))
    packages: list[Package] = []
    for i, m in enumerate(marks):
        tare = i == 0 and draw(st.booleans())
        parent = marks[0] if i > 0 and packages and packages[0].level == "T" else None
        packages.append(Package(level="T" if tare else "P", marks_qualifier="GM", marks=m, parent_id=parent))
    items = []
    for _ in range(draw(st.integers(1, 5))):
        ids = draw(item_ids)
        ordered = draw(st.none() | qty())
        items.append(ShippedItem(
            po_number=draw(st.sampled_from(po_numbers)), line_number=draw(st.none() | ident(1, 6)), item_ids=ids,
            quantity=draw(qty()), unit=draw(units), ordered_quantity=ordered,
            package_id=draw(st.none() | st.sampled_from(marks)) if marks else None,
            description=draw(st.none() | text(1, 60)),
        ))
    has_weight = draw(st.booleans())
    return ShipNotice(
        shipment_id=draw(ident(2, 30)), ship_notice_date=draw(dates),
        ship_notice_time=draw(st.sampled_from(["0900", "1745"])),
        shipped_date=draw(st.none() | dates), carrier_code=draw(st.none() | ident(2, 4)),
        carrier_name=draw(st.none() | text(1, 35)), transport_method=draw(st.none() | st.sampled_from(["M", "A"])),
        lading_quantity=draw(st.none() | st.integers(1, 999).map(Decimal)),
        gross_weight=draw(money(1)) if has_weight else None, weight_unit="LB" if has_weight else None,
        references=draw(refs), parties=draw(parties), orders=orders, packages=packages, items=items,
    )


@st.composite
def functional_acks(draw: st.DrawFn) -> FunctionalAck:
    sets = []
    for n in range(draw(st.integers(0, 3))):
        rejected = draw(st.booleans())
        errors = [
            SegmentError(segment_id=draw(st.sampled_from(["PO1", "BEG", "N1"])), position=draw(st.integers(1, 99)),
                         code="8", elements=[ElementError(position=draw(st.integers(1, 9)),
                                                          component=draw(st.none() | st.integers(1, 3)),
                                                          reference=draw(st.sampled_from(["330", "355", "98"])),
                                                          code=draw(st.sampled_from(["1", "5", "6", "7"])),
                                                          bad_value=draw(st.none() | ident(1, 10)))])
            for _ in range(draw(st.integers(0, 2)) if rejected else 0)
        ]
        sets.append(SetAck(set_id="850", control_number=f"{n + 1:04d}", status="R" if rejected else "A",
                           error_codes=["5"] if rejected else [], segment_errors=errors))
    accepted = sum(1 for s in sets if s.status == "A")
    return FunctionalAck(functional_id="PO", group_control_number=str(draw(st.integers(1, 999999))), sets=sets,
                         group_status="A" if accepted == len(sets) else "P" if accepted else "R",
                         sets_included=len(sets), sets_received=len(sets), sets_accepted=accepted)


def roundtrip(doc: Document, delimiters: Delimiters | None = None) -> Document | None:
    kwargs = {"delimiters": delimiters} if delimiters else {}
    text = render_documents([doc], InterchangeSpec("ZZ", "US", "ZZ", "PARTNER", 5, timestamp=WHEN), 3, **kwargs)
    parsed = list(parse_documents(text.encode()))
    assert len(parsed) == 1
    assert parsed[0].errors == [], [i.one_line() for i in parsed[0].errors]
    return parsed[0].document


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(purchase_orders())
def test_purchase_order_round_trips(doc: PurchaseOrder) -> None:
    assert roundtrip(doc) == doc


@SETTINGS
@given(invoices())
def test_invoice_round_trips(doc: Invoice) -> None:
    assert roundtrip(doc) == doc


@SETTINGS
@given(acknowledgments())
def test_po_acknowledgment_round_trips(doc: POAcknowledgment) -> None:
    assert roundtrip(doc) == doc


@SETTINGS
@given(ship_notices())
def test_ship_notice_round_trips(doc: ShipNotice) -> None:
    assert roundtrip(doc) == doc


@SETTINGS
@given(functional_acks())
def test_functional_ack_round_trips(doc: FunctionalAck) -> None:
    assert roundtrip(doc) == doc


@SETTINGS
@given(purchase_orders(), st.sampled_from([
    Delimiters("|", "^", "\n", None), Delimiters("*", ":", "~", "^"), Delimiters("!", "@", "\r", None)]))
def test_round_trip_holds_for_other_delimiters(doc: PurchaseOrder, d: Delimiters) -> None:
    assert roundtrip(doc, d) == doc
