"""Scorecard figures against a scenario with known lateness: the demo scenario, with steelco's delays set so its
855, 856 and 810 come late (packright keeps the demo's prompt ones), run through the whole pipeline: POs out
from QAD as 850s, the partners answer on the simulator clock, their files come in through Cleo.

acme's SLA (customers.yaml): 855 within 24 h, 856 by the ship date the 850 asked for, 810 within 10 days of the
856, 997 within 4 h (default), on-time rate at least 0.9 (default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from edi_assets.connectors.cleo import CleoClient
from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.erp import CredentialSource
from edi_assets.ledger import Ledger
from edi_assets.pipeline.inbound import fetch_files, finish_files, post_documents, read_files
from edi_assets.pipeline.outbound import collect_documents, send_documents
from edi_assets.pipeline.runtime import CustomerRuntime
from edi_assets.scorecards import Scorecard, build_scorecard
from simulators.core.scenario import load_scenario
from tests.pipeline.conftest import DEMO_SECRETS, FAST_RETRY, MAPPINGS, customers_for, partners_answer
from tests.scorecards.conftest import ScenarioFleet

HOUR, DAY = 3600.0, 86400.0
TODAY = dt.datetime.now(dt.UTC).date()
#: steelco's answers, seconds after it read the 850: 855 after 30 h (24 h allowed), 856 after 31 h (PO10001 asked
#: to ship yesterday), 810 eleven days after the 856 (ten allowed). The 997 after 5 s, as in the demo.
STEELCO_DELAYS = {"ack997": 5, "ack855": 30 * HOUR, "ship856": 31 * HOUR, "invoice810": 31 * HOUR + 11 * DAY}


def late_steelco() -> dict[str, Any]:
    scenario = load_scenario("demo")
    for partner in scenario["partners"]["network"]:
        if partner["id"] == "steelco":
            partner["delays"] = STEELCO_DELAYS
    [tenant] = [t for t in scenario["qad"]["tenants"] if t["id"] == "acme"]
    ship_by = {"PO10001": TODAY - dt.timedelta(days=1), "PO10002": TODAY + dt.timedelta(days=5)}
    for order in tenant["purchase_orders"]:
        order["orderDate"] = (TODAY - dt.timedelta(days=10)).isoformat()
        order["dueDate"] = ship_by[order["purchaseOrderNumber"]].isoformat()
    return scenario


@pytest.fixture(scope="module")
def fleet() -> Iterator[ScenarioFleet]:
    running = ScenarioFleet(late_steelco())
    yield running
    running.stop()


@pytest.fixture(scope="module")
def story(fleet: ScenarioFleet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Scorecard]]:
    """The whole cycle once; the scorecard taken while steelco's 810 is overdue, and again after it came."""
    ledger = Ledger(f"sqlite:///{tmp_path_factory.mktemp('scorecard') / 'ledger.sqlite'}")
    customer = customers_for(fleet, "cleo", "qad").get("acme")
    credentials: CredentialSource = lambda name: SecretStr(DEMO_SECRETS["acme"][name])  # noqa: E731
    # Cleo checks acme's two-factor codes on its own clock, which the story moves weeks ahead: the client's
    # codes must come from that clock too.
    cleo = CleoClient.from_customer(customer, credentials, retry=FAST_RETRY,
                                    wall_clock=lambda: sim_now(fleet).timestamp())
    rt = CustomerRuntime(customer=customer, ledger=ledger, xref=CrossReference.load("acme", MAPPINGS),
                         credentials=credentials, retry=FAST_RETRY, _cleo=cleo)
    try:
        yield run_story(fleet, rt)
    finally:
        rt.close()
        ledger.close()


def run_inbound(rt: CustomerRuntime) -> None:
    fetch_files(rt)
    read_files(rt)
    post_documents(rt)
    finish_files(rt)


def sim_now(fleet: ScenarioFleet) -> dt.datetime:
    return dt.datetime.fromtimestamp(httpx.get(f"{fleet.url('cleo')}/_sim/clock", timeout=30).json()["now"], dt.UTC)


def run_story(fleet: ScenarioFleet, rt: CustomerRuntime) -> dict[str, Scorecard]:
    fleet.reset()
    collect_documents(rt)
    send_documents(rt)
    partners_answer(fleet, 1)  # the partners read the 850s
    for step in (10, 30, 200, 200):  # 997s; packright's 855 (30 s), 856 (200 s), 810 (400 s), each on its tick
        partners_answer(fleet, step)
    run_inbound(rt)
    partners_answer(fleet, 30 * HOUR - 441 + 60)  # steelco's 855, a minute after its 30 h
    partners_answer(fleet, HOUR)  # steelco's 856
    run_inbound(rt)
    partners_answer(fleet, 10 * DAY + HOUR)  # an hour past steelco's 810 deadline; it is due a day later
    overdue = build_scorecard(rt.ledger, rt.customer, as_of=sim_now(fleet))
    partners_answer(fleet, DAY)
    run_inbound(rt)
    final = build_scorecard(rt.ledger, rt.customer, as_of=sim_now(fleet))
    return {"overdue": overdue, "final": final}


def totals(card: Scorecard, partner: str) -> dict[str, tuple[int, int, int, int]]:
    rows = card.weekly[card.weekly["partner"] == partner].groupby("document")[
        ["due", "on_time", "late", "missing"]].sum()
    return {str(doc): tuple(int(v) for v in row) for doc, row in rows.iterrows()}


def test_a_prompt_partner_is_on_time_for_every_document(story: dict[str, Scorecard]) -> None:
    assert totals(story["final"], "packright") == {
        "997": (1, 1, 0, 0), "855": (1, 1, 0, 0), "856": (1, 1, 0, 0), "810": (1, 1, 0, 0)}


def test_a_late_partner_is_late_for_each_document_its_delays_put_past_the_deadline(
        story: dict[str, Scorecard]) -> None:
    assert totals(story["final"], "steelco") == {
        "997": (1, 1, 0, 0), "855": (1, 0, 1, 0), "856": (1, 0, 1, 0), "810": (1, 0, 1, 0)}


def test_an_810_not_sent_by_its_deadline_is_missing_and_overdue_until_it_comes(story: dict[str, Scorecard]) -> None:
    card = story["overdue"]
    assert totals(card, "steelco")["810"] == (1, 0, 0, 1)
    assert [(d.partner, d.doc_type, d.po_number) for d in card.overdue] == [("steelco", "810", "PO10001")]
    assert story["final"].overdue == []


def test_the_856_counts_in_the_iso_week_of_the_ship_date_the_850_asked_for(story: dict[str, Scorecard]) -> None:
    weekly = story["final"].weekly
    yesterday = TODAY - dt.timedelta(days=1)
    year, week, _ = yesterday.isocalendar()
    row = weekly[(weekly["partner"] == "steelco") & (weekly["document"] == "856")]
    assert list(row["week"]) == [f"{year}-W{week:02d}"]


def test_the_late_partner_falls_below_the_threshold_and_the_prompt_one_does_not(
        story: dict[str, Scorecard]) -> None:
    partners = story["final"].partners.set_index("partner")
    assert partners.loc["steelco", "on_time_rate"] == 0.25
    assert partners.loc["packright", "on_time_rate"] == 1.0
    assert story["final"].below_threshold == ["steelco"]


def test_the_late_invoices_were_still_matched_and_posted(story: dict[str, Scorecard]) -> None:
    card = story["final"]
    invoices = [d for d in card.deadlines if d.doc_type == "810"]
    assert all(d.document_id is not None for d in invoices)
