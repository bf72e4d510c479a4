"""Build the loop tree of a transaction set from its segments, reporting structure errors.

The walk is the one X12 translators use: from the current position in the current loop look forward
for the segment (or a loop it starts); failing that, close the loop and look in its parent. A segment
found nowhere is unexpected (AK3 2), out of order (AK3 7) or not in the set at all (AK3 6); mandatory
segments passed over are missing (AK3 3); repeats past the maximum are AK3 4 (loop) and 5 (segment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from edi_assets.x12.envelope import Segment
from edi_assets.x12.errors import AckCodes, IssueCode, Level, Position, X12Issue
from edi_assets.x12.schemas import Loop, Seg


@dataclass(slots=True)
class LoopNode:
    """One iteration of a loop: its segments and inner loops, in order."""

    id: str
    items: list[Segment | LoopNode] = field(default_factory=list)

    def segment(self, sid: str) -> Segment | None:
        for it in self.items:
            if isinstance(it, list) and it[0] == sid:
                return it
        return None

    def segments(self, sid: str) -> list[Segment]:
        return [it for it in self.items if isinstance(it, list) and it[0] == sid]

    def loops(self, lid: str) -> list[LoopNode]:
        return [it for it in self.items if isinstance(it, LoopNode) and it.id == lid]

    def all_segments(self) -> list[Segment]:
        out: list[Segment] = []
        for it in self.items:
            if isinstance(it, LoopNode):
                out.extend(it.all_segments())
            else:
                out.append(it)
        return out


@dataclass(frozen=True, slots=True)
class _Compiled:
    loop: Loop
    children: tuple[Seg | Loop, ...]
    positions: dict[str, tuple[int, ...]]
    all_ids: frozenset[str]


@cache
def _compile(loop: Loop) -> _Compiled:
    positions: dict[str, list[int]] = {}
    for i, ch in enumerate(loop.children):
        key = ch.id if isinstance(ch, Seg) else ch.trigger
        positions.setdefault(key, []).append(i)
    return _Compiled(loop, loop.children, {k: tuple(v) for k, v in positions.items()}, _all_ids(loop))


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


def build_tree(
    segments: list[Segment], schema: Loop, where: Position
) -> tuple[LoopNode, list[X12Issue]]:
    """Return the set's loop tree (root id = the set id) and the structure issues found."""
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
        for p in range(max(frame.index + 1, 0), upto):
            ch = frame.comp.children[p]
            if ch.req == "M" and frame.counts[p] == 0:
                name = ch.id if isinstance(ch, Seg) else ch.trigger
                kind = "segment" if isinstance(ch, Seg) else "loop"
                issue(IssueCode.MANDATORY_SEGMENT_MISSING,
                      f"mandatory {kind} {name} is missing in {frame.node.id}", "3", idx, name)

    for n, seg in enumerate(segments, start=1):
        sid = seg[0]
        depth = len(stack) - 1
        found = -1
        while depth >= 0:
            found = stack[depth].find(sid, depth > 0)
            if found >= 0:
                break
            depth -= 1
        if found < 0:
            frame = stack[-1]
            if sid not in root_comp.all_ids:
                issue(IssueCode.UNEXPECTED_SEGMENT, f"segment {sid} is not used in a {schema.id}", "6", n, sid)
            elif any(sid in f.comp.positions for f in stack):
                owner = next(f for f in reversed(stack) if sid in f.comp.positions)
                issue(IssueCode.UNEXPECTED_SEGMENT,
                      f"segment {sid} is out of order: loop {owner.node.id} has already passed its place",
                      "7", n, sid)
            else:
                issue(IssueCode.UNEXPECTED_SEGMENT, f"segment {sid} is not expected here (in {frame.node.id})",
                      "2", n, sid)
            frame.node.items.append(seg)
            continue
        while len(stack) - 1 > depth:
            closing = stack.pop()
            close_missing(closing, len(closing.comp.children), n)
        frame = stack[depth]
        close_missing(frame, found, n)
        child = frame.comp.children[found]
        frame.counts[found] += 1
        count = frame.counts[found]
        frame.index = found
        if isinstance(child, Loop):
            if count > child.max:
                issue(IssueCode.LOOP_OCCURS_OVER_MAX,
                      f"loop {child.trigger} occurs {count} times, at most {child.max} allowed", "4", n, sid)
            node = LoopNode(child.trigger, [seg])
            frame.node.items.append(node)
            inner = _Frame(_compile(child), node, 0)
            inner.counts[0] = 1
            stack.append(inner)
        else:
            if count > child.max:
                issue(IssueCode.SEGMENT_OVER_MAX_USE,
                      f"segment {sid} occurs {count} times, at most {child.max} allowed", "5", n, sid)
            frame.node.items.append(seg)
    end = len(segments) + 1
    while stack:
        closing = stack.pop()
        close_missing(closing, len(closing.comp.children), end - 1)
    return root, issues
