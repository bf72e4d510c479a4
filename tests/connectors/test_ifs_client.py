"""The IFS client against mocked HTTP (respx): Keycloak tokens, OData errors, paging, etags and If-Match.

Time is a fake clock whose ``sleep`` only advances it, so retries and token lifetimes cost no real time.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

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
    TransientError,
)
from edi_assets.connectors.ifs import IfsAuth, IfsClient, IfsConnector, IfsPaths, IfsRejected
from edi_assets.connectors.ratelimit import RateLimiter, RateLimitSettings
from edi_assets.connectors.retry import RetryPolicy, RetrySettings
from edi_assets.customers import CustomersFile
from edi_assets.documents import Invoice, InvoiceLine, ItemId, POAcknowledgment

from .conftest import credentials_from, demo_customer, demo_xref

BASE = "https://delta.ifs.test"
TOKEN_URL = f"{BASE}/auth/realms/delta/protocol/openid-connect/token"
PROJECTION = f"{BASE}/int/ifsapplications/projection/v1"
ORDERS = f"{PROJECTION}/PurchaseOrderHandling.svc/PurchaseOrderSet"
LINES = f"{BASE}/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet"
INVOICES = f"{PROJECTION}/ManualSupplierInvoiceHandling.svc/ManSuppInvoiceSet"
INVOICE_5 = f"{INVOICES}(Company='10',InvoiceId=5)"
CLIENT_ID = "delta-edi-integration"
CLIENT_SECRET = "ifs-client-secret-7c1d"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Keycloak:
    """The realm's token endpoint: numbered tokens with IFS's short lifetime, or the queued refusal per grant."""

    def __init__(self, router: respx.MockRouter, expires_in: int = 180) -> None:
        self.forms: list[dict[str, str]] = []
        self.refusals: dict[str, list[httpx.Response]] = {}
        self.issued: list[str] = []
        self.expires_in = expires_in
        router.post(TOKEN_URL).mock(side_effect=self)

    @property
    def grants(self) -> list[str]:
        return [form["grant_type"] for form in self.forms]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.forms.append(form)
        if self.refusals.get(form["grant_type"]):
            return self.refusals[form["grant_type"]].pop(0)
        n = len(self.issued) // 2 + 1
        access, refresh = f"kc-access-{n}-5e9b2a", f"kc-refresh-{n}-0d4c7f"
        self.issued += [access, refresh]
        return httpx.Response(200, json={
            "access_token": access, "expires_in": self.expires_in, "refresh_expires_in": 1800,
            "refresh_token": refresh, "token_type": "Bearer", "id_token": f"kc-id-{n}-91aa0c",
            "not-before-policy": 0, "session_state": "s", "scope": "openid microprofile-jwt"})


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def keycloak(router: respx.MockRouter) -> Keycloak:
    return Keycloak(router)


class RecordingLimiter(RateLimiter):
    def __init__(self, path: Path) -> None:
        super().__init__(RateLimitSettings(path=path))
        self.keys: list[tuple[str, str]] = []

    def acquire(self, system: str, key: str) -> None:
        self.keys.append((system, key))


def make_client(clock: FakeClock, *, conflict_attempts: int = 3, limiter: RateLimiter | None = None,
                **retry: Any) -> IfsClient:
    auth = IfsAuth(base_url=BASE, realm="delta", client_id=CLIENT_ID, client_secret=SecretStr(CLIENT_SECRET),
                   clock=clock)
    policy = RetryPolicy(RetrySettings(**retry), sleep=clock.sleep, clock=clock)
    return IfsClient(base_url=BASE, auth=auth, retry=policy, conflict_attempts=conflict_attempts, limiter=limiter)


def bearer(route: respx.Route, index: int) -> str:
    return str(route.calls[index].request.headers["Authorization"])


def collection(*items: dict[str, Any], next_link: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"@odata.context": f"{ORDERS}/$metadata#PurchaseOrderSet", "value": list(items)}
    if next_link:
        body["@odata.nextLink"] = next_link
    return body


def odata_error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def entity(etag: str, **values: Any) -> dict[str, Any]:
    return {"@odata.etag": etag, "Company": "10", "InvoiceId": 5, "InvoiceNo": "AW-100", "Identity": "S1000",
            "Objstate": "Preliminary", **values}


# -- Keycloak tokens -----------------------------------------------------------------------------------------

def test_client_credentials_grant_posts_a_form_with_the_scope(router: respx.MockRouter, keycloak: Keycloak,
                                                             clock: FakeClock) -> None:
    router.get(ORDERS).respond(200, json=collection())
    make_client(clock).changed_purchase_orders(None)
    assert keycloak.forms == [{"grant_type": "client_credentials", "scope": "openid microprofile-jwt",
                               "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}]


def test_bearer_is_the_access_token_and_it_is_reused(router: respx.MockRouter, keycloak: Keycloak,
                                                     clock: FakeClock) -> None:
    orders = router.get(ORDERS).respond(200, json=collection())
    client = make_client(clock)
    for _ in range(3):
        client.changed_purchase_orders(None)
    assert keycloak.grants == ["client_credentials"]
    assert {bearer(orders, i) for i in range(3)} == {"Bearer kc-access-1-5e9b2a"}


def test_short_lived_token_is_refreshed_before_it_expires(router: respx.MockRouter, keycloak: Keycloak,
                                                         clock: FakeClock) -> None:
    orders = router.get(ORDERS).respond(200, json=collection())
    client = make_client(clock)
    client.changed_purchase_orders(None)
    clock.now += 149  # 31 s of 180 left: outside the 30 s skew
    client.changed_purchase_orders(None)
    clock.now += 2  # 29 s left: refresh ahead of sending
    client.changed_purchase_orders(None)
    assert keycloak.grants == ["client_credentials", "refresh_token"]
    assert keycloak.forms[1] == {"grant_type": "refresh_token", "refresh_token": "kc-refresh-1-0d4c7f",
                                 "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    assert [bearer(orders, i) for i in range(3)] == ["Bearer kc-access-1-5e9b2a"] * 2 + ["Bearer kc-access-2-5e9b2a"]
    assert all(call.response.status_code == 200 for call in orders.calls)


def test_token_expired_mid_run_is_refreshed_and_the_request_resent(router: respx.MockRouter, keycloak: Keycloak,
                                                                   clock: FakeClock) -> None:
    router.get(ORDERS).mock(side_effect=[
        httpx.Response(200, json=collection()),
        httpx.Response(401, json=odata_error("UNAUTHORIZED", "Access token missing, invalid or expired")),
        httpx.Response(200, json=collection({"OrderNo": "P1000"}))])
    client = make_client(clock)
    client.changed_purchase_orders(None)
    assert client.changed_purchase_orders(None) == [{"OrderNo": "P1000"}]
    assert keycloak.grants == ["client_credentials", "refresh_token"]


def test_refused_refresh_falls_back_to_the_client_credentials_grant(router: respx.MockRouter, keycloak: Keycloak,
                                                                    clock: FakeClock) -> None:
    router.get(ORDERS).respond(200, json=collection())
    keycloak.refusals["refresh_token"] = [httpx.Response(400, json={"error": "invalid_grant",
                                                                    "error_description": "Token is not active"})]
    client = make_client(clock)
    client.changed_purchase_orders(None)
    clock.now += 170
    client.changed_purchase_orders(None)
    assert keycloak.grants == ["client_credentials", "refresh_token", "client_credentials"]


def test_refused_client_credentials_raise_authentication_error_with_keycloaks_reason(
        router: respx.MockRouter, keycloak: Keycloak, clock: FakeClock) -> None:
    orders = router.get(ORDERS).respond(200, json=collection())
    keycloak.refusals["client_credentials"] = [httpx.Response(401, json={
        "error": "invalid_client", "error_description": "Invalid client or Invalid client credentials"})]
    with pytest.raises(AuthenticationError, match="Invalid client or Invalid client credentials") as caught:
        make_client(clock).changed_purchase_orders(None)
    assert caught.value.status == 401
    assert not orders.called
    assert CLIENT_SECRET not in str(caught.value)


# -- throttling, outages, unknown outcomes ------------------------------------------------------------------

def test_429_waits_at_least_retry_after_then_succeeds(router: respx.MockRouter, keycloak: Keycloak,
                                                      clock: FakeClock) -> None:
    router.get(ORDERS).mock(side_effect=[httpx.Response(429, headers={"Retry-After": "7"}),
                                         httpx.Response(200, json=collection({"OrderNo": "P1000"}))])
    assert make_client(clock).changed_purchase_orders(None) == [{"OrderNo": "P1000"}]
    assert len(clock.sleeps) == 1
    assert clock.sleeps[0] >= 7


def test_429_beyond_the_attempts_is_rate_limited(router: respx.MockRouter, keycloak: Keycloak,
                                                 clock: FakeClock) -> None:
    router.get(ORDERS).respond(429, headers={"Retry-After": "1"})
    with pytest.raises(RateLimited) as caught:
        make_client(clock, max_attempts=2).changed_purchase_orders(None)
    assert caught.value.retry_after == 1


def test_5xx_on_a_read_is_retried(router: respx.MockRouter, keycloak: Keycloak, clock: FakeClock) -> None:
    orders = router.get(ORDERS).mock(side_effect=[
        httpx.Response(503, json=odata_error("SERVICE_UNAVAILABLE", "Try later")),
        httpx.Response(200, json=collection())])
    make_client(clock).changed_purchase_orders(None)
    assert orders.call_count == 2


def test_5xx_on_creating_an_invoice_is_outcome_unknown_and_not_repeated(router: respx.MockRouter,
                                                                        keycloak: Keycloak, clock: FakeClock) -> None:
    create = router.post(INVOICES).respond(503)
    with pytest.raises(OutcomeUnknown) as caught:
        make_client(clock).create_supplier_invoice({"InvoiceNo": "AW-100"}, document="AW-100")
    assert create.call_count == 1
    assert caught.value.document == "AW-100"


def test_dropped_connection_on_a_create_is_outcome_unknown(router: respx.MockRouter, keycloak: Keycloak,
                                                           clock: FakeClock) -> None:
    create = router.post(INVOICES).mock(side_effect=httpx.ReadError("connection reset"))
    with pytest.raises(OutcomeUnknown):
        make_client(clock).create_supplier_invoice({"InvoiceNo": "AW-100"})
    assert create.call_count == 1


def test_create_answered_without_the_entity_is_outcome_unknown(router: respx.MockRouter, keycloak: Keycloak,
                                                               clock: FakeClock) -> None:
    router.post(INVOICES).respond(201)
    with pytest.raises(OutcomeUnknown, match="look it up"):
        make_client(clock).create_supplier_invoice({"InvoiceNo": "AW-100"})


def test_every_call_waits_on_one_rate_limit_bucket_for_the_system(router: respx.MockRouter, keycloak: Keycloak,
                                                                   clock: FakeClock, tmp_path: Path) -> None:
    router.get(INVOICES).respond(200, json=collection(entity('W/"v1"')))
    router.get(INVOICE_5).respond(200, json=entity('W/"v1"'))
    router.patch(INVOICE_5).respond(200, json=entity('W/"v2"'))
    limiter = RecordingLimiter(tmp_path / "limits.sqlite")
    client = make_client(clock, limiter=limiter)
    client.supplier_invoices("10", "S1000", "AW-100")
    client.update_supplier_invoice("10", 5, {"DueDate": "2026-12-12"})
    assert limiter.keys == [("ifs", "odata")] * 3


def test_token_endpoint_outage_before_a_create_is_retried(router: respx.MockRouter, keycloak: Keycloak,
                                                          clock: FakeClock) -> None:
    keycloak.refusals["client_credentials"] = [httpx.Response(503)]
    create = router.post(INVOICES).respond(201, json=entity('W/"e1"'))
    assert make_client(clock).create_supplier_invoice({"InvoiceNo": "AW-100"})["InvoiceId"] == 5
    assert create.call_count == 1


# -- the OData error envelope --------------------------------------------------------------------------------

def test_unknown_projection_is_not_found(router: respx.MockRouter, keycloak: Keycloak, clock: FakeClock) -> None:
    router.get(url__startswith=INVOICES).respond(404, json=odata_error(
        "NOT_FOUND", "No service ManualSupplierInvoiceHandling.svc under /int/ifsapplications/projection/v1"))
    with pytest.raises(NotFound, match=r"No service ManualSupplierInvoiceHandling\.svc") as caught:
        make_client(clock).supplier_invoices("10", "S1000", "AW-100")
    assert "[NOT_FOUND]" in str(caught.value)


def test_business_error_is_remote_rejected_with_odata_message_code_and_target(
        router: respx.MockRouter, keycloak: Keycloak, clock: FakeClock) -> None:
    router.post(INVOICES).respond(400, json=odata_error(
        "DATABASE_ERROR", "Identity S9999 does not exist", target="Identity",
        details=[{"code": "ORA-20111", "message": "Supplier S9999 is not valid in company 10", "target": "Identity"}]))
    with pytest.raises(IfsRejected) as caught:
        make_client(clock).create_supplier_invoice({"Identity": "S9999"}, document="AW-100", partner="alloyworks")
    error = caught.value
    assert (error.code, error.field, error.status) == ("DATABASE_ERROR", "Identity", 400)
    assert error.remote_message == "Identity S9999 does not exist; Supplier S9999 is not valid in company 10"
    assert (error.document, error.partner, error.operation) == ("AW-100", "alloyworks", "create supplier invoice")
    assert str(error).startswith("ifs create supplier invoice: Identity S9999 does not exist")


def test_ifs_rejection_survives_pickling_with_its_code() -> None:
    error = IfsRejected("Identity S9999 does not exist", code="DATABASE_ERROR", field="Identity", system="ifs",
                        status=400, document="AW-100")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.code, copy.field) == (IfsRejected, str(error), "DATABASE_ERROR", "Identity")


def test_target_is_taken_from_the_details_when_the_error_has_none(router: respx.MockRouter, keycloak: Keycloak,
                                                                  clock: FakeClock) -> None:
    router.post(INVOICES).respond(400, json=odata_error(
        "BAD_REQUEST", "Invalid value", details=[{"code": "X", "message": "Invalid value", "target": "InvoiceDate"}]))
    with pytest.raises(IfsRejected) as caught:
        make_client(clock).create_supplier_invoice({})
    assert (caught.value.field, caught.value.remote_message) == ("InvoiceDate", "Invalid value")


def test_odp_not_implemented_is_a_refusal_and_not_retried(router: respx.MockRouter, keycloak: Keycloak,
                                                          clock: FakeClock) -> None:
    orders = router.get(ORDERS).respond(501, json=odata_error("ODP_NOT_IMPLEMENTED", "$expand is not implemented"))
    with pytest.raises(IfsRejected) as caught:
        make_client(clock).changed_purchase_orders(None)
    assert caught.value.code == "ODP_NOT_IMPLEMENTED"
    assert orders.call_count == 1


def test_missing_projection_grant_is_permission_denied(router: respx.MockRouter, keycloak: Keycloak,
                                                       clock: FakeClock) -> None:
    router.get(ORDERS).respond(403, json=odata_error("FORBIDDEN", "You do not have permission to use "
                                                                  "PurchaseOrderHandling"))
    with pytest.raises(PermissionDenied, match="You do not have permission to use PurchaseOrderHandling"):
        make_client(clock).changed_purchase_orders(None)


def test_error_without_the_envelope_falls_back_to_the_shared_mapping(router: respx.MockRouter, keycloak: Keycloak,
                                                                     clock: FakeClock) -> None:
    router.post(INVOICES).respond(400, text="Bad Request")
    with pytest.raises(ConnectorError, match="Bad Request") as caught:
        make_client(clock).create_supplier_invoice({})
    assert not isinstance(caught.value, IfsRejected)


# -- queries and paging --------------------------------------------------------------------------------------

def test_changed_orders_filter_on_the_change_stamp_in_stamp_order(router: respx.MockRouter, keycloak: Keycloak,
                                                                  clock: FakeClock) -> None:
    orders = router.get(ORDERS).respond(200, json=collection())
    make_client(clock).changed_purchase_orders("20261106120000")
    params = orders.calls[0].request.url.params
    assert (params["$filter"], params["$orderby"]) == ("Objversion ge '20261106120000'", "Objversion,OrderNo")


def test_invoice_lookup_quotes_literals_with_quotes_doubled(router: respx.MockRouter, keycloak: Keycloak,
                                                            clock: FakeClock) -> None:
    lookup = router.get(INVOICES).respond(200, json=collection())
    make_client(clock).supplier_invoices("10", "S1000", "O'BRIEN-7")
    assert lookup.calls[0].request.url.params["$filter"] == (
        "Company eq '10' and Identity eq 'S1000' and InvoiceNo eq 'O''BRIEN-7'")


def test_key_literals_double_their_quotes_and_are_url_encoded() -> None:
    assert IfsPaths().invoice("A'B/C #1", 5).endswith("ManSuppInvoiceSet(Company='A''B%2FC%20%231',InvoiceId=5)")


def test_encoded_key_reaches_the_server_as_encoded(router: respx.MockRouter, keycloak: Keycloak,
                                                   clock: FakeClock) -> None:
    read = router.get(url__regex=r".*ManSuppInvoiceSet\(Company=.*").respond(200, json=entity('W/"v1"'))
    make_client(clock).supplier_invoice("A/B", 5)
    assert read.calls[0].request.url.raw_path.endswith(b"ManSuppInvoiceSet(Company='A%2FB',InvoiceId=5)")


def test_lines_are_read_for_a_batch_of_orders_at_once(router: respx.MockRouter, keycloak: Keycloak,
                                                      clock: FakeClock) -> None:
    lines = router.get(LINES).respond(200, json=collection())
    make_client(clock).purchase_order_lines(["P2", "P1", "P2"])
    assert lines.calls[0].request.url.params["$filter"] == "(OrderNo eq 'P1' or OrderNo eq 'P2')"


def test_next_link_pages_are_followed(router: respx.MockRouter, keycloak: Keycloak, clock: FakeClock) -> None:
    router.get(ORDERS, params={"$skip": "1"}).respond(200, json=collection({"OrderNo": "P2"}))
    router.get(ORDERS).respond(200, json=collection({"OrderNo": "P1"}, next_link=f"{ORDERS}?$skip=1"))
    assert [o["OrderNo"] for o in make_client(clock).changed_purchase_orders(None)] == ["P1", "P2"]


def test_next_link_to_another_host_is_not_followed(router: respx.MockRouter, keycloak: Keycloak,
                                                   clock: FakeClock) -> None:
    router.get(ORDERS).respond(200, json=collection({"OrderNo": "P1"}, next_link="https://evil.test/steal?$skip=1"))
    elsewhere = router.get(url__startswith="https://evil.test").respond(200, json=collection())
    with pytest.raises(ConnectorError, match="not followed"):
        make_client(clock).changed_purchase_orders(None)
    assert not elsewhere.called


def test_answer_that_is_not_a_collection_is_a_transient_error(router: respx.MockRouter, keycloak: Keycloak,
                                                              clock: FakeClock) -> None:
    router.get(ORDERS).respond(200, json={"unexpected": True})
    with pytest.raises(TransientError, match="not an OData collection"):
        make_client(clock).changed_purchase_orders(None)


# -- updates: etag, If-Match, 412 ----------------------------------------------------------------------------

def test_update_patches_only_what_differs_with_the_etag_it_read(router: respx.MockRouter, keycloak: Keycloak,
                                                                clock: FakeClock) -> None:
    router.get(INVOICE_5).respond(200, json=entity('W/"v1"', PoRef="P1000"))
    patch = router.patch(INVOICE_5).respond(200, json=entity('W/"v2"', PoRef="P1000", DueDate="2026-12-12"))
    updated = make_client(clock).update_supplier_invoice("10", 5, {"PoRef": "P1000", "DueDate": "2026-12-12"})
    request = patch.calls[0].request
    assert request.headers["If-Match"] == 'W/"v1"'
    assert request.content == b'{"DueDate":"2026-12-12"}'
    assert (updated.changed, updated.conflicts, updated.entity["@odata.etag"]) == (("DueDate",), 0, 'W/"v2"')


def test_412_race_rereads_and_patches_again_with_the_new_etag(router: respx.MockRouter, keycloak: Keycloak,
                                                              clock: FakeClock) -> None:
    reads = router.get(INVOICE_5).mock(side_effect=[httpx.Response(200, json=entity('W/"v1"')),
                                                    httpx.Response(200, json=entity('W/"v2"', Currency="USD"))])
    patch = router.patch(INVOICE_5).mock(side_effect=[
        httpx.Response(412, json=odata_error("PRECONDITION_FAILED", "The entity was changed by another user")),
        httpx.Response(200, json=entity('W/"v3"', Currency="USD", DueDate="2026-12-12"))])
    updated = make_client(clock).update_supplier_invoice("10", 5, {"DueDate": "2026-12-12"})
    assert reads.call_count == 2
    assert [call.request.headers["If-Match"] for call in patch.calls] == ['W/"v1"', 'W/"v2"']
    assert (updated.conflicts, updated.entity["@odata.etag"]) == (1, 'W/"v3"')


def test_changes_computed_from_the_reread_entity_keep_the_other_users_edit(
        router: respx.MockRouter, keycloak: Keycloak, clock: FakeClock) -> None:
    router.get(INVOICE_5).mock(side_effect=[httpx.Response(200, json=entity('W/"v1"', GrossAmount=100.0)),
                                            httpx.Response(200, json=entity('W/"v2"', GrossAmount=150.0)),
                                            httpx.Response(200, json=entity('W/"v3"', GrossAmount=160.0))])
    patch = router.patch(INVOICE_5).mock(side_effect=[httpx.Response(412, json=odata_error("PRECONDITION_FAILED",
                                                                                           "changed")),
                                                      httpx.Response(204, headers={"ETag": 'W/"v3"'})])
    make_client(clock).update_supplier_invoice("10", 5, lambda current: {"GrossAmount": current["GrossAmount"] + 10})
    assert [call.request.content for call in patch.calls] == [b'{"GrossAmount":110.0}', b'{"GrossAmount":160.0}']


def test_412_on_every_attempt_raises_concurrency_conflict(router: respx.MockRouter, keycloak: Keycloak,
                                                          clock: FakeClock) -> None:
    reads = router.get(INVOICE_5).mock(side_effect=[httpx.Response(200, json=entity(f'W/"v{n}"'))
                                                    for n in range(1, 4)])
    patch = router.patch(INVOICE_5).respond(412, json=odata_error("PRECONDITION_FAILED", "changed by another user"))
    with pytest.raises(ConcurrencyConflict, match="3 attempts") as caught:
        make_client(clock, conflict_attempts=3).update_supplier_invoice("10", 5, {"DueDate": "2026-12-12"},
                                                                         document="AW-100")
    assert (reads.call_count, patch.call_count) == (3, 3)
    assert (caught.value.status, caught.value.document) == (412, "AW-100")
    assert isinstance(caught.value.__cause__, ConcurrencyConflict)


def test_update_with_nothing_to_change_sends_no_patch(router: respx.MockRouter, keycloak: Keycloak,
                                                      clock: FakeClock) -> None:
    router.get(INVOICE_5).respond(200, json=entity('W/"v1"', DueDate="2026-12-12"))
    patch = router.patch(INVOICE_5).respond(200, json=entity('W/"v2"'))
    updated = make_client(clock).update_supplier_invoice("10", 5, {"DueDate": "2026-12-12"})
    assert not patch.called
    assert updated.changed == ()


def test_entity_without_an_etag_is_never_patched(router: respx.MockRouter, keycloak: Keycloak,
                                                 clock: FakeClock) -> None:
    router.get(INVOICE_5).respond(200, json={"Company": "10", "InvoiceId": 5})
    patch = router.patch(INVOICE_5).respond(200, json=entity('W/"v2"'))
    with pytest.raises(ConnectorError, match=r"no @odata\.etag"):
        make_client(clock).update_supplier_invoice("10", 5, {"DueDate": "2026-12-12"})
    assert not patch.called


@pytest.mark.parametrize("etag", ["", "*"])
def test_patch_refuses_to_go_without_a_real_etag(router: respx.MockRouter, keycloak: Keycloak, clock: FakeClock,
                                                 etag: str) -> None:
    patch = router.patch(INVOICE_5).respond(200, json=entity('W/"v2"'))
    with pytest.raises(ValueError, match="If-Match"):
        make_client(clock).patch("/int/x", {"DueDate": "2026-12-12"}, etag=etag, operation="update")
    assert not patch.called


def test_patch_answered_204_is_read_back_for_the_new_etag(router: respx.MockRouter, keycloak: Keycloak,
                                                          clock: FakeClock) -> None:
    router.get(INVOICE_5).mock(side_effect=[httpx.Response(200, json=entity('W/"v1"')),
                                            httpx.Response(200, json=entity('W/"v2"', DueDate="2026-12-12"))])
    router.patch(INVOICE_5).respond(204, headers={"ETag": 'W/"v2"'})
    updated = make_client(clock).update_supplier_invoice("10", 5, {"DueDate": "2026-12-12"})
    assert updated.entity["@odata.etag"] == 'W/"v2"'


def test_patch_5xx_is_retried_with_the_same_if_match(router: respx.MockRouter, keycloak: Keycloak,
                                                     clock: FakeClock) -> None:
    router.get(INVOICE_5).respond(200, json=entity('W/"v1"'))
    patch = router.patch(INVOICE_5).mock(side_effect=[httpx.Response(502),
                                                      httpx.Response(200, json=entity('W/"v2"'))])
    make_client(clock).update_supplier_invoice("10", 5, {"DueDate": "2026-12-12"})
    assert [call.request.headers["If-Match"] for call in patch.calls] == ['W/"v1"', 'W/"v1"']


def test_missing_if_match_refusal_is_a_typed_rejection(router: respx.MockRouter, keycloak: Keycloak,
                                                       clock: FakeClock) -> None:
    router.patch(INVOICE_5).respond(428, json=odata_error("PRECONDITION_REQUIRED",
                                                          "The If-Match header is required to modify an entity"))
    with pytest.raises(IfsRejected) as caught:
        make_client(clock).patch("/int/ifsapplications/projection/v1/ManualSupplierInvoiceHandling.svc/"
                                 "ManSuppInvoiceSet(Company='10',InvoiceId=5)", {"A": 1}, etag='W/"v1"',
                                 operation="update")
    assert (caught.value.code, caught.value.status) == ("PRECONDITION_REQUIRED", 428)


# -- the connector over mocked HTTP --------------------------------------------------------------------------

def connector(customers: CustomersFile, clock: FakeClock) -> IfsConnector:
    customer = demo_customer(customers, "delta", url=BASE)
    policy = RetryPolicy(RetrySettings(), sleep=clock.sleep, clock=clock)
    return IfsConnector(customer, credentials_from({"ifs.client_id": CLIENT_ID, "ifs.client_secret": CLIENT_SECRET}),
                        retry=policy, clock=clock)


INVOICE = Invoice(invoice_number="AW-100", invoice_date=dt.date(2026, 11, 12), po_number="P1000",
                  lines=[InvoiceLine(quantity=Decimal(1), unit_price=Decimal(10),
                                     item_ids=[ItemId(qualifier="BP", value="X")])],
                  total_amount=Decimal(10))


def test_post_of_an_invoice_that_exists_creates_nothing(router: respx.MockRouter, keycloak: Keycloak,
                                                        clock: FakeClock, demo_customers: CustomersFile) -> None:
    router.get(INVOICES).respond(200, json=collection(entity('W/"v1"', GrossAmount=10.0)))
    router.get(f"{INVOICE_5}/PostingProposalArray").respond(200, json=collection())
    create = router.post(INVOICES).respond(201, json=entity('W/"v2"'))
    posting = connector(demo_customers, clock).post(INVOICE, partner="alloyworks", xref=demo_xref("delta"))
    assert not create.called
    assert (posting.existed, posting.record_id, posting.detail["etag"]) == (True, "5", 'W/"v1"')


def test_unmapped_supplier_fails_before_any_call(router: respx.MockRouter, keycloak: Keycloak, clock: FakeClock,
                                                 demo_customers: CustomersFile) -> None:
    from edi_assets.connectors.errors import MappingError

    with pytest.raises(MappingError):
        connector(demo_customers, clock).post(INVOICE, partner="nobody", xref=demo_xref("delta"))
    assert keycloak.forms == []


def test_documents_other_than_810_are_refused(demo_customers: CustomersFile, clock: FakeClock) -> None:
    ack = POAcknowledgment(ack_type="AC", po_number="P1000", po_date=dt.date(2026, 11, 6))
    with pytest.raises(ValueError, match="only 810"):
        connector(demo_customers, clock).post(ack, partner="alloyworks", xref=demo_xref("delta"))


def test_connector_needs_an_ifs_customer(demo_customers: CustomersFile, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="does not use IFS"):
        IfsConnector(demo_customers.get("acme"), credentials_from({}))


def test_secrets_never_reach_logs_or_errors(router: respx.MockRouter, keycloak: Keycloak, clock: FakeClock,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    router.get(ORDERS).mock(side_effect=[httpx.Response(200, json=collection()), httpx.Response(401)])
    router.post(INVOICES).respond(500, json=odata_error("ERR", f"login failed for secret {CLIENT_SECRET}"))
    client = make_client(clock, max_attempts=1)
    client.changed_purchase_orders(None)
    errors: list[ConnectorError] = []
    keycloak.refusals["refresh_token"] = [httpx.Response(400, json={"error": "invalid_grant"})]
    keycloak.refusals["client_credentials"] = [httpx.Response(401, json={
        "error_description": f"bad secret {CLIENT_SECRET}"})]
    with pytest.raises(AuthenticationError) as auth_error:
        client.changed_purchase_orders(None)
    errors.append(auth_error.value)
    with pytest.raises(ConnectorError) as create_error:
        client.create_supplier_invoice({"InvoiceNo": "AW-100"})
    errors.append(create_error.value)
    assert "token" in caplog.text.lower()
    for text in [caplog.text, *(str(e) for e in errors), *(repr(e) for e in errors)]:
        for secret in [CLIENT_SECRET, *keycloak.issued]:
            assert secret not in text
