"""Canonical documents → X12 transaction set bodies (the segments between ST and SE).

Each function mirrors its inbound counterpart field for field, which is what makes
``parse(render(doc)) == doc`` hold; the round-trip property test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

from edi_assets.documents import (
    DateRef,
    Document,
    FunctionalAck,
    Invoice,
    ItemId,
    Line,
    Party,
    POAcknowledgment,
    PurchaseOrder,
    Reference,
    ShipNotice,
    Terms,
)
from edi_assets.x12.ack import AckElement, AckGroup, AckSegment, AckSet, ack_body
from edi_assets.x12.errors import X12RenderError
from edi_assets.x12.writer import Element

Body = list[list[Element]]


def num(d: Decimal | None) -> str:
    """An R value as sent (``3.50`` stays ``3.50``): plain notation, never an exponent."""
    if d is None:
        return ""
    text = str(d)
    if "E" in text:
        text = format(d, "f")
    if text[0] == "-" and d == 0:  # -0 is not an X12 number
        text = text[1:]
    return text


def implied2(d: Decimal, what: str) -> str:
    """An N2 value: 2554.38 → ``255438``."""
    cents = d.scaleb(2)
    if cents != cents.to_integral_value():
        raise X12RenderError(f"{what} {d} has more than 2 decimal places")
    return str(int(cents))


@lru_cache(maxsize=8192)
def _date8(d: dt.date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def date8(d: dt.date | None) -> str:
    """CCYYMMDD; cached, since documents repeat the same few dates."""
    return _date8(d) if d else ""


def trim(seg: list[Element]) -> list[Element]:
    """Drop trailing empty elements (X12 forbids them); builders call it where a tail is optional."""
    while len(seg) > 1 and not seg[-1]:
        seg.pop()
    return seg


def _refs(refs: Sequence[Reference]) -> Body:
    return [["REF", r.qualifier, r.value, r.description] if r.description else ["REF", r.qualifier, r.value]
            for r in refs]


def _dates(dates: Sequence[DateRef]) -> Body:
    return [["DTM", d.qualifier, date8(d.date), d.time] if d.time else ["DTM", d.qualifier, date8(d.date)]
            for d in dates]


def _terms(terms: Sequence[Terms]) -> Body:
    return [
        trim(["ITD", t.type_code or "", t.basis_date_code or "", num(t.discount_percent), "",
              "" if t.discount_days is None else str(t.discount_days), "",
              "" if t.net_days is None else str(t.net_days), "", "", "", "", t.description or ""])
        for t in terms
    ]


def _party(p: Party) -> Body:
    body: Body = [trim(["N1", p.role, p.name or "", p.id_qualifier or "", p.id or ""])]
    for i in range(0, len(p.address), 2):
        body.append(["N3", *p.address[i : i + 2]])
    if p.city or p.state or p.postal_code or p.country:
        body.append(trim(["N4", p.city or "", p.state or "", p.postal_code or "", p.country or ""]))
    return body


def _parties(parties: Sequence[Party]) -> Body:
    return [seg for p in parties for seg in _party(p)]


def _ids(ids: Sequence[ItemId]) -> list[str]:
    return [x for i in ids for x in (i.qualifier, i.value)]


def _baseline(tag: str, li: Line) -> list[Element]:
    """PO1 / IT1: line number, quantity, unit, price, basis, then the product ids."""
    seg: list[Element] = [tag, li.line_number or "", num(li.quantity), li.unit, num(li.unit_price),
                          li.price_basis or ""]
    if li.item_ids:
        for i in li.item_ids:
            seg.append(i.qualifier)
            seg.append(i.value)
        return seg
    return trim(seg)


def purchase_order(po: PurchaseOrder) -> Body:
    body: Body = [trim(["BEG", po.purpose_code, po.type_code, po.po_number, po.release_number or "",
                        date8(po.po_date)])]
    if po.currency:
        body.append(["CUR", "BY", po.currency])
    body += _refs(po.references)
    body += _terms(po.terms)
    body += _dates(po.dates)
    body += _parties(po.parties)
    append = body.append
    for li in po.lines:
        append(_baseline("PO1", li))
        if li.description:
            append(["PID", "F", "", "", "", li.description])
        if li.pack is not None or li.pack_size is not None or li.pack_unit:
            append(trim(["PO4", "" if li.pack is None else str(li.pack), num(li.pack_size), li.pack_unit or ""]))
        if li.references:
            body += _refs(li.references)
        if li.dates:
            body += _dates(li.dates)
        for n in li.notes:
            append(["MSG", n.text])
    body.append(["CTT", str(len(po.lines))])
    if po.total_amount is not None:
        body.append(["AMT", "TT", num(po.total_amount)])
    return body


def invoice(inv: Invoice) -> Body:
    body: Body = [trim(["BIG", date8(inv.invoice_date), inv.invoice_number, date8(inv.po_date), inv.po_number or ""])]
    if inv.currency:
        body.append(["CUR", "SE", inv.currency])
    body += _refs(inv.references) + _parties(inv.parties) + _terms(inv.terms) + _dates(inv.dates)
    for li in inv.lines:
        body.append(_baseline("IT1", li))
        if li.description:
            body.append(["PID", "F", "", "", "", li.description])
    body.append(["TDS", implied2(inv.total_amount, "total_amount")])
    for ac in inv.allowances_charges:
        body.append(trim(["SAC", ac.indicator, ac.code or "", "", "",
                          implied2(ac.amount, "allowance amount") if ac.amount is not None else "",
                          "", "", "", "", "", "", "", "", "", ac.description or ""]))
    body.append(["CTT", str(len(inv.lines))])
    return body


def po_acknowledgment(ack: POAcknowledgment) -> Body:
    body: Body = [trim(["BAK", ack.purpose_code, ack.ack_type, ack.po_number, date8(ack.po_date), "", "", "", "",
                        date8(ack.ack_date)])]
    body += _refs(ack.references) + _dates(ack.dates) + _parties(ack.parties)
    for li in ack.lines:
        body.append(_baseline("PO1", li))
        if li.description:
            body.append(["PID", "F", "", "", "", li.description])
        for st in li.statuses:
            body.append(trim(["ACK", st.code, num(st.quantity), st.unit or "", "068" if st.date else "",
                              date8(st.date)]))
    body.append(["CTT", str(len(ack.lines))])
    return body


def ship_notice(asn: ShipNotice) -> Body:
    """SOTPI hierarchy: shipment, then orders, then tares/packs, then items under their pack or order."""
    body: Body = [trim(["BSN", asn.purpose_code, asn.shipment_id, date8(asn.ship_notice_date),
                        asn.ship_notice_time or ""])]
    hl = 0

    def level(parent: int | None, code: str) -> int:
        nonlocal hl
        hl += 1
        body.append(["HL", str(hl), "" if parent is None else str(parent), code])  # HL03 always set
        return hl

    ship = level(None, "S")
    if asn.lading_quantity is not None or asn.gross_weight is not None or asn.weight_unit:
        body.append(trim(["TD1", "", num(asn.lading_quantity), "", "", "",
                          "G" if asn.gross_weight is not None else "", num(asn.gross_weight), asn.weight_unit or ""]))
    if asn.carrier_code or asn.carrier_name or asn.transport_method:
        body.append(trim(["TD5", "", "2" if asn.carrier_code else "", asn.carrier_code or "",
                          asn.transport_method or "", asn.carrier_name or ""]))
    body += _refs(asn.references)
    if asn.shipped_date:
        body.append(["DTM", "011", date8(asn.shipped_date)])
    body += _parties(asn.parties)
    order_hl: dict[str, int] = {}
    for o in asn.orders:
        order_hl.setdefault(o.po_number, level(ship, "O"))
        body.append(trim(["PRF", o.po_number, o.release_number or "", "", date8(o.po_date)]))
    pack_hl: dict[str, int] = {}
    pending = list(asn.packages)
    while pending:  # parents first, so every HL02 names an HL already written
        progressed = False
        for p in list(pending):
            if p.parent_id is not None and p.parent_id not in pack_hl:
                continue
            pending.remove(p)
            progressed = True
            parent = pack_hl[p.parent_id] if p.parent_id is not None else ship
            n = level(parent, p.level)
            if p.marks:
                if p.marks in pack_hl:
                    raise X12RenderError(f"package marks {p.marks!r} are used twice")
                pack_hl[p.marks] = n
                body.append(["MAN", p.marks_qualifier or "GM", p.marks])
        if not progressed:
            raise X12RenderError("package parents form a cycle or name a package that does not exist")
    for item in asn.items:
        if item.package_id is not None:
            if item.package_id not in pack_hl:
                raise X12RenderError(f"item package {item.package_id!r} is not among the packages")
            parent = pack_hl[item.package_id]
            own_prf = True
        elif item.po_number is not None and item.po_number in order_hl:
            parent, own_prf = order_hl[item.po_number], False
        else:
            parent, own_prf = ship, True
        level(parent, "I")
        if item.item_ids:
            body.append(["LIN", item.line_number or "", *_ids(item.item_ids)])
        body.append(trim(["SN1", "" if item.item_ids else (item.line_number or ""), num(item.quantity), item.unit,
                          "", num(item.ordered_quantity), item.unit if item.ordered_quantity is not None else ""]))
        if own_prf and item.po_number:
            body.append(["PRF", item.po_number])
        if item.description:
            body.append(["PID", "F", "", "", "", item.description])
    body.append(["CTT", str(hl)])
    return body


def ack_group(fa: FunctionalAck) -> AckGroup:
    return AckGroup(
        functional_id=fa.functional_id, control_number=fa.group_control_number, version=fa.version,
        sets=[
            AckSet(
                set_id=s.set_id, control_number=s.control_number, status=s.status, codes=list(s.error_codes),
                segments=[
                    AckSegment(e.segment_id, e.position, e.loop_id, e.code,
                               [AckElement(x.position, x.component, x.reference, x.code, x.bad_value)
                                for x in e.elements])
                    for e in s.segment_errors
                ],
            )
            for s in fa.sets
        ],
        status=fa.group_status, included=fa.sets_included, received=fa.sets_received,
        accepted=fa.sets_accepted, codes=list(fa.group_error_codes),
    )


def functional_ack(fa: FunctionalAck, five010: bool) -> Body:
    return ack_body(ack_group(fa), five010)


def body_for(doc: Document, five010: bool = False) -> tuple[str, Body]:
    """The set id and body of ``doc``."""
    if isinstance(doc, PurchaseOrder):
        return "850", purchase_order(doc)
    if isinstance(doc, Invoice):
        return "810", invoice(doc)
    if isinstance(doc, POAcknowledgment):
        return "855", po_acknowledgment(doc)
    if isinstance(doc, ShipNotice):
        return "856", ship_notice(doc)
    return "997", functional_ack(doc, five010)
