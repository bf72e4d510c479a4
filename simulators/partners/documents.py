"""The bodies (segments between ST and SE) of what a partner sends: 997, 855, 856, 810, 850, and the TA1 segment."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from simulators.partners.config import Terms
from simulators.partners.orders import Order, OrderLine
from simulators.partners.x12read import InterchangeHeader, ReceivedGroup
from simulators.partners.x12write import Segment, number


def acknowledgment_997(group: ReceivedGroup, version: str) -> list[Segment]:
    """AK1, an AK2…AK5 per set (AK3/AK4 for each segment noted), AK9 with the group's verdict."""
    ak103 = group.version if version.startswith("005") else ""
    body: list[Segment] = [("AK1", group.functional_id, group.control, ak103)]
    for received in group.sets:
        body.append(("AK2", received.set_id, received.control))
        for note in received.notes:
            body.append(("AK3", note.segment_id, str(note.position), "", note.code))
            body.extend(("AK4", str(e.position), "", e.code, e.value) for e in note.elements)
        body.append(("AK5", "A") if received.accepted else ("AK5", "R", received.error or "5"))
    included, accepted = len(group.sets), sum(s.accepted for s in group.sets)
    verdict = "R" if group.error is not None or accepted == 0 else "A" if accepted == included else "P"
    declared = included if group.declared_sets is None else group.declared_sets
    body.append(("AK9", verdict, str(declared), str(included), str(accepted), group.error or ""))
    return body


def interchange_acknowledgment(header: InterchangeHeader | None, when: datetime, note: str) -> Segment:
    """A TA1 refusing an interchange; without a readable header, control number zero and our own date and time."""
    control = header.control if header and header.control.isdigit() and len(header.control) == 9 else "0" * 9
    if header is None:
        return ("TA1", control, f"{when:%y%m%d}", f"{when:%H%M}", "R", note)
    return ("TA1", control, header.date, header.time, "R", note)


def confirmation_855(order: Order, when: datetime, seller_order: str) -> list[Segment]:
    """BAK (AD: as ordered, AC: with changes, RJ: every line rejected), PO1 + ACK per line, CTT."""
    statuses = {c.status for c in order.confirmed}
    kind = "RJ" if statuses == {"IR"} else "AD" if statuses == {"IA"} else "AC"
    body: list[Segment] = [("BAK", "00", kind, order.number, _day(order.date), "", "", "", seller_order, _day(when))]
    for confirmed in order.confirmed:
        line = confirmed.ordered
        body.append(("PO1", line.line, number(line.quantity), line.unit, number(confirmed.price), "", *_ids(line)))
        ship_date = ("", "") if confirmed.status == "IR" else ("068", _day(when))
        body.append(("ACK", confirmed.status, number(confirmed.quantity), line.unit, *ship_date))
    body.append(("CTT", str(len(order.confirmed))))
    return body


def shipment_856(order: Order, when: datetime, shipment: str, ssccs: list[str]) -> list[Segment]:
    """Shipment / order / pack / item: one pack (carton with its SSCC) per shipped line."""
    lines = order.shipped_lines
    body: list[Segment] = [
        ("BSN", "00", shipment, _day(when), f"{when:%H%M}", "0001"),
        ("HL", "1", "", "S"),
        ("TD1", "CTN25", str(len(lines))),
        ("REF", "BM", shipment),
        ("DTM", "011", _day(when)),
        ("HL", "2", "1", "O"),
        ("PRF", order.number, "", "", _day(order.date)),
    ]
    hl = 2
    for line, sscc in zip(lines, ssccs, strict=True):
        pack, item = hl + 1, hl + 2
        body.append(("HL", str(pack), "2", "P"))
        body.append(("MAN", "GM", sscc))
        body.append(("HL", str(item), str(pack), "I"))
        if line.item_ids:  # LIN needs a product id; a line ordered by description alone ships without one
            body.append(("LIN", line.line, *_ids(line)))
        body.append(("SN1", line.line, number(line.quantity), line.unit))
        hl = item
    body.append(("CTT", str(hl)))
    return body


def invoice_810(order: Order, when: datetime, invoice: str, terms: Terms) -> list[Segment]:
    """BIG, ITD terms, IT1 per shipped line, TDS as the total in cents (implied two decimals), CTT."""
    lines = order.shipped_lines
    body: list[Segment] = [("BIG", _day(when), invoice, _day(order.date), order.number), _terms(terms)]
    body.append(("DTM", "011", _day(when)))
    for line in lines:
        body.append(("IT1", line.line, number(line.quantity), line.unit, number(line.price), "", *_ids(line)))
        body.extend(_description(line))
    total = sum((line.quantity * line.price for line in lines), Decimal(0))
    body.append(("TDS", str(int((total * 100).quantize(Decimal(1), ROUND_HALF_UP)))))
    body.append(("CTT", str(len(lines))))
    return body


def purchase_order_850(order: Order) -> list[Segment]:
    """A partner's own order to the customer: BEG, PO1 (+ PID) per line, CTT."""
    body: list[Segment] = [("BEG", "00", "SA", order.number, "", _day(order.date))]
    for line in order.lines:
        body.append(("PO1", line.line, number(line.quantity), line.unit, number(line.price), "", *_ids(line)))
        body.extend(_description(line))
    body.append(("CTT", str(len(order.lines))))
    return body


def sscc(prefix: str, serial: int) -> str:
    """MAN02 value: application identifier 00 + SSCC-18 (extension 0, company prefix, serial, GS1 check digit)."""
    digits = "0" + prefix + str(serial).zfill(16 - len(prefix))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return "00" + digits + str((10 - total % 10) % 10)


def _terms(terms: Terms) -> Segment:
    if terms.discount_percent:
        return ("ITD", "01", "3", number(terms.discount_percent), "", str(terms.discount_days), "", str(terms.net_days))
    return ("ITD", "05", "3", "", "", "", "", str(terms.net_days))


def _ids(line: OrderLine) -> tuple[str, ...]:
    return tuple(value for pair in line.item_ids for value in pair)


def _description(line: OrderLine) -> list[Segment]:
    return [("PID", "F", "", "", "", line.description)] if line.description else []


def _day(day: date) -> str:
    return f"{day:%Y%m%d}"
