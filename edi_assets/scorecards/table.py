"""Deadlines as the tables an analyst reads: per partner, ISO week and document type, and per partner over the
last few weeks against the customer's threshold (``sla.min_on_time_rate``).

A document counts as **due** in the ISO week its deadline falls in, once it is decided: sent (on time or late)
or overdue (missing). Open deadlines (not passed, nothing sent yet) are not due yet. The **on-time rate** is
on time / due; it is empty (NaN) where nothing was due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

import pandas as pd

from edi_assets.customers import Sla
from edi_assets.scorecards.deadlines import DOC_TYPES, Deadline

WEEKLY_COLUMNS = ["partner", "week", "document", "due", "on_time", "late", "missing", "on_time_rate"]
PARTNER_COLUMNS = ["partner", "due", "on_time", "late", "missing", "on_time_rate", "min_on_time_rate", "below"]
OVERDUE_COLUMNS = ["partner", "document", "subject", "due_at", "overdue_hours"]
_COUNTS = ["on_time", "late", "missing"]


def _decided(deadlines: Iterable[Deadline], as_of: dt.datetime) -> pd.DataFrame:
    rows = [{"partner": d.partner, "week": d.week, "document": d.doc_type, "status": d.status(as_of)}
            for d in deadlines]
    frame = pd.DataFrame(rows, columns=["partner", "week", "document", "status"])
    return frame[frame["status"] != "open"]


def _rates(counts: pd.DataFrame) -> pd.DataFrame:
    counts.columns.name = None
    for column in _COUNTS:
        if column not in counts.columns:
            counts[column] = 0
    counts["due"] = counts[_COUNTS].sum(axis=1)
    counts["on_time_rate"] = (counts["on_time"] / counts["due"].where(counts["due"] > 0)).round(4)
    return counts


def weekly(deadlines: Sequence[Deadline], as_of: dt.datetime) -> pd.DataFrame:
    """One row per partner, ISO week and document type with anything due: due, on time, late, missing, rate."""
    decided = _decided(deadlines, as_of)
    if decided.empty:
        return pd.DataFrame(columns=WEEKLY_COLUMNS)
    counts = decided.groupby(["partner", "week", "document", "status"]).size().unstack("status", fill_value=0)
    frame = _rates(counts.reset_index())
    frame["order"] = frame["document"].map(DOC_TYPES.index)
    frame = frame.sort_values(["partner", "week", "order"]).reset_index(drop=True)
    return frame[WEEKLY_COLUMNS].astype(dict.fromkeys(["due", *_COUNTS], "int64"))


def window_start(as_of: dt.datetime, weeks: int) -> dt.datetime:
    """Monday 00:00 UTC of the ISO week ``weeks - 1`` weeks before the one ``as_of`` falls in."""
    monday = as_of.astimezone(dt.UTC).date() - dt.timedelta(days=as_of.astimezone(dt.UTC).weekday())
    return dt.datetime.combine(monday - dt.timedelta(weeks=weeks - 1), dt.time.min, tzinfo=dt.UTC)


def in_window(deadlines: Iterable[Deadline], as_of: dt.datetime, weeks: int) -> list[Deadline]:
    """Deadlines in the last ``weeks`` ISO weeks, the current one included (to its end)."""
    start = window_start(as_of, weeks)
    end = window_start(as_of, 1) + dt.timedelta(weeks=1)
    return [d for d in deadlines if start <= d.due_at < end]


def partners(deadlines: Sequence[Deadline], as_of: dt.datetime, *, weeks: int, partner_ids: Sequence[str],
             sla_for: Callable[[str], Sla]) -> pd.DataFrame:
    """Each partner's on-time rate over the window (every document type together) against its threshold;
    ``below`` is true only where something was due and the rate is under the threshold."""
    decided = _decided(in_window(deadlines, as_of, weeks), as_of)
    counts = decided.groupby(["partner", "status"]).size().unstack("status", fill_value=0) if not decided.empty \
        else pd.DataFrame()
    counts = counts.reindex(list(partner_ids), fill_value=0)
    counts.index.name = "partner"
    frame = _rates(counts.reset_index())
    frame["min_on_time_rate"] = [sla_for(p).min_on_time_rate for p in frame["partner"]]
    frame["below"] = (frame["due"] > 0) & (frame["on_time_rate"] < frame["min_on_time_rate"])
    return frame[PARTNER_COLUMNS].astype(dict.fromkeys(["due", *_COUNTS], "int64"))


def rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """A table's rows as plain dicts keyed by column name (for markdown and text output)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def overdue(deadlines: Iterable[Deadline], as_of: dt.datetime) -> list[Deadline]:
    """Deadlines passed with nothing sent (missing), oldest first."""
    return sorted((d for d in deadlines if d.status(as_of) == "missing"), key=lambda d: d.due_at)


def overdue_rows(missing: Iterable[Deadline], as_of: dt.datetime) -> list[dict[str, object]]:
    return [{"partner": d.partner, "document": d.doc_type, "subject": d.subject,
             "due_at": d.due_at.strftime("%Y-%m-%d %H:%M UTC"),
             "overdue_hours": round((as_of - d.due_at).total_seconds() / 3600, 1)} for d in missing]
