"""QAD client and connector over mocked HTTP (respx): the password grant in the query string, token renewal,
QAD's error shapes (``success: false`` inside HTTP 200, bare ``errors``), retries, concurrency and redaction.

Time is a fake clock whose ``sleep`` only advances it, so no test sleeps.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from edi_assets.connectors.errors import (
    AuthenticationError,
    ConcurrencyConflict,
    ConnectorError,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    RemoteRejected,
    TransientError,
)
from edi_assets.connectors.qad import QadAuth, QadClient, QadConnector
from edi_assets.connectors.qad.client import INVOICE_VIEW, PO_VIEW, WORKSPACE_HEADER
from edi_assets.connectors.ratelimit import Limit, RateLimiter, RateLimitSettings
from edi_assets.connectors.redaction import redact_url
from edi_assets.connectors.retry import RetryPolicy, RetrySettings
from edi_assets.customers import CustomersFile
from edi_assets.documents import (
    AckLine,
    Invoice,
    InvoiceLine,
    ItemId,
    LineStatus,
    POAcknowledgment,
    PurchaseOrder,
    PurchaseOrderLine,
)
from tests.connectors.conftest import credentials_from, demo_customer, demo_xref

BASE = "https://acme.qad.test/clouderp"
TOKEN_URL = f"{BASE}/oauth/token"
HEADERS_URL = f"{BASE}/api/erp/purchaseOrderHeaders"
LINES_URL = f"{BASE}/api/erp/purchaseOrderLinesGrid"
INVOICES_URL = f"{BASE}/api/erp/supplierInvoices"
RECEIPTS_URL = f"{BASE}/api/erp/purchaseOrderReceipts"
USERNAME = "edi-user"
PASSWORD = "Qad p@ss&word!9"
CLIENT_ID = "qad-client-7731x"
CREDENTIALS = {"qad.username": USERNAME, "qad.password": PASSWORD, "qad.client_id": CLIENT_ID}


class FakeClock:
    """Monotonic time that only moves when the code under test sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class RecordingLimiter(RateLimiter):
    """The real cross-process limiter, remembering what it was asked for."""

    def __init__(self, settings: RateLimitSettings) -> None:
        super().__init__(settings)
        self.calls: list[tuple[str, str]] = []

    def acquire(self, system: str, key: str) -> None:
        self.calls.append((system, key))
        super().acquire(system, key)


class TokenEndpoint:
    """QAD's token endpoint: reads the grant from the query string only; refusals can be queued per grant."""

    def __init__(self, router: respx.MockRouter, expires_in: int = 3600) -> None:
        self.requests: list[httpx.Request] = []
        self.refusals: dict[str, list[httpx.Response]] = {}
        self.expires_in = expires_in
        self.issued = 0
        router.post(TOKEN_URL).mock(side_effect=self)

    @property
    def grants(self) -> list[str]:
        return [r.url.params["grant_type"] for r in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        grant = request.url.params["grant_type"]
        if self.refusals.get(grant):
            return self.refusals[grant].pop(0)
        self.issued += 1
        return httpx.Response(200, json={"access_token": f"acc-{self.issued}-4f9e2d", "token_type": "bearer",
                                         "refresh_token": f"ref-{self.issued}-8c1b7a",
                                         "expires_in": self.expires_in})


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens(router: respx.MockRouter) -> TokenEndpoint:
    return TokenEndpoint(router)


def policy(clock: FakeClock) -> RetryPolicy:
    return RetryPolicy(RetrySettings(max_attempts=4, initial_backoff_seconds=0.01, max_backoff_seconds=0.05),
                       sleep=clock.sleep, clock=clock)


def make_client(clock: FakeClock, *, entity: str | None = None, refresh_skew: float = 60.0) -> QadClient:
    auth = QadAuth(base_url=BASE, client_id=SecretStr(CLIENT_ID), username=USERNAME,
                   password=SecretStr(PASSWORD), refresh_skew=refresh_skew, clock=clock)
    return QadClient(base_url=BASE, domain="10USA", entity=entity, auth=auth, retry=policy(clock))


def make_connector(demo_customers: CustomersFile, clock: FakeClock, **changes: Any) -> QadConnector:
    customer = demo_customer(demo_customers, "acme", url=BASE, **changes)
    return QadConnector(customer, credentials_from(CREDENTIALS), retry=policy(clock), clock=clock)


def header_body(**changes: Any) -> dict[str, Any]:
    record = {"purchaseOrderNumber": "PO10001", "domainCode": "10USA", "supplierCode": "S-STEEL",
              "orderDate": "2026-11-02T00:00:00.000Z", "isConfirmed": False, "concurrencyHash": "hash-1", **changes}
    return {"data": {"purchaseOrderHeaders": [record]}}


def submitted(key: str, record: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.Response(200, json={"submitResult": {"success": True, "errors": []},
                                     "data": {key: [record or {}]}})


def refused(message: str, field: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"submitResult": {"success": False,
                                                         "errors": [{"message": message, "fieldName": field}]},
                                        "data": {}})


def bare(status: int, message: str, field: str = "") -> httpx.Response:
    return httpx.Response(status, json={"errors": [{"severity": 1, "code": str(status), "message": message,
                                                    "fieldName": field}]})


def bearer(route: respx.Route, index: int) -> str:
    return str(route.calls[index].request.headers["Authorization"])


def an_invoice() -> Invoice:
    return Invoice(invoice_number="INV-77", invoice_date=dt.date(2026, 11, 20), po_number="PO10001",
                   lines=[InvoiceLine(line_number="1", quantity=Decimal(40), unit_price=Decimal("125.5"),
                                      item_ids=[ItemId(qualifier="VP", value="SC-PL10")])],
                   total_amount=Decimal("5020.00"))


def an_acceptance() -> POAcknowledgment:
    return POAcknowledgment(ack_type="AD", po_number="PO10001", po_date=dt.date(2026, 11, 2))


# -- authentication ------------------------------------------------------------------------------------------

def test_password_grant_sends_every_credential_in_the_query_string(router: respx.MockRouter, tokens: TokenEndpoint,
                                                                   clock: FakeClock) -> None:
    router.get(HEADERS_URL).respond(200, json=header_body())
    make_client(clock).purchase_order("PO10001")
    grant = tokens.requests[0]
    assert dict(grant.url.params) == {"client_id": CLIENT_ID, "grant_type": "password", "username": USERNAME,
                                      "password": PASSWORD}
    assert grant.method == "POST"
    assert grant.content == b""


def test_the_token_is_fetched_once_and_sent_as_bearer(router: respx.MockRouter, tokens: TokenEndpoint,
                                                      clock: FakeClock) -> None:
    route = router.get(HEADERS_URL).respond(200, json=header_body())
    client = make_client(clock)
    for _ in range(3):
        client.purchase_order("PO10001")
    assert tokens.grants == ["password"]
    assert {bearer(route, i) for i in range(3)} == {"Bearer acc-1-4f9e2d"}


def test_the_workspace_header_names_domain_and_entity(router: respx.MockRouter, tokens: TokenEndpoint,
                                                      clock: FakeClock) -> None:
    route = router.get(HEADERS_URL).respond(200, json=header_body())
    make_client(clock, entity="10USACO").purchase_order("PO10001")
    assert route.calls[0].request.headers[WORKSPACE_HEADER] == "10USA_10USACO"


def test_no_workspace_header_without_an_entity(router: respx.MockRouter, tokens: TokenEndpoint,
                                               clock: FakeClock) -> None:
    route = router.get(HEADERS_URL).respond(200, json=header_body())
    make_client(clock).purchase_order("PO10001")
    assert WORKSPACE_HEADER not in route.calls[0].request.headers


def test_reads_name_the_view_and_the_domain(router: respx.MockRouter, tokens: TokenEndpoint,
                                            clock: FakeClock) -> None:
    route = router.get(HEADERS_URL).respond(200, json=header_body())
    make_client(clock).purchase_order("PO10001")
    assert dict(route.calls[0].request.url.params) == {"viewUri": PO_VIEW, "domainCode": "10USA",
                                                       "purchaseOrderNumber": "PO10001"}


def test_a_token_expired_mid_run_is_renewed_with_the_refresh_grant(router: respx.MockRouter, tokens: TokenEndpoint,
                                                                   clock: FakeClock) -> None:
    route = router.get(HEADERS_URL).mock(side_effect=[
        httpx.Response(200, json=header_body()),
        httpx.Response(401, json={"error": "invalid_token", "error_description": "Invalid or expired access token"}),
        httpx.Response(200, json=header_body())])
    client = make_client(clock)
    client.purchase_order("PO10001")
    client.purchase_order("PO10001")
    assert tokens.grants == ["password", "refresh_token"]
    assert tokens.requests[1].url.params["refresh_token"] == "ref-1-8c1b7a"
    assert tokens.requests[1].url.params["client_id"] == CLIENT_ID
    assert bearer(route, 2) == "Bearer acc-2-4f9e2d"


def test_a_token_about_to_expire_is_refreshed_before_sending(router: respx.MockRouter, clock: FakeClock) -> None:
    tokens = TokenEndpoint(router, expires_in=300)
    router.get(HEADERS_URL).respond(200, json=header_body())
    client = make_client(clock, refresh_skew=60)
    client.purchase_order("PO10001")
    clock.now += 250
    client.purchase_order("PO10001")
    assert tokens.grants == ["password", "refresh_token"]


def test_a_refused_refresh_falls_back_to_the_password_grant(router: respx.MockRouter, tokens: TokenEndpoint,
                                                            clock: FakeClock) -> None:
    router.get(HEADERS_URL).mock(side_effect=[httpx.Response(200, json=header_body()), httpx.Response(401),
                                              httpx.Response(200, json=header_body())])
    tokens.refusals["refresh_token"] = [httpx.Response(400, json={"error": "invalid_grant",
                                                                  "error_description": "Invalid refresh token"})]
    client = make_client(clock)
    client.purchase_order("PO10001")
    assert client.purchase_order("PO10001")["purchaseOrderNumber"] == "PO10001"
    assert tokens.grants == ["password", "refresh_token", "password"]


def test_refused_credentials_are_an_authentication_error_with_qads_reason(router: respx.MockRouter,
                                                                         tokens: TokenEndpoint,
                                                                         clock: FakeClock) -> None:
    route = router.get(HEADERS_URL).respond(200, json=header_body())
    tokens.refusals["password"] = [httpx.Response(400, json={"error": "invalid_grant",
                                                             "error_description": "Bad credentials"})]
    with pytest.raises(AuthenticationError, match="Bad credentials") as caught:
        make_client(clock).purchase_order("PO10001")
    assert route.call_count == 0
    assert caught.value.document == "PO10001"


def test_a_token_refused_again_after_renewal_is_an_authentication_error(router: respx.MockRouter,
                                                                       tokens: TokenEndpoint,
                                                                       clock: FakeClock) -> None:
    router.get(HEADERS_URL).respond(401, json={"error": "invalid_token"})
    with pytest.raises(AuthenticationError):
        make_client(clock).purchase_order("PO10001")
    assert tokens.grants == ["password", "refresh_token", "password"]


# -- retries -------------------------------------------------------------------------------------------------

def test_429_with_retry_after_is_waited_out_and_retried(router: respx.MockRouter, tokens: TokenEndpoint,
                                                        clock: FakeClock) -> None:
    route = router.get(HEADERS_URL).mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "Too Many Requests"}),
        httpx.Response(200, json=header_body())])
    make_client(clock).purchase_order("PO10001")
    assert route.call_count == 2
    assert clock.sleeps[0] >= 7


def test_429_on_an_invoice_create_is_retried(router: respx.MockRouter, tokens: TokenEndpoint,
                                             clock: FakeClock) -> None:
    route = router.post(INVOICES_URL).mock(side_effect=[httpx.Response(429, headers={"Retry-After": "1"}),
                                                        submitted("supplierInvoices", {"voucherNumber": "V1"})])
    assert make_client(clock).create_supplier_invoice({"supplierInvoiceReference": "INV-1"})["voucherNumber"] == "V1"
    assert route.call_count == 2


def test_persistent_429_ends_as_rate_limited(router: respx.MockRouter, tokens: TokenEndpoint,
                                             clock: FakeClock) -> None:
    router.get(HEADERS_URL).respond(429, headers={"Retry-After": "1"})
    with pytest.raises(RateLimited):
        make_client(clock).purchase_order("PO10001")


def test_5xx_on_a_read_is_retried(router: respx.MockRouter, tokens: TokenEndpoint, clock: FakeClock) -> None:
    route = router.get(HEADERS_URL).mock(side_effect=[httpx.Response(503), httpx.Response(502),
                                                      httpx.Response(200, json=header_body())])
    make_client(clock).purchase_order("PO10001")
    assert route.call_count == 3


def test_5xx_on_an_invoice_create_is_outcome_unknown_and_not_repeated(router: respx.MockRouter,
                                                                     tokens: TokenEndpoint,
                                                                     clock: FakeClock) -> None:
    route = router.post(INVOICES_URL).respond(503)
    with pytest.raises(OutcomeUnknown) as caught:
        make_client(clock).create_supplier_invoice({"supplierInvoiceReference": "INV-1"})
    assert route.call_count == 1
    assert caught.value.document == "INV-1"


def test_a_dropped_connection_on_a_receipt_create_is_outcome_unknown(router: respx.MockRouter,
                                                                    tokens: TokenEndpoint,
                                                                    clock: FakeClock) -> None:
    route = router.post(RECEIPTS_URL).mock(side_effect=httpx.ReadError("connection reset"))
    with pytest.raises(OutcomeUnknown):
        make_client(clock).create_receipts([{"purchaseOrderNumber": "PO10001"}])
    assert route.call_count == 1


def test_5xx_on_a_po_update_is_retried_because_its_hash_makes_a_repeat_harmless(router: respx.MockRouter,
                                                                               tokens: TokenEndpoint,
                                                                               clock: FakeClock) -> None:
    route = router.post(HEADERS_URL).mock(side_effect=[httpx.Response(503),
                                                       submitted("purchaseOrderHeaders")])
    make_client(clock).update_purchase_order({"purchaseOrderNumber": "PO10001", "concurrencyHash": "hash-1"})
    assert route.call_count == 2


def test_a_malformed_body_on_a_read_is_retried(router: respx.MockRouter, tokens: TokenEndpoint,
                                               clock: FakeClock) -> None:
    route = router.get(HEADERS_URL).mock(side_effect=[httpx.Response(200, content=b'{"truncated": [1, 2'),
                                                      httpx.Response(200, json=header_body())])
    make_client(clock).purchase_order("PO10001")
    assert route.call_count == 2


def test_persistent_5xx_on_a_read_ends_as_transient_error(router: respx.MockRouter, tokens: TokenEndpoint,
                                                          clock: FakeClock) -> None:
    route = router.get(HEADERS_URL).respond(500)
    with pytest.raises(TransientError) as caught:
        make_client(clock).purchase_order("PO10001")
    assert not isinstance(caught.value, OutcomeUnknown)
    assert route.call_count == 4


def test_every_attempt_waits_for_the_shared_limiter_keyed_by_resource(router: respx.MockRouter,
                                                                      tokens: TokenEndpoint, clock: FakeClock,
                                                                      tmp_path: Path) -> None:
    limiter = RecordingLimiter(RateLimitSettings(path=tmp_path / "limits.sqlite",
                                                 limits={"qad": Limit(requests=100, per_seconds=1)}))
    router.get(HEADERS_URL).mock(side_effect=[httpx.Response(503), httpx.Response(200, json=header_body())])
    router.get(LINES_URL).respond(200, json={"data": {"purchaseOrderLines": []}})
    client = make_client(clock)
    client.limiter = limiter
    client.purchase_order("PO10001")
    client.purchase_order_lines("PO10001")
    assert limiter.calls == [("qad", "purchaseOrderHeaders")] * 2 + [("qad", "purchaseOrderLines")]


# -- QAD's error shapes --------------------------------------------------------------------------------------

def test_404_is_not_found(router: respx.MockRouter, tokens: TokenEndpoint, clock: FakeClock) -> None:
    router.get(HEADERS_URL).respond(404, text="Not Found")
    with pytest.raises(NotFound):
        make_client(clock).purchase_order("PO10001")


def test_success_false_inside_http_200_is_remote_rejected_with_qads_message_and_field(
        router: respx.MockRouter, tokens: TokenEndpoint, clock: FakeClock) -> None:
    router.post(INVOICES_URL).mock(return_value=refused("Supplier S-NONE does not exist", "supplierCode"))
    with pytest.raises(RemoteRejected) as caught:
        make_client(clock).create_supplier_invoice({"supplierInvoiceReference": "INV-1"})
    assert (caught.value.remote_message, caught.value.field, caught.value.status) == (
        "Supplier S-NONE does not exist", "supplierCode", 200)
    assert "Supplier S-NONE does not exist (field supplierCode)" in str(caught.value)


def test_success_false_with_another_status_is_remote_rejected(router: respx.MockRouter, tokens: TokenEndpoint,
                                                              clock: FakeClock) -> None:
    router.post(INVOICES_URL).mock(return_value=refused("Quantity must be greater than zero", "quantity", 422))
    with pytest.raises(RemoteRejected) as caught:
        make_client(clock).create_supplier_invoice({"supplierInvoiceReference": "INV-1"})
    assert (caught.value.field, caught.value.status) == ("quantity", 422)


def test_several_business_errors_are_reported_together_with_the_first_field(router: respx.MockRouter,
                                                                           tokens: TokenEndpoint,
                                                                           clock: FakeClock) -> None:
    body = {"submitResult": {"success": False, "errors": [{"message": "Field required", "fieldName": "domainCode"},
                                                          {"message": "Field required", "fieldName": "supplierCode"}]}}
    router.post(INVOICES_URL).respond(200, json=body)
    with pytest.raises(RemoteRejected) as caught:
        make_client(clock).create_supplier_invoice({})
    assert (caught.value.remote_message, caught.value.field) == ("Field required; Field required", "domainCode")


def test_a_read_of_a_missing_record_is_remote_rejected(router: respx.MockRouter, tokens: TokenEndpoint,
                                                       clock: FakeClock) -> None:
    router.get(HEADERS_URL).mock(return_value=refused("Purchase order PO404 does not exist", "purchaseOrderNumber"))
    with pytest.raises(RemoteRejected, match="PO404 does not exist") as caught:
        make_client(clock).purchase_order("PO404")
    assert caught.value.field == "purchaseOrderNumber"


def test_a_stale_concurrency_hash_is_a_concurrency_conflict(router: respx.MockRouter, tokens: TokenEndpoint,
                                                            clock: FakeClock) -> None:
    router.post(HEADERS_URL).mock(return_value=refused(
        "The record was changed by another user since it was read; read it again and retry", "concurrencyHash"))
    with pytest.raises(ConcurrencyConflict, match="changed by another user"):
        make_client(clock).update_purchase_order({"purchaseOrderNumber": "PO10001", "concurrencyHash": "old"})


def test_403_with_bare_errors_is_permission_denied_with_qads_message(router: respx.MockRouter,
                                                                     tokens: TokenEndpoint,
                                                                     clock: FakeClock) -> None:
    route = router.get(INVOICES_URL).mock(return_value=bare(403, "Access is denied"))
    with pytest.raises(PermissionDenied) as caught:
        make_client(clock).supplier_invoices("S-STEEL", "INV-1")
    assert caught.value.remote_message == "Access is denied"
    assert route.call_count == 1  # a missing grant does not heal by renewing the token
    assert tokens.grants == ["password"]


def test_400_with_bare_errors_is_remote_rejected_with_the_field(router: respx.MockRouter, tokens: TokenEndpoint,
                                                                clock: FakeClock) -> None:
    router.get(INVOICES_URL).mock(return_value=bare(400, f"viewUri must be {INVOICE_VIEW}", "viewUri"))
    with pytest.raises(RemoteRejected) as caught:
        make_client(clock).supplier_invoices("S-STEEL", "INV-1")
    assert (caught.value.field, caught.value.status) == ("viewUri", 400)


# -- the connector's own rules over mocked HTTP --------------------------------------------------------------

def test_an_invoice_found_by_supplier_and_number_is_not_created_again(router: respx.MockRouter,
                                                                     tokens: TokenEndpoint, clock: FakeClock,
                                                                     demo_customers: CustomersFile) -> None:
    found = router.get(INVOICES_URL).respond(200, json={"data": {"supplierInvoices": [
        {"supplierInvoiceReference": "INV-77", "supplierCode": "S-STEEL", "voucherNumber": "V0000009"}]}})
    create = router.post(INVOICES_URL).mock(return_value=submitted("supplierInvoices"))
    posting = make_connector(demo_customers, clock).post(an_invoice(), partner="steelco", xref=demo_xref("acme"))
    assert (posting.existed, posting.record_id) == (True, "V0000009")
    assert dict(found.calls[0].request.url.params) == {"viewUri": INVOICE_VIEW, "supplierCode": "S-STEEL",
                                                       "supplierInvoiceReference": "INV-77"}
    assert create.call_count == 0


def test_an_invoice_refused_as_a_duplicate_after_a_race_is_the_existing_one(router: respx.MockRouter,
                                                                           tokens: TokenEndpoint, clock: FakeClock,
                                                                           demo_customers: CustomersFile) -> None:
    router.get(INVOICES_URL).mock(side_effect=[
        httpx.Response(200, json={"data": {"supplierInvoices": []}}),
        httpx.Response(200, json={"data": {"supplierInvoices": [
            {"supplierInvoiceReference": "INV-77", "supplierCode": "S-STEEL", "voucherNumber": "V0000003"}]}})])
    router.post(INVOICES_URL).mock(return_value=refused(
        "Supplier invoice INV-77 already exists for supplier S-STEEL", "supplierInvoiceReference"))
    posting = make_connector(demo_customers, clock).post(an_invoice(), partner="steelco", xref=demo_xref("acme"))
    assert (posting.existed, posting.record_id) == (True, "V0000003")


def test_a_rejected_invoice_carries_the_document_and_partner(router: respx.MockRouter, tokens: TokenEndpoint,
                                                             clock: FakeClock, demo_customers: CustomersFile) -> None:
    router.get(INVOICES_URL).respond(200, json={"data": {"supplierInvoices": []}})
    router.post(INVOICES_URL).mock(return_value=refused("Purchase order PO10001 belongs to supplier S-BOLT",
                                                        "purchaseOrderNumber"))
    with pytest.raises(RemoteRejected) as caught:
        make_connector(demo_customers, clock).post(an_invoice(), partner="steelco", xref=demo_xref("acme"))
    assert (caught.value.document, caught.value.partner, caught.value.field) == ("INV-77", "steelco",
                                                                                 "purchaseOrderNumber")


def test_a_stale_hash_makes_the_confirmation_read_again_and_retry_with_the_new_hash(
        router: respx.MockRouter, tokens: TokenEndpoint, clock: FakeClock, demo_customers: CustomersFile) -> None:
    router.get(HEADERS_URL).mock(side_effect=[httpx.Response(200, json=header_body(concurrencyHash="hash-1")),
                                              httpx.Response(200, json=header_body(concurrencyHash="hash-2"))])
    update = router.post(HEADERS_URL).mock(side_effect=[
        refused("The record was changed by another user since it was read", "concurrencyHash"),
        submitted("purchaseOrderHeaders")])
    posting = make_connector(demo_customers, clock).post(an_acceptance(), partner="steelco", xref=demo_xref("acme"))
    sent = [httpx.Response(200, content=call.request.content).json()["purchaseOrderHeaders"][0]
            for call in update.calls]
    assert [(s["concurrencyHash"], s["isConfirmed"], s["dataOperation"]) for s in sent] == [
        ("hash-1", True, "U"), ("hash-2", True, "U")]
    assert (posting.record_id, posting.existed, posting.detail["confirmed"]) == ("PO10001", False, True)


def test_a_confirmation_gives_up_after_a_bounded_number_of_conflicts(router: respx.MockRouter,
                                                                     tokens: TokenEndpoint, clock: FakeClock,
                                                                     demo_customers: CustomersFile) -> None:
    router.get(HEADERS_URL).respond(200, json=header_body())
    update = router.post(HEADERS_URL).mock(return_value=refused("changed by another user", "concurrencyHash"))
    connector = make_connector(demo_customers, clock)
    with pytest.raises(ConcurrencyConflict) as caught:
        connector.post(an_acceptance(), partner="steelco", xref=demo_xref("acme"))
    assert update.call_count == connector.conflict_attempts == 3
    assert (caught.value.document, caught.value.partner) == ("PO10001", "steelco")


def test_an_acknowledgment_qad_already_shows_is_found_and_not_written(router: respx.MockRouter,
                                                                      tokens: TokenEndpoint, clock: FakeClock,
                                                                      demo_customers: CustomersFile) -> None:
    router.get(HEADERS_URL).respond(200, json=header_body(isConfirmed=True))
    update = router.post(HEADERS_URL).mock(return_value=submitted("purchaseOrderHeaders"))
    connector = make_connector(demo_customers, clock)
    found = connector.find(an_acceptance(), partner="steelco", xref=demo_xref("acme"))
    assert found is not None
    assert found.existed
    assert connector.post(an_acceptance(), partner="steelco", xref=demo_xref("acme")).existed
    assert update.call_count == 0


def test_line_changes_are_committed_through_the_grid_with_their_hashes(router: respx.MockRouter,
                                                                      tokens: TokenEndpoint, clock: FakeClock,
                                                                      demo_customers: CustomersFile) -> None:
    router.get(HEADERS_URL).respond(200, json=header_body(isConfirmed=True))
    router.get(LINES_URL).respond(200, json={"data": {"purchaseOrderLines": [
        {"purchaseOrderNumber": "PO10001", "purchaseOrderLine": 1, "itemCode": "10-1000", "quantityOrdered": 40.0,
         "unitOfMeasure": "EA", "purchaseCost": 125.5, "concurrencyHash": "line-hash-1"}]}})
    commit = router.post(LINES_URL).mock(return_value=submitted("purchaseOrderLines"))
    ack = POAcknowledgment(ack_type="AC", po_number="PO10001", po_date=dt.date(2026, 11, 2), lines=[
        AckLine(line_number="1", quantity=Decimal(40), unit_price=Decimal("125.5"),
                statuses=[LineStatus(code="IQ", quantity=Decimal(36))])])
    posting = make_connector(demo_customers, clock).post(ack, partner="steelco", xref=demo_xref("acme"))
    sent = httpx.Response(200, content=commit.calls[0].request.content).json()["purchaseOrderLines"]
    assert [(s["purchaseOrderLine"], s["quantityOrdered"], s["concurrencyHash"], s["dataOperation"])
            for s in sent] == [(1, 36, "line-hash-1", "U")]
    assert posting.detail["lines_changed"] == [1]


def test_qad_takes_no_inbound_purchase_orders(clock: FakeClock, demo_customers: CustomersFile) -> None:
    order = PurchaseOrder(po_number="PO1", po_date=dt.date(2026, 1, 1),
                          lines=[PurchaseOrderLine(quantity=Decimal(1))])
    connector = make_connector(demo_customers, clock)
    with pytest.raises(ValueError, match="no inbound PurchaseOrder"):
        connector.post(order, partner="steelco", xref=demo_xref("acme"))
    with pytest.raises(ValueError, match="no inbound PurchaseOrder"):
        connector.find(order, partner="steelco", xref=demo_xref("acme"))


def test_a_customer_of_another_erp_is_refused(demo_customers: CustomersFile) -> None:
    with pytest.raises(ValueError, match="does not use QAD"):
        QadConnector(demo_customers.get("bluefin"), credentials_from(CREDENTIALS))


# -- secrets -------------------------------------------------------------------------------------------------

def test_redact_url_masks_the_token_urls_credentials(clock: FakeClock) -> None:
    auth = QadAuth(base_url=BASE, client_id=SecretStr(CLIENT_ID), username=USERNAME, password=SecretStr(PASSWORD),
                   clock=clock)
    shown = redact_url(auth.token_request().url) + " " + redact_url(auth.refresh_request(SecretStr("rt-91ac")).url)
    for secret in (PASSWORD, str(httpx.QueryParams({"p": PASSWORD}))[2:], CLIENT_ID, "rt-91ac"):
        assert secret not in shown  # raw and as the query string encodes it
    assert "password=***" in shown
    assert "refresh_token=***" in shown
    assert f"username={USERNAME}" in shown  # a user name is not a secret: it stays readable for support


def test_no_secret_reaches_logs_or_error_text(router: respx.MockRouter, tokens: TokenEndpoint, clock: FakeClock,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    router.get(HEADERS_URL).mock(side_effect=[httpx.Response(200, json=header_body()), httpx.Response(401),
                                              httpx.Response(200, json=header_body()), httpx.Response(401)])
    client = make_client(clock)
    client.purchase_order("PO10001")
    client.purchase_order("PO10001")  # renewed through the refresh grant, its token in the URL too
    tokens.refusals["refresh_token"] = [httpx.Response(400, json={"error": "invalid_grant"})]
    tokens.refusals["password"] = [httpx.Response(
        401, json={"error": "invalid_client", "error_description": f"client {CLIENT_ID} with {PASSWORD} refused"})]
    with pytest.raises(ConnectorError) as caught:
        client.purchase_order("PO10001")
    texts = [caplog.text, str(caught.value), repr(caught.value)]
    assert any("oauth/token" in record.getMessage() for record in caplog.records)  # the token URL was logged...
    secrets = [PASSWORD, str(httpx.QueryParams({"p": PASSWORD}))[2:], CLIENT_ID, "ref-1-8c1b7a", "acc-1-4f9e2d",
               "acc-2-4f9e2d", "ref-2-8c1b7a"]
    for secret in secrets:  # ...but none of what it carried
        assert all(secret not in text for text in texts), secret


def test_a_transport_error_on_the_token_url_does_not_leak_it(router: respx.MockRouter, clock: FakeClock) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)

    router.post(TOKEN_URL).mock(side_effect=unreachable)
    router.get(HEADERS_URL).respond(200, json=header_body())
    with pytest.raises(TransientError) as caught:
        make_client(clock).purchase_order("PO10001")
    assert "oauth/token" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert CLIENT_ID not in str(caught.value)
