"""The OData-style query options of a list request: `$filter`, `$top`, `$skip`, `$expand`, `$select`.

`$filter` takes `Field op literal` comparisons joined by `and`/`or` (`and` binds tighter); literals are
`'text'`, numbers, `true`/`false`, `null` and `datetimeoffset'...'`. Text compares ignoring case,
as the SQL Server collation behind Acumatica does.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulators.acumatica.schema import DATES, EntitySpec, parse_date

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le,
}
_TOKEN = re.compile(
    r"\s*(?:(?P<date>datetime(?:offset)?'[^']*')|(?P<text>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<word>[A-Za-z_]\w*))"
)


class QueryError(ValueError):
    """A query option Acumatica cannot run."""


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str
    literal: Any

    def holds(self, view: Mapping[str, Any]) -> bool:
        have, want = view.get(self.field), self.literal
        if have is None or want is None:
            return _OPS[self.op](have, want) if self.op in ("eq", "ne") else False
        if isinstance(want, datetime) or self.field in DATES:
            have, want = parse_date(str(have)), want if isinstance(want, datetime) else parse_date(str(want))
        elif isinstance(want, str):
            have, want = str(have).casefold(), want.casefold()
        elif isinstance(have, str):
            raise QueryError(f"{self.field} is text; compare it with a quoted literal")
        return _OPS[self.op](have, want)


@dataclass(frozen=True)
class Query:
    filter: tuple[tuple[Comparison, ...], ...]
    """Alternatives (`or`), each a conjunction (`and`) of comparisons; empty matches everything."""
    top: int | None
    skip: int
    expand: frozenset[str]
    select: frozenset[str] | None

    def matches(self, view: Mapping[str, Any]) -> bool:
        return not self.filter or any(all(c.holds(view) for c in group) for group in self.filter)


def parse_query(spec: EntitySpec, params: Mapping[str, str]) -> Query:
    return Query(
        filter=_parse_filter(spec, params.get("$filter", "")),
        top=_count(params, "$top"),
        skip=_count(params, "$skip") or 0,
        expand=_names(params.get("$expand")) or frozenset(),
        select=_names(params.get("$select")),
    )


def _parse_filter(spec: EntitySpec, text: str) -> tuple[tuple[Comparison, ...], ...]:
    tokens = _tokens(text)
    groups: list[list[Comparison]] = [[]]
    while tokens:
        if len(tokens) < 3:
            raise QueryError(f"Incomplete $filter: {text}")
        (kind, name), (_, op), literal = tokens[0], tokens[1], tokens[2]
        if kind != "word" or name not in spec.fields:
            raise QueryError(f"{spec.name} has no field {name}")
        if op not in _OPS:
            raise QueryError(f"Unsupported operator {op}; use one of {sorted(_OPS)}")
        groups[-1].append(Comparison(name, op, _literal(*literal)))
        tokens = tokens[3:]
        if tokens:
            joiner = tokens.pop(0)[1]
            if joiner == "or":
                groups.append([])
            elif joiner != "and":
                raise QueryError(f"Expected 'and' or 'or' in $filter, found {joiner}")
    return tuple(tuple(g) for g in groups if g)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            raise QueryError(f"Cannot read $filter at: {text[position:]}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


def _literal(kind: str, text: str) -> Any:
    if kind == "date":
        try:
            return parse_date(text[text.index("'") + 1 : -1])
        except ValueError as exc:
            raise QueryError(str(exc)) from None
    if kind == "text":
        return text[1:-1].replace("''", "'")
    if kind == "number":
        return float(text)
    words: dict[str, Any] = {"true": True, "false": False, "null": None}
    if text not in words:
        raise QueryError(f"Unexpected word {text} in $filter; quote text literals")
    return words[text]


def _count(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise QueryError(f"{name} must be a non-negative whole number")
    return int(raw)


def _names(raw: str | None) -> frozenset[str] | None:
    return None if raw is None else frozenset(n.strip() for n in raw.split(",") if n.strip())
