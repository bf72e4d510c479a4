"""SCIM-like collection filters, as Cleo's own client writes them: `path eq "/steelco/inbound"`, `name sw "PO"`.

Confirmed [C]: `eq` and `sw` on string attributes, an empty filter matching everything. Inferred [I]: the other
SCIM comparison operators, `and` between comparisons, numbers and ISO timestamps compared in order (so a
poller can ask for `modified gt "2026-11-02T10:00:00Z"`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulators.cleo.errors import BadRequestError

_COMPARISON = re.compile(r'\s*(\w+)\s+(eq|ne|co|sw|ew|gt|ge|lt|le)\s+("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)\s*', re.I)
_AND = re.compile(r"\s+and\s+", re.I)

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "co": lambda a, b: isinstance(a, str) and b in a,
    "sw": lambda a, b: isinstance(a, str) and a.startswith(b),
    "ew": lambda a, b: isinstance(a, str) and a.endswith(b),
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


@dataclass(frozen=True)
class Comparison:
    attribute: str
    operator: str
    value: str | float

    def holds(self, resource: Mapping[str, Any]) -> bool:
        actual = resource.get(self.attribute)
        if actual is None or isinstance(actual, str) != isinstance(self.value, str):
            return False
        return _OPERATORS[self.operator](actual, self.value)


def parse_filter(text: str | None, attributes: frozenset[str]) -> list[Comparison]:
    """Comparisons that must all hold; 400 for a filter this grammar cannot read or an unknown attribute."""
    if not text or not text.strip():
        return []
    comparisons = []
    for part in _AND.split(text.strip()):
        match = _COMPARISON.fullmatch(part)
        if match is None:
            raise BadRequestError(f"invalid filter: {part.strip()!r}")
        attribute, operator, raw = match.group(1), match.group(2).lower(), match.group(3)
        if attribute not in attributes:
            raise BadRequestError(f"invalid filter: unknown attribute {attribute!r}")
        value: str | float = json.loads(raw) if raw.startswith('"') else float(raw)
        comparisons.append(Comparison(attribute, operator, value))
    return comparisons


def matches(comparisons: list[Comparison], resource: Mapping[str, Any]) -> bool:
    return all(c.holds(resource) for c in comparisons)
