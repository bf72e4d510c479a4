"""The match rules one by one, as pure functions over canonical documents (no ledger, no ERP)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest

from edi_assets.connectors.crossref import CrossReference
from edi_assets.customers import MatchTolerance
from edi_assets.documents import Invoice, ItemId, POAcknowledgment, PurchaseOrder, ShipNotice
from edi_assets.matching import MatchResult, check, expect, item_resolver, price_limit
from edi_assets.matching.rules import Basis
from tests.matching.builders import BOLTS, PLATE, acknowledgment, invoice, purchase_order, ship_notice

XREF = CrossReference(customer="acme", items={("steelco", "SC-PL10"): "10-1000"}, units={"PC": "PCS", "PCS": "PCS"})
ITEMS = item_resolver(XREF, "steelco")
ACME = MatchTolerance(price_amount=Decimal("0.01"), price_percent=Decimal(1))


def match(bill: Invoice, *, order: PurchaseOrder | None = None, acks: Sequence[POAcknowledgment] = (),
          notices: Sequence[ShipNotice] = (), earlier: Sequence[Invoice] = (), basis: Basis = "850",
          tolerance: MatchTolerance = ACME, sends_856: bool = True) -> MatchResult:
    expectation = expect("steelco", "PO10001", basis=basis, order=order, acknowledgments=acks,
                         ship_notices=notices, earlier_invoices=earlier, items=ITEMS)
    return check(bill, expectation, tolerance, items=ITEMS, units=lambda u: XREF.units.get(u, u),
                 partner_sends_856=sends_856)


def shipped_in_full() -> ShipNotice:
    return ship_notice(("1", "10-1000", "40"), ("2", "10-2000", "500"))


def priced(price: str, *, po_price: str = "125.50", tolerance: MatchTolerance = ACME) -> MatchResult:
    line = ("1", "10-1000", "40", po_price)
    return match(invoice(("1", "10-1000", "40", price)), order=purchase_order(line),
                 notices=[ship_notice(("1", "10-1000", "40"))], tolerance=tolerance)


def rules(result: MatchResult) -> list[str]:
    return [m.rule for m in result.mismatches]


# -- a clean invoice --------------------------------------------------------------------------------------------


def test_an_invoice_for_what_was_ordered_shipped_and_priced_passes() -> None:
    result = match(invoice(("1", "10-1000", "40", "125.50"), ("2", "10-2000", "500", "0.42")),
                   order=purchase_order(), notices=[shipped_in_full()])
    assert result.passed, result.reason


# -- price tolerance: both limits apply, the stricter decides ------------------------------------------------


def test_the_price_limit_is_the_po_price_plus_the_smaller_of_amount_and_percent() -> None:
    assert price_limit(Decimal("125.50"), ACME) == Decimal("125.51")  # 1 % would be 1.255: the amount is smaller
    assert price_limit(Decimal("0.42"), ACME) == Decimal("0.4242")  # 0.01 would be 2.4 %: the percent is smaller


def test_a_price_exactly_at_the_amount_limit_passes() -> None:
    assert priced("125.51").passed


def test_a_price_one_cent_over_the_amount_limit_is_held() -> None:
    result = priced("125.52")
    assert rules(result) == ["price"]
    assert result.mismatches[0].expected == "<= 125.51"
    assert result.mismatches[0].actual == "125.52"


def test_a_price_exactly_at_the_percent_limit_passes_when_the_percent_is_stricter() -> None:
    tolerance = MatchTolerance(price_amount=Decimal("0.50"), price_percent=Decimal(1))  # 1 % of 10.00 = 0.10
    assert priced("10.10", po_price="10.00", tolerance=tolerance).passed


def test_a_price_one_cent_over_the_percent_limit_is_held_although_within_the_amount() -> None:
    tolerance = MatchTolerance(price_amount=Decimal("0.50"), price_percent=Decimal(1))
    result = priced("10.11", po_price="10.00", tolerance=tolerance)
    assert rules(result) == ["price"]
    assert result.mismatches[0].expected == "<= 10.10"


def test_a_price_one_cent_over_the_amount_limit_is_held_although_within_the_percent() -> None:
    tolerance = MatchTolerance(price_amount=Decimal("0.50"), price_percent=Decimal(1))  # 1 % of 100 = 1.00
    assert priced("100.50", po_price="100.00", tolerance=tolerance).passed
    assert rules(priced("100.51", po_price="100.00", tolerance=tolerance)) == ["price"]


def test_the_default_tolerance_allows_no_increase_because_its_percent_is_zero() -> None:
    default = MatchTolerance()
    assert priced("125.50", tolerance=default).passed
    assert rules(priced("125.51", tolerance=default)) == ["price"]


def test_a_price_below_the_po_price_passes() -> None:
    assert priced("99.00").passed


def test_a_price_mismatch_names_the_po_the_line_the_expected_and_the_actual_price() -> None:
    reason = priced("130.00").reason
    assert "PO PO10001" in reason
    assert "line 1 (item 10-1000)" in reason
    assert "unit price 130.00 exceeds 125.51 (PO price 125.50 + tolerance 0.01)" in reason


# -- quantities ---------------------------------------------------------------------------------------------------


def test_invoicing_exactly_what_shipped_passes() -> None:
    result = match(invoice(("1", "10-1000", "30", "125.50")), order=purchase_order(),
                   notices=[ship_notice(("1", "10-1000", "30"))])
    assert result.passed, result.reason


def test_invoicing_more_than_shipped_is_held_although_it_was_ordered() -> None:
    result = match(invoice(("1", "10-1000", "31", "125.50")), order=purchase_order(),
                   notices=[ship_notice(("1", "10-1000", "30"))])
    assert rules(result) == ["quantity"]
    assert "line 1 (item 10-1000): invoiced 31 exceeds 30 shipped" in result.reason


def test_shipments_of_one_line_in_several_856s_add_up() -> None:
    notices = [ship_notice(("1", "10-1000", "25")), ship_notice(("1", "10-1000", "15"), shipment="SH000002")]
    result = match(invoice(("1", "10-1000", "40", "125.50")), order=purchase_order(), notices=notices)
    assert result.passed, result.reason


def test_split_invoice_lines_of_one_po_line_add_up() -> None:
    bill = invoice(("1", "10-1000", "30", "125.50"), ("1", "10-1000", "20", "125.50"))
    result = match(bill, order=purchase_order(), notices=[shipped_in_full()])
    assert rules(result) == ["quantity"]
    assert result.mismatches[0].actual == "50"


def test_without_856s_from_the_partner_the_quantity_ordered_is_the_limit() -> None:
    ordered = match(invoice(("1", "10-1000", "40", "125.50")), order=purchase_order(), sends_856=False)
    over = match(invoice(("1", "10-1000", "41", "125.50")), order=purchase_order(), sends_856=False)
    assert ordered.passed
    assert any("sends no 856s" in note for note in ordered.notes)
    assert "invoiced 41 exceeds 40 ordered" in over.reason


def test_a_partner_that_sends_856s_cannot_invoice_a_po_it_has_not_shipped() -> None:
    result = match(invoice(("1", "10-1000", "40", "125.50")), order=purchase_order(), sends_856=True)
    assert rules(result) == ["shipment"]
    assert "no 856 for PO PO10001 from steelco yet" in result.reason


def test_a_partial_invoice_after_an_earlier_one_is_held_when_together_they_exceed_the_shipment() -> None:
    earlier = invoice(("1", "10-1000", "30", "125.50"), number="INV000001")
    result = match(invoice(("1", "10-1000", "20", "125.50"), number="INV000002"), order=purchase_order(),
                   notices=[shipped_in_full()], earlier=[earlier])
    assert rules(result) == ["quantity"]
    assert "invoiced 20 exceeds the 10 left (40 shipped, 30 invoiced before by INV000001)" in result.reason


def test_the_rest_of_a_partly_invoiced_line_can_be_invoiced() -> None:
    earlier = invoice(("1", "10-1000", "30", "125.50"), number="INV000001")
    result = match(invoice(("1", "10-1000", "10", "125.50"), number="INV000002"), order=purchase_order(),
                   notices=[shipped_in_full()], earlier=[earlier])
    assert result.passed, result.reason


# -- second invoices ------------------------------------------------------------------------------------------


def test_a_second_invoice_for_lines_invoiced_in_full_is_held_as_a_duplicate() -> None:
    earlier = invoice(("1", "10-1000", "40", "125.50"), number="INV000001")
    result = match(invoice(("1", "10-1000", "40", "125.50"), number="INV000002"), order=purchase_order(),
                   notices=[shipped_in_full()], earlier=[earlier])
    assert rules(result) == ["duplicate"]
    assert "already invoiced in full by INV000001 (40 of 40 shipped)" in result.reason


def test_an_invoice_number_counted_before_is_held_as_a_duplicate() -> None:
    earlier = invoice(("2", "10-2000", "500", "0.42"), number="INV000001")
    result = match(invoice(("1", "10-1000", "40", "125.50"), number="INV000001"), order=purchase_order(),
                   notices=[shipped_in_full()], earlier=[earlier])
    assert rules(result) == ["duplicate"]
    assert "invoice INV000001 for PO PO10001 was received before" in result.reason


# -- items and lines ------------------------------------------------------------------------------------------


def test_an_item_that_was_not_ordered_is_held() -> None:
    bill = invoice(("3", "10-9999", "1", "5.00"))
    result = match(bill, order=purchase_order(), notices=[shipped_in_full()])
    assert rules(result) == ["item"]
    assert "invoice line 3 bills 10-9999, which was not ordered on PO PO10001" in result.reason


def test_a_line_renumbered_by_the_partner_is_found_by_its_item() -> None:
    result = match(invoice(("7", "10-2000", "500", "0.42")), order=purchase_order(), notices=[shipped_in_full()])
    assert result.passed, result.reason


def test_a_line_number_that_names_another_item_is_matched_by_the_item() -> None:
    result = match(invoice(("1", "10-2000", "600", "0.42")), order=purchase_order(), notices=[shipped_in_full()])
    assert "line 2 (item 10-2000): invoiced 600 exceeds 500 shipped" in result.reason


def test_the_partners_own_item_number_maps_through_the_cross_reference() -> None:
    bill = invoice(("1", "", "40", "125.50"), item_ids=[ItemId(qualifier="VP", value="SC-PL10")])
    result = match(bill, order=purchase_order(PLATE), notices=[ship_notice(("1", "10-1000", "40"))])
    assert result.passed, result.reason


def test_padded_line_numbers_match() -> None:
    result = match(invoice(("001", "10-1000", "40", "125.50")), order=purchase_order(),
                   notices=[ship_notice(("0001", "10-1000", "40"))])
    assert result.passed, result.reason


def test_an_invoice_in_another_unit_is_held() -> None:
    result = match(invoice(("1", "10-1000", "40", "125.50"), unit="CA"), order=purchase_order(),
                   notices=[ship_notice(("1", "10-1000", "40"))])
    assert rules(result) == ["unit"]
    assert "invoiced in CA, ordered in EA" in result.reason


def test_units_the_cross_reference_maps_to_the_same_erp_unit_are_the_same() -> None:
    order = purchase_order(PLATE)
    order = order.model_copy(update={"lines": [order.lines[0].model_copy(update={"unit": "PCS"})]})
    result = match(invoice(("1", "10-1000", "40", "125.50"), unit="PC"), order=order,
                   notices=[ship_notice(("1", "10-1000", "40"))])
    assert result.passed, result.reason


# -- the partner's 855 changes what is expected -----------------------------------------------------------------


def test_an_855_quantity_change_lowers_the_quantity_expected() -> None:
    ack = acknowledgment(("1", "10-1000", "40", "125.50", "IQ", "30"), ("2", "10-2000", "500", "0.42", "IA", "500"))
    result = match(invoice(("1", "10-1000", "40", "125.50")), order=purchase_order(), acks=[ack], sends_856=False)
    assert rules(result) == ["quantity"]
    assert "invoiced 40 exceeds 30 confirmed in the 855" in result.reason


def test_an_855_quantity_change_lets_the_confirmed_quantity_through() -> None:
    ack = acknowledgment(("1", "10-1000", "40", "125.50", "IQ", "45"))
    result = match(invoice(("1", "10-1000", "45", "125.50")), order=purchase_order(), acks=[ack], sends_856=False)
    assert result.passed, result.reason


def test_a_line_the_855_rejected_cannot_be_invoiced() -> None:
    ack = acknowledgment(("1", "10-1000", "40", "125.50", "IA", "40"), ("2", "10-2000", "500", "0.42", "IR", "0"))
    result = match(invoice(("2", "10-2000", "500", "0.42")), order=purchase_order(), acks=[ack], sends_856=False)
    assert rules(result) == ["quantity"]
    assert "line 2 (item 10-2000) was rejected in the partner's 855 (IR), yet 500 invoiced" in result.reason


def test_an_855_that_rejects_the_whole_order_rejects_every_line() -> None:
    ack = acknowledgment(ack_type="RJ")
    result = match(invoice(("1", "10-1000", "40", "125.50")), order=purchase_order(), acks=[ack], sends_856=False)
    assert "was rejected in the partner's 855" in result.reason


def test_an_855_price_change_is_the_price_expected() -> None:
    ack = acknowledgment(("1", "10-1000", "40", "126.00", "IP", "40"))
    result = match(invoice(("1", "10-1000", "40", "126.00")), order=purchase_order(),
                   acks=[ack], notices=[shipped_in_full()])
    assert result.passed, result.reason


def test_an_invoice_above_a_lowered_855_price_is_held_against_the_855_price() -> None:
    ack = acknowledgment(("1", "10-1000", "40", "120.00", "IP", "40"))
    result = match(invoice(("1", "10-1000", "40", "125.50")), order=purchase_order(),
                   acks=[ack], notices=[shipped_in_full()])
    assert "unit price 125.50 exceeds 120.01 (855 price 120.00 + tolerance 0.01)" in result.reason


def test_a_later_855_overrides_an_earlier_one() -> None:
    first = acknowledgment(("1", "10-1000", "40", "125.50", "IQ", "30"))
    second = acknowledgment(("1", "10-1000", "40", "125.50", "IA", "40"))
    result = match(invoice(("1", "10-1000", "40", "125.50")), order=purchase_order(), acks=[first, second],
                   sends_856=False)
    assert result.passed, result.reason


# -- without the PO ---------------------------------------------------------------------------------------------


def test_without_a_po_the_855s_lines_are_what_is_expected() -> None:
    ack = acknowledgment(("1", "10-1000", "40", "125.50", "IA", "40"))
    result = match(invoice(("1", "10-1000", "40", "125.52")), acks=[ack], basis="855", sends_856=False)
    assert rules(result) == ["price"]
    assert "matched against the partner's 855 and 856s only" in result.reason


def test_with_856s_only_items_and_quantities_are_matched_but_prices_are_not() -> None:
    notice = ship_notice(("1", "10-1000", "40"))
    assert match(invoice(("1", "10-1000", "40", "999.00")), notices=[notice], basis="856").passed
    result = match(invoice(("2", "10-2000", "5", "0.42")), notices=[notice], basis="856")
    assert rules(result) == ["item"]
    assert "which was not shipped on PO PO10001" in result.reason


@pytest.mark.parametrize("line", [PLATE, BOLTS])
def test_every_po_line_becomes_an_expected_line_with_our_item(line: tuple[str, str, str, str]) -> None:
    expectation = expect("steelco", "PO10001", basis="850", order=purchase_order(), items=ITEMS)
    found = expectation.find(line[0], None)
    assert found is not None
    assert (found.item, found.ordered, found.price) == (line[1], Decimal(line[2]), Decimal(line[3]))
