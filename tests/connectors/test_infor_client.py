"""The M3 client over respx: ION SSO tokens, MI REST calls, M3's failures inside HTTP 200, retries and redaction.

Time is a fake clock whose ``sleep`` only advances it; no test sleeps.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, quote

import httpx
import pytest
import respx

from edi_assets.connectors.errors import (
    AuthenticationError,
    ConnectorError,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    RemoteRejected,
)
from edi_assets.connectors.infor import InforConnector, M3Client, M3Rejected, parse_ionapi
from edi_assets.connectors.retry import RetryPolicy, RetrySettings
from edi_assets.customers import CustomersFile
from edi_assets.documents import Invoice, InvoiceLine, ItemId
from tests.connectors.conftest import credentials_from, demo_xref

GATEWAY = "https://gw.test"
SSO = "https://sso.test/EVERGREEN_PRD/as/"
TOKEN_URL = SSO + "token.oauth2"
MI = f"{GATEWAY}/EVERGREEN_PRD/M3/m3api-rest/v2/execute"
CLIENT_ID = "EVERGREEN_PRD~EdiAssetsClient"
CLIENT_SECRET = "ion-client-secret-5f1e"
ACCESS_KEY = "EVERGREEN_PRD#EdiServiceAccount"
SECRET_KEY = "ion-service-secret-77ab"


def ionapi_text(**changes: Any) -> str:
    data: dict[str, Any] = {"ti": "EVERGREEN_PRD", "cn": "EDI", "ci": CLIENT_ID, "cs": CLIENT_SECRET, "iu": GATEWAY,
                            "pu": SSO, "oa": "authorization.oauth2", "ot": "token.oauth2", "or": "revoke_token.oauth2",
                            "saak": ACCESS_KEY, "sask": SECRET_KEY}
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not None})


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


class SsoServer:
    """The ION SSO token endpoint: numbered tokens, the forms it was sent, queued refusals per grant type."""

    def __init__(self, router: respx.MockRouter, expires_in: int = 7200) -> None:
        self.forms: list[dict[str, str]] = []
        self.refusals: dict[str, list[httpx.Response]] = {}
        self.issued: list[str] = []
        self.expires_in = expires_in
        self.refresh_tokens = True
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
        access, refresh = f"ion-access-{n}-9c1d7e", f"ion-refresh-{n}-4b2a8f"
        self.issued += [access, refresh]
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": self.expires_in}
        if self.refresh_tokens:
            body["refresh_token"] = refresh
        return httpx.Response(200, json=body)


def ok(*records: dict[str, str], transaction: str = "Any") -> httpx.Response:
    return httpx.Response(200, json={"results": [{"transaction": transaction, "records": list(records)}],
                                     "wasTerminated": False, "nrOfSuccessfullTransactions": 1,
                                     "nrOfFailedTransactions": 0, "nrOfNotProcessedTransactions": 0})


def nok(message: str, field: str = "", error_type: str = "ServerReturnedNOK", code: str = "WSU0103",
        transaction: str = "Any", records: list[dict[str, str]] | None = None) -> httpx.Response:
    item: dict[str, Any] = {"transaction": transaction, "errorMessage": message, "errorType": error_type,
                            "errorCode": code, "errorField": field, "errorCfg": None, "notProcessed": False}
    if records is not None:
        item["records"] = records
    return httpx.Response(200, json={"results": [item], "wasTerminated": False, "nrOfSuccessfullTransactions": 0,
                                     "nrOfFailedTransactions": 1, "nrOfNotProcessedTransactions": 0})


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sso(router: respx.MockRouter) -> SsoServer:
    return SsoServer(router)


def policy(clock: FakeClock, **settings: Any) -> RetryPolicy:
    return RetryPolicy(RetrySettings(**settings), sleep=clock.sleep, clock=clock)


def make_client(clock: FakeClock, text: str | None = None, **retry: Any) -> M3Client:
    return M3Client(parse_ionapi(text or ionapi_text()), cono=100, divi="AAA", retry=policy(clock, **retry),
                    clock=clock)


def mi(router: respx.MockRouter, call: str) -> respx.Route:
    """The route of one transaction, whatever matrix parameters follow it."""
    return router.get(url__regex=rf"^{MI}/{call}(;[^?]*)?(\?.*)?$")


def bearer(route: respx.Route, index: int) -> str:
    return str(route.calls[index].request.headers["Authorization"])


def params(route: respx.Route, index: int = 0) -> dict[str, str]:
    return dict(route.calls[index].request.url.params)


# -- tokens -------------------------------------------------------------------------------------------------

def test_the_password_grant_sends_client_and_service_account_keys_form_encoded(
        router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    mi(router, "CRS620MI/GetBasicData").mock(return_value=ok({"SUNO": "GRAIN01"}))

    make_client(clock).get_supplier("GRAIN01")

    request = router.calls[0].request
    assert str(request.url) == TOKEN_URL
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert f"username={quote(ACCESS_KEY, safe='')}" in request.content.decode()  # '#' as %23, never re-prefixed
    assert sso.forms == [{"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                          "username": ACCESS_KEY, "password": SECRET_KEY}]


def test_a_backend_file_without_service_account_keys_uses_client_credentials(
        router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    mi(router, "CRS620MI/GetBasicData").mock(return_value=ok({"SUNO": "GRAIN01"}))

    make_client(clock, ionapi_text(saak=None, sask=None)).get_supplier("GRAIN01")

    assert sso.forms == [{"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}]


def test_the_token_is_fetched_once_and_sent_as_bearer(router: respx.MockRouter, sso: SsoServer,
                                                      clock: FakeClock) -> None:
    route = mi(router, "CRS620MI/GetBasicData").mock(return_value=ok({"SUNO": "GRAIN01"}))
    client = make_client(clock)

    client.get_supplier("GRAIN01")
    client.get_supplier("GRAIN01")

    assert sso.grants == ["password"]
    assert bearer(route, 0) == bearer(route, 1) == f"Bearer {sso.issued[0]}"


def test_a_token_near_expiry_is_refreshed_before_the_call(router: respx.MockRouter, sso: SsoServer,
                                                          clock: FakeClock) -> None:
    route = mi(router, "CRS620MI/GetBasicData").mock(return_value=ok({"SUNO": "GRAIN01"}))
    client = make_client(clock)
    client.get_supplier("GRAIN01")

    clock.now += 7200 - 30  # inside the 60 s skew of the 2 h lifetime
    client.get_supplier("GRAIN01")

    assert sso.grants == ["password", "refresh_token"]
    assert sso.forms[1] == {"grant_type": "refresh_token", "refresh_token": sso.issued[1], "client_id": CLIENT_ID,
                            "client_secret": CLIENT_SECRET}
    assert bearer(route, 1) == f"Bearer {sso.issued[2]}"
    assert len(route.calls) == 2  # no 401 was needed


def test_without_refresh_tokens_an_expiring_token_is_replaced_by_a_full_grant(
        router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    sso.refresh_tokens = False
    mi(router, "CRS620MI/GetBasicData").mock(return_value=ok({"SUNO": "GRAIN01"}))
    client = make_client(clock)
    client.get_supplier("GRAIN01")

    clock.now += 7200
    client.get_supplier("GRAIN01")

    assert sso.grants == ["password", "password"]


def test_a_401_mid_run_refreshes_the_token_and_resends(router: respx.MockRouter, sso: SsoServer,
                                                       clock: FakeClock) -> None:
    expired = httpx.Response(401, json={"error": "invalid_token", "error_description": "expired"})
    route = mi(router, "CRS620MI/GetBasicData").mock(side_effect=[expired, ok({"SUNO": "GRAIN01"})])

    assert make_client(clock).get_supplier("GRAIN01") == {"SUNO": "GRAIN01"}

    assert sso.grants == ["password", "refresh_token"]
    assert bearer(route, 1) == f"Bearer {sso.issued[2]}"


def test_a_refused_refresh_falls_back_to_the_password_grant(router: respx.MockRouter, sso: SsoServer,
                                                            clock: FakeClock) -> None:
    expired = httpx.Response(401, json={"error": "invalid_token"})
    mi(router, "CRS620MI/GetBasicData").mock(side_effect=[expired, ok({"SUNO": "GRAIN01"})])
    refused = {"error": "invalid_grant", "error_description": "Invalid or expired refresh token"}
    sso.refusals["refresh_token"] = [httpx.Response(400, json=refused)]

    make_client(clock).get_supplier("GRAIN01")

    assert sso.grants == ["password", "refresh_token", "password"]


def test_refused_credentials_raise_authentication_error_with_the_sso_reason(
        router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    sso.refusals["password"] = [httpx.Response(400, json={"error": "invalid_grant",
                                                          "error_description": "Invalid resource owner credentials"})]
    route = mi(router, "CRS620MI/GetBasicData").mock(return_value=ok())

    with pytest.raises(AuthenticationError, match="Invalid resource owner credentials") as caught:
        make_client(clock).get_supplier("GRAIN01")

    assert not route.called
    assert caught.value.operation == "CRS620MI/GetBasicData"
    assert SECRET_KEY not in str(caught.value)


def test_a_token_still_refused_after_renewal_is_an_authentication_error(
        router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    mi(router, "CRS620MI/GetBasicData").mock(return_value=httpx.Response(401, json={"error": "invalid_token"}))

    with pytest.raises(AuthenticationError):
        make_client(clock).get_supplier("GRAIN01")

    assert sso.grants == ["password", "refresh_token", "password"]


# -- MI REST calls ------------------------------------------------------------------------------------------

def test_every_call_sends_cono_and_asks_for_trimmed_ymd8_values(router: respx.MockRouter, sso: SsoServer,
                                                                clock: FakeClock) -> None:
    route = mi(router, "CRS620MI/GetBasicData").mock(return_value=ok({"SUNO": "GRAIN01"}))

    make_client(clock).get_supplier("GRAIN01")

    assert params(route) == {"CONO": "100", "SUNO": "GRAIN01", "dateformat": "YMD8", "excludeempty": "false",
                             "righttrim": "true"}


def test_divi_goes_only_to_transactions_that_work_per_division(router: respx.MockRouter, sso: SsoServer,
                                                               clock: FakeClock) -> None:
    supplier = mi(router, "CRS620MI/GetBasicData").mock(return_value=ok({"SUNO": "GRAIN01"}))
    invoices = mi(router, "APS450MI/LstInvBySupInv").mock(return_value=ok())
    client = make_client(clock)

    client.get_supplier("GRAIN01")
    client.find_invoices("GRAIN01", "GC-881")

    assert "DIVI" not in params(supplier)
    assert params(invoices)["DIVI"] == "AAA"
    assert (params(invoices)["SUNO"], params(invoices)["SINO"]) == ("GRAIN01", "GC-881")


def test_lists_ask_for_every_record_with_the_maxrecs_matrix_parameter(router: respx.MockRouter, sso: SsoServer,
                                                                      clock: FakeClock) -> None:
    route = mi(router, "PPS200MI/SearchHead").mock(return_value=ok())

    make_client(clock).search_order_heads("LMDT:[20261101 TO *]")

    url = route.calls[0].request.url
    assert url.path.endswith("/execute/PPS200MI/SearchHead;maxrecs=0")
    assert url.params["SQRY"] == "LMDT:[20261101 TO *]"


def test_padded_values_are_trimmed_even_when_the_grid_ignores_righttrim(router: respx.MockRouter, sso: SsoServer,
                                                                        clock: FakeClock) -> None:
    padded = {"SUNO": "GRAIN01   ", "SUNM": "GrainCo Mills".ljust(36)}
    mi(router, "CRS620MI/GetBasicData").mock(return_value=ok(padded))

    assert make_client(clock).get_supplier("GRAIN01") == {"SUNO": "GRAIN01", "SUNM": "GrainCo Mills"}


def test_a_write_returns_the_records_it_answers(router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    route = mi(router, "APS450MI/AddHead").mock(return_value=ok({"INBN": "1000001"}))

    inbn = make_client(clock).add_invoice_head({"SUNO": "GRAIN01", "IVDT": "20261120", "SINO": "GC-881", "CUCD": None})

    assert inbn == "1000001"
    assert "CUCD" not in params(route)  # a blank field is "not given"


# -- failures inside HTTP 200 --------------------------------------------------------------------------------

def test_server_returned_nok_is_remote_rejected_with_m3s_message_and_field(router: respx.MockRouter,
                                                                           sso: SsoServer, clock: FakeClock) -> None:
    mi(router, "APS450MI/AddHead").mock(return_value=nok("Supplier S999 does not exist", "SUNO",
                                                         transaction="AddHead"))

    with pytest.raises(M3Rejected) as caught:
        make_client(clock).add_invoice_head({"SUNO": "S999", "IVDT": "20261120"}, document="GC-881")

    error = caught.value
    assert isinstance(error, RemoteRejected)
    assert (error.remote_message, error.field, error.error_type, error.error_code) == (
        "Supplier S999 does not exist", "SUNO", "ServerReturnedNOK", "WSU0103")
    assert (error.operation, error.document) == ("APS450MI/AddHead", "GC-881")


@pytest.mark.parametrize(("error_type", "message", "field"), [
    ("TransactionNotFound", "Transaction AddHeadX does not exist in program APS450MI", ""),
    ("MandatoryInputFieldNotFound", "Mandatory input field IVDT not found", "IVDT"),
    ("InputFieldTooLong", "Input field SINO is too long", "SINO"),
])
def test_every_m3_error_type_is_remote_rejected(router: respx.MockRouter, sso: SsoServer, clock: FakeClock,
                                                error_type: str, message: str, field: str) -> None:
    mi(router, "APS450MI/AddHead").mock(return_value=nok(message, field, error_type, ""))

    with pytest.raises(M3Rejected) as caught:
        make_client(clock).add_invoice_head({"SUNO": "GRAIN01"})

    assert (caught.value.error_type, caught.value.remote_message, caught.value.field) == (
        error_type, message, field or None)


def test_the_legacy_nok_message_is_trimmed_of_its_padding(router: respx.MockRouter, sso: SsoServer,
                                                          clock: FakeClock) -> None:
    legacy = {"@type": "ServerReturnedNOK", "@code": "CPF9898", "@cfg": None, "@field": "RETT",
              "Message": "Designed to fail!".ljust(80)}
    mi(router, "CRS620MI/GetBasicData").mock(return_value=httpx.Response(200, json=legacy))

    with pytest.raises(M3Rejected) as caught:
        make_client(clock).get_supplier("GRAIN01")

    assert (caught.value.remote_message, caught.value.field, caught.value.error_code) == (
        "Designed to fail!", "RETT", "CPF9898")


def test_a_bare_error_message_is_remote_rejected(router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    mi(router, "CRS620MI/GetBasicData").mock(return_value=httpx.Response(200, json={"ErrorMessage": "No access  "}))

    with pytest.raises(M3Rejected, match="No access"):
        make_client(clock).get_supplier("GRAIN01")


def test_a_partial_list_ending_in_an_error_is_rejected_with_the_records_read(
        router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    read = [{"PUNO": "4000001   "}, {"PUNO": "4000002   "}]
    mi(router, "PPS200MI/SearchHead").mock(return_value=nok("Error reading record 3   ", "", code="CPF9898",
                                                            records=read))

    with pytest.raises(M3Rejected) as caught:
        make_client(clock).search_order_heads("LMDT:[* TO *]")

    assert caught.value.remote_message.startswith("Error reading record 3 (the list ended in this error after 2")
    assert caught.value.records == [{"PUNO": "4000001"}, {"PUNO": "4000002"}]


def test_a_rejected_write_is_not_retried(router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    route = mi(router, "APS450MI/AddHead").mock(return_value=nok("Supplier invoice number GC-881 already exists",
                                                                 "SINO", code="WAP0101"))

    with pytest.raises(M3Rejected):
        make_client(clock).add_invoice_head({"SUNO": "GRAIN01", "SINO": "GC-881"})

    assert len(route.calls) == 1


# -- gateway errors and retries ------------------------------------------------------------------------------

def test_a_429_is_retried_after_its_retry_after(router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    throttled = httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "Too many requests"})
    route = mi(router, "APS450MI/AddHead").mock(side_effect=[throttled, ok({"INBN": "1000001"})])

    assert make_client(clock).add_invoice_head({"SUNO": "GRAIN01"}) == "1000001"  # a 429 never reached M3

    assert len(route.calls) == 2
    assert clock.sleeps[0] >= 7


def test_throttling_that_outlasts_the_budget_raises_rate_limited(router: respx.MockRouter, sso: SsoServer,
                                                                 clock: FakeClock) -> None:
    mi(router, "CRS620MI/GetBasicData").mock(return_value=httpx.Response(429, headers={"Retry-After": "120"}))

    with pytest.raises(RateLimited) as caught:
        make_client(clock, max_total_seconds=60).get_supplier("GRAIN01")

    assert caught.value.retry_after == 120


def test_a_503_is_retried_for_a_read(router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    route = mi(router, "APS450MI/LstInvBySupInv").mock(side_effect=[httpx.Response(503), ok({"INBN": "1000001"})])

    assert make_client(clock).find_invoices("GRAIN01", "GC-881") == [{"INBN": "1000001"}]
    assert len(route.calls) == 2


def test_a_503_on_a_write_is_outcome_unknown_and_not_repeated(router: respx.MockRouter, sso: SsoServer,
                                                              clock: FakeClock) -> None:
    route = mi(router, "APS450MI/AddLine").mock(return_value=httpx.Response(503))

    with pytest.raises(OutcomeUnknown) as caught:
        make_client(clock).add_invoice_line("1000001", {"RDTP": "1", "NLAM": "100"}, document="GC-881")

    assert len(route.calls) == 1
    assert (caught.value.operation, caught.value.document) == ("APS450MI/AddLine", "GC-881")


def test_a_dropped_connection_on_a_write_is_outcome_unknown(router: respx.MockRouter, sso: SsoServer,
                                                            clock: FakeClock) -> None:
    route = mi(router, "APS455MI/ValidByBatchNo").mock(side_effect=httpx.ReadError("connection reset"))

    with pytest.raises(OutcomeUnknown):
        make_client(clock).validate_invoice_batch("1000001")

    assert len(route.calls) == 1


def test_an_unreadable_answer_to_a_write_is_outcome_unknown(router: respx.MockRouter, sso: SsoServer,
                                                            clock: FakeClock) -> None:
    mi(router, "APS450MI/AddHead").mock(return_value=httpx.Response(200, text='{"results": [{"trans'))

    with pytest.raises(OutcomeUnknown):
        make_client(clock).add_invoice_head({"SUNO": "GRAIN01"})


def test_a_token_endpoint_outage_is_retried_even_before_a_write(router: respx.MockRouter, sso: SsoServer,
                                                                clock: FakeClock) -> None:
    sso.refusals["password"] = [httpx.Response(503)]
    route = mi(router, "APS450MI/AddHead").mock(return_value=ok({"INBN": "1000001"}))

    assert make_client(clock).add_invoice_head({"SUNO": "GRAIN01"}) == "1000001"
    assert len(route.calls) == 1


def test_an_unknown_api_path_is_not_found(router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    mi(router, "CRS620MI/GetBasicData").mock(return_value=httpx.Response(404, json={"message": "no API suite"}))

    with pytest.raises(NotFound, match="no API suite"):
        make_client(clock).get_supplier("GRAIN01")


def test_a_403_is_permission_denied(router: respx.MockRouter, sso: SsoServer, clock: FakeClock) -> None:
    mi(router, "CRS620MI/GetBasicData").mock(return_value=httpx.Response(403, json={"message": "missing role"}))

    with pytest.raises(PermissionDenied, match="missing role"):
        make_client(clock).get_supplier("GRAIN01")


# -- the connector's reconciliation, against scripted answers --------------------------------------------------

def grainco_invoice() -> Invoice:
    return Invoice(invoice_number="GC-881", invoice_date=dt.date(2026, 11, 20), po_number="4000001",
                   lines=[InvoiceLine(line_number="10", quantity=Decimal(80), unit_price=Decimal("18.20"),
                                      item_ids=[ItemId(qualifier="BP", value="FLOUR-25KG")])],
                   total_amount=Decimal("1456.00"))


def connector(demo_customers: CustomersFile, clock: FakeClock) -> InforConnector:
    return InforConnector(demo_customers.get("evergreen"), credentials_from({"infor.ionapi": ionapi_text()}),
                          retry=policy(clock), clock=clock)


POSTED = {"INBN": "1000007", "SUNO": "GRAIN01", "SINO": "GC-881", "IVDT": "20261120", "VONO": "50000007",
          "YEA4": "2026", "IBHE": "0", "IBLE": "0"}


def test_a_duplicate_refused_by_m3_is_looked_up_and_reported_as_existing(
        router: respx.MockRouter, sso: SsoServer, clock: FakeClock, demo_customers: CustomersFile) -> None:
    lookups = mi(router, "APS450MI/LstInvBySupInv").mock(side_effect=[ok(), ok(POSTED)])
    mi(router, "APS450MI/AddHead").mock(return_value=nok("Supplier invoice number GC-881 already exists", "SINO"))
    lines = mi(router, "APS450MI/AddLine").mock(return_value=ok())

    posting = connector(demo_customers, clock).post(grainco_invoice(), partner="grainco", xref=demo_xref("evergreen"))

    assert (posting.record_id, posting.existed) == ("1000007", True)
    assert len(lookups.calls) == 2
    assert not lines.called


def test_an_add_head_refusal_with_nothing_to_find_is_raised(
        router: respx.MockRouter, sso: SsoServer, clock: FakeClock, demo_customers: CustomersFile) -> None:
    mi(router, "APS450MI/LstInvBySupInv").mock(return_value=ok())
    mi(router, "APS450MI/AddHead").mock(return_value=nok("Supplier GRAIN01 is blocked", "SUNO"))

    with pytest.raises(M3Rejected, match="Supplier GRAIN01 is blocked") as caught:
        connector(demo_customers, clock).post(grainco_invoice(), partner="grainco", xref=demo_xref("evergreen"))

    assert (caught.value.document, caught.value.partner) == ("GC-881", "grainco")


def test_the_same_invoice_number_of_another_year_is_not_this_invoice(
        router: respx.MockRouter, sso: SsoServer, clock: FakeClock, demo_customers: CustomersFile) -> None:
    mi(router, "APS450MI/LstInvBySupInv").mock(return_value=ok({**POSTED, "IVDT": "20251120"}))

    found = connector(demo_customers, clock).find(grainco_invoice(), partner="grainco", xref=demo_xref("evergreen"))

    assert found is None


def test_an_open_batch_holding_other_lines_is_not_completed(
        router: respx.MockRouter, sso: SsoServer, clock: FakeClock, demo_customers: CustomersFile) -> None:
    mi(router, "APS450MI/LstInvBySupInv").mock(return_value=ok({**POSTED, "VONO": "0", "YEA4": "0"}))
    mi(router, "APS450MI/LstLines").mock(return_value=ok({"INBN": "1000007", "LINO": "1", "NLAM": "999"}))
    added = mi(router, "APS450MI/AddLine").mock(return_value=ok())

    with pytest.raises(RemoteRejected, match="1000007 already holds lines that differ"):
        connector(demo_customers, clock).post(grainco_invoice(), partner="grainco", xref=demo_xref("evergreen"))

    assert not added.called


def test_only_invoices_are_posted(router: respx.MockRouter, sso: SsoServer, clock: FakeClock,
                                  demo_customers: CustomersFile) -> None:
    from edi_assets.documents import PurchaseOrder, PurchaseOrderLine

    order = PurchaseOrder(po_number="1", po_date=dt.date(2026, 11, 1),
                          lines=[PurchaseOrderLine(quantity=Decimal(1))])

    with pytest.raises(ValueError, match="only invoices"):
        connector(demo_customers, clock).post(order, partner="grainco", xref=demo_xref("evergreen"))


def test_a_malformed_cursor_is_refused(demo_customers: CustomersFile, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="YYYYMMDD"):
        connector(demo_customers, clock).outbound("2026-11-07", xref=demo_xref("evergreen"))


def test_a_non_infor_customer_is_refused(demo_customers: CustomersFile) -> None:
    with pytest.raises(ValueError, match="not an Infor customer"):
        InforConnector(demo_customers.get("acme"), credentials_from({"infor.ionapi": ionapi_text()}))


# -- secrets -------------------------------------------------------------------------------------------------

def test_secrets_never_reach_logs_or_exceptions(router: respx.MockRouter, sso: SsoServer, clock: FakeClock,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    mi(router, "CRS620MI/GetBasicData").mock(side_effect=[
        ok({"SUNO": "GRAIN01"}), httpx.Response(401, json={"error": "invalid_token"}),
    ])
    mi(router, "APS450MI/AddHead").mock(return_value=nok(f"bad key {SECRET_KEY}", "SUNO"))
    client = make_client(clock)
    errors: list[ConnectorError] = []
    client.get_supplier("GRAIN01")
    sso.refusals["refresh_token"] = [httpx.Response(400, json={"error": "invalid_grant"})]
    sso.refusals["password"] = [httpx.Response(401, json={"error_description": f"wrong secret {CLIENT_SECRET}"})]
    for call in (lambda: client.get_supplier("GRAIN01"), lambda: client.add_invoice_head({"SUNO": "GRAIN01"})):
        with pytest.raises(ConnectorError) as caught:
            call()
        errors.append(caught.value)

    assert "GetBasicData" in caplog.text
    secrets = [CLIENT_SECRET, SECRET_KEY, ACCESS_KEY, quote(ACCESS_KEY, safe=""), *sso.issued]
    for text in [caplog.text, *(str(e) for e in errors), *(repr(e) for e in errors)]:
        for secret in secrets:
            assert secret not in text
