"""Canonical documents ⇄ M3 records (APS450MI invoice batches in, PPS200MI purchase orders out): pure functions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.errors import MappingError
from edi_assets.connectors.infor.mapping import (
    CHARGE_LINE,
    GOODS_LINE,
    InvoiceBatch,
    invoice_batch,
    order_revision,
    parse_m3_date,
    po_line_reference,
    purchase_order,
    unsendable_reason,
)
from edi_assets.documents import AllowanceCharge, Invoice, InvoiceLine, ItemId
from edi_assets.translate import render_documents
from edi_assets.x12.writer import InterchangeSpec
from tests.connectors.conftest import demo_xref


def grainco_invoice(**changes: Any) -> Invoice:
    values: dict[str, Any] = dict(
        invoice_number="GC-881", invoice_date=dt.date(2026, 11, 20), po_number="4000001", currency="USD",
        lines=[
            InvoiceLine(line_number="10", quantity=Decimal(80), unit="BG", unit_price=Decimal("18.20"),
                        item_ids=[ItemId(qualifier="BP", value="FLOUR-25KG")]),
            InvoiceLine(line_number="20", quantity=Decimal(40), unit="BG", unit_price=Decimal("22.10"),
                        item_ids=[ItemId(qualifier="BP", value="OATS-25KG")]),
        ],
        total_amount=Decimal("2340.00"),
    )
    values.update(changes)
    return Invoice(**values)


def mapped(invoice: Invoice, partner: str = "grainco", xref: CrossReference | None = None) -> InvoiceBatch:
    with (xref or demo_xref("evergreen")).resolving(system="infor", partner=partner,
                                                     document=invoice.invoice_number) as resolution:
        return invoice_batch(invoice, resolution)


def po_head(**changes: str) -> dict[str, str]:
    head = {"PUNO": "4000001", "SUNO": "GRAIN01", "PUDT": "20261107", "DWDT": "20261121", "CUCD": "USD",
            "FACI": "A01", "WHLO": "100", "ORTY": "100", "PUSL": "20", "PUSH": "20", "LMDT": "20261107"}
    head.update(changes)
    return head


def po_lines() -> list[dict[str, str]]:
    return [
        {"PUNO": "4000001", "PNLI": "10", "PNLS": "0", "ITNO": "FLOUR-25KG", "PITD": "Wheat flour 25 kg",
         "ORQA": "80", "PUPR": "18.2", "PUUN": "BAG", "DWDT": "20261121", "PUSL": "20", "LMDT": "20261107"},
        {"PUNO": "4000001", "PNLI": "20", "PNLS": "0", "ITNO": "OATS-25KG", "PITD": "Rolled oats 25 kg",
         "ORQA": "40", "PUPR": "22.1", "PUUN": "BAG", "DWDT": "", "PUSL": "20", "LMDT": "20261107"},
    ]


# -- inbound: 810 → APS450MI -----------------------------------------------------------------------------

def test_invoice_head_carries_supplier_number_date_amount_currency_and_po() -> None:
    batch = mapped(grainco_invoice())

    assert batch.head == {"SUNO": "GRAIN01", "SINO": "GC-881", "IVDT": "20261120", "CUAM": "2340.00",
                          "CUCD": "USD", "PUNO": "4000001"}


def test_each_invoice_line_is_a_goods_line_pointing_at_its_po_line() -> None:
    batch = mapped(grainco_invoice())

    assert batch.lines == [
        {"RDTP": GOODS_LINE, "IVQA": "80", "NLAM": "1456.00", "ITNO": "FLOUR-25KG", "PUNO": "4000001", "PNLI": "10"},
        {"RDTP": GOODS_LINE, "IVQA": "40", "NLAM": "884.00", "ITNO": "OATS-25KG", "PUNO": "4000001", "PNLI": "20"},
    ]


def test_the_net_line_amount_is_rounded_to_cents() -> None:
    line = InvoiceLine(line_number="10", quantity=Decimal(3), unit_price=Decimal("0.3333"),
                       item_ids=[ItemId(qualifier="BP", value="X")])

    batch = mapped(grainco_invoice(lines=[line], total_amount=Decimal("1.00")))

    assert batch.lines[0]["NLAM"] == "1.00"


def test_a_sub_line_reference_sets_pnls() -> None:
    line = InvoiceLine(line_number="10-1", quantity=Decimal(1), unit_price=Decimal(1), item_ids=[])

    batch = mapped(grainco_invoice(lines=[line], total_amount=Decimal(1)))

    assert (batch.lines[0]["PNLI"], batch.lines[0]["PNLS"]) == ("10", "1")


def test_an_invoice_without_a_po_has_no_order_references() -> None:
    batch = mapped(grainco_invoice(po_number=None))

    assert "PUNO" not in batch.head
    assert all("PUNO" not in line and "PNLI" not in line for line in batch.lines)


def test_charges_and_allowances_become_signed_charge_lines() -> None:
    charges = [AllowanceCharge(indicator="C", code="D240", amount=Decimal("45.00")),
               AllowanceCharge(indicator="A", code="C310", amount=Decimal("10.00")),
               AllowanceCharge(indicator="C", code="D500", amount=None)]

    batch = mapped(grainco_invoice(allowances_charges=charges, total_amount=Decimal("2375.00")))

    assert batch.lines[2:] == [{"RDTP": CHARGE_LINE, "NLAM": "45.00"}, {"RDTP": CHARGE_LINE, "NLAM": "-10.00"}]


@pytest.mark.parametrize(("text", "expected"), [("10", ("10", None)), ("0010", ("10", None)),
                                                ("10-2", ("10", "2")), ("10.2", ("10", "2")),
                                                ("A1", None), ("", None), (None, None), ("123456", None)])
def test_po_line_references_are_read_from_it101(text: str | None, expected: tuple[str, str | None] | None) -> None:
    assert po_line_reference(text) == expected


def test_every_miss_is_named_in_one_mapping_error() -> None:
    lines = [InvoiceLine(line_number="10", quantity=Decimal(1), unit_price=None,
                         item_ids=[ItemId(qualifier="VP", value="GC-FLOUR")])]

    with pytest.raises(MappingError) as caught:
        mapped(grainco_invoice(lines=lines), partner="unknownco")

    assert caught.value.missing == (
        "supplier id for partner unknownco (partners.csv)",
        "unit price of line 10 (IT104)",
        "item of line 10 (VP GC-FLOUR) for partner unknownco (items.csv)",
    )


def test_a_partner_item_maps_through_items_csv() -> None:
    xref = demo_xref("evergreen")
    xref.items[("grainco", "GC-FLOUR")] = "FLOUR-25KG"
    line = InvoiceLine(line_number="10", quantity=Decimal(1), unit_price=Decimal(1),
                       item_ids=[ItemId(qualifier="VP", value="GC-FLOUR")])

    batch = mapped(grainco_invoice(lines=[line], total_amount=Decimal(1)), xref=xref)

    assert batch.lines[0]["ITNO"] == "FLOUR-25KG"


# -- outbound: PPS200MI → 850 ----------------------------------------------------------------------------

def test_a_purchase_order_carries_our_item_as_bp_the_x12_unit_and_po_line_numbers() -> None:
    order = purchase_order(po_head(), po_lines(), partner="grainco", xref=demo_xref("evergreen"),
                           supplier={"SUNO": "GRAIN01", "SUNM": "GrainCo Mills"})

    assert (order.po_number, order.po_date, order.currency) == ("4000001", dt.date(2026, 11, 7), "USD")
    assert [(ln.line_number, ln.quantity, ln.unit, ln.unit_price, ln.item("BP"), ln.description)
            for ln in order.lines] == [
        ("10", Decimal(80), "BG", Decimal("18.2"), "FLOUR-25KG", "Wheat flour 25 kg"),
        ("20", Decimal(40), "BG", Decimal("22.1"), "OATS-25KG", "Rolled oats 25 kg"),
    ]
    assert order.total_amount == Decimal("2340.0")


def test_the_partners_item_is_sent_as_vp_when_known() -> None:
    xref = demo_xref("evergreen")
    xref.items[("grainco", "GC-FLOUR")] = "FLOUR-25KG"

    order = purchase_order(po_head(), po_lines(), partner="grainco", xref=xref)

    assert order.lines[0].item("VP") == "GC-FLOUR"
    assert order.lines[1].item("VP") is None


def test_the_supplier_and_warehouse_are_parties_and_delivery_dates_are_dtm_002() -> None:
    order = purchase_order(po_head(), po_lines(), partner="grainco", xref=demo_xref("evergreen"),
                           supplier={"SUNO": "GRAIN01", "SUNM": "GrainCo Mills"})

    seller, ship_to = order.party("SE"), order.party("ST")
    assert seller is not None
    assert (seller.name, seller.id) == ("GrainCo Mills", "GRAIN01")
    assert ship_to is not None
    assert ship_to.id == "100"
    assert [(d.qualifier, d.date) for d in order.dates] == [("002", dt.date(2026, 11, 21))]
    assert [(d.qualifier, d.date) for d in order.lines[0].dates] == [("002", dt.date(2026, 11, 21))]
    assert order.lines[1].dates == []


def test_a_sub_line_is_numbered_line_dash_sub() -> None:
    lines = po_lines()
    lines[1]["PNLS"] = "1"

    order = purchase_order(po_head(), lines, partner="grainco", xref=demo_xref("evergreen"))

    assert [ln.line_number for ln in order.lines] == ["10", "20-1"]


def test_a_mapped_purchase_order_renders_as_an_850() -> None:
    order = purchase_order(po_head(), po_lines(), partner="grainco", xref=demo_xref("evergreen"),
                           supplier={"SUNO": "GRAIN01", "SUNM": "GrainCo Mills"})

    text = render_documents([order], InterchangeSpec("ZZ", "EVERGREEN", "ZZ", "GRAINCO", 1), 1)

    assert "BEG*00*NE*4000001**20261107" in text
    assert "PO1*10*80*BG*18.2**BP*FLOUR-25KG" in text


def test_the_revision_changes_with_any_change_of_the_order() -> None:
    lines = po_lines()
    before = order_revision(po_head(), lines)
    lines[0]["ORQA"] = "90"

    assert order_revision(po_head(), lines) != before
    assert order_revision(po_head(), po_lines()) == before
    assert before.startswith("20261107:")


def test_a_preliminary_order_is_not_sendable() -> None:
    assert unsendable_reason(po_head(PUSL="05")) == "PO 4000001: status 05 is preliminary (sent from 20)"
    assert unsendable_reason(po_head()) is None


def test_an_order_without_a_date_cannot_be_mapped() -> None:
    with pytest.raises(ValueError, match="no order date"):
        purchase_order(po_head(PUDT="", LMDT=""), po_lines(), partner="grainco", xref=demo_xref("evergreen"))


@pytest.mark.parametrize(("text", "expected"), [("20261107", dt.date(2026, 11, 7)), ("0", None), ("", None),
                                                ("00000000", None), ("20261399", None)])
def test_m3_dates_are_read_as_ymd8(text: str, expected: dt.date | None) -> None:
    assert parse_m3_date(text) == expected
