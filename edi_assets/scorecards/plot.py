"""The on-time rates over time as a PNG: one panel per partner, one line per document type, the customer's
threshold as a dashed line. Drawn on matplotlib's Agg canvas directly (no pyplot, no display, no global state),
so it is safe in Dagster's run workers and threads."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from edi_assets.scorecards.deadlines import DOC_TYPES

COLOURS = {"997": "#7f7f7f", "855": "#1f77b4", "856": "#ff7f0e", "810": "#2ca02c"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def week_range(weeks: Sequence[str]) -> list[str]:
    """Every ISO week from the first to the last of ``weeks`` (``2026-W47``...), gaps filled."""
    if not weeks:
        return []
    mondays = [dt.date.fromisocalendar(int(w[:4]), int(w[6:]), 1) for w in weeks]
    day, last, found = min(mondays), max(mondays), []
    while day <= last:
        year, week, _ = day.isocalendar()
        found.append(f"{year}-W{week:02d}")
        day += dt.timedelta(weeks=1)
    return found


def plot_rates(weekly: pd.DataFrame, *, partners: Sequence[str], thresholds: Mapping[str, float | None],
               title: str) -> bytes:
    """PNG bytes of the weekly on-time rates (``weekly`` as :func:`edi_assets.scorecards.table.weekly` makes it):
    per partner, a thick line for all its documents together and a thin one per document type."""
    shown = list(partners) or ["(no partners)"]
    weeks = week_range(list(weekly["week"].unique())) if not weekly.empty else []
    figure = Figure(figsize=(9, 1.2 + 2.2 * len(shown)), dpi=90, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title)
    axes = figure.subplots(len(shown), 1, sharex=True, squeeze=False)[:, 0]
    for ax, partner in zip(axes, shown, strict=True):
        rows = weekly[weekly["partner"] == partner] if not weekly.empty else weekly
        ax.set_title(partner, loc="left", fontsize=10)
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel("on time")
        ax.grid(axis="y", alpha=0.3)
        if rows.empty:
            ax.text(0.5, 0.5, "nothing due yet", ha="center", va="center", transform=ax.transAxes, color="#7f7f7f")
        else:
            overall = rows.groupby("week")[["on_time", "due"]].sum()
            ax.plot([weeks.index(w) for w in overall.index], list(overall["on_time"] / overall["due"]),
                    color="black", linewidth=2.5, marker="s", label="all")
            for offset, doc_type in enumerate(DOC_TYPES):
                series = rows[rows["document"] == doc_type]
                if series.empty:
                    continue
                x = [weeks.index(w) + (offset - 1.5) * 0.06 for w in series["week"]]
                ax.plot(x, list(series["on_time_rate"]), marker="o", markersize=4, linewidth=1,
                        color=COLOURS[doc_type], label=doc_type)
        threshold = thresholds.get(partner)
        if threshold is not None:
            ax.axhline(threshold, color="#d62728", linestyle="--", linewidth=1, label="threshold")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if weeks:
        axes[-1].set_xticks(range(len(weeks)), weeks, rotation=45, ha="right")
        axes[-1].set_xlim(-0.5, len(weeks) - 0.5)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
