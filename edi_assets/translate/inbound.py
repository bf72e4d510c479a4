"""Typed X12 transaction sets → canonical documents.

Pure functions. Anything in the content that cannot become a document (a date that is not a date, a
quantity that is not a number) raises :class:`X12StructureError` naming the segment and element.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from edi_assets.documents import (
    Document,
    FunctionalAck,
    Invoice,
    POAcknowledgment,
    PurchaseOrder,
    ShipNotice,
)
from edi_assets.x12.envelope import Delimiters, Segment
from edi_assets.x12.errors import AckCodes, X12StructureError
from edi_assets.x12.typed import (
    X810,
    X850,
    X855,
    X856,
    X997,
    HLNode,
    LineGroup,
    N1Group,
    TypedSet,
    el,
    implied,
    item_ids,
    opt,
)
from edi_assets.x12.values import digits, x12_date

# Content that cannot become a document is a business hold, not a syntax error: the 997 stays as the
# syntax checks made it, so this carries no acknowledgment codes.
CONTENT_ACK = AckCodes()


def parse_date(value: str, what: str) -> dt.date:
    """CCYYMMDD, or YYMMDD as releases before 004010 send it (50-99 → 19xx). Cached: files repeat dates."""
    d = x12_date(value)
    if d is None:
        raise X12StructureError(f"{what} {value[:20]!r} is not a valid date")
    return d


def _opt_date(value: str, what: str) -> dt.date | None:
    return parse_date(value, what) if value else None


def _num(value: str) -> str | None:
    """A number as sent; pydantic-core turns it into a Decimal (and rejects what is not one)."""
    return value or None


Data = dict[str, Any]


def _refs(segs: list[Segment]) -> list[Data]:
    out: list[Data] = []
    for s in segs:
        q, v, desc = el(s, 1), el(s, 2), el(s, 3)
        if q and (v or desc):
            out.append({"qualifier": q, "value": v or desc, "description": desc or None if v else None})
    return out


def _dates(segs: list[Segment]) -> list[Data]:
    return [{"qualifier": el(s, 1), "date": parse_date(el(s, 2), "DTM02"), "time": opt(s, 3)}
            for s in segs if el(s, 1) and el(s, 2)]


def _party(g: N1Group) -> Data:
    return {"role": g.role, "name": g.name, "id_qualifier": g.id_qualifier, "id": g.id, "address": g.address,
            "city": g.city, "state": g.state, "postal_code": g.postal_code, "country": g.country}


def _terms(segs: list[Segment]) -> list[Data]:
    return [{"type_code": opt(s, 1), "basis_date_code": opt(s, 2), "discount_percent": _num(el(s, 3)),
             "discount_days": _opt_int(el(s, 5), "ITD05"), "net_days": _opt_int(el(s, 7), "ITD07"),
             "description": opt(s, 12)} for s in segs]


def _opt_int(value: str, what: str) -> int | None:
    return _int(value, what) if value else None


def _ids(pairs: list[tuple[str, str]]) -> list[Data]:
    return [{"qualifier": q, "value": v} for q, v in pairs]


def _quantity(value: str, what: str) -> str:
    if not value:
        raise X12StructureError(f"{what} quantity is missing")
    return value


def _line(line: LineGroup, what: str) -> Data:
    item = line.item
    return {"line_number": item.line_number, "quantity": _quantity(item.quantity, what), "unit": item.unit or "EA",
            "unit_price": _num(item.unit_price), "price_basis": item.price_basis, "item_ids": _ids(item.ids),
            "description": line.descriptions[0] if line.descriptions else None}


def _po_line(line: LineGroup) -> Data:
    data = _line(line, "PO102")
    po4 = line.po4
    if po4 is not None:
        data["pack"] = _opt_int(el(po4, 1), "PO401")
        data["pack_size"] = _num(el(po4, 2))
        data["pack_unit"] = opt(po4, 3)
    if line.refs:
        data["references"] = _refs(line.refs)
    if line.dtms:
        data["dates"] = _dates(line.dtms)
    if line.msgs:
        data["notes"] = [{"text": m} for m in line.msgs if m]
    return data


def purchase_order(x: X850) -> PurchaseOrder:
    total = next((a for a in x.amt if el(a, 1) in ("TT", "GV")), None)
    return PurchaseOrder.model_validate({
        "po_number": el(x.beg, 3), "po_date": parse_date(el(x.beg, 5), "BEG05"), "purpose_code": el(x.beg, 1) or "00",
        "type_code": el(x.beg, 2) or "NE", "release_number": opt(x.beg, 4), "currency": opt(x.cur, 2),
        "references": _refs(x.refs), "dates": _dates(x.dtms), "terms": _terms(x.itds),
        "parties": [_party(p) for p in x.parties], "lines": [_po_line(li) for li in x.lines],
        "total_amount": _num(el(total, 2)) if total else None,
    })


def invoice(x: X810) -> Invoice:
    big = x.big
    sacs = [
        {"indicator": "A" if el(s, 1) == "A" else "C", "code": opt(s, 2),
         "amount": implied(el(s, 5), 2, "SAC05") if el(s, 5) else None, "description": opt(s, 15)}
        for s in x.sacs if el(s, 1) in ("A", "C")
    ]
    return Invoice.model_validate({
        "invoice_number": el(big, 2), "invoice_date": parse_date(el(big, 1), "BIG01"), "po_number": opt(big, 4),
        "po_date": _opt_date(el(big, 3), "BIG03"), "currency": opt(x.cur, 2), "references": _refs(x.refs),
        "dates": _dates(x.dtms), "terms": _terms(x.itds), "parties": [_party(p) for p in x.parties],
        "lines": [_line(li, "IT102") for li in x.lines], "allowances_charges": sacs,
        "total_amount": implied(el(x.tds, 1), 2, "TDS01"),
    })


def po_acknowledgment(x: X855) -> POAcknowledgment:
    bak = x.bak
    lines = []
    for li in x.lines:
        data = _line(li, "PO102")
        data["statuses"] = [
            {"code": el(a, 1), "quantity": _num(el(a, 2)), "unit": opt(a, 3),
             "date": _opt_date(el(a, 5), "ACK05") if el(a, 4) else None}
            for a in li.acks if el(a, 1)
        ]
        lines.append(data)
    return POAcknowledgment.model_validate({
        "purpose_code": el(bak, 1) or "00", "ack_type": el(bak, 2), "po_number": el(bak, 3),
        "po_date": parse_date(el(bak, 4), "BAK04"), "ack_date": _opt_date(el(bak, 9), "BAK09"),
        "references": _refs(x.refs), "dates": _dates(x.dtms), "parties": [_party(p) for p in x.parties],
        "lines": lines,
    })


def _package_id(node: HLNode | None) -> tuple[str | None, str | None]:
    man = node.segment("MAN") if node is not None else None
    return (opt(man, 1), opt(man, 2)) if man else (None, None)


def ship_notice(x: X856) -> ShipNotice:
    bsn = x.bsn
    shipment = x.shipments[0] if x.shipments else None
    td1 = shipment.segment("TD1") if shipment else None
    td5 = shipment.segment("TD5") if shipment else None
    shipped = next((d for d in (shipment.segments("DTM") if shipment else []) + x.dtms if el(d, 1) == "011"), None)
    orders: list[Data] = []
    packages: list[Data] = []
    items: list[Data] = []
    for node in x.levels:
        if node.level == "O":
            prf = node.segment("PRF")
            if prf and el(prf, 1):
                orders.append({"po_number": el(prf, 1), "po_date": _opt_date(el(prf, 4), "PRF04"),
                               "release_number": opt(prf, 2)})
        elif node.level in ("T", "P"):
            q, marks = _package_id(node)
            parent = node.parent
            parent_marks = _package_id(parent)[1] if parent and parent.level in ("T", "P") else None
            packages.append({"level": node.level, "marks_qualifier": q, "marks": marks, "parent_id": parent_marks})
        elif node.level == "I":
            lin = node.segment("LIN")
            sn1 = node.segment("SN1")
            if sn1 is None:
                raise X12StructureError(f"item level HL {node.id!r} has no SN1 (quantity shipped)")
            order = node.ancestor("O")
            prf = order.segment("PRF") if order else node.segment("PRF")
            pack = node.ancestor("P") or node.ancestor("T")
            pid = node.segment("PID")
            items.append({
                "po_number": opt(prf, 1), "line_number": opt(lin, 1) or opt(sn1, 1),
                "item_ids": _ids(item_ids(lin, 2)) if lin else [], "quantity": _quantity(el(sn1, 2), "SN102"),
                "unit": el(sn1, 3) or "EA", "ordered_quantity": _num(el(sn1, 5)),
                "package_id": _package_id(pack)[1] if pack else None, "description": opt(pid, 5),
            })
    return ShipNotice.model_validate({
        "purpose_code": el(bsn, 1) or "00", "shipment_id": el(bsn, 2),
        "ship_notice_date": parse_date(el(bsn, 3), "BSN03"), "ship_notice_time": opt(bsn, 4),
        "shipped_date": parse_date(el(shipped, 2), "DTM02") if shipped else None,
        "carrier_code": opt(td5, 3), "carrier_name": opt(td5, 5), "transport_method": opt(td5, 4),
        "lading_quantity": _num(el(td1, 2)), "gross_weight": _num(el(td1, 7)), "weight_unit": opt(td1, 8),
        "references": _refs(shipment.segments("REF") if shipment else []),
        "parties": [_party(N1Group.from_loop(n)) for n in (shipment.loop.loops("N1") if shipment else [])],
        "orders": orders, "packages": packages, "items": items,
    })


def functional_ack(x: X997, component: str = ":") -> FunctionalAck:
    ak1, ak9 = x.ak1, x.ak9
    sets = []
    for g in x.sets:
        seg_errors = []
        for a3 in g.segment_errors:
            elems = []
            for a4 in a3.ak4s:
                pos, _, comp = el(a4, 1).partition(component)
                elems.append({"position": _int(pos, "AK401"), "component": _opt_int(comp, "AK401-2"),
                              "reference": opt(a4, 2), "code": el(a4, 3) or "?", "bad_value": opt(a4, 4)})
            seg_errors.append({"segment_id": el(a3.ak3, 1) or "?", "position": _int(el(a3.ak3, 2), "AK302"),
                               "loop_id": opt(a3.ak3, 3), "code": opt(a3.ak3, 4), "elements": elems})
        ak5 = g.ak5
        sets.append({"set_id": el(g.ak2, 1) or "?", "control_number": el(g.ak2, 2) or "?",
                     "status": el(ak5, 1) or "?", "error_codes": [v for v in (ak5 or [])[2:7] if v],
                     "segment_errors": seg_errors})
    return FunctionalAck.model_validate({
        "functional_id": el(ak1, 1), "group_control_number": el(ak1, 2), "version": opt(ak1, 3), "sets": sets,
        "group_status": el(ak9, 1), "sets_included": _int(el(ak9, 2), "AK902"),
        "sets_received": _int(el(ak9, 3), "AK903"), "sets_accepted": _int(el(ak9, 4), "AK904"),
        "group_error_codes": [v for v in ak9[5:10] if v],
    })


def _int(value: str, what: str) -> int:
    if not digits(value):
        raise X12StructureError(f"{what} {value[:20]!r} is not a whole number")
    try:
        return int(value)
    except ValueError:  # more digits than Python converts (4,300): not a number anyone meant
        raise X12StructureError(f"{what} {value[:20]!r} is not a whole number") from None


def to_document(typed: TypedSet, delimiters: Delimiters | None = None) -> Document:
    """The canonical document of a typed set; raises X12StructureError when content does not fit."""
    try:
        if isinstance(typed, X850):
            return purchase_order(typed)
        if isinstance(typed, X810):
            return invoice(typed)
        if isinstance(typed, X855):
            return po_acknowledgment(typed)
        if isinstance(typed, X856):
            return ship_notice(typed)
        return functional_ack(typed, delimiters.component if delimiters else ":")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise X12StructureError(f"the document does not fit the canonical model: {where}: {first['msg']}") from None
