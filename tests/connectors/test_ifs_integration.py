"""The IFS connector against the IFS simulator over real HTTP, demo customer ``delta``.

Each test resets the simulator (data, clock, faults, tokens) and reads results back from ``/_sim/state``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest

from edi_assets.connectors.crossref import CostCentre, CrossReference
from edi_assets.connectors.errors import (
    AuthenticationError,
    ConcurrencyConflict,
    ConnectorError,
    MappingError,
    OutcomeUnknown,
)
from edi_assets.connectors.ifs import IfsConnector
from edi_assets.connectors.ratelimit import RateLimiter
from edi_assets.connectors.retry import RetryPolicy, RetrySettings
from edi_assets.customers import CustomersFile
from edi_assets.documents import Invoice, InvoiceLine, ItemId, ShipNotice, Terms

from .conftest import credentials_from, demo_customer, demo_xref, reset_simulator, simulator_state

CREDENTIALS = {"ifs.client_id": "delta-edi-integration", "ifs.client_secret": "delta-ifs-secret-1"}
FAST = RetrySettings(max_attempts=4, max_total_seconds=10, initial_backoff_seconds=0.01, max_backoff_seconds=0.05)


class Clock:
    """The connector's monotonic clock, movable so the token's 180 s lifetime passes at once."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


@pytest.fixture
def ifs(simulator: Callable[[str], str]) -> str:
    url = simulator("ifs")
    reset_simulator(url)
    return url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_connector(ifs: str, demo_customers: CustomersFile, limiter: RateLimiter,
                   clock: Clock) -> Iterator[Callable[..., IfsConnector]]:
    made: list[IfsConnector] = []

    def make(credentials: Mapping[str, str] = CREDENTIALS, **options: Any) -> IfsConnector:
        connector = IfsConnector(demo_customer(demo_customers, "delta", url=ifs), credentials_from(dict(credentials)),
                                 limiter, retry=RetryPolicy(FAST), clock=clock, **options)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def connector(make_connector: Callable[..., IfsConnector]) -> IfsConnector:
    return make_connector()


@pytest.fixture
def xref() -> CrossReference:
    """Delta's tables, with alloyworks' account and cost centre for the posting proposal."""
    tables = demo_xref("delta")
    tables.cost_centres["alloyworks"] = CostCentre(account="4010", cost_centre="CC100")
    return tables


def invoice(number: str = "AW-100", **changes: Any) -> Invoice:
    base: dict[str, Any] = dict(
        invoice_number=number, invoice_date=dt.date(2026, 11, 12), po_number="P1000", currency="USD",
        terms=[Terms(net_days=30)],
        lines=[InvoiceLine(line_number="1", quantity=Decimal(30), unit="PC", unit_price=Decimal("212.00"),
                           item_ids=[ItemId(qualifier="BP", value="AL-6061-SHEET")]),
               InvoiceLine(line_number="2", quantity=Decimal(12), unit="PC", unit_price=Decimal("480.00"),
                           item_ids=[ItemId(qualifier="BP", value="AL-7075-BAR")])],
        total_amount=Decimal("12726.00"))
    return Invoice(**{**base, **changes})


def tables(url: str) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = simulator_state(url)["tables"]
    return result


def invoices_numbered(url: str, number: str) -> list[dict[str, Any]]:
    return [row for row in tables(url)["invoices"] if row["InvoiceNo"] == number]


def faults(url: str, *rules: dict[str, Any]) -> None:
    httpx.post(f"{url}/_sim/faults", json={"rules": list(rules)}).raise_for_status()


def touch(url: str, entity_set: str, keys: dict[str, Any], **changes: Any) -> None:
    httpx.post(f"{url}/_sim/touch", json={"entity_set": entity_set, "keys": keys,
                                          "changes": changes}).raise_for_status()


def patches_without_if_match(connector: IfsConnector) -> list[str]:
    """Records every PATCH the connector sends that lacks If-Match (the list should stay empty)."""
    missing: list[str] = []

    def check(request: httpx.Request) -> None:
        if request.method == "PATCH" and not request.headers.get("If-Match"):
            missing.append(str(request.url))

    connector.client.api.http.event_hooks["request"].append(check)
    return missing


# -- inbound 810 ---------------------------------------------------------------------------------------------

def test_810_becomes_a_preliminary_manual_supplier_invoice(ifs: str, connector: IfsConnector,
                                                           xref: CrossReference) -> None:
    posting = connector.post(invoice(), partner="alloyworks", xref=xref)
    [row] = invoices_numbered(ifs, "AW-100")
    assert (posting.record_kind, posting.record_id, posting.existed) == ("ManualSupplierInvoice",
                                                                        str(row["InvoiceId"]), False)
    assert {k: row[k] for k in ("Company", "Identity", "InvoiceDate", "DueDate", "Currency", "PoRef", "GrossAmount",
                                "NetAmount", "VatAmount", "Objstate")} == {
        "Company": "10", "Identity": "S1000", "InvoiceDate": "2026-11-12", "DueDate": "2026-12-12",
        "Currency": "USD", "PoRef": "P1000", "GrossAmount": 12726.0, "NetAmount": 12120.0, "VatAmount": 606.0,
        "Objstate": "Preliminary"}
    assert posting.detail["etag"] == row["@odata.etag"]


def test_810_posting_proposal_rows_land_under_the_invoice(ifs: str, connector: IfsConnector,
                                                         xref: CrossReference) -> None:
    posting = connector.post(invoice(), partner="alloyworks", xref=xref)
    rows = [r for r in tables(ifs)["posting_proposals"] if str(r["InvoiceId"]) == posting.record_id]
    assert [(r["RowNo"], r["Account"], r["CodeB"], r["CurrAmount"]) for r in rows] == [
        (1, "4010", "CC100", 6360.0), (2, "4010", "CC100", 5760.0)]
    assert posting.detail["posting_proposal_rows"] == 2


def test_810_without_an_account_is_created_without_posting_proposal_and_says_so(ifs: str, connector: IfsConnector
                                                                                ) -> None:
    without_accounts = demo_xref("delta")
    without_accounts.cost_centres.clear()
    posting = connector.post(invoice(), partner="alloyworks", xref=without_accounts)
    assert [r for r in tables(ifs)["posting_proposals"] if str(r["InvoiceId"]) == posting.record_id] == []
    assert "cost_centres.csv" in posting.detail["note"]


def test_find_returns_none_before_and_the_invoice_after_the_post(ifs: str, connector: IfsConnector,
                                                                 xref: CrossReference) -> None:
    assert connector.find(invoice(), partner="alloyworks", xref=xref) is None
    posted = connector.post(invoice(), partner="alloyworks", xref=xref)
    found = connector.find(invoice(), partner="alloyworks", xref=xref)
    assert found is not None
    assert (found.existed, found.record_id) == (True, posted.record_id)


def test_second_post_after_find_creates_no_duplicate(ifs: str, connector: IfsConnector,
                                                     xref: CrossReference) -> None:
    connector.post(invoice(), partner="alloyworks", xref=xref)
    assert connector.find(invoice(), partner="alloyworks", xref=xref) is not None
    again = connector.post(invoice(), partner="alloyworks", xref=xref)
    assert again.existed
    assert len(invoices_numbered(ifs, "AW-100")) == 1
    assert len(tables(ifs)["posting_proposals"]) == 1 + 2  # the seeded invoice's row and ours


def test_existing_invoice_is_skipped_with_a_detail_for_the_audit(ifs: str, connector: IfsConnector) -> None:
    seeded = invoice("PP-7781", invoice_date=dt.date(2026, 11, 1), po_number=None, terms=[],
                     lines=[InvoiceLine(quantity=Decimal(1), unit_price=Decimal("1250.00"),
                                        item_ids=[ItemId(qualifier="BP", value="MACH")])],
                     total_amount=Decimal("1250.00"))
    before = len(tables(ifs)["invoices"])
    posting = connector.post(seeded, partner="precisionparts", xref=demo_xref("delta"))
    assert len(tables(ifs)["invoices"]) == before
    assert (posting.existed, posting.record_id) == (True, "1")
    assert "already exists in IFS as InvoiceId 1 (Preliminary)" in posting.detail["reconciled"]
    assert posting.detail["posting_proposal_rows"] == 1
    assert posting.detail["differences"] == {"GrossAmount": {"ifs": 1200.0, "document": 1250.0}}


def test_unmapped_supplier_is_a_mapping_error_and_nothing_is_created(ifs: str, connector: IfsConnector) -> None:
    before = tables(ifs)["invoices"]
    with pytest.raises(MappingError, match=r"partners\.csv"):
        connector.post(invoice(), partner="stranger", xref=demo_xref("delta"))
    assert tables(ifs)["invoices"] == before


def test_supplier_unknown_to_ifs_is_rejected_with_ifs_words(ifs: str, connector: IfsConnector) -> None:
    xref = demo_xref("delta")
    xref.parties[("alloyworks", "supplier")] = "S9999"
    with pytest.raises(ConnectorError, match="Identity S9999 does not exist") as caught:
        connector.post(invoice(), partner="alloyworks", xref=xref)
    assert (caught.value.status, caught.value.document, caught.value.partner) == (400, "AW-100", "alloyworks")


def test_ship_notice_is_not_an_ifs_flow(connector: IfsConnector) -> None:
    notice = ShipNotice(shipment_id="SH1", ship_notice_date=dt.date(2026, 11, 12))
    with pytest.raises(ValueError, match="only 810"):
        connector.post(notice, partner="alloyworks", xref=demo_xref("delta"))


# -- outbound POs --------------------------------------------------------------------------------------------

def test_first_outbound_read_gives_every_open_po_for_its_partner(connector: IfsConnector) -> None:
    batch = connector.outbound(None, xref=demo_xref("delta"))
    assert [(d.partner, d.erp_key) for d in batch.documents] == [("alloyworks", "PO P1000"),
                                                                 ("aerofasteners", "PO P1001")]
    p1000 = batch.documents[0].document
    assert [(li.line_number, li.item("BP"), li.quantity, li.unit, li.unit_price) for li in p1000.lines] == [
        ("1", "AL-6061-SHEET", Decimal(30), "PC", Decimal(212)), ("2", "AL-7075-BAR", Decimal(12), "PC", Decimal(480))]
    assert batch.documents[1].document.lines[0].description == "Fastener kitting service"
    assert batch.cursor is not None
    assert batch.skipped == []


def test_outbound_since_the_cursor_gives_nothing_when_nothing_changed(connector: IfsConnector) -> None:
    first = connector.outbound(None, xref=demo_xref("delta"))
    again = connector.outbound(first.cursor, xref=demo_xref("delta"))
    assert again.documents == []
    assert again.cursor == first.cursor


def test_outbound_since_the_cursor_gives_the_changed_po_with_a_new_revision(ifs: str,
                                                                            connector: IfsConnector) -> None:
    first = connector.outbound(None, xref=demo_xref("delta"))
    touch(ifs, "PurchaseOrderSet", {"OrderNo": "P1000"}, BuyerCode="ANNA")
    changed = connector.outbound(first.cursor, xref=demo_xref("delta"))
    assert [d.erp_key for d in changed.documents] == ["PO P1000"]
    assert changed.documents[0].revision != first.documents[0].revision
    assert connector.outbound(changed.cursor, xref=demo_xref("delta")).documents == []


def test_a_changed_line_brings_its_po_out_again(ifs: str, connector: IfsConnector) -> None:
    first = connector.outbound(None, xref=demo_xref("delta"))
    touch(ifs, "PurchaseOrderLineSet", {"OrderNo": "P1001", "LineNo": "1", "ReleaseNo": "1"}, BuyQtyDue=2)
    changed = connector.outbound(first.cursor, xref=demo_xref("delta"))
    assert [d.erp_key for d in changed.documents] == ["PO P1001"]
    assert changed.documents[0].document.lines[0].quantity == Decimal(2)


def test_change_a_second_later_is_found_by_its_stamp(ifs: str, connector: IfsConnector) -> None:
    first = connector.outbound(None, xref=demo_xref("delta"))
    httpx.post(f"{ifs}/_sim/clock", json={"advance": 5}).raise_for_status()
    touch(ifs, "PurchaseOrderSet", {"OrderNo": "P1001"}, BuyerCode="ANNA")
    changed = connector.outbound(first.cursor, xref=demo_xref("delta"))
    assert [d.erp_key for d in changed.documents] == ["PO P1001"]
    assert connector.outbound(changed.cursor, xref=demo_xref("delta")).documents == []


def test_server_driven_pages_are_all_read(ifs: str, connector: IfsConnector) -> None:
    httpx.post(f"{ifs}/_sim/settings", json={"page_size": 1}).raise_for_status()
    batch = connector.outbound(None, xref=demo_xref("delta"))
    assert [d.erp_key for d in batch.documents] == ["PO P1000", "PO P1001"]
    assert [len(d.document.lines) for d in batch.documents] == [2, 1]


def test_po_of_a_supplier_missing_from_partners_csv_is_skipped_with_the_reason(connector: IfsConnector) -> None:
    xref = demo_xref("delta")
    del xref.parties[("aerofasteners", "supplier")]
    batch = connector.outbound(None, xref=xref)
    assert [d.erp_key for d in batch.documents] == ["PO P1000"]
    assert batch.skipped == ["PO P1001: supplier S3000 is not in partners.csv of delta"]


# -- updates: etag, If-Match, 412 ----------------------------------------------------------------------------

def test_update_sends_if_match_and_changes_the_invoice(ifs: str, connector: IfsConnector) -> None:
    missing = patches_without_if_match(connector)
    posting = connector.update_invoice(1, {"PoRef": "P0999"})
    [row] = [r for r in tables(ifs)["invoices"] if r["InvoiceId"] == 1]
    assert row["PoRef"] == "P0999"
    assert (posting.detail["changed"], posting.detail["conflicts_retried"], posting.detail["etag"]) == (
        ["PoRef"], 0, row["@odata.etag"])
    assert missing == []


def test_record_changed_between_read_and_patch_is_reread_and_updated(ifs: str, connector: IfsConnector) -> None:
    missing = patches_without_if_match(connector)
    reads: list[Mapping[str, Any]] = []

    def changes(current: Mapping[str, Any]) -> dict[str, Any]:
        reads.append(current)
        if len(reads) == 1:  # another user saves the invoice after our read: our etag is stale
            touch(ifs, "ManSuppInvoiceSet", {"Company": "10", "InvoiceId": 1}, Currency="EUR")
        return {"PoRef": "P0999"}

    posting = connector.update_invoice(1, changes)
    [row] = [r for r in tables(ifs)["invoices"] if r["InvoiceId"] == 1]
    assert (row["PoRef"], row["Currency"]) == ("P0999", "EUR")  # ours applied, theirs kept
    assert posting.detail["conflicts_retried"] == 1
    assert reads[1]["@odata.etag"] != reads[0]["@odata.etag"]
    assert missing == []


def test_record_changed_before_every_patch_ends_in_concurrency_conflict(ifs: str,
                                                                         make_connector: Callable[..., IfsConnector]
                                                                         ) -> None:
    connector = make_connector(conflict_attempts=2)

    def changes(current: Mapping[str, Any]) -> dict[str, Any]:
        touch(ifs, "ManSuppInvoiceSet", {"Company": "10", "InvoiceId": 1}, Currency="EUR")
        return {"PoRef": "P0999"}

    with pytest.raises(ConcurrencyConflict, match="2 attempts"):
        connector.update_invoice(1, changes, document="PP-7781")
    [row] = [r for r in tables(ifs)["invoices"] if r["InvoiceId"] == 1]
    assert row.get("PoRef") is None


def test_simulator_refuses_a_patch_without_if_match(ifs: str, connector: IfsConnector) -> None:
    """Why the client never sends one: IFS answers 428 (the simulator's missing_if_match_status)."""
    path = connector.client.paths.invoice("10", 1)
    connector.client.changed_purchase_orders(None)  # a token
    response = connector.client.api.http.patch(path, json={"PoRef": "X"})
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "PRECONDITION_REQUIRED"


# -- tokens and faults ---------------------------------------------------------------------------------------

def token_grants(connector: IfsConnector) -> list[str]:
    grants: list[str] = []

    def record(request: httpx.Request) -> None:
        if request.url.path.endswith("/openid-connect/token"):
            grants.append(dict(httpx.QueryParams(request.content.decode()))["grant_type"])

    connector.client.api.http.event_hooks["request"].append(record)
    return grants


def test_token_is_refreshed_ahead_of_its_short_lifetime(connector: IfsConnector, clock: Clock) -> None:
    grants = token_grants(connector)
    connector.outbound(None, xref=demo_xref("delta"))
    clock.offset += 160  # 20 s of 180 left: inside the skew
    assert len(connector.outbound(None, xref=demo_xref("delta")).documents) == 2
    assert grants == ["client_credentials", "refresh_token"]


def test_token_expired_on_the_server_is_refreshed_on_401(ifs: str, connector: IfsConnector) -> None:
    grants = token_grants(connector)
    connector.outbound(None, xref=demo_xref("delta"))
    httpx.post(f"{ifs}/_sim/clock", json={"advance": 200}).raise_for_status()  # IFS's clock: token expired
    assert len(connector.outbound(None, xref=demo_xref("delta")).documents) == 2
    assert grants == ["client_credentials", "refresh_token"]


def test_revoked_tokens_are_survived_by_a_new_grant(ifs: str, connector: IfsConnector) -> None:
    grants = token_grants(connector)
    connector.outbound(None, xref=demo_xref("delta"))
    faults(ifs, {"kind": "revoke_tokens", "path": "*/PurchaseOrderSet", "times": 1})
    assert len(connector.outbound(None, xref=demo_xref("delta")).documents) == 2
    assert grants == ["client_credentials", "refresh_token", "client_credentials"]


def test_wrong_client_secret_is_an_authentication_error(make_connector: Callable[..., IfsConnector]) -> None:
    connector = make_connector({**CREDENTIALS, "ifs.client_secret": "not-the-secret"})
    with pytest.raises(AuthenticationError, match="Invalid client"):
        connector.outbound(None, xref=demo_xref("delta"))


def test_throttling_with_retry_after_is_survived(ifs: str, connector: IfsConnector) -> None:
    faults(ifs, {"kind": "status", "status": 429, "retry_after": 0, "path": "*/PurchaseOrderSet", "times": 1})
    assert len(connector.outbound(None, xref=demo_xref("delta")).documents) == 2
    assert [rule["fired"] for rule in httpx.get(f"{ifs}/_sim/faults").json()["rules"]] == [1]


def test_outage_of_a_read_is_survived(ifs: str, connector: IfsConnector) -> None:
    faults(ifs, {"kind": "status", "status": 503, "path": "*/PurchaseOrderLineSet", "times": 2})
    assert len(connector.outbound(None, xref=demo_xref("delta")).documents) == 2


def test_outage_of_the_create_is_outcome_unknown_then_reconciled(ifs: str, connector: IfsConnector,
                                                                  xref: CrossReference) -> None:
    faults(ifs, {"kind": "status", "status": 503, "method": "POST", "path": "*/ManSuppInvoiceSet", "times": 1})
    with pytest.raises(OutcomeUnknown):
        connector.post(invoice(), partner="alloyworks", xref=xref)
    assert connector.find(invoice(), partner="alloyworks", xref=xref) is None  # it never reached IFS
    assert not connector.post(invoice(), partner="alloyworks", xref=xref).existed
    assert len(invoices_numbered(ifs, "AW-100")) == 1


def test_failed_posting_proposal_row_shows_in_the_reconciled_detail(ifs: str, connector: IfsConnector,
                                                                    xref: CrossReference) -> None:
    faults(ifs, {"kind": "status", "status": 400, "method": "POST", "path": "*/PostingProposalArray",
                 "times": 1, "body": '{"error": {"code": "DATABASE_ERROR", "message": "Account 4010 is blocked"}}'})
    with pytest.raises(ConnectorError, match="Account 4010 is blocked"):
        connector.post(invoice(), partner="alloyworks", xref=xref)
    again = connector.post(invoice(), partner="alloyworks", xref=xref)
    assert again.existed
    assert (again.detail["posting_proposal_rows"], again.detail["expected_posting_proposal_rows"]) == (0, 2)
    assert "review it in IFS" in again.detail["note"]
    assert len(invoices_numbered(ifs, "AW-100")) == 1


# -- secrets -------------------------------------------------------------------------------------------------

def test_no_demo_secret_reaches_logs_or_errors(ifs: str, make_connector: Callable[..., IfsConnector],
                                               xref: CrossReference, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    connector = make_connector()
    connector.outbound(None, xref=xref)
    connector.post(invoice(), partner="alloyworks", xref=xref)
    faults(ifs, {"kind": "revoke_tokens", "path": "*", "times": 1})
    connector.find(invoice(), partner="alloyworks", xref=xref)
    issued = connector.auth.token
    assert issued is not None
    assert issued.refresh is not None
    errors: list[Exception] = []
    for credentials in ({**CREDENTIALS, "ifs.client_secret": "delta-ifs-secret-2"}, CREDENTIALS):
        faults(ifs, {"kind": "status", "status": 503, "method": "POST", "path": "*/ManSuppInvoiceSet"})
        try:
            make_connector(credentials).post(invoice("AW-101"), partner="alloyworks", xref=xref)
        except ConnectorError as error:
            errors.append(error)
    assert [type(e) for e in errors] == [AuthenticationError, OutcomeUnknown]
    secrets = ["delta-ifs-secret-1", "delta-ifs-secret-2", "delta-ifs-pass-1", issued.access.get_secret_value(),
               issued.refresh.get_secret_value()]
    for text in [caplog.text, *(str(e) for e in errors), *(repr(e) for e in errors)]:
        for secret in secrets:
            assert secret not in text
