"""The scorecard tables: due, on time, late, missing and the on-time rate per partner, ISO week and document type;
each partner's rate over the window against its threshold; what is overdue; the plot."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from edi_assets.scorecards import PNG_MAGIC, Deadline, plot_rates
from edi_assets.scorecards.table import in_window, overdue, partners, weekly, window_start
from tests.scorecards.conftest import acme

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # Wednesday of 2026-W48
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
ACME = acme()
IDS = [p.id for p in ACME.partners]


def deadline(doc_type: str, due: dt.datetime, sent: dt.datetime | None, partner: str = "steelco") -> Deadline:
    return Deadline(partner=partner, doc_type=doc_type, subject=f"{doc_type} for PO1", due_at=due, received_at=sent)


ON_TIME = deadline("855", NOW - 2 * DAY, NOW - 3 * DAY)
LATE = deadline("855", NOW - 2 * DAY, NOW - DAY)
MISSING = deadline("856", NOW - HOUR, None)
OPEN = deadline("810", NOW + DAY, None)
LAST_WEEK = deadline("997", NOW - 7 * DAY, NOW - 7 * DAY - HOUR)


def test_the_weekly_table_counts_due_on_time_late_and_missing_per_partner_week_and_type() -> None:
    frame = weekly([ON_TIME, LATE, MISSING, OPEN, LAST_WEEK], NOW)
    assert frame.to_dict("records") == [
        {"partner": "steelco", "week": "2026-W47", "document": "997", "due": 1, "on_time": 1, "late": 0,
         "missing": 0, "on_time_rate": 1.0},
        {"partner": "steelco", "week": "2026-W48", "document": "855", "due": 2, "on_time": 1, "late": 1,
         "missing": 0, "on_time_rate": 0.5},
        {"partner": "steelco", "week": "2026-W48", "document": "856", "due": 1, "on_time": 0, "late": 0,
         "missing": 1, "on_time_rate": 0.0},
    ]


def test_an_open_deadline_is_not_due_yet() -> None:
    assert weekly([OPEN], NOW).empty


def test_a_document_sent_early_counts_in_the_week_of_its_deadline() -> None:
    early = deadline("810", NOW + 8 * DAY, NOW - DAY)
    assert list(weekly([early], NOW)["week"]) == ["2026-W49"]


def test_the_window_runs_from_monday_of_the_first_week_to_the_end_of_the_current_one() -> None:
    assert window_start(NOW, 1) == dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    assert window_start(NOW, 4) == dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    inside = deadline("855", dt.datetime(2026, 11, 29, 23, 0, tzinfo=dt.UTC), NOW)
    outside = deadline("855", dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC), NOW)
    assert in_window([inside, outside], NOW, 1) == [inside]


def test_a_partner_below_its_threshold_is_flagged_and_one_with_nothing_due_is_not() -> None:
    frame = partners([ON_TIME, LATE, MISSING, LAST_WEEK], NOW, weeks=4, partner_ids=IDS, sla_for=ACME.sla_for)
    rows = {r["partner"]: r for r in frame.to_dict("records")}
    assert (rows["steelco"]["due"], rows["steelco"]["on_time"], rows["steelco"]["on_time_rate"]) == (4, 2, 0.5)
    assert rows["steelco"]["below"]
    assert rows["boltworks"]["due"] == 0
    assert math.isnan(rows["boltworks"]["on_time_rate"])
    assert not rows["boltworks"]["below"]


def test_a_rate_exactly_at_the_threshold_is_not_below_it() -> None:
    nine = [deadline("855", NOW - DAY, NOW - 2 * DAY)] * 9 + [LATE]  # 0.9 = acme's default min_on_time_rate
    frame = partners(nine, NOW, weeks=4, partner_ids=IDS, sla_for=ACME.sla_for)
    steelco = frame[frame["partner"] == "steelco"].iloc[0]
    assert (steelco["on_time_rate"], bool(steelco["below"])) == (0.9, False)


def test_weeks_before_the_window_do_not_count_against_a_partner() -> None:
    old = deadline("855", NOW - 40 * DAY, None)
    frame = partners([old, ON_TIME], NOW, weeks=4, partner_ids=IDS, sla_for=ACME.sla_for)
    assert frame[frame["partner"] == "steelco"].iloc[0]["on_time_rate"] == 1.0


def test_overdue_lists_the_missing_documents_oldest_first() -> None:
    older = deadline("855", NOW - 3 * DAY, None, partner="packright")
    assert overdue([ON_TIME, MISSING, OPEN, older], NOW) == [older, MISSING]


def height(png: bytes) -> int:
    return int.from_bytes(png[20:24], "big")  # IHDR, after the signature and the chunk header


def test_the_plot_is_a_png_with_a_panel_per_partner() -> None:
    frame = weekly([ON_TIME, LATE, MISSING, LAST_WEEK], NOW)
    png = plot_rates(frame, partners=IDS, thresholds=dict.fromkeys(IDS, 0.9), title="acme")
    assert png.startswith(PNG_MAGIC)
    assert len(png) > 10_000  # three panels with lines, labels and a legend, not an empty canvas
    one = plot_rates(frame, partners=["steelco"], thresholds={}, title="acme")
    assert height(png) > height(one)  # one panel per partner, stacked


def test_the_plot_renders_when_nothing_is_due_yet() -> None:
    png = plot_rates(pd.DataFrame(columns=["partner", "week", "document", "on_time_rate"]), partners=IDS,
                     thresholds={}, title="acme")
    assert png.startswith(PNG_MAGIC)
