"""Check one transaction set against its structure and the element dictionary, and type it.

This is the single place that turns a :class:`TransactionSet` from the reader into a loop tree, a
typed model (for 850, 810, 855, 856, 997) and the complete list of its issues, which is exactly what
the 997 builder and the canonical translator need.
"""

from __future__ import annotations

from collections.abc import Callable

from edi_assets.x12.elements import check_segment, issue_code
from edi_assets.x12.envelope import TransactionSet
from edi_assets.x12.errors import AckCodes, IssueCode, Level, Position, Severity, X12Issue, X12StructureError
from edi_assets.x12.fastcheck import doubtful
from edi_assets.x12.gcpause import gc_paused
from edi_assets.x12.schemas import SCHEMAS
from edi_assets.x12.structure import LoopNode, build_tree
from edi_assets.x12.typed import BUILDERS, REQUIRED, X856, TypedSet


class SetAnalysis:
    """A checked set: its loop tree, its typed model and every issue found.

    The typed model of a set whose typing cannot fail (see :data:`~edi_assets.x12.typed.REQUIRED`) is
    built on first use of ``typed``: the canonical translator reads documents from the tree directly,
    and building a typed view nobody reads cost a fifth of a typed parse.
    """

    __slots__ = ("_build", "_typed", "issues", "tree", "ts")

    def __init__(
        self,
        ts: TransactionSet,
        tree: LoopNode | None,
        typed: TypedSet | None,
        issues: list[X12Issue],
        *,
        build: Callable[[LoopNode], TypedSet] | None = None,
    ) -> None:
        self.ts = ts
        self.tree = tree
        self._typed = typed
        self._build = build if tree is not None else None
        self.issues = issues  # envelope issues of the set plus structure, element and typing issues

    @property
    def typed(self) -> TypedSet | None:
        if self._build is not None:
            assert self.tree is not None
            self._typed = self._build(self.tree)
            self._build = None
        return self._typed

    @property
    def has_errors(self) -> bool:
        return any(i.is_error for i in self.issues)

    @property
    def errors(self) -> list[X12Issue]:
        return [i for i in self.issues if i.is_error]

    def __repr__(self) -> str:
        return f"SetAnalysis({self.ts.set_id!r} #{self.ts.ordinal}, {len(self.issues)} issues)"


def analyze(ts: TransactionSet, *, check_elements: bool = True) -> SetAnalysis:
    """Structure, element and typing checks of one set. Never raises for bad content.

    The cyclic garbage collector is paused while the set's tree is built: the tree holds thousands of
    fresh lists that cannot form cycles, and collecting them mid-build cost a sixth of the time.
    """
    with gc_paused():
        return _analyze(ts, check_elements)


def _analyze(ts: TransactionSet, check_elements: bool) -> SetAnalysis:
    issues = list(ts.issues)
    group = ts.group
    where = Position(
        interchange=ts.interchange.ordinal,
        group=group.ordinal if group else None,
        transaction=ts.ordinal,
        file_segment=ts.first_file_segment,
    )
    if check_elements:
        d = ts.delimiters
        comp, rep = d.component, d.repetition
        release = ts.version[:6] or "004010"
        old = release < "004010"
        segments = ts.segments
        # the others are certainly valid: the exact validator would find nothing in them
        for i in doubtful(segments, old) if ts.plain else range(len(segments)):
            seg = segments[i]
            n = i + 1
            problems = check_segment(tuple(seg), comp, rep, release)
            for element, component, ak4, message, bad, warning in problems:
                issues.append(
                    X12Issue(
                        issue_code(ak4), message, Level.ELEMENT,
                        Position(where.interchange, where.group, where.transaction, n, seg[0][:3], element,
                                 component, file_segment=ts.first_file_segment + n - 1),
                        severity=Severity.WARNING if warning else Severity.ERROR,
                        ack=AckCodes() if warning else AckCodes(ak4=ak4, ak3="8", ak5="5"), bad_value=bad,
                    )
                )
    schema = SCHEMAS.get(ts.set_id)
    if schema is None:
        issues.append(
            X12Issue(
                IssueCode.TRANSACTION_UNSUPPORTED,
                f"transaction set {ts.set_id!r} has no structure definition here; only its envelope and "
                "segment elements were checked",
                Level.TRANSACTION, where, severity=Severity.WARNING,
            )
        )
        return SetAnalysis(ts, None, None, issues)
    tree, structure_issues = build_tree(ts.segments, schema, where)
    issues.extend(structure_issues)
    builder = BUILDERS[ts.set_id]
    required = REQUIRED.get(ts.set_id)
    if required is not None and all(tree.segment(sid) is not None for sid in required):
        return SetAnalysis(ts, tree, None, issues, build=builder)
    typed: TypedSet | None = None
    try:
        typed = builder(tree)
    except X12StructureError as exc:
        issues.append(X12Issue(IssueCode.MANDATORY_SEGMENT_MISSING, str(exc), Level.TRANSACTION, where,
                               ack=AckCodes(ak5="5")))
    if isinstance(typed, X856):
        for problem in typed.problems:
            issues.append(X12Issue(IssueCode.HIERARCHY_INVALID, problem, Level.TRANSACTION, where,
                                   ack=AckCodes(ak5="5")))
    return SetAnalysis(ts, tree, typed, issues)
