"""Deadlines one by one, as pure functions of what was sent when (acme's SLA: 855 in 24 h, 856 by the ship date,
810 in 10 days, 997 in 4 h)."""

from __future__ import annotations

import datetime as dt

from edi_assets.customers import Sla
from edi_assets.documents import DateRef
from edi_assets.scorecards import Arrival, Deadline, SentGroup, SentOrder, deadlines, ship_by
from tests.matching.builders import purchase_order
from tests.scorecards.conftest import acme

T0 = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)  # a Monday
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
ACME = acme()
ALL = ("855", "856", "810")


def order(po: str = "PO1", *, at: dt.datetime = T0, ship: dt.date | None = dt.date(2026, 11, 18),
          partner: str = "steelco", document_id: int = 1) -> SentOrder:
    return SentOrder(partner=partner, po_number=po, document_id=document_id, sent_at=at, ship_by=ship)


def arrival(doc_type: str, at: dt.datetime, *, po: str = "PO1", number: str | None = None, document_id: int = 10,
            partner: str = "steelco", rejects: bool = False) -> Arrival:
    return Arrival(partner=partner, doc_type=doc_type, document_id=document_id, number=number, sent_at=at,
                   po_numbers=frozenset({po}), rejects_order=rejects)


def only(found: list[Deadline], doc_type: str) -> Deadline:
    [deadline] = [d for d in found if d.doc_type == doc_type]
    return deadline


def compute(orders: list[SentOrder], arrivals: list[Arrival], groups: list[SentGroup] | None = None,
            expected: tuple[str, ...] = ALL) -> list[Deadline]:
    return deadlines(orders, groups or [], arrivals, sla_for=ACME.sla_for, expected=expected)


# -- 855 --------------------------------------------------------------------------------------------------------


def test_an_855_exactly_at_the_deadline_is_on_time() -> None:
    deadline = only(compute([order()], [arrival("855", T0 + 24 * HOUR)]), "855")
    assert deadline.due_at == T0 + 24 * HOUR
    assert deadline.status(T0 + 30 * HOUR) == "on_time"


def test_an_855_a_minute_after_the_deadline_is_late() -> None:
    deadline = only(compute([order()], [arrival("855", T0 + 24 * HOUR + dt.timedelta(minutes=1))]), "855")
    assert deadline.status(T0 + 30 * HOUR) == "late"


def test_an_855_not_sent_is_open_until_the_deadline_then_missing() -> None:
    deadline = only(compute([order()], []), "855")
    assert deadline.status(T0 + 23 * HOUR) == "open"
    assert deadline.status(T0 + 25 * HOUR) == "missing"


def test_a_document_we_had_not_recorded_yet_at_the_time_asked_about_does_not_count_yet() -> None:
    late = Arrival(partner="steelco", doc_type="855", document_id=5, number=None, sent_at=T0 + 30 * HOUR,
                   recorded_at=T0 + 31 * HOUR, po_numbers=frozenset({"PO1"}))
    deadline = only(compute([order()], [late]), "855")
    assert deadline.status(T0 + 30 * HOUR + 30 * dt.timedelta(minutes=1)) == "missing"
    assert deadline.status(T0 + 32 * HOUR) == "late"


def test_the_855_clock_starts_with_the_first_850_of_the_po_not_a_later_revision() -> None:
    revisions = [order(at=T0), order(at=T0 + 20 * HOUR, document_id=2)]
    deadline = only(compute(revisions, [arrival("855", T0 + 30 * HOUR)]), "855")
    assert deadline.due_at == T0 + 24 * HOUR
    assert deadline.status(T0 + 40 * HOUR) == "late"


def test_the_first_855_meets_the_deadline() -> None:
    answers = [arrival("855", T0 + 30 * HOUR, document_id=11), arrival("855", T0 + 2 * HOUR, document_id=12)]
    assert only(compute([order()], answers), "855").document_id == 12


def test_a_partners_own_sla_overrides_the_customers() -> None:
    quick = Sla(ack855_hours=2).over(ACME.sla)
    found = deadlines([order()], [], [arrival("855", T0 + 3 * HOUR)], sla_for=lambda _: quick, expected=ALL)
    assert only(found, "855").status(T0 + 4 * HOUR) == "late"


# -- 856 --------------------------------------------------------------------------------------------------------


def test_an_856_by_the_end_of_the_ship_date_is_on_time() -> None:
    deadline = only(compute([order()], [arrival("856", dt.datetime(2026, 11, 18, 23, 59, tzinfo=dt.UTC))]), "856")
    assert deadline.status(T0 + 10 * DAY) == "on_time"


def test_an_856_the_day_after_the_ship_date_is_late() -> None:
    deadline = only(compute([order()], [arrival("856", dt.datetime(2026, 11, 19, 0, 0, tzinfo=dt.UTC))]), "856")
    assert deadline.status(T0 + 10 * DAY) == "late"


def test_the_grace_days_extend_the_ship_date() -> None:
    graced = Sla(ship856_grace_days=2).over(ACME.sla)
    found = deadlines([order()], [], [arrival("856", dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC))],
                      sla_for=lambda _: graced, expected=ALL)
    assert only(found, "856").status(T0 + 10 * DAY) == "on_time"


def test_an_850_that_asks_for_no_date_sets_no_856_deadline() -> None:
    assert [d.doc_type for d in compute([order(ship=None)], [])] == ["855"]


def test_an_855_rejecting_the_order_cancels_the_856_deadline() -> None:
    found = compute([order()], [arrival("855", T0 + HOUR, rejects=True)])
    assert [d.doc_type for d in found] == ["855"]


def test_the_ship_date_is_the_requested_ship_date_before_the_delivery_date() -> None:
    po = purchase_order(ship_by=dt.date(2026, 11, 30))
    assert ship_by(po) == dt.date(2026, 11, 30)  # DTM 002 only: the delivery date stands in
    po = po.model_copy(update={"dates": [*po.dates, DateRef(qualifier="010", date=dt.date(2026, 11, 25))]})
    assert ship_by(po) == dt.date(2026, 11, 25)


def test_without_a_header_date_the_earliest_line_date_is_the_ship_date() -> None:
    po = purchase_order()
    lines = [po.lines[0].model_copy(update={"dates": [DateRef(qualifier="002", date=dt.date(2026, 12, 3))]}),
             po.lines[1].model_copy(update={"dates": [DateRef(qualifier="002", date=dt.date(2026, 12, 1))]})]
    assert ship_by(po.model_copy(update={"lines": lines})) == dt.date(2026, 12, 1)


# -- 810 --------------------------------------------------------------------------------------------------------


def test_an_810_within_the_days_after_the_856_is_on_time_and_one_minute_later_is_late() -> None:
    shipped = T0 + 2 * DAY
    on_time = compute([order()], [arrival("856", shipped), arrival("810", shipped + 10 * DAY, document_id=11)])
    late = compute([order()], [arrival("856", shipped),
                               arrival("810", shipped + 10 * DAY + dt.timedelta(minutes=1), document_id=11)])
    assert only(on_time, "810").status(T0 + 30 * DAY) == "on_time"
    assert only(late, "810").status(T0 + 30 * DAY) == "late"


def test_each_856_expects_its_own_810_in_order() -> None:
    found = compute([order()], [arrival("856", T0 + DAY, number="SH1", document_id=11),
                                arrival("856", T0 + 3 * DAY, number="SH2", document_id=12),
                                arrival("810", T0 + 2 * DAY, document_id=13)])
    invoices = [d for d in found if d.doc_type == "810"]
    assert [(d.subject, d.document_id) for d in invoices] == [("810 for PO PO1 after 856 SH1", 13),
                                                              ("810 for PO PO1 after 856 SH2", None)]


def test_an_810_deadline_needs_no_850_only_the_856() -> None:
    found = compute([], [arrival("856", T0, po="PO9"), arrival("810", T0 + DAY, po="PO9", document_id=11)])
    assert [(d.doc_type, d.status(T0 + 2 * DAY)) for d in found] == [("810", "on_time")]


# -- 997 --------------------------------------------------------------------------------------------------------


def test_a_997_answers_the_group_it_names_whatever_its_zero_padding() -> None:
    group = SentGroup(partner="steelco", group_control_number="7", sent_at=T0, subject="850 PO1")
    ack = Arrival(partner="steelco", doc_type="997", document_id=20, number="0007", sent_at=T0 + 4 * HOUR,
                  acknowledges_group="0007")
    other = Arrival(partner="packright", doc_type="997", document_id=21, number="7", sent_at=T0 + HOUR,
                    acknowledges_group="7")
    deadline = only(compute([], [ack, other], [group]), "997")
    assert (deadline.document_id, deadline.status(T0 + DAY)) == (20, "on_time")


# -- flows ----------------------------------------------------------------------------------------------------


def test_only_documents_the_customer_receives_have_deadlines_besides_the_997() -> None:
    group = SentGroup(partner="steelco", group_control_number="1", sent_at=T0, subject="850 PO1")
    found = compute([order()], [arrival("856", T0 + DAY)], [group], expected=("810",))
    assert sorted(d.doc_type for d in found) == ["810", "997"]


def test_a_deadline_counts_in_the_iso_week_it_falls_in() -> None:
    sunday_night = Deadline(partner="p", doc_type="855", subject="x",
                            due_at=dt.datetime(2026, 11, 22, 23, 59, tzinfo=dt.UTC))
    assert sunday_night.week == "2026-W47"
    assert Deadline(partner="p", doc_type="855", subject="x",
                    due_at=dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)).week == "2026-W48"
