"""IFS mapping, as pure functions: 810 → manual supplier invoice and posting proposal; IFS PO → canonical 850."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from edi_assets.connectors.crossref import CostCentre, CrossReference
from edi_assets.connectors.errors import MappingError
from edi_assets.connectors.ifs.mapping import (
    IfsInvoice,
    change_stamp,
    due_date,
    invoice_to_ifs,
    purchase_order_from_ifs,
    revision,
)
from edi_assets.documents import AllowanceCharge, Invoice, InvoiceLine, ItemId, Party, Terms

from .conftest import demo_xref

CENTRE = CostCentre(account="4010", cost_centre="CC100")


def invoice(**changes: Any) -> Invoice:
    base: dict[str, Any] = dict(
        invoice_number="AW-100",
        invoice_date=dt.date(2026, 11, 12),
        po_number="P1000",
        currency="USD",
        lines=[
            InvoiceLine(line_number="1", quantity=Decimal(30), unit="PC", unit_price=Decimal("212.00"),
                        item_ids=[ItemId(qualifier="BP", value="AL-6061-SHEET")]),
            InvoiceLine(line_number="2", quantity=Decimal(12), unit="PC", unit_price=Decimal("480.00"),
                        description="7075 bar"),
        ],
        total_amount=Decimal("12726.00"),
    )
    return Invoice(**{**base, **changes})


def mapped(document: Invoice, partner: str = "alloyworks", cost_centre: CostCentre | None = CENTRE,
           xref: CrossReference | None = None) -> IfsInvoice:
    tables = xref or demo_xref("delta")
    with tables.resolving(system="ifs", partner=partner, document=document.invoice_number) as resolution:
        return invoice_to_ifs(document, resolution, company="10", cost_centre=cost_centre)


def header(**changes: Any) -> dict[str, Any]:
    return {"@odata.etag": 'W/"h1"', "OrderNo": "P1000", "VendorNo": "S1000", "Contract": "1",
            "OrderDate": "2026-11-06", "CurrencyCode": "USD", "Objstate": "Released",
            "Objversion": "20261106120000", **changes}


def line(number: str = "1", **changes: Any) -> dict[str, Any]:
    return {"@odata.etag": f'W/"l{number}"', "OrderNo": "P1000", "LineNo": number, "ReleaseNo": "1",
            "PartNo": "AL-6061-SHEET", "BuyQtyDue": 30.0, "BuyUnitMeas": "PCS", "BuyUnitPrice": 212.0,
            "Objstate": "Released", "Objversion": "20261106120000", **changes}


# -- 810 → manual supplier invoice ---------------------------------------------------------------------------

def test_invoice_header_names_the_company_the_mapped_supplier_and_the_810s_numbers() -> None:
    result = mapped(invoice())
    assert {k: result.header[k] for k in ("Company", "Identity", "InvoiceNo", "InvoiceDate", "GrossAmount",
                                          "PoRef", "Currency")} == {
        "Company": "10", "Identity": "S1000", "InvoiceNo": "AW-100", "InvoiceDate": "2026-11-12",
        "GrossAmount": 12726.0, "PoRef": "P1000", "Currency": "USD"}


def test_net_is_the_line_amounts_and_vat_what_the_total_holds_beyond_them() -> None:
    result = mapped(invoice(total_amount=Decimal("12726.00")))  # 6360 + 5760 = 12120 net
    assert (result.header["NetAmount"], result.header["VatAmount"]) == (12120.0, 606.0)


def test_allowances_reduce_and_charges_add_to_the_net() -> None:
    sacs = [AllowanceCharge(indicator="A", code="C310", amount=Decimal("120.00"), description="Discount"),
            AllowanceCharge(indicator="C", code="D240", amount=Decimal("50.00"))]
    result = mapped(invoice(allowances_charges=sacs, total_amount=Decimal("12050.00")))
    assert (result.header["NetAmount"], result.header["VatAmount"]) == (12050.0, 0.0)
    assert [(p["CurrAmount"], p["Text"]) for p in result.proposals[2:]] == [
        (-120.0, "Allowance Discount"), (50.0, "Charge D240")]


def test_due_date_is_the_invoice_date_plus_the_net_days() -> None:
    document = invoice(terms=[Terms(type_code="01", net_days=30)])
    assert due_date(document) == dt.date(2026, 12, 12)
    assert mapped(document).header["DueDate"] == "2026-12-12"


def test_no_due_date_without_net_days() -> None:
    assert "DueDate" not in mapped(invoice(terms=[Terms(discount_percent=Decimal(2), discount_days=10)])).header


def test_posting_proposal_has_a_row_per_line_on_the_partners_account_and_cost_centre() -> None:
    result = mapped(invoice())
    assert result.proposals == [
        {"Account": "4010", "CodeB": "CC100", "CurrAmount": 6360.0, "Text": "Line 1: BP AL-6061-SHEET (30 PC)"},
        {"Account": "4010", "CodeB": "CC100", "CurrAmount": 5760.0, "Text": "Line 2: 7075 bar (12 PC)"},
    ]
    assert result.note is None


def test_unpriced_line_leaves_net_and_vat_out_and_proposes_the_total_in_one_row() -> None:
    lines = [InvoiceLine(line_number="1", quantity=Decimal(1), item_ids=[ItemId(qualifier="BP", value="X")])]
    result = mapped(invoice(lines=lines, total_amount=Decimal("99.50")))
    assert "NetAmount" not in result.header
    assert "VatAmount" not in result.header
    assert [(p["CurrAmount"], p["Text"]) for p in result.proposals] == [(99.5, "Invoice AW-100")]


def test_lines_above_the_total_leave_net_and_vat_out() -> None:
    result = mapped(invoice(total_amount=Decimal("100.00")))
    assert "NetAmount" not in result.header
    assert [p["CurrAmount"] for p in result.proposals] == [100.0]


def test_line_amounts_are_rounded_to_the_cent_and_net_is_their_sum() -> None:
    lines = [InvoiceLine(quantity=Decimal(3), unit_price=Decimal("0.3333")),
             InvoiceLine(quantity=Decimal(3), unit_price=Decimal("0.3333"))]
    result = mapped(invoice(lines=lines, total_amount=Decimal("2.00")))
    assert [p["CurrAmount"] for p in result.proposals] == [1.0, 1.0]
    assert (result.header["NetAmount"], result.header["VatAmount"]) == (2.0, 0.0)


def test_without_a_cost_centre_the_invoice_has_no_posting_proposal_and_says_why() -> None:
    result = mapped(invoice(), cost_centre=None)
    assert result.proposals == []
    assert result.note is not None
    assert "cost_centres.csv" in result.note
    assert result.header["GrossAmount"] == 12726.0


def test_unmapped_supplier_is_a_mapping_error_naming_the_table() -> None:
    with pytest.raises(MappingError) as caught:
        mapped(invoice(), partner="stranger")
    assert caught.value.missing == ("supplier id for partner stranger (partners.csv)",)
    assert caught.value.document == "AW-100"


# -- IFS purchase order → 850 --------------------------------------------------------------------------------

def test_purchase_order_carries_number_date_currency_and_the_vendor() -> None:
    po = purchase_order_from_ifs(header(), [line()], partner="alloyworks", xref=demo_xref("delta"),
                                 buyer_name="Delta Aerospace")
    assert (po.po_number, po.po_date, po.purpose_code, po.currency) == ("P1000", dt.date(2026, 11, 6), "00", "USD")
    assert po.parties == [Party(role="BY", name="Delta Aerospace"), Party(role="ST", id_qualifier="92", id="01"),
                          Party(role="VN", id_qualifier="92", id="S1000")]
    assert [(r.qualifier, r.value) for r in po.references] == [("IA", "S1000")]


def test_line_has_our_part_as_bp_the_x12_unit_and_integral_numbers_without_decimals() -> None:
    po = purchase_order_from_ifs(header(), [line()], partner="alloyworks", xref=demo_xref("delta"))
    first = po.lines[0]
    assert (first.line_number, first.quantity, first.unit, first.unit_price) == ("1", Decimal(30), "PC",
                                                                                 Decimal(212))
    assert str(first.quantity) == "30"
    assert str(first.unit_price) == "212"
    assert first.item_ids == [ItemId(qualifier="BP", value="AL-6061-SHEET")]
    assert po.total_amount == Decimal(6360)


def test_partner_item_goes_beside_ours_as_vp_when_items_csv_knows_it() -> None:
    xref = demo_xref("delta")
    xref.items[("alloyworks", "AW-SHEET-6061")] = "AL-6061-SHEET"
    po = purchase_order_from_ifs(header(), [line()], partner="alloyworks", xref=xref)
    assert po.lines[0].item_ids == [ItemId(qualifier="BP", value="AL-6061-SHEET"),
                                    ItemId(qualifier="VP", value="AW-SHEET-6061")]


def test_line_without_a_part_carries_its_description_only() -> None:
    service = line(PartNo=None, Description="Fastener kitting service", BuyUnitMeas="EA", BuyQtyDue=1.0)
    po = purchase_order_from_ifs(header(), [service], partner="alloyworks", xref=demo_xref("delta"))
    assert (po.lines[0].item_ids, po.lines[0].description, po.lines[0].unit) == ([], "Fastener kitting service",
                                                                                 "EA")


def test_requested_dates_become_dtm_002() -> None:
    po = purchase_order_from_ifs(header(WantedReceiptDate="2026-11-20"),
                                 [line(WantedDeliveryDate="2026-11-18")], partner="alloyworks",
                                 xref=demo_xref("delta"))
    assert [(d.qualifier, d.date) for d in po.dates] == [("002", dt.date(2026, 11, 20))]
    assert [(d.qualifier, d.date) for d in po.lines[0].dates] == [("002", dt.date(2026, 11, 18))]


def test_lines_are_in_line_number_order_and_later_releases_are_numbered_apart() -> None:
    lines = [line("10"), line("2", ReleaseNo="2"), line("2")]
    po = purchase_order_from_ifs(header(), lines, partner="alloyworks", xref=demo_xref("delta"))
    assert [li.line_number for li in po.lines] == ["2", "2-2", "10"]


def test_cancelled_line_of_an_open_order_is_left_out() -> None:
    po = purchase_order_from_ifs(header(), [line("1"), line("2", Objstate="Cancelled")], partner="alloyworks",
                                 xref=demo_xref("delta"))
    assert [li.line_number for li in po.lines] == ["1"]


def test_cancelled_order_is_purpose_01_with_all_its_lines() -> None:
    po = purchase_order_from_ifs(header(Objstate="Cancelled"), [line("1", Objstate="Cancelled")],
                                 partner="alloyworks", xref=demo_xref("delta"))
    assert (po.purpose_code, len(po.lines)) == ("01", 1)


def test_order_without_open_lines_cannot_be_an_850() -> None:
    with pytest.raises(ValueError, match="no open lines"):
        purchase_order_from_ifs(header(), [], partner="alloyworks", xref=demo_xref("delta"))


def test_unpriced_line_leaves_the_total_out() -> None:
    po = purchase_order_from_ifs(header(), [line(BuyUnitPrice=None)], partner="alloyworks", xref=demo_xref("delta"))
    assert po.total_amount is None


def test_unreadable_quantity_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="BuyQtyDue"):
        purchase_order_from_ifs(header(), [line(BuyQtyDue="lots")], partner="alloyworks", xref=demo_xref("delta"))


def test_revision_changes_when_any_line_is_saved() -> None:
    before = revision(header(), [line("1"), line("2")])
    assert revision(header(), [line("2"), line("1")]) == before
    assert revision(header(), [line("1"), line("2", **{"@odata.etag": 'W/"l2b"'})]) != before


def test_change_stamp_is_the_newest_of_order_and_lines() -> None:
    assert change_stamp(header(), [line(Objversion="20261107090000")]) == "20261107090000"
