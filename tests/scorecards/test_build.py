"""The scorecard from the ledger: send times from the X12 envelopes (not from when we recorded a document), our
850s from when Cleo accepted them, 997s matched to our groups; and ``edi scorecard CUSTOMER``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from edi_assets.cli import main as edi
from edi_assets.ledger import Ledger
from edi_assets.scorecards import PNG_MAGIC, build_scorecard, envelope_times, x12_moment
from tests.matching.builders import acknowledgment, invoice, ship_notice
from tests.scorecards.conftest import CUSTOMERS, Timeline, acme, envelope, minute

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
T0 = minute(dt.datetime.now(dt.UTC)) - 20 * DAY


def answered(timeline: Timeline, *, ack_after: dt.timedelta, ship_on: dt.date,
             invoice_after: dt.timedelta) -> None:
    """steelco got PO10001 at T0 and sent its 997 an hour later, its 855, 856 and 810 when told."""
    group = timeline.sent_850("PO10001", at=T0, ship_by=(T0 + 3 * DAY).date())
    timeline.ack_997(group, at=T0 + HOUR)
    timeline.received("855", acknowledgment(("1", "10-1000", "40", "125.50", "IA", "40")), at=T0 + ack_after)
    shipped = dt.datetime.combine(ship_on, dt.time(10, 0), tzinfo=dt.UTC)
    timeline.received("856", ship_notice(("1", "10-1000", "40")), at=shipped)
    timeline.received("810", invoice(("1", "10-1000", "40", "125.50")), at=shipped + invoice_after)


def statuses(ledger: Ledger, as_of: dt.datetime | None = None) -> dict[str, str]:
    card = build_scorecard(ledger, acme(), as_of=as_of)
    return {d.doc_type: d.status(card.as_of) for d in card.deadlines if d.partner == "steelco"}


# -- times --------------------------------------------------------------------------------------------------------


def test_x12_dates_and_times_are_read_as_utc() -> None:
    assert x12_moment("20261121", "1429") == dt.datetime(2026, 11, 21, 14, 29, tzinfo=dt.UTC)
    assert x12_moment("261121", "142905") == dt.datetime(2026, 11, 21, 14, 29, 5, tzinfo=dt.UTC)
    assert x12_moment("20261321", "1429") is None


def test_a_groups_time_is_read_from_its_gs_and_an_interchanges_from_its_isa() -> None:
    at = dt.datetime(2026, 11, 21, 14, 29, tzinfo=dt.UTC)
    content = envelope("steelco", "855", at, 12, 3).replace(b"*20261121*1429*", b"*20261121*1431*")
    assert envelope_times(content) == {("000000012", ""): at, ("000000012", "3"): at + 2 * dt.timedelta(minutes=1)}


def test_the_scorecard_judges_a_document_by_its_envelope_time_not_by_when_we_recorded_it(
        ledger: Ledger, timeline: Timeline) -> None:
    answered(timeline, ack_after=2 * HOUR, ship_on=(T0 + DAY).date(), invoice_after=DAY)
    card = build_scorecard(ledger, acme())
    [ack] = [d for d in card.deadlines if d.doc_type == "855"]
    assert ack.received_at == T0 + 2 * HOUR  # recorded just now, twenty days later
    assert statuses(ledger) == {"997": "on_time", "855": "on_time", "856": "on_time", "810": "on_time"}


def test_late_answers_are_late(ledger: Ledger, timeline: Timeline) -> None:
    answered(timeline, ack_after=25 * HOUR, ship_on=(T0 + 4 * DAY).date(), invoice_after=10 * DAY + HOUR)
    assert statuses(ledger) == {"997": "on_time", "855": "late", "856": "late", "810": "late"}


def test_the_850_clock_starts_when_cleo_accepted_the_upload(ledger: Ledger, timeline: Timeline) -> None:
    timeline.sent_850("PO10001", at=T0)
    card = build_scorecard(ledger, acme())
    assert {d.doc_type: d.due_at for d in card.deadlines} == {"855": T0 + 24 * HOUR, "997": T0 + 4 * HOUR}


def test_an_850_not_uploaded_yet_sets_no_deadline(ledger: Ledger) -> None:
    ledger.document(customer="acme", partner="steelco", direction="out", doc_type="850", doc_key="PO PO1@1",
                    number="PO1", payload={}, state="pending")
    assert build_scorecard(ledger, acme()).deadlines == []


def test_what_was_not_sent_by_the_deadline_is_overdue(ledger: Ledger, timeline: Timeline) -> None:
    timeline.sent_850("PO10001", at=T0, ship_by=(T0 + 3 * DAY).date())
    card = build_scorecard(ledger, acme(), as_of=T0 + 5 * DAY)
    assert [(d.doc_type, d.status(card.as_of)) for d in card.overdue] == [
        ("997", "missing"), ("855", "missing"), ("856", "missing")]
    assert card.below_threshold == ["steelco"]


# -- the command line -----------------------------------------------------------------------------------------


def test_edi_scorecard_prints_the_rates_the_weeks_and_what_is_overdue_and_writes_the_plot(
        ledger: Ledger, timeline: Timeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    timeline.sent_850("PO10001", at=T0, ship_by=(T0 + 3 * DAY).date())
    timeline.received("855", acknowledgment(("1", "10-1000", "40", "125.50", "IA", "40")), at=T0 + 30 * HOUR)
    plot = tmp_path / "acme.png"
    code = edi(["scorecard", "acme", "--ledger-url", ledger.url, "--customers", str(CUSTOMERS),
                "--as-of", (T0 + 5 * DAY).isoformat(), "--png", str(plot)])
    out = capsys.readouterr().out
    assert code == 0
    assert "acme (Acme Manufacturing): partner scorecard as of" in out
    assert "on-time rate over the last 4 ISO weeks" in out
    assert "856 for PO PO10001 (ship by" in out  # overdue
    assert "855" in out
    assert plot.read_bytes().startswith(PNG_MAGIC)


def test_edi_scorecard_names_an_unknown_customer(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    assert edi(["scorecard", "nobody", "--ledger-url", ledger.url, "--customers", str(CUSTOMERS)]) == 1
    assert "no customer 'nobody'" in capsys.readouterr().out
