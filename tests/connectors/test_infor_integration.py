"""The Infor connector against the Infor simulator over real HTTP: 810 → APS450MI batches, POs → 850, faults.

Each test resets the simulator (data, settings, clock, faults, tokens). Retries do not sleep.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.errors import AuthenticationError, MappingError, OutcomeUnknown, RemoteRejected
from edi_assets.connectors.infor import InforConnector, M3Rejected
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.retry import RetryPolicy, RetrySettings
from edi_assets.customers import CustomersFile
from edi_assets.documents import AllowanceCharge, Invoice, InvoiceLine, ItemId, PurchaseOrder
from tests.connectors.conftest import credentials_from, demo_xref, reset_simulator, simulator_state

TI = "EVERGREEN_PRD"
ServedConnector = Callable[..., InforConnector]


@pytest.fixture
def root(simulator: Callable[[str], str]) -> str:
    url = simulator("infor")
    reset_simulator(url)
    return url


@pytest.fixture
def ionapi(root: str) -> dict[str, str]:
    body: dict[str, str] = httpx.get(f"{root}/_sim/ionapi/{TI}").json()
    return body


@pytest.fixture
def make(ionapi: dict[str, str], demo_customers: CustomersFile, limiter: RateLimiter) -> Iterator[ServedConnector]:
    """``make(**ionapi_changes)``: the evergreen connector on the simulator's `.ionapi` file; closed afterwards."""
    import json

    made: list[InforConnector] = []

    def build(grid_ceiling: int = 1000, **changes: str) -> InforConnector:
        text = json.dumps({**ionapi, **changes})
        retry = RetryPolicy(RetrySettings(max_attempts=4, initial_backoff_seconds=0.01), sleep=lambda _: None)
        connector = InforConnector(demo_customers.get("evergreen"), credentials_from({"infor.ionapi": text}),
                                   limiter, retry=retry, grid_ceiling=grid_ceiling,
                                   today=lambda: dt.date(2026, 11, 21))
        made.append(connector)
        return connector

    yield build
    for connector in made:
        connector.close()


@pytest.fixture
def xref() -> CrossReference:
    return demo_xref("evergreen")


def m3(root: str) -> dict[str, Any]:
    state: dict[str, Any] = simulator_state(root)["tenants"][0]["m3"]
    return state


def batches(root: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = m3(root)["invoice_batches"]
    return found


def faults(root: str, *rules: dict[str, Any]) -> None:
    httpx.post(f"{root}/_sim/faults", json={"rules": list(rules)}).raise_for_status()


def settings(root: str, **changes: Any) -> None:
    httpx.post(f"{root}/_sim/settings", json=changes).raise_for_status()


def add_po(root: str, **order: Any) -> None:
    httpx.post(f"{root}/_sim/purchase_orders/{TI}", json=order).raise_for_status()


def grainco_invoice(number: str = "GC-881", **changes: Any) -> Invoice:
    values: dict[str, Any] = dict(
        invoice_number=number, invoice_date=dt.date(2026, 11, 20), po_number="4000001", currency="USD",
        lines=[
            InvoiceLine(line_number="10", quantity=Decimal(80), unit="BG", unit_price=Decimal("18.20"),
                        item_ids=[ItemId(qualifier="BP", value="FLOUR-25KG")]),
            InvoiceLine(line_number="20", quantity=Decimal(40), unit="BG", unit_price=Decimal("22.10"),
                        item_ids=[ItemId(qualifier="BP", value="OATS-25KG")]),
        ],
        total_amount=Decimal("2340.00"),
    )
    values.update(changes)
    return Invoice(**values)


# -- inbound 810 → APS450MI -------------------------------------------------------------------------------

def test_an_invoice_becomes_a_validated_and_posted_invoice_batch(root: str, make: ServedConnector,
                                                                  xref: CrossReference) -> None:
    posting = make().post(grainco_invoice(), partner="grainco", xref=xref)

    [batch] = batches(root)
    assert (posting.record_kind, posting.record_id, posting.existed) == ("SupplierInvoiceBatch", batch["INBN"], False)
    assert posting.detail["VONO"] == batch["VONO"] != "0"
    assert batch["posted"] is True
    assert {k: batch[k] for k in ("DIVI", "SUNO", "SINO", "IVDT", "CUAM", "PUNO")} == {
        "DIVI": "AAA", "SUNO": "GRAIN01", "SINO": "GC-881", "IVDT": "20261120", "CUAM": "2340", "PUNO": "4000001"}
    assert [(ln["PNLI"], ln["ITNO"], ln["NLAM"], ln["IVQA"]) for ln in batch["lines"]] == [
        ("10", "FLOUR-25KG", "1456", "80"), ("20", "OATS-25KG", "884", "40")]


def test_charges_are_posted_as_lines_that_balance_the_batch(root: str, make: ServedConnector,
                                                            xref: CrossReference) -> None:
    invoice = grainco_invoice(allowances_charges=[AllowanceCharge(indicator="C", code="D240", amount=Decimal(45))],
                              total_amount=Decimal("2385.00"))

    make().post(invoice, partner="grainco", xref=xref)

    [batch] = batches(root)
    assert batch["posted"] is True
    assert batch["lines"][-1]["NLAM"] == "45"


def test_find_is_none_before_the_invoice_is_posted(root: str, make: ServedConnector, xref: CrossReference) -> None:
    assert make().find(grainco_invoice(), partner="grainco", xref=xref) is None


def test_find_returns_the_posted_batch_and_a_second_post_creates_no_duplicate(
        root: str, make: ServedConnector, xref: CrossReference) -> None:
    connector = make()
    first = connector.post(grainco_invoice(), partner="grainco", xref=xref)

    found = connector.find(grainco_invoice(), partner="grainco", xref=xref)
    again = connector.post(grainco_invoice(), partner="grainco", xref=xref)

    assert found is not None
    assert (found.record_id, found.existed) == (first.record_id, True)
    assert (again.record_id, again.existed) == (first.record_id, True)
    assert len(batches(root)) == 1


@pytest.mark.parametrize("transaction", ["APS450MI/AddHead", "APS450MI/AddLine", "APS455MI/ValidByBatchNo"])
def test_a_post_cut_off_mid_way_is_outcome_unknown_and_completed_by_the_next(
        root: str, make: ServedConnector, xref: CrossReference, transaction: str) -> None:
    faults(root, {"kind": "drop", "path": f"*/execute/{transaction}*", "times": 1})
    connector = make()

    with pytest.raises(OutcomeUnknown):
        connector.post(grainco_invoice(), partner="grainco", xref=xref)
    assert connector.find(grainco_invoice(), partner="grainco", xref=xref) is None  # not posted yet
    posting = connector.post(grainco_invoice(), partner="grainco", xref=xref)

    [batch] = batches(root)
    assert (posting.record_id, batch["posted"], len(batch["lines"])) == (batch["INBN"], True, 2)


def test_an_open_batch_left_by_a_crash_is_completed_not_duplicated(root: str, make: ServedConnector,
                                                                   xref: CrossReference) -> None:
    connector = make()
    inbn = connector.client.add_invoice_head({"SUNO": "GRAIN01", "SINO": "GC-881", "IVDT": "20261120",
                                              "CUAM": "2340.00", "PUNO": "4000001"})
    connector.client.add_invoice_line(inbn, {"RDTP": "1", "NLAM": "1456.00", "PUNO": "4000001", "PNLI": "10"})

    posting = connector.post(grainco_invoice(), partner="grainco", xref=xref)

    [batch] = batches(root)
    assert (posting.record_id, batch["posted"]) == (inbn, True)
    assert [ln["PNLI"] for ln in batch["lines"]] == ["10", "20"]


def test_an_invoice_that_does_not_balance_is_rejected_and_its_batch_left_open(
        root: str, make: ServedConnector, xref: CrossReference) -> None:
    expected = r"batch \d+ did not pass APS455MI validation: errors in the head"
    with pytest.raises(RemoteRejected, match=expected) as caught:
        make().post(grainco_invoice(total_amount=Decimal("2500.00")), partner="grainco", xref=xref)

    [batch] = batches(root)
    assert (batch["posted"], batch["IBHE"]) == (False, "1")
    assert (caught.value.field, caught.value.document, caught.value.partner) == ("INBN", "GC-881", "grainco")


def test_a_line_pointing_at_an_unknown_po_line_is_rejected(root: str, make: ServedConnector,
                                                           xref: CrossReference) -> None:
    invoice = grainco_invoice()
    lines = [invoice.lines[0].model_copy(update={"line_number": "30"}), invoice.lines[1]]

    with pytest.raises(RemoteRejected, match="errors in the lines"):
        make().post(invoice.model_copy(update={"lines": lines}), partner="grainco", xref=xref)


def test_validation_errors_answered_as_nok_are_rejected_with_m3s_message(
        root: str, make: ServedConnector, xref: CrossReference) -> None:
    settings(root, validation_errors_as_nok=True)

    with pytest.raises(M3Rejected, match=r"Invoice batch \d+ has errors") as caught:
        make().post(grainco_invoice(total_amount=Decimal("1.00")), partner="grainco", xref=xref)

    assert (caught.value.operation, caught.value.field) == ("APS455MI/ValidByBatchNo", "INBN")


def test_an_unknown_supplier_is_rejected_with_m3s_message_and_field(root: str, make: ServedConnector,
                                                                    xref: CrossReference) -> None:
    xref.parties[("grainco", "supplier")] = "S999"

    with pytest.raises(M3Rejected) as caught:
        make().post(grainco_invoice(), partner="grainco", xref=xref)

    assert (caught.value.remote_message, caught.value.field) == ("Supplier S999 does not exist", "SUNO")
    assert batches(root) == []


def test_a_document_that_does_not_map_posts_nothing(root: str, make: ServedConnector, xref: CrossReference) -> None:
    invoice = grainco_invoice(lines=[InvoiceLine(line_number="10", quantity=Decimal(1), unit_price=Decimal(1),
                                                 item_ids=[ItemId(qualifier="VP", value="GC-UNKNOWN")])])

    with pytest.raises(MappingError, match="GC-UNKNOWN"):
        make().post(invoice, partner="grainco", xref=xref)

    assert batches(root) == []


# -- outbound POs → 850 -----------------------------------------------------------------------------------

def test_outbound_reads_every_purchase_order_for_its_partner(root: str, make: ServedConnector,
                                                             xref: CrossReference) -> None:
    batch = make().outbound(None, xref=xref)

    assert batch.cursor == "20261109"
    assert batch.skipped == []
    assert [(d.partner, d.erp_key) for d in batch.documents] == [("grainco", "PO 4000001"),
                                                                 ("coldchain", "PO 4000002")]
    order = batch.documents[0].document
    assert isinstance(order, PurchaseOrder)
    assert [(ln.line_number, ln.item("BP"), ln.unit, ln.quantity, ln.unit_price) for ln in order.lines] == [
        ("10", "FLOUR-25KG", "BG", Decimal(80), Decimal("18.2")),
        ("20", "OATS-25KG", "BG", Decimal(40), Decimal("22.1")),
    ]
    seller = order.party("SE")
    assert seller is not None
    assert seller.name == "GrainCo Mills"
    reefer = batch.documents[1].document
    assert isinstance(reefer, PurchaseOrder)
    assert reefer.lines[0].unit == "DA"  # units.csv: X12 DA is M3's DAY


def test_outbound_since_a_cursor_reads_what_changed_on_or_after_its_day(root: str, make: ServedConnector,
                                                                        xref: CrossReference) -> None:
    connector = make()
    first = connector.outbound(None, xref=xref)
    add_po(root, PUNO="4000003", SUNO="GRAIN01", PUDT="20261115", LMDT="20261115",
           lines=[{"PNLI": 10, "ITNO": "FLOUR-25KG", "ORQA": 20, "PUPR": 18.2, "PUUN": "BAG"}])

    second = connector.outbound(first.cursor, xref=xref)

    assert [d.erp_key for d in second.documents] == ["PO 4000002", "PO 4000003"]
    assert second.cursor == "20261115"
    repeated = {d.erp_key: d.revision for d in first.documents}
    assert second.documents[0].revision == repeated["PO 4000002"]  # unchanged: the pipeline sees a repeat


def test_a_change_to_an_order_gives_it_a_new_revision(root: str, make: ServedConnector, xref: CrossReference) -> None:
    connector = make()
    before = {d.erp_key: d.revision for d in connector.outbound(None, xref=xref).documents}

    connector.client.execute("PPS200MI", "UpdLine", {"PUNO": "4000001", "PNLI": "10", "ORQA": "90"}, write=True)
    after = {d.erp_key: d.revision for d in connector.outbound("20261107", xref=xref).documents}

    assert after["PO 4000001"] != before["PO 4000001"]


def test_a_po_of_a_supplier_that_is_no_partner_is_skipped_with_the_reason(root: str, make: ServedConnector,
                                                                          xref: CrossReference) -> None:
    add_po(root, PUNO="4000009", SUNO="OTHER01", PUDT="20261110", LMDT="20261110",
           lines=[{"PNLI": 10, "ITNO": "SALT", "ORQA": 1, "PUPR": 1, "PUUN": "EA"}])

    batch = make().outbound(None, xref=xref)

    assert batch.skipped == ["PO 4000009: supplier OTHER01 is not a trading partner (partners.csv)"]
    assert "PO 4000009" not in [d.erp_key for d in batch.documents]
    assert batch.cursor == "20261110"


def test_a_full_answer_is_split_by_date_until_every_order_is_read(root: str, make: ServedConnector,
                                                                   xref: CrossReference) -> None:
    settings(root, grid_ceiling=2)
    for number, day in (("4000003", "20261001"), ("4000004", "20261201"), ("4000005", "20261108")):
        add_po(root, PUNO=number, SUNO="COLD01", PUDT=day, LMDT=day,
               lines=[{"PNLI": 10, "ITNO": "REEFER-DAY", "ORQA": 1, "PUPR": 410, "PUUN": "DAY"}])

    batch = make(grid_ceiling=2).outbound(None, xref=xref)

    assert sorted(d.erp_key for d in batch.documents) == [f"PO {n}" for n in range(4000001, 4000006)]
    assert batch.cursor == "20261201"


def test_a_partial_list_ending_in_an_error_fails_the_read(root: str, make: ServedConnector,
                                                          xref: CrossReference) -> None:
    settings(root, partial_list_error_after=1, partial_list_transactions=["PPS200MI/SearchHead"])

    with pytest.raises(M3Rejected, match="the list ended in this error after 1 records") as caught:
        make().outbound(None, xref=xref)

    assert len(caught.value.records) == 1


# -- faults -----------------------------------------------------------------------------------------------

def test_throttling_is_survived(root: str, make: ServedConnector, xref: CrossReference) -> None:
    faults(root, {"kind": "status", "status": 429, "retry_after": 1, "path": "*/PPS200MI/SearchHead*", "times": 2})

    assert len(make().outbound(None, xref=xref).documents) == 2


def test_a_server_outage_on_a_read_is_survived(root: str, make: ServedConnector, xref: CrossReference) -> None:
    faults(root, {"kind": "status", "status": 503, "path": "*/APS450MI/LstInvBySupInv*", "times": 2})

    assert make().post(grainco_invoice(), partner="grainco", xref=xref).existed is False


def test_a_token_endpoint_outage_is_survived(root: str, make: ServedConnector, xref: CrossReference) -> None:
    faults(root, {"kind": "status", "status": 503, "path": f"/{TI}/as/token.oauth2", "times": 1})

    assert make().post(grainco_invoice(), partner="grainco", xref=xref).existed is False


def test_revoked_tokens_are_replaced_by_a_new_grant(root: str, make: ServedConnector, xref: CrossReference) -> None:
    connector = make()
    connector.outbound(None, xref=xref)
    faults(root, {"kind": "revoke_tokens", "path": "*/APS450MI/*", "times": 1})

    assert connector.post(grainco_invoice(), partner="grainco", xref=xref).existed is False


def test_a_token_expiring_mid_run_is_renewed(root: str, make: ServedConnector, xref: CrossReference) -> None:
    connector = make()
    connector.outbound(None, xref=xref)
    httpx.post(f"{root}/_sim/clock", json={"advance": 7300}).raise_for_status()

    assert connector.post(grainco_invoice(), partner="grainco", xref=xref).existed is False


def test_refused_service_account_keys_are_an_authentication_error(root: str, make: ServedConnector,
                                                                  xref: CrossReference) -> None:
    with pytest.raises(AuthenticationError, match="Invalid resource owner credentials"):
        make(sask="not-the-secret-key").outbound(None, xref=xref)


# -- secrets ----------------------------------------------------------------------------------------------

def test_no_demo_secret_reaches_logs_or_exceptions(root: str, make: ServedConnector, ionapi: dict[str, str],
                                                   xref: CrossReference, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    connector = make()
    connector.post(grainco_invoice(), partner="grainco", xref=xref)
    connector.outbound(None, xref=xref)
    faults(root, {"kind": "revoke_tokens", "path": "*", "times": 1})
    connector.outbound(None, xref=xref)
    errors: list[Exception] = []
    for broken in ({"cs": "wrong-client-secret"}, {"sask": "wrong-secret-key"}):
        with pytest.raises(AuthenticationError) as caught:
            make(**broken).outbound(None, xref=xref)
        errors.append(caught.value)

    secrets = [ionapi["cs"], ionapi["saak"], ionapi["sask"], "wrong-client-secret", "wrong-secret-key"]
    assert "ValidByBatchNo" in caplog.text
    for text in [caplog.text, *(str(e) for e in errors), *(repr(e) for e in errors)]:
        for secret in secrets:
            assert secret not in text
