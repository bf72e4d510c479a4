"""Independent parsers accept what we write: pyx12's reader, and node-x12 in strict mode."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from edi_assets.documents import (
    Invoice,
    InvoiceLine,
    ItemId,
    Party,
    PurchaseOrder,
    PurchaseOrderLine,
    Reference,
    Terms,
)
from edi_assets.translate import render_documents
from edi_assets.x12.envelope import Delimiters
from edi_assets.x12.writer import InterchangeSpec
from tests.interop.node_x12 import node_x12_available, node_x12_read

pytestmark = pytest.mark.interop
WHEN = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
ST = Party(role="ST", name="Dock 4", id_qualifier="92", id="WH4", address=["1 Main St"], city="Austin",
           state="TX", postal_code="78701")


def purchase_orders() -> list[PurchaseOrder]:
    return [
        PurchaseOrder(
            po_number=f"PO-{n}", po_date=dt.date(2026, 11, 21), currency="USD",
            references=[Reference(qualifier="DP", value="038")], parties=[ST],
            terms=[Terms(type_code="01", basis_date_code="3", discount_percent=Decimal(2), discount_days=10,
                         net_days=30)],
            lines=[PurchaseOrderLine(line_number=str(i), quantity=Decimal(i * 3), unit="EA",
                                     unit_price=Decimal("4.25"), price_basis="PE",
                                     item_ids=[ItemId(qualifier="BP", value=f"B-{i}"),
                                               ItemId(qualifier="VP", value=f"V-{i}")],
                                     description=f"Widget {i}") for i in range(1, 6)],
            total_amount=Decimal("191.25"),
        )
        for n in range(1, 4)
    ]


def invoices() -> list[Invoice]:
    return [
        Invoice(invoice_number=f"INV-{n}", invoice_date=dt.date(2026, 11, 22), po_number=f"PO-{n}", parties=[ST],
                lines=[InvoiceLine(line_number="1", quantity=Decimal(3), unit="EA", unit_price=Decimal("4.25"),
                                   item_ids=[ItemId(qualifier="BP", value="B-1")])],
                total_amount=Decimal("12.75"))
        for n in range(1, 3)
    ]


CASES = {
    "850-4010": (purchase_orders, "004010", Delimiters("*", ">", "~", "^")),
    "810-4010": (invoices, "004010", Delimiters("*", ">", "~", "^")),
    "850-5010": (purchase_orders, "005010", Delimiters("*", ":", "~", "^")),
    "810-5010-pipes": (invoices, "005010", Delimiters("|", "^", "\n", "{")),
}


def render(case: str) -> str:
    make, version, delims = CASES[case]
    spec = InterchangeSpec("ZZ", "OURCOMPANY", "ZZ", "PARTNER", 101,
                           version="00501" if version.startswith("005") else "00401", timestamp=WHEN)
    return render_documents(make(), spec, 7, gs_version=version, delimiters=delims,
                            line_break="" if delims.segment == "\n" else "\n")


@pytest.mark.parametrize("case", sorted(CASES))
def test_pyx12_reads_our_output_without_errors(case: str) -> None:
    import pyx12.x12file

    text = render(case)
    reader = pyx12.x12file.X12Reader(io.StringIO(text))
    seen = [seg.get_seg_id() for seg in reader]
    errors = reader.pop_errors()
    assert errors == []
    assert seen[0] == "ISA"
    assert seen[-1] == "IEA"
    assert seen.count("ST") == len(CASES[case][0]())


@pytest.mark.parametrize("case", sorted(CASES))
def test_node_x12_strict_reads_our_output(case: str, tmp_path: Path) -> None:
    why = node_x12_available()
    if why:
        pytest.skip(why)
    path = tmp_path / f"{case}.edi"
    text = render(case)
    path.write_text(text)
    result = node_x12_read(path)
    assert result["ok"] is True, result.get("error")
    assert result["transactions"] == len(CASES[case][0]())
    assert result["segments"] == len([s for s in text.split(CASES[case][2].segment) if s.strip()])


def test_node_x12_rejects_a_broken_file(tmp_path: Path) -> None:
    """The harness can fail: a control number mismatch is refused in strict mode."""
    why = node_x12_available()
    if why:
        pytest.skip(why)
    path = tmp_path / "broken.edi"
    path.write_text(render("850-4010").replace("SE*", "SE*9", 1))
    assert node_x12_read(path)["ok"] is False
