"""The Acumatica client over mocked HTTP (respx): OAuth grants, sign-out, the configured endpoint version, the
API's error shapes, retries. Time is a fake clock, so nothing sleeps."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from pydantic import SecretStr

from edi_assets.connectors.acumatica.auth import AcumaticaAuth, client_id_for
from edi_assets.connectors.acumatica.client import AcumaticaClient, EndpointNotServed, odata_text
from edi_assets.connectors.errors import (
    AuthenticationError,
    ConcurrencyConflict,
    ConnectorError,
    OutcomeUnknown,
    RateLimited,
    RemoteRejected,
    TransientError,
)
from edi_assets.connectors.retry import RetryPolicy, RetrySettings

BASE = "https://bluefin.acumatica.test"
TOKEN_URL = f"{BASE}/identity/connect/token"
ENTITY = f"{BASE}/entity/Default/24.200.001"
CLIENT_ID = "6E0F3A0B-6C1D-4C7E-9A55-7E3A1D2B4C5F@Bluefin"
PASSWORD = "acu-Pa$$word-77"
CLIENT_SECRET = "acu-client-secret-91"
LOGIN_LIMIT = {"message": "An error has occurred.", "exceptionMessage": "API Login Limit",
               "exceptionType": "PX.Data.PXException", "stackTrace": ""}


class FakeClock:
    """Monotonic time that moves only when the code under test sleeps, or a test advances it."""

    def __init__(self) -> None:
        self.now = 5000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class TokenServer:
    """IdentityServer's token endpoint: numbered tokens, or the refusal queued for a grant type."""

    def __init__(self, router: respx.MockRouter, expires_in: int = 3600) -> None:
        self.forms: list[dict[str, str]] = []
        self.refusals: dict[str, list[httpx.Response]] = {}
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
        n = len(self.forms)
        return httpx.Response(200, json={"access_token": f"acu-access-{n}-c0ffee", "token_type": "Bearer",
                                         "refresh_token": f"acu-refresh-{n}-beef00", "expires_in": self.expires_in,
                                         "scope": "api offline_access"})


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens(router: respx.MockRouter) -> TokenServer:
    return TokenServer(router)


def make_client(clock: FakeClock, *, branch: str | None = None, version: str = "24.200.001",
                **retry: Any) -> AcumaticaClient:
    settings = {"max_attempts": 3, "initial_backoff_seconds": 0.01, **retry}
    auth = AcumaticaAuth(base_url=BASE, username="bluefin-api", password=SecretStr(PASSWORD), client_id=CLIENT_ID,
                         client_secret=SecretStr(CLIENT_SECRET), clock=clock)
    return AcumaticaClient(base_url=BASE, endpoint="Default", version=version, auth=auth, branch=branch,
                           retry=RetryPolicy(RetrySettings(**settings), sleep=clock.sleep, clock=clock))


@pytest.fixture
def client(clock: FakeClock) -> Iterator[AcumaticaClient]:
    made = make_client(clock)
    yield made
    made.api.close()


def wrapped(**fields: Any) -> dict[str, Any]:
    return {name: {"value": value} for name, value in fields.items()}


def bearer(route: respx.Route, index: int) -> str:
    return str(route.calls[index].request.headers["Authorization"])


# -- authentication ------------------------------------------------------------------------------------------


def test_the_password_grant_names_the_tenant_client_and_asks_for_a_refresh_token(
        router: respx.MockRouter, tokens: TokenServer, client: AcumaticaClient) -> None:
    router.get(f"{ENTITY}/Customer/HARBOR").respond(200, json=wrapped(CustomerID="HARBOR"))
    client.get("Customer", "HARBOR")
    assert tokens.forms == [{"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                             "username": "bluefin-api", "password": PASSWORD, "scope": "api offline_access"}]


def test_a_client_id_without_its_tenant_gets_the_configured_company() -> None:
    assert client_id_for("6E0F3A0B-6C1D-4C7E-9A55-7E3A1D2B4C5F", "Bluefin") == CLIENT_ID
    assert client_id_for(CLIENT_ID, "Other") == CLIENT_ID


def test_one_token_serves_every_request_of_the_client(router: respx.MockRouter, tokens: TokenServer,
                                                      client: AcumaticaClient) -> None:
    route = router.get(f"{ENTITY}/Customer/HARBOR").respond(200, json=wrapped(CustomerID="HARBOR"))
    for _ in range(3):
        client.get("Customer", "HARBOR")
    assert tokens.grants == ["password"]
    assert {bearer(route, i) for i in range(3)} == {"Bearer acu-access-1-c0ffee"}


def test_a_token_about_to_expire_is_refreshed_before_the_request(router: respx.MockRouter, clock: FakeClock,
                                                                 client: AcumaticaClient) -> None:
    tokens = TokenServer(router, expires_in=300)
    route = router.get(f"{ENTITY}/Customer/HARBOR").respond(200, json=wrapped(CustomerID="HARBOR"))
    client.get("Customer", "HARBOR")
    clock.now += 250  # 50 s left, inside the 60 s margin
    client.get("Customer", "HARBOR")
    assert tokens.grants == ["password", "refresh_token"]
    assert tokens.forms[1] == {"grant_type": "refresh_token", "client_id": CLIENT_ID,
                               "client_secret": CLIENT_SECRET, "refresh_token": "acu-refresh-1-beef00"}
    assert bearer(route, 1) == "Bearer acu-access-2-c0ffee"


def test_a_401_mid_run_refreshes_the_token_and_repeats_the_request(router: respx.MockRouter, tokens: TokenServer,
                                                                   client: AcumaticaClient) -> None:
    route = router.get(f"{ENTITY}/Customer/HARBOR").mock(side_effect=[
        httpx.Response(200, json=wrapped(CustomerID="HARBOR")),
        httpx.Response(401, json={"message": "Authorization has been denied for this request."}),
        httpx.Response(200, json=wrapped(CustomerID="HARBOR"))])
    client.get("Customer", "HARBOR")
    assert client.get("Customer", "HARBOR") == {"CustomerID": "HARBOR"}
    assert tokens.grants == ["password", "refresh_token"]
    assert bearer(route, 2) == "Bearer acu-access-2-c0ffee"


def test_a_refused_refresh_falls_back_to_the_password_grant(router: respx.MockRouter, tokens: TokenServer,
                                                            client: AcumaticaClient) -> None:
    router.get(f"{ENTITY}/Customer/HARBOR").mock(side_effect=[
        httpx.Response(200, json={}), httpx.Response(401), httpx.Response(200, json=wrapped(CustomerID="HARBOR"))])
    tokens.refusals["refresh_token"] = [httpx.Response(400, json={"error": "invalid_grant"})]
    client.get("Customer", "HARBOR")
    assert client.get("Customer", "HARBOR") == {"CustomerID": "HARBOR"}
    assert tokens.grants == ["password", "refresh_token", "password"]


def test_refused_credentials_are_an_authentication_error_with_the_servers_reason(
        router: respx.MockRouter, tokens: TokenServer, client: AcumaticaClient) -> None:
    tokens.refusals["password"] = [httpx.Response(400, json={"error": "invalid_grant",
                                                             "error_description": "invalid_username_or_password"})]
    entity = router.get(f"{ENTITY}/Customer/HARBOR").respond(200, json={})
    with pytest.raises(AuthenticationError, match="invalid_username_or_password") as raised:
        client.get("Customer", "HARBOR")
    assert not entity.called
    assert raised.value.status == 400


def test_a_401_that_survives_reauthentication_is_an_authentication_error(
        router: respx.MockRouter, tokens: TokenServer, client: AcumaticaClient) -> None:
    router.get(f"{ENTITY}/Customer/HARBOR").respond(401, json={"message": "Authorization has been denied."})
    with pytest.raises(AuthenticationError, match="credentials refused"):
        client.get("Customer", "HARBOR")
    assert tokens.grants == ["password", "refresh_token", "password"]


def test_the_login_limit_at_the_token_endpoint_is_rate_limited_with_what_to_do(
        router: respx.MockRouter, tokens: TokenServer, clock: FakeClock) -> None:
    tokens.refusals["password"] = [httpx.Response(500, json=LOGIN_LIMIT)]
    client = make_client(clock, max_total_seconds=30)
    with pytest.raises(RateLimited) as raised:
        client.get("Customer", "HARBOR")
    assert "API Login Limit" in str(raised.value)
    assert "sign out" in str(raised.value)
    assert raised.value.retry_after == 60
    assert tokens.grants == ["password"]  # a minute is past the budget: give up now, come back later


def test_the_login_limit_is_tried_again_no_sooner_than_a_minute(router: respx.MockRouter, tokens: TokenServer,
                                                                 clock: FakeClock, client: AcumaticaClient) -> None:
    tokens.refusals["password"] = [httpx.Response(500, json=LOGIN_LIMIT)]
    router.get(f"{ENTITY}/Customer/HARBOR").respond(200, json=wrapped(CustomerID="HARBOR"))
    assert client.get("Customer", "HARBOR") == {"CustomerID": "HARBOR"}
    assert clock.sleeps[0] >= 60
    assert tokens.grants == ["password", "password"]


def test_the_login_limit_on_an_entity_request_is_rate_limited(router: respx.MockRouter, tokens: TokenServer,
                                                             client: AcumaticaClient) -> None:
    router.get(f"{ENTITY}/Customer/HARBOR").respond(500, json=LOGIN_LIMIT)
    with pytest.raises(RateLimited, match="API Login Limit"):
        client.get("Customer", "HARBOR")


# -- sign-out ------------------------------------------------------------------------------------------------


def test_close_signs_out_with_the_token_once(router: respx.MockRouter, tokens: TokenServer,
                                             clock: FakeClock) -> None:
    router.get(f"{ENTITY}/Customer/HARBOR").respond(200, json={})
    logout = router.post(f"{BASE}/entity/auth/logout").respond(204)
    client = make_client(clock)
    client.get("Customer", "HARBOR")
    client.close()
    client.close()
    assert logout.call_count == 1
    assert bearer(logout, 0) == "Bearer acu-access-1-c0ffee"


def test_close_without_a_session_does_not_sign_in_to_sign_out(router: respx.MockRouter, tokens: TokenServer,
                                                              clock: FakeClock) -> None:
    logout = router.post(f"{BASE}/entity/auth/logout").respond(204)
    make_client(clock).close()
    assert not logout.called
    assert tokens.grants == []


def test_a_failed_sign_out_is_logged_not_raised(router: respx.MockRouter, tokens: TokenServer, clock: FakeClock,
                                                caplog: pytest.LogCaptureFixture) -> None:
    router.get(f"{ENTITY}/Customer/HARBOR").respond(200, json={})
    router.post(f"{BASE}/entity/auth/logout").respond(503)
    client = make_client(clock)
    client.get("Customer", "HARBOR")
    with caplog.at_level(logging.WARNING):
        client.close()
    assert "sign-out failed" in caplog.text


# -- URLs and the configured version ------------------------------------------------------------------------


def test_requests_go_to_the_configured_endpoint_version_with_keys_escaped(
        router: respx.MockRouter, tokens: TokenServer, clock: FakeClock) -> None:
    route = router.get(url__startswith=f"{BASE}/entity/Default/23.200.001/Bill/").respond(200, json={})
    client = make_client(clock, version="23.200.001")
    client.get("Bill", "Debit Adj.", "000/12")
    assert route.calls[0].request.url.raw_path.decode() == "/entity/Default/23.200.001/Bill/Debit%20Adj./000%2F12"


def test_a_bare_404_says_the_endpoint_version_is_not_served(router: respx.MockRouter, tokens: TokenServer,
                                                            client: AcumaticaClient) -> None:
    router.get(f"{ENTITY}/Customer/HARBOR").respond(404, text="")
    with pytest.raises(EndpointNotServed, match=r"does not serve endpoint Default version 24\.200\.001") as raised:
        client.get("Customer", "HARBOR")
    assert raised.value.status == 404


def test_an_html_404_is_the_version_not_served_too(router: respx.MockRouter, tokens: TokenServer,
                                                   client: AcumaticaClient) -> None:
    router.get(f"{ENTITY}/SalesOrder").respond(404, html="<html><body>Not Found</body></html>")
    with pytest.raises(EndpointNotServed, match=r"version 24\.200\.001"):
        client.query("SalesOrder")


def test_a_record_that_does_not_exist_is_none(router: respx.MockRouter, tokens: TokenServer,
                                              client: AcumaticaClient) -> None:
    router.get(f"{ENTITY}/Customer/NOBODY").respond(404, json={
        "message": "An error has occurred.", "exceptionMessage": "No entity satisfies the condition.",
        "exceptionType": "PX.Api.ContractBased.NoEntitySatisfiesTheConditionException"})
    assert client.get("Customer", "NOBODY") is None


def test_the_branch_goes_in_the_branch_header(router: respx.MockRouter, tokens: TokenServer,
                                              clock: FakeClock) -> None:
    route = router.get(f"{ENTITY}/Customer/HARBOR").respond(200, json={})
    make_client(clock, branch="HQ").get("Customer", "HARBOR")
    assert route.calls[0].request.headers["PX-CbApiBranch"] == "HQ"


# -- queries --------------------------------------------------------------------------------------------------


def test_a_query_sends_the_odata_options_and_unwraps_the_array(router: respx.MockRouter, tokens: TokenServer,
                                                               client: AcumaticaClient) -> None:
    route = router.get(f"{ENTITY}/Bill").respond(200, json=[wrapped(ReferenceNbr="000001", Amount=12.5)])
    found = client.query("Bill", filter="VendorRef eq " + odata_text("O'Brien's"), expand=["Details"], top=1)
    assert str(found[0]["Amount"]) == "12.5"
    assert dict(route.calls[0].request.url.params) == {
        "$filter": "VendorRef eq 'O''Brien''s'", "$expand": "Details", "$top": "1"}


def test_query_all_pages_with_top_and_skip_until_a_short_page(router: respx.MockRouter, tokens: TokenServer,
                                                              client: AcumaticaClient) -> None:
    route = router.get(f"{ENTITY}/SalesInvoice").mock(side_effect=[
        httpx.Response(200, json=[wrapped(ReferenceNbr="1"), wrapped(ReferenceNbr="2")]),
        httpx.Response(200, json=[wrapped(ReferenceNbr="3")])])
    found = list(client.query_all("SalesInvoice", page_size=2))
    assert [r["ReferenceNbr"] for r in found] == ["1", "2", "3"]
    assert [(c.request.url.params.get("$top"), c.request.url.params.get("$skip")) for c in route.calls] == [
        ("2", None), ("2", "2")]


# -- writes ---------------------------------------------------------------------------------------------------


def test_put_wraps_the_record_and_unwraps_the_answer(router: respx.MockRouter, tokens: TokenServer,
                                                     client: AcumaticaClient) -> None:
    route = router.put(f"{ENTITY}/SalesOrder").respond(200, json={"id": "g-1", **wrapped(OrderNbr="SO000001")})
    stored = client.put("SalesOrder", {"CustomerID": "HARBOR", "Details": [{"InventoryID": "FISH-001"}]})
    assert stored == {"id": "g-1", "OrderNbr": "SO000001"}
    assert json.loads(route.calls[0].request.content) == {
        "CustomerID": {"value": "HARBOR"}, "Details": [{"InventoryID": {"value": "FISH-001"}}]}
    assert "If-None-Match" not in route.calls[0].request.headers


def test_insert_only_sends_if_none_match_and_update_only_if_match(router: respx.MockRouter, tokens: TokenServer,
                                                                  client: AcumaticaClient) -> None:
    route = router.put(f"{ENTITY}/PurchaseOrder").respond(200, json={})
    client.put("PurchaseOrder", {"OrderNbr": "PO1"}, mode="insert")
    client.put("PurchaseOrder", {"OrderNbr": "PO1"}, mode="update")
    assert route.calls[0].request.headers["If-None-Match"] == "*"
    assert route.calls[1].request.headers["If-Match"] == "*"
    assert "If-Match" not in route.calls[0].request.headers


def test_an_insert_of_an_existing_record_is_a_conflict_saying_so(router: respx.MockRouter, tokens: TokenServer,
                                                                 client: AcumaticaClient) -> None:
    router.put(f"{ENTITY}/Bill").respond(412, json={"message": "An error has occurred.",
                                                    "exceptionMessage": "Bill Bill/000001 already exists"})
    with pytest.raises(ConcurrencyConflict, match="Bill already exists"):
        client.put("Bill", {"ReferenceNbr": "000001"}, mode="insert")


def test_an_update_of_a_missing_record_is_a_conflict_saying_so(router: respx.MockRouter, tokens: TokenServer,
                                                               client: AcumaticaClient) -> None:
    router.put(f"{ENTITY}/PurchaseOrder").respond(412, json={"message": "No entity satisfies the condition."})
    with pytest.raises(ConcurrencyConflict, match="PurchaseOrder does not exist"):
        client.put("PurchaseOrder", {"OrderNbr": "PO9"}, mode="update")


def test_a_refused_put_is_rejected_with_each_field_error_and_names_the_first_field(
        router: respx.MockRouter, tokens: TokenServer, client: AcumaticaClient) -> None:
    router.put(f"{ENTITY}/Bill").respond(422, json={
        "error": "Inserting 'Bill' record raised at least one error. Please review the errors.",
        "Vendor": {"value": "V-COASTAL"},
        "VendorRef": {"value": "CP-1", "error": "A document with the same vendor reference number already exists."},
        "Details": [{"InventoryID": {"value": "NOPE", "error": "'Inventory ID' cannot be found in the system."}}]})
    with pytest.raises(RemoteRejected) as raised:
        client.put("Bill", {"Vendor": "V-COASTAL"}, document="CP-1", partner="coastalpaper")
    error = raised.value
    assert error.field == "VendorRef"
    assert "Details[1].InventoryID: 'Inventory ID' cannot be found" in error.remote_message
    assert error.remote_message.startswith("Inserting 'Bill' record raised at least one error.")
    assert (error.status, error.document, error.partner) == (422, "CP-1", "coastalpaper")


def test_a_bare_value_refused_by_the_server_names_the_field(router: respx.MockRouter, tokens: TokenServer,
                                                           client: AcumaticaClient) -> None:
    router.put(f"{ENTITY}/SalesOrder").respond(422, json={
        "error": "Inserting 'SalesOrder' record raised at least one error. Please review the errors.",
        "CustomerID": {"value": "HARBOR", "error": 'The value must be an object: {"value": ...}.'}})
    with pytest.raises(RemoteRejected, match="CustomerID") as raised:
        client.put("SalesOrder", {"CustomerID": "HARBOR"})
    assert raised.value.field == "CustomerID"


def test_field_errors_answered_with_500_are_rejected_not_retried(router: respx.MockRouter, tokens: TokenServer,
                                                                 client: AcumaticaClient) -> None:
    route = router.put(f"{ENTITY}/Bill").respond(500, json={
        "error": "Inserting 'Bill' record raised at least one error.",
        "PostPeriod": {"value": "082026", "error": "Error: The 08-2026 financial period is inactive."}})
    with pytest.raises(RemoteRejected, match="financial period is inactive") as raised:
        client.put("Bill", {"Vendor": "V-COASTAL"})
    assert raised.value.field == "PostPeriod"
    assert route.call_count == 1


def test_a_business_exception_answered_with_500_is_rejected_with_its_message(
        router: respx.MockRouter, tokens: TokenServer, client: AcumaticaClient) -> None:
    route = router.get(f"{ENTITY}/SalesOrder").respond(500, json={
        "message": "An error has occurred.", "exceptionMessage": "The SalesOrder is on hold.",
        "exceptionType": "PX.Data.PXException", "stackTrace": ""})
    with pytest.raises(RemoteRejected, match="The SalesOrder is on hold"):
        client.query("SalesOrder")
    assert route.call_count == 1


# -- retries --------------------------------------------------------------------------------------------------


def test_a_429_waits_as_long_as_retry_after_says_then_succeeds(router: respx.MockRouter, tokens: TokenServer,
                                                               clock: FakeClock, client: AcumaticaClient) -> None:
    router.get(f"{ENTITY}/Customer/HARBOR").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "API request limit exceeded."}),
        httpx.Response(200, json=wrapped(CustomerID="HARBOR"))])
    assert client.get("Customer", "HARBOR") == {"CustomerID": "HARBOR"}
    assert clock.sleeps[0] >= 7


def test_a_5xx_on_a_read_is_retried(router: respx.MockRouter, tokens: TokenServer, client: AcumaticaClient) -> None:
    route = router.get(f"{ENTITY}/Customer/HARBOR").mock(side_effect=[
        httpx.Response(503, json={"message": "Service Unavailable"}),
        httpx.Response(200, json=wrapped(CustomerID="HARBOR"))])
    assert client.get("Customer", "HARBOR") == {"CustomerID": "HARBOR"}
    assert route.call_count == 2


def test_a_5xx_on_an_update_is_retried(router: respx.MockRouter, tokens: TokenServer,
                                       client: AcumaticaClient) -> None:
    route = router.put(f"{ENTITY}/PurchaseOrder").mock(side_effect=[
        httpx.Response(503), httpx.Response(200, json=wrapped(OrderNbr="PO1"))])
    assert client.put("PurchaseOrder", {"OrderNbr": "PO1"}, mode="update") == {"OrderNbr": "PO1"}
    assert route.call_count == 2


def test_a_5xx_on_an_insert_is_outcome_unknown_and_not_repeated(router: respx.MockRouter, tokens: TokenServer,
                                                                client: AcumaticaClient) -> None:
    route = router.put(f"{ENTITY}/SalesOrder").respond(503, json={"message": "Service Unavailable"})
    with pytest.raises(OutcomeUnknown, match="reconcile"):
        client.put("SalesOrder", {"CustomerID": "HARBOR"}, mode="insert", document="HF-1")
    assert route.call_count == 1


def test_a_dropped_connection_on_an_insert_is_outcome_unknown(router: respx.MockRouter, tokens: TokenServer,
                                                              client: AcumaticaClient) -> None:
    router.put(f"{ENTITY}/Bill").mock(side_effect=httpx.ReadError("connection reset"))
    with pytest.raises(OutcomeUnknown):
        client.put("Bill", {"Vendor": "V-COASTAL"}, mode="insert")


def test_a_5xx_that_persists_gives_up_with_a_transient_error(router: respx.MockRouter, tokens: TokenServer,
                                                             client: AcumaticaClient) -> None:
    route = router.get(f"{ENTITY}/Customer/HARBOR").respond(500, json={"message": "An error has occurred.",
                                                                        "exceptionMessage": "deadlock victim",
                                                                        "exceptionType": "System.Data.SqlClient"})
    with pytest.raises(TransientError, match="deadlock victim"):
        client.get("Customer", "HARBOR")
    assert route.call_count == 3


# -- secrets --------------------------------------------------------------------------------------------------


def test_no_secret_reaches_the_logs_or_the_errors(router: respx.MockRouter, tokens: TokenServer, clock: FakeClock,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    router.get(f"{ENTITY}/Customer/HARBOR").mock(side_effect=[
        httpx.Response(401), httpx.Response(200, json={})])
    router.put(f"{ENTITY}/SalesOrder").respond(
        422, json={"error": f"bad password {PASSWORD} and secret {CLIENT_SECRET}",
                   "CustomerID": {"value": "x", "error": f"token acu-access-2-c0ffee {PASSWORD}"}})
    router.post(f"{BASE}/entity/auth/logout").respond(500, json={"message": f"logout failed for {PASSWORD}"})
    messages: list[str] = []
    with caplog.at_level(logging.DEBUG):
        client = make_client(clock)
        client.get("Customer", "HARBOR")
        try:
            client.put("SalesOrder", {"CustomerID": "x"})
        except ConnectorError as error:
            messages.append(str(error))
        client.close()
    text = caplog.text + "\n".join(messages)
    assert messages
    for secret in (PASSWORD, CLIENT_SECRET, "acu-access-1-c0ffee", "acu-access-2-c0ffee", "acu-refresh-1-beef00"):
        assert secret not in text
