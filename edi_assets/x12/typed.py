"""Typed transaction sets: 850, 810, 855, 856 (with its HL hierarchy) and 997, for 004010 and 005010.

Built from the loop tree (:mod:`edi_assets.x12.structure`): each set is a dataclass whose fields are
named segment records and loop groups, so callers read ``po.beg.po_number`` and
``asn.shipments[0].orders[0].items`` instead of counting elements. Numbers stay as the text that was
sent (``"1.21"``): the canonical documents parse them; :func:`implied` reads Nn values (TDS01) and raises
:class:`X12StructureError` for text that is not a whole number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from edi_assets.x12.envelope import Segment
from edi_assets.x12.errors import X12StructureError
from edi_assets.x12.structure import LoopNode
from edi_assets.x12.values import digits


def el(seg: Segment | None, i: int) -> str:
    """Element ``i`` of ``seg`` (1-based, as in BEG03), or '' when absent."""
    if seg is None or i >= len(seg):
        return ""
    return seg[i]


def opt(seg: Segment | None, i: int) -> str | None:
    return el(seg, i) or None


def implied(value: str, places: int, what: str) -> Decimal:
    """An Nn value: ``"255438"`` with 2 implied places is 2554.38."""
    if not digits(value[1:] if value.startswith("-") else value):
        raise X12StructureError(f"{what} {value[:40]!r} is not a whole number with implied decimals")
    return Decimal(value).scaleb(-places)


def item_ids(seg: Segment, start: int) -> list[tuple[str, str]]:
    """Qualifier/value pairs from ``start`` on (PO106/107, IT106/107, LIN02/03, ...)."""
    out: list[tuple[str, str]] = []
    for i in range(start, len(seg) - 1, 2):
        q, v = seg[i], seg[i + 1]
        if q and v:
            out.append((q, v))
    return out


# -- segment records ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class N1Group:
    """N1 loop: N1, N2, N3, N4, REF, PER."""

    role: str
    name: str | None
    id_qualifier: str | None
    id: str | None
    names: list[str]
    address: list[str]
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    refs: list[Segment]

    @staticmethod
    def from_loop(loop: LoopNode) -> N1Group:
        n1 = loop.items[0]
        assert isinstance(n1, list)
        address: list[str] = []
        for n3 in loop.segments("N3"):
            address.extend(v for v in n3[1:3] if v)
        n4 = loop.segment("N4")
        return N1Group(
            role=el(n1, 1), name=opt(n1, 2), id_qualifier=opt(n1, 3), id=opt(n1, 4),
            names=[v for n2 in loop.segments("N2") for v in n2[1:3] if v], address=address,
            city=opt(n4, 1), state=opt(n4, 2), postal_code=opt(n4, 3), country=opt(n4, 4),
            refs=loop.segments("REF"),
        )


@dataclass(frozen=True, slots=True)
class BaselineItem:
    """PO1 / IT1 baseline item data: line number, quantity, unit, price, basis, product ids."""

    line_number: str | None
    quantity: str
    unit: str
    unit_price: str
    price_basis: str | None
    ids: list[tuple[str, str]]

    @staticmethod
    def from_segment(seg: Segment) -> BaselineItem:
        n = len(seg)
        if n >= 6:
            return BaselineItem(seg[1] or None, seg[2], seg[3], seg[4], seg[5] or None, item_ids(seg, 6))
        return BaselineItem(opt(seg, 1), el(seg, 2), el(seg, 3), el(seg, 4), opt(seg, 5), [])


@dataclass(frozen=True, slots=True)
class LineGroup:
    """A PO1 (850/855) or IT1 (810) loop with what the canonical documents read from it."""

    item: BaselineItem
    descriptions: list[str]
    po4: Segment | None
    refs: list[Segment]
    dtms: list[Segment]
    msgs: list[str]
    acks: list[Segment]
    loop: LoopNode

    @staticmethod
    def from_loop(loop: LoopNode) -> LineGroup:
        """One pass over the loop's items (this runs once per line of every document)."""
        items = loop.items
        head = items[0]
        assert isinstance(head, list)
        descriptions: list[str] = []
        po4: Segment | None = None
        refs: list[Segment] = []
        dtms: list[Segment] = []
        msgs: list[str] = []
        acks: list[Segment] = []
        for it in items[1:]:
            if type(it) is list:
                sid = it[0]
                if sid == "PID":
                    if len(it) > 5 and it[5]:
                        descriptions.append(it[5])
                elif sid == "REF":
                    refs.append(it)
                elif sid == "DTM":
                    dtms.append(it)
                elif sid == "MSG":
                    msgs.append(it[1] if len(it) > 1 else "")
                elif sid == "PO4":
                    if po4 is None:
                        po4 = it
                elif sid == "ACK":
                    acks.append(it)
            else:
                assert isinstance(it, LoopNode)
                if it.id == "PID":
                    pid = it.items[0]
                    if isinstance(pid, list) and len(pid) > 5 and pid[5]:
                        descriptions.append(pid[5])
                elif it.id == "ACK":
                    acks.extend(a for a in it.items if isinstance(a, list) and a[0] == "ACK")
        return LineGroup(BaselineItem.from_segment(head), descriptions, po4, refs, dtms, msgs, acks, loop)


def _all(loop: LoopNode, sid: str) -> list[Segment]:
    """Segments ``sid`` directly in ``loop`` or in its loops of the same name (PID loop)."""
    return loop.segments(sid) + [s for inner in loop.loops(sid) for s in inner.segments(sid)]


# -- transaction sets --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class X850:
    beg: Segment
    cur: Segment | None
    refs: list[Segment]
    dtms: list[Segment]
    itds: list[Segment]
    parties: list[N1Group]
    lines: list[LineGroup]
    ctt: Segment | None
    amt: list[Segment]
    tree: LoopNode

    @property
    def po_number(self) -> str:
        return el(self.beg, 3)

    @staticmethod
    def from_tree(tree: LoopNode) -> X850:
        beg = _required(tree, "BEG", "850")
        ctt_loop = tree.loops("CTT")
        return X850(
            beg=beg, cur=tree.segment("CUR"), refs=tree.segments("REF"), dtms=tree.segments("DTM"),
            itds=tree.segments("ITD"), parties=[N1Group.from_loop(n) for n in tree.loops("N1")],
            lines=[LineGroup.from_loop(p) for p in tree.loops("PO1")],
            ctt=ctt_loop[0].segment("CTT") if ctt_loop else None,
            amt=[a for loop in tree.loops("AMT") for a in loop.segments("AMT")]
            + [a for loop in ctt_loop for a in loop.segments("AMT")],
            tree=tree,
        )


@dataclass(frozen=True, slots=True)
class X810:
    big: Segment
    cur: Segment | None
    refs: list[Segment]
    dtms: list[Segment]
    itds: list[Segment]
    parties: list[N1Group]
    lines: list[LineGroup]
    tds: Segment
    sacs: list[Segment]
    ctt: Segment | None
    tree: LoopNode

    @property
    def invoice_number(self) -> str:
        return el(self.big, 2)

    @staticmethod
    def from_tree(tree: LoopNode) -> X810:
        return X810(
            big=_required(tree, "BIG", "810"), cur=tree.segment("CUR"), refs=tree.segments("REF"),
            dtms=tree.segments("DTM"), itds=tree.segments("ITD"),
            parties=[N1Group.from_loop(n) for n in tree.loops("N1")],
            lines=[LineGroup.from_loop(p) for p in tree.loops("IT1")],
            tds=_required(tree, "TDS", "810"),
            sacs=[s for loop in tree.loops("SAC") for s in loop.segments("SAC")], ctt=tree.segment("CTT"),
            tree=tree,
        )


@dataclass(frozen=True, slots=True)
class X855:
    bak: Segment
    refs: list[Segment]
    dtms: list[Segment]
    parties: list[N1Group]
    lines: list[LineGroup]
    ctt: Segment | None
    tree: LoopNode

    @staticmethod
    def from_tree(tree: LoopNode) -> X855:
        ctt_loop = tree.loops("CTT")
        return X855(
            bak=_required(tree, "BAK", "855"), refs=tree.segments("REF"), dtms=tree.segments("DTM"),
            parties=[N1Group.from_loop(n) for n in tree.loops("N1")],
            lines=[LineGroup.from_loop(p) for p in tree.loops("PO1")],
            ctt=ctt_loop[0].segment("CTT") if ctt_loop else None, tree=tree,
        )


HL_LEVELS = {"S": "shipment", "O": "order", "T": "tare", "P": "pack", "I": "item"}


@dataclass(slots=True)
class HLNode:
    """One HL level of an 856, linked to its parent and children by HL01/HL02."""

    id: str
    parent_id: str | None
    level: str  # HL03: S shipment, O order, T tare, P pack, I item (others kept as sent)
    loop: LoopNode
    children: list[HLNode] = field(default_factory=list)
    parent: HLNode | None = None

    def segment(self, sid: str) -> Segment | None:
        return self.loop.segment(sid)

    def segments(self, sid: str) -> list[Segment]:
        return self.loop.segments(sid)

    def ancestor(self, level: str) -> HLNode | None:
        node = self.parent
        while node is not None and node.level != level:
            node = node.parent
        return node

    def descendants(self, level: str) -> list[HLNode]:
        out: list[HLNode] = []
        for ch in self.children:
            if ch.level == level:
                out.append(ch)
            out.extend(ch.descendants(level))
        return out


@dataclass(frozen=True, slots=True)
class X856:
    bsn: Segment
    dtms: list[Segment]
    levels: list[HLNode]  # every HL in file order
    roots: list[HLNode]  # the shipment level(s)
    ctt: Segment | None
    problems: list[str]
    tree: LoopNode

    @property
    def shipments(self) -> list[HLNode]:
        return [n for n in self.levels if n.level == "S"]

    @staticmethod
    def from_tree(tree: LoopNode) -> X856:
        bsn = _required(tree, "BSN", "856")
        levels: list[HLNode] = []
        by_id: dict[str, HLNode] = {}
        problems: list[str] = []
        roots: list[HLNode] = []
        # One pass in file order: a parent must be an HL that came before (HL02 refers back), which also
        # keeps the hierarchy free of cycles whatever a broken file says.
        for loop in tree.loops("HL"):
            hl = loop.items[0]
            assert isinstance(hl, list)
            node = HLNode(id=el(hl, 1), parent_id=opt(hl, 2), level=el(hl, 3), loop=loop)
            if node.parent_id is None:
                roots.append(node)
            else:
                parent = by_id.get(node.parent_id)
                if parent is None:
                    problems.append(f"HL {node.id!r} names parent {node.parent_id!r}, which does not come before it")
                    roots.append(node)
                else:
                    node.parent = parent
                    parent.children.append(node)
            if node.id in by_id:
                problems.append(f"HL01 {node.id!r} is used twice")
            by_id[node.id] = node
            levels.append(node)
        return X856(bsn=bsn, dtms=tree.segments("DTM"), levels=levels, roots=roots,
                    ctt=tree.segment("CTT"), problems=problems, tree=tree)


@dataclass(frozen=True, slots=True)
class AK3Group:
    ak3: Segment
    ak4s: list[Segment]


@dataclass(frozen=True, slots=True)
class AK2Group:
    ak2: Segment
    segment_errors: list[AK3Group]
    ak5: Segment | None


@dataclass(frozen=True, slots=True)
class X997:
    ak1: Segment
    sets: list[AK2Group]
    ak9: Segment
    tree: LoopNode

    @staticmethod
    def from_tree(tree: LoopNode) -> X997:
        sets = [
            AK2Group(
                ak2=loop.items[0],  # type: ignore[arg-type]
                segment_errors=[AK3Group(a.items[0], a.segments("AK4")) for a in loop.loops("AK3")],  # type: ignore[arg-type]
                ak5=loop.segment("AK5"),
            )
            for loop in tree.loops("AK2")
        ]
        return X997(ak1=_required(tree, "AK1", "997"), sets=sets, ak9=_required(tree, "AK9", "997"), tree=tree)


TypedSet = X850 | X810 | X855 | X856 | X997

BUILDERS: dict[str, Callable[[LoopNode], TypedSet]] = {
    "850": X850.from_tree,
    "810": X810.from_tree,
    "855": X855.from_tree,
    "856": X856.from_tree,
    "997": X997.from_tree,
}


# What each builder requires: with these segments present it cannot fail, so the typed set may be built
# on first use (the 856 also reports hierarchy problems while it is built, so it is never deferred).
REQUIRED: dict[str, tuple[str, ...]] = {"850": ("BEG",), "810": ("BIG", "TDS"), "855": ("BAK",), "997": ("AK1", "AK9")}


def _required(tree: LoopNode, sid: str, set_id: str) -> Segment:
    seg = tree.segment(sid)
    if seg is None:
        raise X12StructureError(f"the {set_id} has no {sid} segment, which it requires")
    return seg
