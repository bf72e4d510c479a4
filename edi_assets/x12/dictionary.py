"""The segment dictionary: which segment ids exist, and what each segment's elements are.

Definitions are data (``data/segments.json``), not code paths, so a segment is added by editing JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class ElementDef:
    ref: str
    name: str
    req: str  # M mandatory, O optional, X conditional
    type: str  # AN ID R DT TM B N0..N9 composite
    min: int = 1
    max: int = 1
    repeat: int = 1
    codes: frozenset[str] | None = None
    components: tuple[ElementDef, ...] = ()

    @property
    def is_composite(self) -> bool:
        return self.type == "composite"

    @property
    def implied_decimals(self) -> int | None:
        if len(self.type) == 2 and self.type[0] == "N" and self.type[1].isdigit():
            return int(self.type[1])
        return None


@dataclass(frozen=True, slots=True)
class SyntaxNote:
    """An X12 syntax note such as ``P0607``: its kind (P paired, R required, E exclusion, C conditional,
    L list conditional) and the element positions it names."""

    text: str
    kind: str
    positions: tuple[int, ...]

    @staticmethod
    def parse(text: str) -> SyntaxNote:
        digits = text[1:]
        return SyntaxNote(text, text[0], tuple(int(digits[i : i + 2]) for i in range(0, len(digits), 2)))


@dataclass(frozen=True, slots=True)
class SegmentDef:
    id: str
    name: str
    elements: tuple[ElementDef, ...]
    syntax: tuple[SyntaxNote, ...] = ()

    @property
    def has_elements(self) -> bool:
        return bool(self.elements)


def _element(raw: dict[str, object]) -> ElementDef:
    codes = raw.get("codes")
    comps = raw.get("components") or []
    assert isinstance(comps, list)
    return ElementDef(
        ref=str(raw.get("ref", "")),
        name=str(raw.get("name", "")),
        req=str(raw.get("req", "O")),
        type=str(raw.get("type", "AN")),
        min=int(raw.get("min", 1)),  # type: ignore[call-overload]
        max=int(raw.get("max", 1)),  # type: ignore[call-overload]
        repeat=int(raw.get("repeat", 1)),  # type: ignore[call-overload]
        codes=frozenset(str(c) for c in codes) if isinstance(codes, list) else None,
        components=tuple(_element(c) for c in comps),
    )


@cache
def segment_definitions() -> dict[str, SegmentDef]:
    text = resources.files("edi_assets.x12").joinpath("data/segments.json").read_text("utf-8")
    raw: dict[str, dict[str, object]] = json.loads(text)
    out: dict[str, SegmentDef] = {}
    for sid, body in raw.items():
        elements = body.get("elements") or []
        syntax = body.get("syntax") or []
        assert isinstance(elements, list)
        assert isinstance(syntax, list)
        out[sid] = SegmentDef(
            id=sid,
            name=str(body.get("name", sid)),
            elements=tuple(_element(e) for e in elements),
            syntax=tuple(SyntaxNote.parse(str(n)) for n in syntax),
        )
    return out


@cache
def known_segment_ids() -> frozenset[str]:
    return frozenset(segment_definitions())
