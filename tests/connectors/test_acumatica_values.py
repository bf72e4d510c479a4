"""Acumatica's value wrapping, in the one module that does it: plain dicts ⇄ ``{"Field": {"value": ...}}``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from edi_assets.connectors.acumatica.values import NULL, FieldError, field_errors, unwrap, wrap

# -- wrap -----------------------------------------------------------------------------------------------------


def test_wrap_puts_every_scalar_field_in_a_value_object() -> None:
    assert wrap({"CustomerID": "HARBOR", "Hold": False, "LineNbr": 2}) == {
        "CustomerID": {"value": "HARBOR"}, "Hold": {"value": False}, "LineNbr": {"value": 2}}


def test_wrap_wraps_each_row_of_a_detail_array() -> None:
    body = wrap({"OrderType": "SO", "Details": [{"InventoryID": "FISH-001", "OrderQty": Decimal(5)},
                                                {"InventoryID": "PAPER-A4"}]})
    assert body["Details"] == [{"InventoryID": {"value": "FISH-001"}, "OrderQty": {"value": 5}},
                               {"InventoryID": {"value": "PAPER-A4"}}]


def test_wrap_wraps_a_linked_entity_field_by_field() -> None:
    assert wrap({"MainContact": {"Email": "ap@harbor.example"}}) == {
        "MainContact": {"Email": {"value": "ap@harbor.example"}}}


def test_wrap_leaves_system_fields_bare() -> None:
    body = wrap({"id": "1846d424-c17c-4279-a3c6-612f48268673", "Details": [{"id": "row-1", "delete": True}]})
    assert body == {"id": "1846d424-c17c-4279-a3c6-612f48268673", "Details": [{"id": "row-1", "delete": True}]}


def test_wrap_leaves_out_fields_that_are_none() -> None:
    assert wrap({"CustomerID": "HARBOR", "RequestedOn": None, "Details": [{"UnitPrice": None}]}) == {
        "CustomerID": {"value": "HARBOR"}, "Details": [{}]}


def test_wrap_sends_the_explicit_null_to_clear_a_field() -> None:
    assert wrap({"PromisedOn": NULL}) == {"PromisedOn": {"value": None}}


def test_wrap_sends_decimals_as_json_numbers_and_dates_as_iso_text() -> None:
    body = wrap({"UnitCost": Decimal("21.40"), "OrderQty": Decimal("200"), "Date": dt.date(2026, 11, 4),
                 "Since": dt.datetime(2026, 11, 4, 8, 30, tzinfo=dt.UTC)})
    assert body == {"UnitCost": {"value": 21.4}, "OrderQty": {"value": 200}, "Date": {"value": "2026-11-04"},
                    "Since": {"value": "2026-11-04T08:30:00+00:00"}}


def test_wrap_gives_custom_fields_their_type() -> None:
    body = wrap({"custom": {"Document": {"UsrEdiPartner": "harborfoods", "UsrEdiCount": 3,
                                         "UsrEdiChecked": True, "UsrEdiAmount": Decimal("1.5")}}})
    assert body == {"custom": {"Document": {
        "UsrEdiPartner": {"type": "CustomStringField", "value": "harborfoods"},
        "UsrEdiCount": {"type": "CustomIntField", "value": 3},
        "UsrEdiChecked": {"type": "CustomBooleanField", "value": True},
        "UsrEdiAmount": {"type": "CustomDecimalField", "value": 1.5}}}}


def test_wrap_refuses_a_value_the_api_cannot_take() -> None:
    with pytest.raises(TypeError, match="set"):
        wrap({"CustomerID": {"HARBOR"}})


# -- unwrap ---------------------------------------------------------------------------------------------------


def test_unwrap_takes_each_field_out_of_its_value_object() -> None:
    assert unwrap({"CustomerID": {"value": "HARBOR"}, "Hold": {"value": False}}) == {
        "CustomerID": "HARBOR", "Hold": False}


def test_unwrap_reads_an_empty_field_object_as_none() -> None:
    assert unwrap({"Description": {}, "CurrencyID": {"value": None}}) == {"Description": None, "CurrencyID": None}


def test_unwrap_unwraps_detail_rows_and_linked_entities() -> None:
    entity = {"Details": [{"id": "row-1", "rowNumber": 1, "InventoryID": {"value": "FISH-001"}}],
              "MainContact": {"id": "c-1", "Email": {"value": "ap@harbor.example"}}}
    assert unwrap(entity) == {"Details": [{"id": "row-1", "rowNumber": 1, "InventoryID": "FISH-001"}],
                              "MainContact": {"id": "c-1", "Email": "ap@harbor.example"}}


def test_unwrap_reads_numbers_with_a_fraction_as_decimals() -> None:
    plain = unwrap({"UnitCost": {"value": 21.4}, "OrderQty": {"value": 200.0}, "LineNbr": {"value": 1}})
    assert plain == {"UnitCost": Decimal("21.4"), "OrderQty": Decimal(200), "LineNbr": 1}
    assert isinstance(plain["UnitCost"], Decimal)


def test_unwrap_keeps_system_fields_as_they_are() -> None:
    links = {"self": "/entity/Default/24.200.001/SalesOrder/1", "files:put": "/x/{filename}"}
    files = [{"id": "f-1", "filename": "a.pdf", "href": "/files/f-1"}]
    assert unwrap({"id": "1", "rowNumber": 1, "_links": links, "files": files}) == {
        "id": "1", "rowNumber": 1, "_links": links, "files": files}


def test_unwrap_reads_the_note_wrapped_or_bare() -> None:
    assert unwrap({"note": {"value": "call first"}}) == {"note": "call first"}
    assert unwrap({"note": "call first"}) == {"note": "call first"}


def test_unwrap_reads_custom_fields_without_their_type() -> None:
    entity = {"custom": {"Document": {"UsrEdiPartner": {"type": "CustomStringField", "value": "harborfoods"},
                                      "UsrEdiAmount": {"type": "CustomDecimalField", "value": 1.5}}}}
    assert unwrap(entity) == {"custom": {"Document": {"UsrEdiPartner": "harborfoods",
                                                       "UsrEdiAmount": Decimal("1.5")}}}


def test_wrap_then_unwrap_gives_the_plain_record_back() -> None:
    record = {"OrderType": "SO", "CustomerID": "HARBOR", "Hold": False,
              "Details": [{"InventoryID": "FISH-001", "OrderQty": Decimal("5.5")}],
              "custom": {"Document": {"UsrEdiPartner": "harborfoods"}}}
    assert unwrap(wrap(record)) == record


# -- field errors ---------------------------------------------------------------------------------------------


def test_field_errors_reads_the_record_error_and_each_field_error_in_order() -> None:
    echoed = {
        "error": "Inserting 'Bill' record raised at least one error. Please review the errors.",
        "Vendor": {"value": "V-COASTAL"},
        "PostPeriod": {"value": "082026", "error": "Error: The 08-2026 financial period is inactive."},
        "Details": [{"InventoryID": {"value": "PAPER-A4"}},
                    {"InventoryID": {"value": "NOPE"}, "error": "row error",
                     "Qty": {"value": 1, "error": "bad qty"}}],
    }
    assert field_errors(echoed) == [
        FieldError("", "Inserting 'Bill' record raised at least one error. Please review the errors."),
        FieldError("PostPeriod", "Error: The 08-2026 financial period is inactive."),
        FieldError("Details[2]", "row error"),
        FieldError("Details[2].Qty", "bad qty"),
    ]


def test_field_errors_reads_an_error_on_a_field_sent_without_value() -> None:
    echoed = {"error": "Inserting 'SalesOrder' record raised at least one error.",
              "CustomerID": {"value": "HARBOR", "error": 'The value must be an object: {"value": ...}.'}}
    assert [e.path for e in field_errors(echoed)] == ["", "CustomerID"]


def test_field_errors_finds_nothing_in_a_generic_error_or_a_clean_entity() -> None:
    assert field_errors({"message": "An error has occurred.", "exceptionMessage": "boom"}) == []
    assert field_errors({"CustomerID": {"value": "HARBOR"}, "Details": [{"Qty": {"value": 1}}]}) == []
    assert field_errors(["not", "an", "entity"]) == []
