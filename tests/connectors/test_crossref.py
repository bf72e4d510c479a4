"""Cross-reference tables: loaded from CSV with pandas, checked, and every missing key named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from edi_assets.connectors.crossref import CrossReference, CrossReferenceError
from edi_assets.connectors.errors import MappingError
from edi_assets.documents import ItemId


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


@pytest.fixture
def tables(tmp_path: Path) -> Path:
    write(tmp_path / "acme", "partners.csv", "partner,role,erp_id\nsteelco,supplier,S-STEEL\n")
    write(tmp_path / "acme", "items.csv", "partner,partner_item,erp_item\nsteelco,SC-PL10,10-1000\n")
    write(tmp_path / "acme", "units.csv", "x12_unit,erp_unit\nCA,CASE\n")
    return tmp_path


def test_partner_item_maps_to_the_erp_item(tables: Path) -> None:
    xref = CrossReference.load("acme", tables)
    with xref.resolving(system="qad", partner="steelco") as r:
        assert r.item([ItemId(qualifier="VP", value="SC-PL10")]) == "10-1000"


def test_the_buyers_own_part_number_is_taken_as_is(tables: Path) -> None:
    xref = CrossReference.load("acme", tables)
    with xref.resolving(system="qad", partner="steelco") as r:
        assert r.item([ItemId(qualifier="VP", value="UNKNOWN"), ItemId(qualifier="BP", value="10-2000")]) == "10-2000"


def test_every_missing_key_is_named_in_one_mapping_error(tables: Path) -> None:
    xref = CrossReference.load("acme", tables)

    def resolve_all() -> None:
        with xref.resolving(system="qad", partner="boltworks", document="INV-1") as r:
            r.party("supplier")
            r.item([ItemId(qualifier="VP", value="BW-M8")], line="1")
            r.item([ItemId(qualifier="UP", value="0123")], line="2")

    with pytest.raises(MappingError) as caught:
        resolve_all()
    error = caught.value
    assert error.missing == ("supplier id for partner boltworks (partners.csv)",
                             "item of line 1 (VP BW-M8) for partner boltworks (items.csv)",
                             "item of line 2 (UP 0123) for partner boltworks (items.csv)")
    assert (error.document, error.partner) == ("INV-1", "boltworks")


def test_units_map_and_unlisted_units_pass_through(tables: Path) -> None:
    xref = CrossReference.load("acme", tables)
    with xref.resolving(system="acumatica", partner="steelco") as r:
        assert (r.unit("CA"), r.unit("EA")) == ("CASE", "EA")
    assert xref.x12_unit("CASE") == "CA"


def test_reverse_lookups_find_the_partner_and_its_item(tables: Path) -> None:
    xref = CrossReference.load("acme", tables)
    assert xref.partner_for("S-STEEL", "supplier") == "steelco"
    assert xref.partner_item("steelco", "10-1000") == "SC-PL10"
    assert xref.partner_for("S-NONE", "supplier") is None


def test_a_missing_partners_table_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CrossReferenceError, match=r"partners\.csv: missing"):
        CrossReference.load("acme", tmp_path)


def test_duplicate_keys_empty_cells_and_bad_roles_are_reported_with_lines(tmp_path: Path) -> None:
    write(tmp_path / "acme", "partners.csv",
          "partner,role,erp_id\nsteelco,supplier,S-1\nsteelco,supplier,S-2\nbolt,vendor,\n")
    with pytest.raises(CrossReferenceError) as caught:
        CrossReference.load("acme", tmp_path)
    problems = caught.value.problems
    assert any("line 4: erp_id is empty" in p for p in problems)
    assert any("line 4: role must be supplier or customer" in p for p in problems)
    assert any("partner/role steelco/supplier is listed more than once (lines 2, 3)" in p for p in problems)


def test_a_row_for_a_partner_the_customer_does_not_have_is_reported(tables: Path) -> None:
    with pytest.raises(CrossReferenceError, match="'steelco' is not a partner of this customer"):
        CrossReference.load("acme", tables, partners=["boltworks"])


def test_a_table_missing_a_column_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "acme", "partners.csv", "partner,erp_id\nsteelco,S-1\n")
    with pytest.raises(CrossReferenceError, match="missing column"):
        CrossReference.load("acme", tmp_path)


def test_the_demo_tables_load_for_every_demo_customer() -> None:
    from edi_assets.customers import load_customers

    root = Path(__file__).resolve().parents[2] / "mappings"
    for customer in load_customers(root / "customers.yaml", environ={}):
        xref = CrossReference.load(customer.id, root, partners=[p.id for p in customer.partners])
        assert {partner for partner, _ in xref.parties} == {p.id for p in customer.partners}
