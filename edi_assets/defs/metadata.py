"""Materialization metadata an analyst reads: counts and holds as markdown tables (pandas), never a secret."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from dagster import MetadataValue

from edi_assets.connectors.redaction import redact

_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], empty: str = "none") -> MetadataValue:
    """A markdown table of ``rows`` (every cell passed through redaction), or ``empty`` when there are none."""
    frame = pd.DataFrame([{c: redact(str(r.get(c, ""))) for c in columns} for r in rows], columns=list(columns))
    if frame.empty:
        return MetadataValue.md(f"_{empty}_")
    # tabulate reads numbers out of text: document 000000042 would show as 42 and invoice 1E5 as 100000. Only
    # columns of plain integers (counts, document types) are left to it, to align right.
    text_columns = [i for i, c in enumerate(frame.columns) if not all(_INTEGER.fullmatch(v) for v in frame[c])]
    return MetadataValue.md(frame.to_markdown(index=False, disable_numparse=text_columns or False))


def counts_table(counts: Counter[tuple[str, str]], label: str = "documents") -> MetadataValue:
    rows = [{"partner": partner, "type": doc_type, label: n} for (partner, doc_type), n in sorted(counts.items())]
    return table(rows, ["partner", "type", label])


def held_table(held: list[dict[str, Any]]) -> MetadataValue:
    return table(held, ["partner", "type", "document", "reason"], empty="nothing held")
