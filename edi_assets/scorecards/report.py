"""The scorecard as plain text, for ``edi scorecard CUSTOMER``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from edi_assets.scorecards.build import Scorecard
from edi_assets.scorecards.table import OVERDUE_COLUMNS, PARTNER_COLUMNS, WEEKLY_COLUMNS, overdue_rows, rows


def _table(rows: Sequence[Mapping[str, Any]], columns: list[str], empty: str) -> str:
    if not rows:
        return f"  {empty}"
    return pd.DataFrame(list(rows), columns=columns).to_string(index=False, max_colwidth=100)


def text_report(card: Scorecard) -> str:
    """Partner rates over the window, the weekly table and what is overdue."""
    customer = card.customer
    return "\n".join([
        f"{customer.id} ({customer.name}): partner scorecard as of {card.as_of:%Y-%m-%d %H:%M} UTC",
        "",
        f"on-time rate over the last {card.weeks} ISO weeks, every document type together:",
        _table(rows(card.partners), PARTNER_COLUMNS, "no partners"),
        "",
        "per partner, ISO week and document type:",
        _table(rows(card.weekly), WEEKLY_COLUMNS, "nothing due yet"),
        "",
        "overdue (deadline passed, nothing sent):",
        _table(overdue_rows(card.overdue, card.as_of), OVERDUE_COLUMNS, "nothing overdue"),
    ])
