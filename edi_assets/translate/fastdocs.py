"""Canonical documents straight from the loop tree, without pydantic validation, when that is certain.

The definition of a document is :mod:`edi_assets.translate.inbound`: the typed view of the set, then
``model_validate``. Validating ~150 small models per 850 and building the typed view and the dicts
first cost two thirds of a typed parse, so for the common sets this module reads the tree once and
assembles the models directly, for values the validation would certainly accept unchanged: dates our
own element conversion produced, numbers in plain notation, non-empty text, ASCII only (pydantic
rejects the surrogates that stand for undecodable bytes). Anything else (a bad date, ``1E5``, an empty
mandatory value, ...) raises :class:`Unsure` and the caller takes the validated path, so errors,
holds and messages are exactly the validated path's. ``tests/test_fast_paths.py`` holds the two
paths equal (==, the fields set, and the numbers' exact digits) on the corpus and on generated sets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel

from edi_assets.documents import (
    DateRef,
    Document,
    ItemId,
    Note,
    Party,
    PurchaseOrder,
    PurchaseOrderLine,
    Reference,
    Terms,
)
from edi_assets.translate.native import native_module
from edi_assets.x12.envelope import Segment
from edi_assets.x12.structure import LoopNode
from edi_assets.x12.values import x12_date


class Unsure(Exception):  # noqa: N818 - a signal, not an error: "take the validated path"
    """A value the fast path cannot vouch for: validation decides."""


M = TypeVar("M", bound=BaseModel)

_new = object.__new__
_set_dict = object.__setattr__
_slots = BaseModel.__dict__
_set_fields = _slots["__pydantic_fields_set__"].__set__
_set_extra = _slots["__pydantic_extra__"].__set__
_set_private = _slots["__pydantic_private__"].__set__


def assemble_py(cls: type[M], values: dict[str, Any], fields: frozenset[str]) -> M:
    """A model from values it would validate to unchanged, as ``model_validate`` leaves it.

    ``values`` holds every field in declaration order (defaults included) and becomes the model's
    ``__dict__``; ``fields`` names the fields the validated path's input named (a fresh set of them
    becomes ``model_fields_set``). No private attributes and ``extra="forbid"``: both slots are None.
    """
    m = _new(cls)
    _set_dict(m, "__dict__", values)
    _set_fields(m, set(fields))
    _set_extra(m, None)
    _set_private(m, None)
    return m


_native = native_module()
assemble: Callable[[type[M], dict[str, Any], frozenset[str]], M] = (
    _native.assemble if _native is not None else assemble_py
)


# -- values ---------------------------------------------------------------------------------------
_DECIMALS: dict[str, Decimal] = {}
_DECIMALS_MAX = 4096  # quantities and pack sizes repeat; prices mostly do not, and a bigger cache only costs memory
_DIGITS = frozenset("0123456789")


def decimal(value: str) -> Decimal:
    """A number in plain notation (``12``, ``-3.50``, ``.5``, ``7.``): what pydantic makes of it.

    Cached, since files repeat quantities and prices; Decimals are immutable, so sharing is invisible.
    Anything else (exponent, blanks, ``NaN``, underscores, over 30 characters) is :class:`Unsure`.
    """
    found = _DECIMALS.get(value)
    if found is not None:
        return found
    body = value[1:] if value[:1] == "-" else value
    whole, _, frac = body.partition(".")
    if not (whole or frac) or len(value) > 30 or not _DIGITS.issuperset(whole) or not _DIGITS.issuperset(frac):
        raise Unsure(value)
    if len(_DECIMALS) >= _DECIMALS_MAX:
        _DECIMALS.clear()
    number = _DECIMALS[value] = Decimal(value)
    return number


def date(value: str) -> dt.date:
    d = x12_date(value)
    if d is None:
        raise Unsure(value)
    return d


def whole(value: str) -> int:
    """A whole number as ``inbound`` reads it (ASCII digits); longer than 18 digits is Unsure."""
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise Unsure(value)
    return int(value)


def text(value: str) -> str:
    """A mandatory text value (``Text``): at least one character."""
    if not value:
        raise Unsure(value)
    return value


# -- shared records ---------------------------------------------------------------------------------
_REFERENCE_FIELDS = frozenset(("qualifier", "value", "description"))
_DATE_FIELDS = frozenset(("qualifier", "date", "time"))
_ITEM_FIELDS = frozenset(("qualifier", "value"))
_NOTE_FIELDS = frozenset(("text",))
_TERMS_FIELDS = frozenset(("type_code", "basis_date_code", "discount_percent", "discount_days", "net_days",
                           "description"))
_PARTY_FIELDS = frozenset(("role", "name", "id_qualifier", "id", "address", "city", "state", "postal_code",
                           "country"))
_LINE_BASE = ("line_number", "quantity", "unit", "unit_price", "price_basis", "item_ids", "description")
_PO4 = ("pack", "pack_size", "pack_unit")
# which fields a PO1 loop's input names: the base ones, then PO4's, references, dates, notes as present
_LINE_FIELDS = {
    (po4, refs, dates, notes): frozenset(_LINE_BASE + (_PO4 if po4 else ()) + (("references",) if refs else ())
                                         + (("dates",) if dates else ()) + (("notes",) if notes else ()))
    for po4 in (False, True) for refs in (False, True) for dates in (False, True) for notes in (False, True)
}


def reference(s: Segment) -> Reference | None:
    """REF as ``inbound._refs`` reads it: qualifier and value (or description), else nothing."""
    n = len(s)
    q = s[1] if n > 1 else ""
    v = s[2] if n > 2 else ""
    desc = s[3] if n > 3 else ""
    if not (q and (v or desc)):
        return None
    return assemble(Reference, {"qualifier": q, "value": v or desc, "description": (desc or None) if v else None},
                    _REFERENCE_FIELDS)


def date_ref(s: Segment) -> DateRef | None:
    n = len(s)
    q = s[1] if n > 1 else ""
    v = s[2] if n > 2 else ""
    if not (q and v):
        return None
    return assemble(DateRef, {"qualifier": q, "date": date(v), "time": (s[3] or None) if n > 3 else None},
                    _DATE_FIELDS)


def terms(s: Segment) -> Terms:
    n = len(s)
    v3 = s[3] if n > 3 else ""
    v5 = s[5] if n > 5 else ""
    v7 = s[7] if n > 7 else ""
    return assemble(Terms, {
        "type_code": (s[1] or None) if n > 1 else None, "basis_date_code": (s[2] or None) if n > 2 else None,
        "discount_percent": decimal(v3) if v3 else None, "discount_days": whole(v5) if v5 else None,
        "net_days": whole(v7) if v7 else None, "description": (s[12] or None) if n > 12 else None,
    }, _TERMS_FIELDS)


def party(loop: LoopNode) -> Party:
    """An N1 loop as ``N1Group.from_loop`` and ``inbound._party`` read it."""
    items = loop.items
    n1 = items[0]
    assert isinstance(n1, list)
    address: list[str] = []
    n4: Segment | None = None
    for it in items:
        if type(it) is list:
            sid = it[0]
            if sid == "N3":
                address.extend(v for v in it[1:3] if v)
            elif sid == "N4" and n4 is None:
                n4 = it
    n = len(n1)
    values: dict[str, Any] = {
        "role": text(n1[1] if n > 1 else ""), "name": (n1[2] or None) if n > 2 else None,
        "id_qualifier": (n1[3] or None) if n > 3 else None, "id": (n1[4] or None) if n > 4 else None,
        "address": address, "city": None, "state": None, "postal_code": None, "country": None,
    }
    if n4 is not None:
        m = len(n4)
        values["city"] = (n4[1] or None) if m > 1 else None
        values["state"] = (n4[2] or None) if m > 2 else None
        values["postal_code"] = (n4[3] or None) if m > 3 else None
        values["country"] = (n4[4] or None) if m > 4 else None
    return assemble(Party, values, _PARTY_FIELDS)


def po_line(loop: LoopNode) -> PurchaseOrderLine:
    """A PO1 loop as ``LineGroup.from_loop`` and ``inbound._po_line`` read it, in one pass."""
    items = loop.items
    head = items[0]
    assert isinstance(head, list)
    description: str | None = None
    po4: Segment | None = None
    refs: list[Reference] | None = None
    dtms: list[DateRef] | None = None
    notes: list[Note] | None = None
    for it in items:
        if type(it) is list:
            sid = it[0]
            if sid == "REF":
                r = reference(it)
                if refs is None:
                    refs = []
                if r is not None:
                    refs.append(r)
            elif sid == "DTM":
                d = date_ref(it)
                if dtms is None:
                    dtms = []
                if d is not None:
                    dtms.append(d)
            elif sid == "MSG":
                if notes is None:
                    notes = []
                if len(it) > 1 and it[1]:
                    notes.append(assemble(Note, {"text": it[1]}, _NOTE_FIELDS))
            elif sid == "PID":
                if description is None and len(it) > 5 and it[5]:
                    description = it[5]
            elif sid == "PO4" and po4 is None:
                po4 = it
        else:
            assert isinstance(it, LoopNode)
            if it.id == "PID" and description is None:
                pid = it.items[0]
                if isinstance(pid, list) and len(pid) > 5 and pid[5]:
                    description = pid[5]
    n = len(head)
    if n >= 6:
        line_number, quantity, unit, price, basis = head[1] or None, head[2], head[3], head[4], head[5] or None
    else:
        line_number = (head[1] or None) if n > 1 else None
        quantity = head[2] if n > 2 else ""
        unit = head[3] if n > 3 else ""
        price = head[4] if n > 4 else ""
        basis = None
    ids = []
    for i in range(6, n - 1, 2):
        q, v = head[i], head[i + 1]
        if q and v:
            ids.append(assemble(ItemId, {"qualifier": q, "value": v}, _ITEM_FIELDS))
    values: dict[str, Any] = {
        "line_number": line_number, "quantity": decimal(text(quantity)), "unit": unit or "EA",
        "unit_price": decimal(price) if price else None, "price_basis": basis, "item_ids": ids,
        "description": description, "pack": None, "pack_size": None, "pack_unit": None,
    }
    if po4 is not None:
        m = len(po4)
        pack = po4[1] if m > 1 else ""
        size = po4[2] if m > 2 else ""
        values["pack"] = whole(pack) if pack else None
        values["pack_size"] = decimal(size) if size else None
        values["pack_unit"] = (po4[3] or None) if m > 3 else None
    values["references"] = refs if refs is not None else []
    values["dates"] = dtms if dtms is not None else []
    values["notes"] = notes if notes is not None else []
    fields = _LINE_FIELDS[po4 is not None, refs is not None, dtms is not None, notes is not None]
    return assemble(PurchaseOrderLine, values, fields)


# -- sets -------------------------------------------------------------------------------------------
_PO_FIELDS = frozenset(("po_number", "po_date", "purpose_code", "type_code", "release_number", "currency",
                        "references", "dates", "terms", "parties", "lines", "total_amount"))


def purchase_order(tree: LoopNode) -> PurchaseOrder:
    """An 850 as ``X850.from_tree`` and ``inbound.purchase_order`` read it."""
    beg: Segment | None = None
    cur: Segment | None = None
    refs: list[Reference] = []
    dtms: list[DateRef] = []
    itds: list[Terms] = []
    parties: list[Party] = []
    lines: list[PurchaseOrderLine] = []
    amt_loops: list[LoopNode] = []
    ctt_loops: list[LoopNode] = []
    for it in tree.items:
        if type(it) is list:
            sid = it[0]
            if sid == "REF":
                r = reference(it)
                if r is not None:
                    refs.append(r)
            elif sid == "DTM":
                d = date_ref(it)
                if d is not None:
                    dtms.append(d)
            elif sid == "ITD":
                itds.append(terms(it))
            elif sid == "BEG" and beg is None:
                beg = it
            elif sid == "CUR" and cur is None:
                cur = it
        else:
            assert isinstance(it, LoopNode)
            lid = it.id
            if lid == "PO1":
                lines.append(po_line(it))
            elif lid == "N1":
                parties.append(party(it))
            elif lid == "AMT":
                amt_loops.append(it)
            elif lid == "CTT":
                ctt_loops.append(it)
    if beg is None:
        raise Unsure("no BEG")
    total = next((a for loop in amt_loops + ctt_loops for a in loop.segments("AMT")
                  if len(a) > 1 and a[1] in ("TT", "GV")), None)
    total_text = (total[2] if len(total) > 2 else "") if total is not None else ""
    n = len(beg)
    return assemble(PurchaseOrder, {
        "kind": "purchase_order", "po_number": text(beg[3] if n > 3 else ""),
        "po_date": date(beg[5] if n > 5 else ""), "purpose_code": (beg[1] if n > 1 else "") or "00",
        "type_code": (beg[2] if n > 2 else "") or "NE", "release_number": (beg[4] or None) if n > 4 else None,
        "currency": (cur[2] or None) if cur and len(cur) > 2 else None,
        "references": refs, "dates": dtms, "terms": itds, "parties": parties, "lines": lines,
        "total_amount": decimal(total_text) if total_text else None,
    }, _PO_FIELDS)


BUILDERS: dict[str, Callable[[LoopNode], Document]] = {"850": purchase_order}


def document(set_id: str, tree: LoopNode) -> Document | None:
    """The document of an error-free set's tree, or None when validation must decide (or there is no
    fast builder for the set type)."""
    build = BUILDERS.get(set_id)
    if build is None:
        return None
    try:
        return build(tree)
    except Unsure:
        return None
