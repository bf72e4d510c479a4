"""Build the loop tree of a transaction set from its segments, reporting structure errors.

The walk is the one X12 translators use: from the current position in the current loop look forward
for the segment (or a loop it starts); failing that, close the loop and look in its parent. A segment
found nowhere is unexpected (AK3 2), out of order (AK3 7) or not in the set at all (AK3 6); mandatory
segments passed over are missing (AK3 3); repeats past the maximum are AK3 4 (loop) and 5 (segment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edi_assets.x12.envelope import Segment
from edi_assets.x12.errors import AckCodes, IssueCode, Level, Position, X12Issue
from edi_assets.x12.scanning import native_module
from edi_assets.x12.schemas import Loop, Seg


class LoopNode:
    """One iteration of a loop: its segments and inner loops, in order.

    Lookups by id go through an index built on first use, so a typed model reading ten fields of a
    loop walks its items once, not ten times.
    """

    __slots__ = ("_index", "_loops", "id", "items")

    def __init__(self, id: str, items: list[Segment | LoopNode] | None = None) -> None:
        self.id = id
        self.items: list[Segment | LoopNode] = items if items is not None else []
        self._index: dict[str, list[Segment]] | None = None
        self._loops: dict[str, list[LoopNode]] | None = None

    def _build(self) -> None:
        segs: dict[str, list[Segment]] = {}
        loops: dict[str, list[LoopNode]] = {}
        for it in self.items:
            if type(it) is list:
                bucket = segs.get(it[0])
                if bucket is None:
                    segs[it[0]] = [it]
                else:
                    bucket.append(it)
            else:
                assert isinstance(it, LoopNode)
                lb = loops.get(it.id)
                if lb is None:
                    loops[it.id] = [it]
                else:
                    lb.append(it)
        self._index = segs
        self._loops = loops

    def segment(self, sid: str) -> Segment | None:
        if self._index is None:
            self._build()
        found = self._index.get(sid)  # type: ignore[union-attr]
        return found[0] if found else None

    def segments(self, sid: str) -> list[Segment]:
        if self._index is None:
            self._build()
        return self._index.get(sid, [])  # type: ignore[union-attr]

    def loops(self, lid: str) -> list[LoopNode]:
        if self._loops is None:
            self._build()
        return self._loops.get(lid, [])  # type: ignore[union-attr]

    def __repr__(self) -> str:
        return f"LoopNode({self.id!r}, {len(self.items)} items)"


@dataclass(frozen=True, slots=True)
class _Compiled:
    loop: Loop
    children: tuple[Seg | Loop, ...]
    positions: dict[str, tuple[int, ...]]
    all_ids: frozenset[str]
    inner: tuple[_Compiled | None, ...]  # compiled child loops, by position
    mandatory: tuple[int, ...]  # positions of mandatory children
    maxes: tuple[int, ...]


_COMPILED: dict[int, _Compiled] = {}


def _compile(loop: Loop) -> _Compiled:
    """Compiled form of a loop, cached by identity: schemas are module constants, and hashing a
    frozen dataclass tree on every loop entry cost more than the whole walk."""
    found = _COMPILED.get(id(loop))
    if found is not None and found.loop is loop:
        return found
    positions: dict[str, list[int]] = {}
    for i, ch in enumerate(loop.children):
        key = ch.id if isinstance(ch, Seg) else ch.trigger
        positions.setdefault(key, []).append(i)
    comp = _Compiled(loop, loop.children, {k: tuple(v) for k, v in positions.items()}, _all_ids(loop),
                     tuple(_compile(ch) if isinstance(ch, Loop) else None for ch in loop.children),
                     tuple(i for i, ch in enumerate(loop.children) if ch.req == "M"),
                     tuple(ch.max for ch in loop.children))
    _COMPILED[id(loop)] = comp
    return comp


def _all_ids(loop: Loop) -> frozenset[str]:
    ids: set[str] = set()
    for ch in loop.children:
        if isinstance(ch, Seg):
            ids.add(ch.id)
        else:
            ids |= _all_ids(ch)
    return frozenset(ids)


class _Frame:
    __slots__ = ("comp", "counts", "index", "node")

    def __init__(self, comp: _Compiled, node: LoopNode, index: int) -> None:
        self.comp = comp
        self.node = node
        self.index = index
        self.counts = [0] * len(comp.children)

    def find(self, sid: str, is_loop_frame: bool) -> int:
        positions = self.comp.positions.get(sid)
        if positions is None:
            return -1
        lo = max(self.index, 1) if is_loop_frame else self.index
        for p in positions:
            if p >= lo:
                return p
        return -1


NativeSchema = tuple[str, dict[str, tuple[int, ...]], tuple[Any, ...], tuple[int, ...], tuple[int, ...]]
_NATIVE_SCHEMAS: dict[int, tuple[Loop, NativeSchema]] = {}


def native_schema(schema: Loop) -> NativeSchema:
    """The compiled loop as plain tuples for the C walk: (id, positions, inner, mandatory, maxes)."""
    found = _NATIVE_SCHEMAS.get(id(schema))
    if found is not None and found[0] is schema:
        return found[1]
    comp = _compile(schema)
    out = _native_form(comp)
    _NATIVE_SCHEMAS[id(schema)] = (schema, out)
    return out


def _native_form(comp: _Compiled) -> NativeSchema:
    return (comp.loop.id, comp.positions, tuple(_native_form(c) if c is not None else None for c in comp.inner),
            comp.mandatory, comp.maxes)


def walk_clean_py(segments: list[Segment], schema: Loop) -> LoopNode | None:
    """The loop tree when the walk finds nothing to report, else None: what the C ``walk_tree`` answers."""
    tree, issues = build_tree_py(segments, schema, Position(1, 1, 1))
    return None if issues else tree


_native = native_module()
_walk: Callable[[list[Segment], NativeSchema, type[LoopNode]], LoopNode | None] | None = (
    _native.walk_tree if _native is not None else None
)


def build_tree(
    segments: list[Segment], schema: Loop, where: Position
) -> tuple[LoopNode, list[X12Issue]]:
    """Return the set's loop tree (root id = the set id) and the structure issues found.

    Most sets have no structure issue: the compiled walk builds their tree; it answers None for a set
    with something to report, which the Python walk (the definition) then words."""
    if _walk is not None:
        tree = _walk(segments, native_schema(schema), LoopNode)
        if tree is not None:
            return tree, []
    return build_tree_py(segments, schema, where)


def build_tree_py(
    segments: list[Segment], schema: Loop, where: Position
) -> tuple[LoopNode, list[X12Issue]]:
    """The structure walk in Python: the tree and every issue, worded."""
    issues: list[X12Issue] = []
    root_comp = _compile(schema)
    root = LoopNode(schema.id)
    stack = [_Frame(root_comp, root, 0)]
    stack[0].index = -1  # ST is matched like any other segment

    def issue(code: IssueCode, msg: str, ak3: str, idx: int, sid: str) -> None:
        issues.append(
            X12Issue(
                code, msg, Level.SEGMENT,
                Position(where.interchange, where.group, where.transaction, idx, sid[:3],
                         file_segment=(where.file_segment + idx - 1) if where.file_segment else None),
                ack=AckCodes(ak3=ak3, ak5="5"),
            )
        )

    def close_missing(frame: _Frame, upto: int, idx: int) -> None:
        """Report mandatory children of ``frame`` before position ``upto`` that never occurred."""
        lo = frame.index
        for p in frame.comp.mandatory:
            if lo < p < upto and frame.counts[p] == 0:
                ch = frame.comp.children[p]
                name = ch.id if isinstance(ch, Seg) else ch.trigger
                kind = "segment" if isinstance(ch, Seg) else "loop"
                issue(IssueCode.MANDATORY_SEGMENT_MISSING,
                      f"mandatory {kind} {name} is missing in {frame.node.id}", "3", idx, name)

    top = stack[0]
    for n, seg in enumerate(segments, start=1):
        sid = seg[0]
        # Fast path: the segment belongs to the innermost open loop, at or after where it stands.
        found = -1
        positions = top.comp.positions.get(sid)
        if positions is not None:
            lo = top.index if len(stack) == 1 else (top.index if top.index > 0 else 1)
            for p in positions:
                if p >= lo:
                    found = p
                    break
        if found >= 0:
            frame = top
            depth = len(stack) - 1
        else:
            depth = len(stack) - 2
            while depth >= 0:
                found = stack[depth].find(sid, depth > 0)
                if found >= 0:
                    break
                depth -= 1
            if found < 0:
                if sid not in root_comp.all_ids:
                    issue(IssueCode.UNEXPECTED_SEGMENT, f"segment {sid} is not used in a {schema.id}", "6", n, sid)
                elif any(sid in f.comp.positions for f in stack):
                    owner = next(f for f in reversed(stack) if sid in f.comp.positions)
                    issue(IssueCode.UNEXPECTED_SEGMENT,
                          f"segment {sid} is out of order: loop {owner.node.id} has already passed its place",
                          "7", n, sid)
                else:
                    issue(IssueCode.UNEXPECTED_SEGMENT,
                          f"segment {sid} is not expected here (in {top.node.id})", "2", n, sid)
                top.node.items.append(seg)
                continue
            while len(stack) - 1 > depth:
                closing = stack.pop()
                close_missing(closing, len(closing.comp.children), n)
            frame = stack[depth]
        if found > frame.index + 1 and frame.comp.mandatory:
            close_missing(frame, found, n)
        counts = frame.counts
        counts[found] += 1
        count = counts[found]
        frame.index = found
        inner_comp = frame.comp.inner[found]
        if inner_comp is not None:
            if count > frame.comp.maxes[found]:
                issue(IssueCode.LOOP_OCCURS_OVER_MAX,
                      f"loop {sid} occurs {count} times, at most {frame.comp.maxes[found]} allowed", "4", n, sid)
            node = LoopNode(sid, [seg])
            frame.node.items.append(node)
            inner = _Frame(inner_comp, node, 0)
            inner.counts[0] = 1
            stack.append(inner)
            top = inner
        else:
            if count > frame.comp.maxes[found]:
                issue(IssueCode.SEGMENT_OVER_MAX_USE,
                      f"segment {sid} occurs {count} times, at most {frame.comp.maxes[found]} allowed", "5", n, sid)
            frame.node.items.append(seg)
            top = frame
    end = len(segments) + 1
    while stack:
        closing = stack.pop()
        close_missing(closing, len(closing.comp.children), end - 1)
    return root, issues
