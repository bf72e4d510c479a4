"""The OData v4 subset IFS answers: key predicates, `$filter`, `$orderby`, `$select`, `$top`, `$skip`, typed values.

`$filter` understands `eq ne gt ge lt le`, `and or not`, parentheses, `contains/startswith/endswith`, and
literals: 'strings' (quote doubled inside), numbers, true/false/null, dates `2026-11-06`, date-times
`2026-11-06T10:00:00Z`, and IFS enum literals `IfsApp.PurchaseOrderHandling.PurchaseOrderState'Released'`.
Comparisons use the field's Edm type, so `DateEntered ge 2026-11-01` compares dates and
`TimeStamp gt 2026-11-06T00:00:00Z` compares instants.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]
T = TypeVar("T")


class QueryError(ValueError):
    """A request the OData layer cannot parse or type-check (answered 400)."""


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:[^']|'')*')
    | (?P<enum>[A-Za-z_][\w.]*'(?:[^']|'')*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_]\w*)
    | (?P<punct>[(),=])
    )""",
    re.VERBOSE,
)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}
_TEXT_FUNCTIONS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda value, part: part in value,
    "startswith": lambda value, part: value.startswith(part),
    "endswith": lambda value, part: value.endswith(part),
}
_CONSTANTS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Token]:
    tokens, pos, text = [], 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            raise QueryError(f"unexpected character at position {pos} of {text!r}")
        tokens.append(_Token(match.lastgroup, match.group(match.lastgroup)))
        pos = match.end()
    return tokens


def _literal(token: _Token) -> Any:
    if token.kind == "str":
        return token.text[1:-1].replace("''", "'")
    if token.kind == "enum":
        return token.text[token.text.index("'") + 1 : -1].replace("''", "'")
    if token.kind == "num":
        return float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
    if token.kind == "date":
        return date.fromisoformat(token.text)
    if token.kind == "datetime":
        return _instant(token.text)
    if token.kind == "name" and token.text in _CONSTANTS:
        return _CONSTANTS[token.text]
    raise QueryError(f"expected a literal, found {token.text!r}")


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def to_python(value: Any, edm: str) -> Any:
    """A stored value (JSON-shaped) as a comparable Python value of its Edm type."""
    if value is None:
        return None
    if edm == "Edm.Date":
        return date.fromisoformat(str(value))
    if edm == "Edm.DateTimeOffset":
        return _instant(str(value))
    if edm in {"Edm.Decimal", "Edm.Int32"}:
        return float(value)
    return value


def _typed_literal(value: Any, edm: str) -> Any:
    """The literal converted for comparison with a field of type `edm`; a mismatch is a QueryError."""
    if value is None:
        return None
    ok = {
        "Edm.String": isinstance(value, str),
        "Edm.Decimal": isinstance(value, int | float) and not isinstance(value, bool),
        "Edm.Int32": isinstance(value, int) and not isinstance(value, bool),
        "Edm.Date": isinstance(value, date) and not isinstance(value, datetime),
        "Edm.DateTimeOffset": isinstance(value, datetime),
        "Edm.Boolean": isinstance(value, bool),
    }.get(edm, False)
    if not ok:
        raise QueryError(f"a literal of the wrong type for an {edm} property: {value!r}")
    return float(value) if edm in {"Edm.Decimal", "Edm.Int32"} else value


def check_value(name: str, value: Any, edm: str) -> None:
    """Validate a JSON body value against its property type (dates travel as ISO strings)."""
    if value is None:
        return
    try:
        if edm in {"Edm.Date", "Edm.DateTimeOffset"}:
            if not isinstance(value, str):
                raise ValueError
            to_python(value, edm)
        else:
            _typed_literal(value, edm)
    except (ValueError, QueryError):
        raise QueryError(f"property {name}: {value!r} is not a valid {edm}") from None


class _Parser:
    """Recursive descent over the tokens; each rule returns a predicate over a row."""

    def __init__(self, text: str, fields: Mapping[str, str]) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.fields = fields

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise QueryError("unexpected end of $filter")
        self.pos += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.text.lower() == text and token.kind in {"name", "punct"}:
            self.pos += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise QueryError(f"expected {text!r} in $filter")

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.take().text!r} in $filter")
        return predicate

    def disjunction(self) -> Predicate:
        left = self.conjunction()
        while self.accept("or"):
            left = _either(left, self.conjunction())
        return left

    def conjunction(self) -> Predicate:
        left = self.unary()
        while self.accept("and"):
            left = _both(left, self.unary())
        return left

    def unary(self) -> Predicate:
        if self.accept("not"):
            inner = self.unary()
            return lambda row: not inner(row)
        if self.accept("("):
            inner = self.disjunction()
            self.expect(")")
            return inner
        head, after = self.peek(), self.peek(1)
        if head is not None and head.text in _TEXT_FUNCTIONS and after is not None and after.text == "(":
            return self.text_function()
        return self.comparison()

    def text_function(self) -> Predicate:
        function = _TEXT_FUNCTIONS[self.take().text]
        self.expect("(")
        name = self.field()
        self.expect(",")
        part = _literal(self.take())
        self.expect(")")
        if self.fields[name] != "Edm.String" or not isinstance(part, str):
            raise QueryError("string functions take a string property and a string literal")
        return lambda row: isinstance(row.get(name), str) and function(row[name], part)

    def field(self) -> str:
        token = self.take()
        if token.kind != "name" or token.text not in self.fields:
            raise QueryError(f"unknown property {token.text!r} in $filter")
        return token.text

    def comparison(self) -> Predicate:
        left = self.operand()
        op = self.take().text
        if op not in _COMPARE:
            raise QueryError(f"unsupported operator {op!r} in $filter")
        right = self.operand()
        edm = next((self.fields[x.name] for x in (left, right) if isinstance(x, _Field)), None)
        if edm is None:
            raise QueryError("a comparison needs a property on one side")
        a, b, compare = self.bind(left, edm), self.bind(right, edm), _COMPARE[op]
        return lambda row: compare(a(row), b(row))

    def operand(self) -> Any:
        token = self.peek()
        if token is not None and token.kind == "name" and token.text not in _CONSTANTS:
            return _Field(self.field())
        return _Literal(_literal(self.take()))

    @staticmethod
    def bind(operand: Any, edm: str) -> Callable[[Row], Any]:
        if isinstance(operand, _Field):
            return lambda row: to_python(row.get(operand.name), edm)
        value = _typed_literal(operand.value, edm)
        return lambda _row: value


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda row: a(row) or b(row)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda row: a(row) and b(row)


@dataclass(frozen=True)
class _Field:
    name: str


@dataclass(frozen=True)
class _Literal:
    value: Any


def parse_filter(text: str, fields: Mapping[str, str]) -> Predicate:
    """A predicate for `$filter=text` over rows with these typed fields."""
    return _Parser(text, fields).parse()


def parse_keys(text: str, keys: tuple[str, ...], fields: Mapping[str, str]) -> dict[str, Any]:
    """The key values inside `Set(...)`: `'P1000'` for a single key, or `Company='10',InvoiceId=105`."""
    tokens = _tokenize(text)
    if len(keys) == 1 and len(tokens) == 1:
        pairs = [(keys[0], tokens[0])]
    else:
        pairs = []
        for i in range(0, len(tokens), 4):
            chunk = tokens[i : i + 4]
            separator = [","] if i + 4 < len(tokens) else []
            if (
                len(chunk) < 3
                or chunk[0].kind != "name"
                or chunk[1].text != "="
                or [t.text for t in chunk[3:]] != separator
            ):
                raise QueryError(f"malformed key predicate ({text})")
            pairs.append((chunk[0].text, chunk[2]))
    values = {name: _literal(token) for name, token in pairs}
    if sorted(values) != sorted(keys) or len(pairs) != len(keys):
        raise QueryError(f"the key of this set is ({', '.join(keys)})")
    for name, value in values.items():
        _typed_literal(value, fields[name])
    return values


def parse_orderby(text: str, fields: Mapping[str, str]) -> list[tuple[str, bool]]:
    """`Field [asc|desc], ...` as (field, descending) pairs."""
    order = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or words[0] not in fields or words[1:] not in ([], ["asc"], ["desc"]):
            raise QueryError(f"cannot order by {part.strip()!r}")
        order.append((words[0], words[1:] == ["desc"]))
    return order


def sort_rows(
    items: list[T], order: list[tuple[str, bool]], fields: Mapping[str, str], values: Callable[[T], Row]
) -> list[T]:
    """Stable multi-key sort of items by their row values; nulls sort first ascending, as OData says."""
    result = list(items)
    for name, descending in reversed(order):
        result.sort(key=lambda item: _null_first(to_python(values(item).get(name), fields[name])), reverse=descending)
    return result


def _null_first(value: Any) -> tuple[bool, Any]:
    return (value is not None, value)


def parse_select(text: str, fields: Mapping[str, str]) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in fields]
    if unknown or not names:
        raise QueryError(f"cannot select {', '.join(unknown) or 'nothing'}")
    return names


def parse_count(text: str, option: str) -> int:
    if not text.isdigit():
        raise QueryError(f"{option} must be a non-negative integer")
    return int(text)
