"""The three-way match as pure functions of canonical documents: what a purchase order lets a partner invoice
(:func:`expect`), and whether one invoice stays within it (:func:`check`).

What the match expects of each PO line, in order of authority:

1. the PO: the 850 we sent (or, where the PO did not go through us, the ERP's purchase order; failing both, the
   lines the partner's 855 echoes, or only what its 856s shipped): item, unit, quantity ordered, unit price;
2. the partner's 855s, oldest first, each overriding the last: a line whose every ACK status is IR (rejected)
   or ID (deleted) is expected at quantity 0, an ACK quantity (IQ, IA, IB...) replaces the quantity ordered,
   and an 855 unit price replaces the PO price (IP, IC): a change the partner announced and nobody disputed
   is what the invoice is held to;
3. the partner's 856s: the quantity shipped per line;
4. the invoices counted before this one: the quantity already invoiced per line.

The rules (each mismatch names the PO, the line, the expected and the actual value):

* ``item``: every invoice line is a line of the PO, found by its line number (IT101 is the PO line number when
  the partner follows the PO) and checked by its item (our item, through the cross-reference tables); a line
  whose number does not fit is found by its item alone; a line found by neither bills an item not ordered.
* ``quantity``: per PO line, the quantity invoiced so far (earlier invoices plus this one) is at most the
  quantity shipped, or, where the partner sends no 856s, at most the quantity ordered (as the 855 left it).
* ``duplicate``: an invoice number counted before, or a line already invoiced in full, is a second invoice.
* ``shipment``: a partner that sends 856s has not sent one for this PO yet: nothing to invoice against.
* ``price``: the unit price is at most the expected price plus the customer's tolerance, where **both limits
  apply**: the excess over the expected price must be within ``price_amount`` *and* within ``price_percent``
  of the expected price, so the stricter of the two decides (see :func:`price_limit`). A lower price passes.
* ``unit``: the invoice's unit is the PO's (after ``units.csv``); quantities in other units cannot be compared.

Decimal arithmetic throughout, no rounding: a limit of 125.51 passes 125.51 and holds 125.5101.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from edi_assets.customers import MatchTolerance
from edi_assets.documents import Invoice, ItemId, POAcknowledgment, PurchaseOrder, ShipNotice

#: Our item for a line's item ids (partner's ids through ``items.csv``, else the buyer's own), or None.
ItemResolver = Callable[[Sequence[ItemId]], "str | None"]
#: The ERP's unit for an X12 unit (``units.csv``), so ``PC`` and ``PCS`` compare equal where the table says so.
UnitResolver = Callable[[str], str]

#: What the expectation was built from: the 850 we sent, the ERP's PO, the partner's 855, or its 856s only.
Basis = Literal["850", "erp", "855", "856"]
Rule = Literal["item", "quantity", "duplicate", "shipment", "price", "unit", "partner", "order"]

REJECTED = frozenset({"IR", "ID"})  # ACK01: item rejected, item deleted
ZERO = Decimal(0)

BASIS_TEXT: dict[str, str] = {
    "850": "the 850 we sent",
    "erp": "the ERP's purchase order (no 850 in the ledger)",
    "855": "the partner's 855 and 856s only (no 850 in the ledger and the ERP cannot tell)",
    "856": "the partner's 856s only (no 850 or 855 in the ledger and the ERP cannot tell): prices not checked",
}


def line_key(number: str | None) -> str | None:
    """PO line numbers compare without padding: ``001`` is line ``1``."""
    if number is None or not number.strip():
        return None
    return number.strip().lstrip("0") or "0"


def _plain(value: Decimal | None) -> str:
    if value is None:
        return "none"
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _money(value: Decimal | None) -> str:
    """A price as people write it: at least two decimals (125.50), more where the price has them (0.4242)."""
    if value is None:
        return "none"
    text = _plain(value)
    whole, _, cents = text.partition(".")
    return f"{whole}.{cents.ljust(2, '0')}"


def price_limit(expected: Decimal, tolerance: MatchTolerance) -> Decimal:
    """The highest unit price that passes: the expected price plus the smaller of ``price_amount`` and
    ``price_percent`` % of the expected price (both limits apply, so the stricter one decides).

    >>> from edi_assets.customers import MatchTolerance
    >>> str(price_limit(Decimal("125.50"), MatchTolerance(price_amount=Decimal("0.01"), price_percent=Decimal(1))))
    '125.51'
    """
    allowance = min(tolerance.price_amount, expected * tolerance.price_percent / Decimal(100))
    return expected + allowance


@dataclass
class ExpectedLine:
    """One PO line as the match sees it after every source was applied."""

    line: str
    item: str | None
    unit: str | None
    ordered: Decimal | None = None
    price: Decimal | None = None
    price_from: str = "850"
    confirmed: Decimal | None = None  # the 855's quantity, when it gave one
    statuses: tuple[str, ...] = ()  # the latest 855's ACK01 codes for the line
    shipped: Decimal = ZERO
    invoiced: Decimal = ZERO  # by the invoices counted before the one being checked
    invoiced_by: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.statuses) and all(s in REJECTED for s in self.statuses)

    @property
    def expected(self) -> Decimal | None:
        """The quantity the partner should deliver: the 855's when it said one, else the PO's."""
        if self.rejected:
            return ZERO
        return self.confirmed if self.confirmed is not None else self.ordered

    @property
    def label(self) -> str:
        return f"line {self.line}" + (f" (item {self.item})" if self.item else "")

    def summary(self) -> dict[str, str | None]:
        return {"line": self.line, "item": self.item, "unit": self.unit, "ordered": _opt(self.ordered),
                "expected": _opt(self.expected), "price": None if self.price is None else _money(self.price),
                "price_from": self.price_from, "statuses": ",".join(self.statuses) or None,
                "shipped": _plain(self.shipped), "invoiced_before": _plain(self.invoiced)}


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else _plain(value)


@dataclass
class Expectation:
    """What one PO lets its partner invoice: the lines, what shipped, what was invoiced before."""

    partner: str
    po_number: str
    basis: Basis
    lines: list[ExpectedLine]
    ship_notices: list[str] = field(default_factory=list)  # shipment ids that shipped against the PO
    acknowledgments: int = 0  # 855s applied
    invoices: list[str] = field(default_factory=list)  # invoice numbers counted before
    notes: list[str] = field(default_factory=list)

    def find(self, line_number: str | None, item: str | None) -> ExpectedLine | None:
        """The PO line an invoice, 855 or 856 line refers to: by number when its item fits (or either side has
        no item), else by item alone (the partner renumbered the lines)."""
        key = line_key(line_number)
        by_number = next((line for line in self.lines if line.line == key), None) if key else None
        if by_number is not None and (item is None or by_number.item is None or by_number.item == item):
            return by_number
        if item is not None:
            return next((line for line in self.lines if line.item == item), None)
        return None

    @property
    def basis_text(self) -> str:
        return BASIS_TEXT[self.basis]


@dataclass(frozen=True)
class Mismatch:
    rule: Rule
    line: str | None
    expected: str
    actual: str
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"rule": self.rule, "line": self.line, "expected": self.expected, "actual": self.actual,
                "message": self.message}


@dataclass
class MatchResult:
    """The verdict on one invoice: passed, or the mismatches that hold it; ``notes`` say what it was matched
    against (and what could not be checked), for the audit trail and the hold reason."""

    invoice: str
    po_number: str | None
    mismatches: list[Mismatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    expectation: Expectation | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches

    @property
    def reason(self) -> str:
        """One line a person can act on: the PO, each mismatch, and what the invoice was matched against."""
        if self.passed:
            return f"invoice {self.invoice} matches PO {self.po_number}" if self.po_number else \
                f"invoice {self.invoice} names no PO: not matched"
        basis = f" (matched against {self.expectation.basis_text})" if self.expectation else ""
        problems = "; ".join(m.message for m in self.mismatches)
        return f"invoice {self.invoice} does not match PO {self.po_number}{basis}: {problems}"

    def audit_detail(self) -> dict[str, object]:
        detail: dict[str, object] = {"invoice": self.invoice, "po": self.po_number, "notes": list(self.notes)}
        if self.expectation is not None:
            detail |= {"basis": self.expectation.basis, "ship_notices": self.expectation.ship_notices,
                       "invoiced_before": self.expectation.invoices,
                       "lines": [line.summary() for line in self.expectation.lines]}
        if self.mismatches:
            detail["mismatches"] = [m.as_dict() for m in self.mismatches]
        return detail


# -- building the expectation ---------------------------------------------------------------------------------


def expect(partner: str, po_number: str, *, basis: Basis, order: PurchaseOrder | None = None,
           acknowledgments: Sequence[POAcknowledgment] = (), ship_notices: Sequence[ShipNotice] = (),
           earlier_invoices: Sequence[Invoice] = (), items: ItemResolver) -> Expectation:
    """The expectation for one PO from its documents (855s and 856s oldest first; only those of this PO)."""
    expectation = Expectation(partner=partner, po_number=po_number, basis=basis, lines=[])
    if order is not None:
        for index, po_line in enumerate(order.lines, start=1):
            expectation.lines.append(ExpectedLine(
                line=line_key(po_line.line_number) or str(index), item=items(po_line.item_ids), unit=po_line.unit,
                ordered=po_line.quantity, price=po_line.unit_price, price_from=basis))
    for ack in acknowledgments:
        _apply_acknowledgment(expectation, ack, items, seed=order is None)
    for notice in ship_notices:
        _apply_ship_notice(expectation, notice, items, seed=order is None and not acknowledgments)
    for invoice in earlier_invoices:
        expectation.invoices.append(invoice.invoice_number)
        for inv_line in invoice.lines:
            found = expectation.find(inv_line.line_number, items(inv_line.item_ids))
            if found is not None:
                found.invoiced += inv_line.quantity
                if invoice.invoice_number not in found.invoiced_by:
                    found.invoiced_by.append(invoice.invoice_number)
    return expectation


def _apply_acknowledgment(expectation: Expectation, ack: POAcknowledgment, items: ItemResolver, *,
                          seed: bool) -> None:
    """An 855 over the expectation: rejected lines, changed quantities and prices; ``seed``: there is no PO, so
    the 855's lines (which echo the PO's) become the lines."""
    expectation.acknowledgments += 1
    whole_rejected = ack.ack_type == "RJ"
    for index, ack_line in enumerate(ack.lines, start=1):
        item = items(ack_line.item_ids)
        line = expectation.find(ack_line.line_number, item)
        if line is None:
            if not seed:
                expectation.notes.append(f"855 line {ack_line.line_number or index} ({item or 'no item'}) is not "
                                         f"on PO {expectation.po_number}: ignored")
                continue
            line = ExpectedLine(line=line_key(ack_line.line_number) or str(index), item=item, unit=ack_line.unit,
                                ordered=ack_line.quantity, price=ack_line.unit_price, price_from="855")
            expectation.lines.append(line)
        codes = tuple(s.code for s in ack_line.statuses)
        if whole_rejected and not codes:
            codes = ("IR",)
        if codes:
            line.statuses = codes
            quantities = [s.quantity for s in ack_line.statuses if s.code not in REJECTED and s.quantity is not None]
            line.confirmed = sum(quantities, ZERO) if quantities else line.confirmed
        if ack_line.unit_price is not None and ack_line.unit_price != line.price:
            line.price, line.price_from = ack_line.unit_price, "855"
    if whole_rejected:
        for line in expectation.lines:
            line.statuses = line.statuses if line.rejected else ("IR",)


def _apply_ship_notice(expectation: Expectation, notice: ShipNotice, items: ItemResolver, *, seed: bool) -> None:
    orders = {o.po_number for o in notice.orders}
    counted = False
    for shipped in notice.items:
        po = shipped.po_number or (next(iter(orders)) if len(orders) == 1 else None)
        if po != expectation.po_number:
            continue
        counted = True
        item = items(shipped.item_ids)
        line = expectation.find(shipped.line_number, item)
        if line is None:
            if not seed:
                expectation.notes.append(f"856 {notice.shipment_id} shipped {_plain(shipped.quantity)} of "
                                         f"{item or 'an unknown item'} (line {shipped.line_number or '?'}), "
                                         f"which is not on PO {expectation.po_number}")
                continue
            line = ExpectedLine(line=line_key(shipped.line_number) or str(len(expectation.lines) + 1), item=item,
                                unit=shipped.unit, price_from="856")
            expectation.lines.append(line)
        line.shipped += shipped.quantity
    if counted or expectation.po_number in orders:
        expectation.ship_notices.append(notice.shipment_id)


# -- checking one invoice -------------------------------------------------------------------------------------


def check(invoice: Invoice, expectation: Expectation, tolerance: MatchTolerance, *, items: ItemResolver,
          units: UnitResolver = lambda unit: unit, partner_sends_856: bool = False) -> MatchResult:
    """Every rule over one invoice; the result lists each mismatch (it passes when there is none)."""
    po = expectation.po_number
    result = MatchResult(invoice=invoice.invoice_number, po_number=po, expectation=expectation,
                         notes=[f"matched against {expectation.basis_text}", *expectation.notes])
    miss = result.mismatches
    if invoice.invoice_number in expectation.invoices:
        miss.append(Mismatch("duplicate", None, "a new invoice number", invoice.invoice_number,
                             f"invoice {invoice.invoice_number} for PO {po} was received before"))
    shipped_basis = bool(expectation.ship_notices) or expectation.basis == "856"
    waiting_for_856 = not shipped_basis and partner_sends_856
    if waiting_for_856:
        miss.append(Mismatch("shipment", None, "an 856 for the PO", "none",
                             f"no 856 for PO {po} from {expectation.partner} yet, and the partner sends ship "
                             f"notices: nothing shipped to invoice against"))
    elif not shipped_basis:
        result.notes.append(f"{expectation.partner} sends no 856s: quantities matched against the quantities "
                            f"ordered (as the 855 left them)")
    billed: dict[str, Decimal] = {}
    for index, inv_line in enumerate(invoice.lines, start=1):
        item = items(inv_line.item_ids)
        line = expectation.find(inv_line.line_number, item)
        number = inv_line.line_number or str(index)
        if line is None:
            ids = ", ".join(f"{i.qualifier} {i.value}" for i in inv_line.item_ids) or "no item id"
            where = "shipped" if expectation.basis == "856" else "ordered"
            miss.append(Mismatch("item", number, f"an item {where} on PO {po}", item or ids,
                                 f"invoice line {number} bills {item or ids}, which was not {where} on PO {po}"))
            continue
        billed[line.line] = billed.get(line.line, ZERO) + inv_line.quantity
        if inv_line.unit and line.unit and units(inv_line.unit) != units(line.unit):
            miss.append(Mismatch("unit", line.line, line.unit, inv_line.unit,
                                 f"{line.label}: invoiced in {inv_line.unit}, ordered in {line.unit}"))
        if line.price is None:
            continue
        if inv_line.unit_price is None:
            miss.append(Mismatch("price", line.line, _money(line.price), "none",
                                 f"{line.label}: the invoice gives no unit price (expected {_money(line.price)})"))
            continue
        limit = price_limit(line.price, tolerance)
        if inv_line.unit_price > limit:
            source = "855 price" if line.price_from == "855" else "PO price"
            miss.append(Mismatch(
                "price", line.line, f"<= {_money(limit)}", _money(inv_line.unit_price),
                f"{line.label}: unit price {_money(inv_line.unit_price)} exceeds {_money(limit)} ({source} "
                f"{_money(line.price)} + tolerance {_money(limit - line.price)})"))
    if not waiting_for_856:
        for line in expectation.lines:
            if line.line in billed:
                _check_quantity(line, billed[line.line], shipped_basis, miss)
    return result


def _check_quantity(line: ExpectedLine, now: Decimal, shipped_basis: bool, miss: list[Mismatch]) -> None:
    limit = line.shipped if shipped_basis else line.expected
    if limit is None:
        return
    what = "shipped" if shipped_basis else ("confirmed in the 855" if line.confirmed is not None else "ordered")
    earlier = line.invoiced
    if earlier + now <= limit:
        return
    if line.rejected and limit == ZERO:
        miss.append(Mismatch("quantity", line.line, "0", _plain(now),
                             f"{line.label} was rejected in the partner's 855 ({','.join(line.statuses)}), "
                             f"yet {_plain(now)} invoiced"))
    elif earlier > ZERO and earlier >= limit:
        by = ", ".join(line.invoiced_by)
        miss.append(Mismatch("duplicate", line.line, "0 more", _plain(now),
                             f"{line.label} was already invoiced in full by {by} ({_plain(earlier)} of "
                             f"{_plain(limit)} {what}); invoiced again: {_plain(now)}"))
    elif earlier > ZERO:
        miss.append(Mismatch("quantity", line.line, f"<= {_plain(limit - earlier)}", _plain(now),
                             f"{line.label}: invoiced {_plain(now)} exceeds the {_plain(limit - earlier)} "
                             f"left ({_plain(limit)} {what}, {_plain(earlier)} invoiced before by "
                             f"{', '.join(line.invoiced_by)})"))
    else:
        miss.append(Mismatch("quantity", line.line, f"<= {_plain(limit)}", _plain(now),
                             f"{line.label}: invoiced {_plain(now)} exceeds {_plain(limit)} {what}"))


def po_numbers(document: object) -> set[str]:
    """Every PO number a canonical document refers to (an 856 may ship several orders)."""
    if isinstance(document, ShipNotice):
        return {o.po_number for o in document.orders} | {i.po_number for i in document.items if i.po_number}
    number = getattr(document, "po_number", None)
    return {number} if isinstance(number, str) and number else set()

