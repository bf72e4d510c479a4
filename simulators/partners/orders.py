"""Orders as a partner knows them: the lines it was sent (or sends), and how it confirmed each one."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from simulators.partners.config import Behaviour, CatalogItem

# ACK01 codes: accepted, accepted with quantity / price / both changed, rejected.
LineStatus = Literal["IA", "IQ", "IP", "IC", "IR"]
# (quantity changed, price changed) -> ACK01
_STATUS_BY_CHANGE: dict[tuple[bool, bool], LineStatus] = {
    (False, False): "IA",
    (True, False): "IQ",
    (False, True): "IP",
    (True, True): "IC",
}


@dataclass(frozen=True)
class OrderLine:
    line: str
    quantity: Decimal
    unit: str
    price: Decimal
    item_ids: tuple[tuple[str, str], ...]
    description: str = ""


@dataclass(frozen=True)
class ConfirmedLine:
    ordered: OrderLine
    status: LineStatus
    quantity: Decimal
    price: Decimal

    def as_shipped(self) -> OrderLine:
        """The line as the 856 and 810 carry it: confirmed quantity and price."""
        return replace(self.ordered, quantity=self.quantity, price=self.price)

    def summary(self) -> dict[str, Any]:
        ordered = self.ordered
        return {
            "line": ordered.line,
            "item_ids": dict(ordered.item_ids),
            "unit": ordered.unit,
            "ordered": str(ordered.quantity),
            "price": str(ordered.price),
            "status": self.status,
            "confirmed_quantity": str(self.quantity),
            "confirmed_price": str(self.price),
        }


@dataclass
class Order:
    number: str
    date: date
    lines: list[OrderLine]
    confirmed: list[ConfirmedLine] = field(default_factory=list)
    times_received: int = 1

    @property
    def shipped_lines(self) -> list[OrderLine]:
        return [c.as_shipped() for c in self.confirmed if c.status != "IR"]

    def summary(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "date": self.date.isoformat(),
            "times_received": self.times_received,
            "lines": [c.summary() for c in self.confirmed],
        }


def confirm(lines: list[OrderLine], behaviour: Behaviour) -> list[ConfirmedLine]:
    """Each line accepted as ordered unless the behaviour rejects it or changes its quantity or price."""
    confirmed = []
    for line in lines:
        if line.line in behaviour.reject_lines:
            confirmed.append(ConfirmedLine(line, "IR", Decimal(0), line.price))
            continue
        quantity = behaviour.quantities.get(line.line, line.quantity)
        price = behaviour.prices.get(line.line, line.price)
        changed = (quantity != line.quantity, price != line.price)
        confirmed.append(ConfirmedLine(line, _STATUS_BY_CHANGE[changed], quantity, price))
    return confirmed


def catalog_lines(catalog: list[CatalogItem], partner_sells: bool) -> list[OrderLine]:
    """Lines for a document the partner starts itself: every catalog item at its default quantity.

    The customer's item id is the buyer's part (BP) when the partner sells, the vendor's part (VP) when it buys.
    """
    ours, theirs = ("VP", "BP") if partner_sells else ("BP", "VP")
    lines = []
    for index, item in enumerate(catalog, start=1):
        ids = [(theirs, item.item)] + ([(ours, item.partner_item)] if item.partner_item else [])
        lines.append(OrderLine(str(index), item.quantity, item.unit, item.price, tuple(ids), item.description))
    return lines
