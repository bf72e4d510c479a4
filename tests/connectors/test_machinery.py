"""The shared connector machinery: auth flow, retries, error mapping, redaction, cross-process rate limiting.

HTTP is mocked with respx; time is a fake clock whose ``sleep`` only advances it, so no test sleeps except the
rate-limiter ones, which measure real waits across real processes.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
import respx
from pydantic import SecretStr

from edi_assets.connectors.auth import BearerAuth
from edi_assets.connectors.errors import (
    AuthenticationError,
    ConcurrencyConflict,
    ConnectorError,
    MappingError,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    RemoteRejected,
    TransientError,
)
from edi_assets.connectors.http import ApiClient
from edi_assets.connectors.ratelimit import Limit, RateLimiter, RateLimitSettings, bucket_name
from edi_assets.connectors.redaction import redact
from edi_assets.connectors.retry import RetryPolicy, RetrySettings, parse_retry_after

BASE = "https://erp.test"
PASSWORD = "s3cr!t pa$$word"
CLIENT_SECRET = "cs-9f8e7d6c5b"


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


class QadStyleAuth(BearerAuth):
    """Password grant with the credentials in the query string, as QAD does; refresh grant likewise."""

    def __init__(self, clock: FakeClock, refresh_skew: float = 60.0) -> None:
        super().__init__(system="qad", secrets=[SecretStr(PASSWORD), SecretStr(CLIENT_SECRET)],
                         refresh_skew=refresh_skew, clock=clock)

    def token_request(self) -> httpx.Request:
        return httpx.Request("POST", f"{BASE}/oauth/token", params={
            "client_id": "edi", "client_secret": CLIENT_SECRET, "grant_type": "password", "username": "ops",
            "password": PASSWORD})

    def refresh_request(self, refresh_token: SecretStr) -> httpx.Request:
        return httpx.Request("POST", f"{BASE}/oauth/token", params={
            "client_id": "edi", "grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()})


class TokenServer:
    """The token endpoint: issues numbered tokens, or the queued refusal for a grant type."""

    def __init__(self, router: respx.MockRouter, expires_in: int = 3600) -> None:
        self.grants: list[str] = []
        self.refusals: dict[str, list[httpx.Response]] = {}
        self.issued: list[str] = []
        self.expires_in = expires_in
        self.delay = 0.0
        self.rotate_refresh = True
        router.post(f"{BASE}/oauth/token").mock(side_effect=self)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        grant = request.url.params["grant_type"]
        self.grants.append(grant)
        time.sleep(self.delay)
        if self.refusals.get(grant):
            return self.refusals[grant].pop(0)
        n = len(self.issued) // 2 + 1
        access, refresh = f"access-{n}-7f3a9c", f"refresh-{n}-b2e8d1"
        self.issued += [access, refresh]
        body = {"access_token": access, "refresh_token": refresh, "expires_in": self.expires_in}
        if grant == "refresh_token" and not self.rotate_refresh:
            del body["refresh_token"]
        return httpx.Response(200, json=body)


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


def make_client(clock: FakeClock, *, auth: httpx.Auth | None = None, limiter: RateLimiter | None = None,
                **retry: Any) -> ApiClient:
    policy = RetryPolicy(RetrySettings(**retry), sleep=clock.sleep, clock=clock)
    return ApiClient(system="qad", base_url=BASE, auth=auth, retry=policy, limiter=limiter)


def bearer(route: respx.Route, index: int) -> str:
    return str(route.calls[index].request.headers["Authorization"])


# -- authentication ------------------------------------------------------------------------------------------

def test_token_fetched_once_and_reused(router: respx.MockRouter, tokens: TokenServer, clock: FakeClock) -> None:
    items = router.get(f"{BASE}/api/items").respond(200, json={"data": []})
    client = make_client(clock, auth=QadStyleAuth(clock))
    for _ in range(3):
        client.request("GET", "/api/items", operation="list items")
    assert tokens.grants == ["password"]
    assert {bearer(items, i) for i in range(3)} == {"Bearer access-1-7f3a9c"}


def test_threads_share_one_token_fetch(router: respx.MockRouter, tokens: TokenServer, clock: FakeClock) -> None:
    router.get(f"{BASE}/api/items").respond(200, json={})
    tokens.delay = 0.05
    client = make_client(clock, auth=QadStyleAuth(clock))
    threads = [threading.Thread(target=client.request, args=("GET", "/api/items"), kwargs={"operation": "list"})
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tokens.grants == ["password"]


def test_token_refreshed_proactively_before_expiry(router: respx.MockRouter, clock: FakeClock) -> None:
    tokens = TokenServer(router, expires_in=100)
    items = router.get(f"{BASE}/api/items").respond(200, json={})
    client = make_client(clock, auth=QadStyleAuth(clock, refresh_skew=10))
    client.request("GET", "/api/items", operation="list items")
    clock.now += 85  # 15 s left: outside the skew, keep the token
    client.request("GET", "/api/items", operation="list items")
    clock.now += 6  # 9 s left: inside the skew, refresh before sending
    client.request("GET", "/api/items", operation="list items")
    assert tokens.grants == ["password", "refresh_token"]
    assert [bearer(items, i) for i in range(3)] == ["Bearer access-1-7f3a9c"] * 2 + ["Bearer access-2-7f3a9c"]
    assert all(call.response.status_code == 200 for call in items.calls)


def test_401_mid_run_refreshes_and_succeeds(router: respx.MockRouter, tokens: TokenServer, clock: FakeClock) -> None:
    items = router.get(f"{BASE}/api/items").mock(side_effect=[
        httpx.Response(200, json={}), httpx.Response(401, json={"message": "token expired"}),
        httpx.Response(200, json={"data": [1]})])
    client = make_client(clock, auth=QadStyleAuth(clock))
    client.request("GET", "/api/items", operation="list items")
    response = client.request("GET", "/api/items", operation="list items")
    assert response.json() == {"data": [1]}
    assert tokens.grants == ["password", "refresh_token"]
    assert bearer(items, 2) == "Bearer access-2-7f3a9c"


def test_refresh_without_new_refresh_token_keeps_the_old_one(router: respx.MockRouter, clock: FakeClock) -> None:
    tokens = TokenServer(router, expires_in=100)
    tokens.rotate_refresh = False
    router.get(f"{BASE}/api/items").respond(200, json={})
    client = make_client(clock, auth=QadStyleAuth(clock, refresh_skew=10))
    for _ in range(3):
        client.request("GET", "/api/items", operation="list items")
        clock.now += 95
    refreshes = [call.request.url.params.get("refresh_token") for call in router.calls
                 if call.request.url.params.get("grant_type") == "refresh_token"]
    assert refreshes == ["refresh-1-b2e8d1", "refresh-1-b2e8d1"]


def test_refused_refresh_falls_back_to_full_reauthentication(router: respx.MockRouter, tokens: TokenServer,
                                                             clock: FakeClock) -> None:
    router.get(f"{BASE}/api/items").mock(side_effect=[httpx.Response(200), httpx.Response(401),
                                                      httpx.Response(200, json={"ok": True})])
    tokens.refusals["refresh_token"] = [httpx.Response(400, json={"error": "invalid_grant"})]
    client = make_client(clock, auth=QadStyleAuth(clock))
    client.request("GET", "/api/items", operation="list items")
    assert client.json("GET", "/api/items", operation="list items") == {"ok": True}
    assert tokens.grants == ["password", "refresh_token", "password"]


def test_refused_reauthentication_raises_authentication_error(router: respx.MockRouter, tokens: TokenServer,
                                                              clock: FakeClock) -> None:
    items = router.get(f"{BASE}/api/items").mock(side_effect=[httpx.Response(200), httpx.Response(401)])
    client = make_client(clock, auth=QadStyleAuth(clock))
    client.request("GET", "/api/items", operation="list items")
    tokens.refusals["refresh_token"] = [httpx.Response(400, json={"error": "invalid_grant"})]
    tokens.refusals["password"] = [httpx.Response(401, json={"error": "invalid_client",
                                                             "error_description": "user ops is locked"})]
    with pytest.raises(AuthenticationError, match="user ops is locked") as caught:
        client.request("GET", "/api/items", operation="list items", document="INV-7")
    assert tokens.grants == ["password", "refresh_token", "password"]
    assert items.call_count == 2  # not retried: credentials do not heal with time
    assert caught.value.operation == "list items"
    assert caught.value.document == "INV-7"


def test_second_401_after_refresh_reauthenticates_once_then_fails(router: respx.MockRouter, tokens: TokenServer,
                                                                  clock: FakeClock) -> None:
    router.get(f"{BASE}/api/items").mock(side_effect=[httpx.Response(200)] + [httpx.Response(401)] * 3)
    client = make_client(clock, auth=QadStyleAuth(clock))
    client.request("GET", "/api/items", operation="list items")
    with pytest.raises(AuthenticationError):
        client.request("GET", "/api/items", operation="list items")
    assert tokens.grants == ["password", "refresh_token", "password"]


def test_token_endpoint_outage_is_retried_even_for_post(router: respx.MockRouter, tokens: TokenServer,
                                                        clock: FakeClock) -> None:
    tokens.refusals["password"] = [httpx.Response(503)]
    invoices = router.post(f"{BASE}/api/invoices").respond(201, json={"id": 1})
    client = make_client(clock, auth=QadStyleAuth(clock))
    client.request("POST", "/api/invoices", operation="post invoice", json={"n": "INV-1"})
    assert invoices.call_count == 1  # the invoice went out once, after the token endpoint recovered
    assert tokens.grants == ["password", "password"]


# -- retries -------------------------------------------------------------------------------------------------

def test_retry_after_seconds_is_honoured(router: respx.MockRouter, clock: FakeClock) -> None:
    router.get(f"{BASE}/api/items").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "Too Many Requests"}),
        httpx.Response(200, json={})])
    make_client(clock).request("GET", "/api/items", operation="list items")
    assert len(clock.sleeps) == 1
    assert clock.sleeps[0] >= 7


def test_retry_after_http_date_is_understood() -> None:
    now = datetime(2025, 10, 21, 7, 27, 30, tzinfo=UTC)
    assert parse_retry_after("Tue, 21 Oct 2025 07:28:00 GMT", now=now) == 30
    assert parse_retry_after("Tue, 21 Oct 2025 07:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


def test_post_is_retried_after_429(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post(f"{BASE}/api/invoices").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(201, json={})])
    make_client(clock).request("POST", "/api/invoices", operation="post invoice", json={})
    assert route.call_count == 2  # a 429 is a refusal: nothing was done, so repeating is safe


def test_5xx_is_retried_then_succeeds(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get(f"{BASE}/api/items").mock(side_effect=[
        httpx.Response(503), httpx.Response(502), httpx.Response(200, json={"ok": 1})])
    assert make_client(clock).json("GET", "/api/items", operation="list items") == {"ok": 1}
    assert route.call_count == 3
    assert len(clock.sleeps) == 2


def test_backoff_is_full_jitter_within_exponential_window(router: respx.MockRouter, clock: FakeClock) -> None:
    router.get(f"{BASE}/api/items").respond(500)
    client = make_client(clock, max_attempts=6, initial_backoff_seconds=1, max_backoff_seconds=4,
                         max_total_seconds=1000)
    with pytest.raises(TransientError):
        client.request("GET", "/api/items", operation="list items")
    windows = [1, 2, 4, 4, 4]
    assert all(0 <= slept <= window for slept, window in zip(clock.sleeps, windows, strict=True))


def test_attempts_are_bounded(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get(f"{BASE}/api/items").respond(500, json={"message": "boom"})
    with pytest.raises(TransientError, match="boom"):
        make_client(clock, max_attempts=3).request("GET", "/api/items", operation="list items")
    assert route.call_count == 3


def test_total_time_is_bounded(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get(f"{BASE}/api/items").respond(429, headers={"Retry-After": "4"})
    started = clock.now
    with pytest.raises(RateLimited) as caught:
        make_client(clock, max_attempts=100, max_total_seconds=10).request("GET", "/api/items", operation="list")
    assert clock.now - started <= 10
    assert route.call_count == 3  # at 0, 4 and 8 s; a fourth would need a sleep ending past the budget
    assert caught.value.retry_after == 4


@pytest.mark.parametrize("failure", [
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
    httpx.ReadTimeout("timed out"),
    httpx.Response(502),
])
def test_post_not_retried_when_outcome_unknown(router: respx.MockRouter, clock: FakeClock,
                                               failure: Exception | httpx.Response) -> None:
    route = router.post(f"{BASE}/api/invoices").mock(side_effect=[failure, httpx.Response(201)])
    with pytest.raises(OutcomeUnknown) as caught:
        make_client(clock).request("POST", "/api/invoices", operation="post invoice", json={}, document="INV-9")
    assert route.call_count == 1
    assert isinstance(caught.value, TransientError)
    assert "INV-9" in str(caught.value)


def test_post_retried_when_connection_never_opened(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post(f"{BASE}/api/invoices").mock(side_effect=[httpx.ConnectError("refused"),
                                                                  httpx.Response(201)])
    make_client(clock).request("POST", "/api/invoices", operation="post invoice", json={})
    assert route.call_count == 2


def test_post_marked_idempotent_is_retried(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post(f"{BASE}/api/search").mock(side_effect=[httpx.RemoteProtocolError("dropped"),
                                                                httpx.Response(200, json=[])])
    client = make_client(clock)
    assert client.json("POST", "/api/search", operation="search", json={}, idempotent=True) == []
    assert route.call_count == 2


def test_get_marked_not_idempotent_is_not_retried(router: respx.MockRouter, clock: FakeClock) -> None:
    """Infor M3 writes are GETs."""
    route = router.get(f"{BASE}/m3api-rest/v2/execute/APS450MI/AddHead").mock(
        side_effect=[httpx.ReadTimeout("timed out"), httpx.Response(200)])
    with pytest.raises(OutcomeUnknown):
        make_client(clock).request("GET", "/m3api-rest/v2/execute/APS450MI/AddHead", operation="add head",
                                   idempotent=False)
    assert route.call_count == 1


def test_malformed_json_is_retried_for_get(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get(f"{BASE}/api/items").mock(side_effect=[httpx.Response(200, text="{\"data\": [tru"),
                                                              httpx.Response(200, json={"data": [True]})])
    assert make_client(clock).json("GET", "/api/items", operation="list items") == {"data": [True]}
    assert route.call_count == 2


def test_malformed_json_after_post_is_outcome_unknown(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.post(f"{BASE}/api/invoices").respond(200, text="<html>gateway</html>")
    with pytest.raises(OutcomeUnknown, match="not valid JSON"):
        make_client(clock).json("POST", "/api/invoices", operation="post invoice", json={})
    assert route.call_count == 1


# -- error mapping -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "error"), [
    (400, RemoteRejected), (401, AuthenticationError), (403, PermissionDenied), (404, NotFound),
    (409, ConcurrencyConflict), (412, ConcurrencyConflict), (422, RemoteRejected), (429, RateLimited),
    (500, TransientError), (503, TransientError),
])
def test_error_mapping_per_status(router: respx.MockRouter, clock: FakeClock, status: int,
                                  error: type[ConnectorError]) -> None:
    router.put(f"{BASE}/api/items/1").respond(status, json={"message": "nope"})
    with pytest.raises(error) as caught:
        make_client(clock, max_attempts=1).request("PUT", "/api/items/1", operation="update item", json={})
    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.system == "qad"


@pytest.mark.parametrize(("body", "message", "field"), [
    ({"submitResult": {"success": False, "errors": [{"message": "Supplier S9 unknown", "fieldName": "supplierCode"}]}},
     "Supplier S9 unknown", "supplierCode"),
    ({"error": {"code": "ODP_NOT_IMPLEMENTED", "message": "expand is not supported"}}, "expand is not supported", None),
    ({"message": "An error has occurred.", "exceptionMessage": "Vendor is inactive"}, "Vendor is inactive", None),
    ({"errorMessage": "Supplier S999 does not exist", "errorField": "SUNO"}, "Supplier S999 does not exist", "SUNO"),
])
def test_remote_rejected_carries_the_systems_message_and_field(router: respx.MockRouter, clock: FakeClock,
                                                               body: dict[str, Any], message: str,
                                                               field: str | None) -> None:
    router.post(f"{BASE}/api/bills").respond(422, json=body)
    with pytest.raises(RemoteRejected) as caught:
        make_client(clock).request("POST", "/api/bills", operation="create bill", json={}, partner="ACME")
    assert caught.value.remote_message == message
    assert caught.value.field == field
    assert "ACME" in str(caught.value)


def test_mapping_error_lists_every_missing_key() -> None:
    error = MappingError(["partner ACME -> supplier", "item X1 -> ERP item", "item X2 -> ERP item"],
                         system="acumatica", document="PO-5", partner="ACME")
    assert error.missing == ("partner ACME -> supplier", "item X1 -> ERP item", "item X2 -> ERP item")
    assert all(key in str(error) for key in error.missing)
    assert "3 keys" in str(error)


def test_errors_survive_pickling() -> None:
    error = RemoteRejected("Vendor is inactive", field="VendorID", system="acumatica", status=422, document="B1")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.field) == (RemoteRejected, str(error), "VendorID")


# -- secrets -------------------------------------------------------------------------------------------------

def test_secrets_never_in_exceptions_or_logs(router: respx.MockRouter, tokens: TokenServer, clock: FakeClock,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    router.get(f"{BASE}/api/items").mock(side_effect=[httpx.Response(200), httpx.Response(401)])
    router.get(f"{BASE}/api/legacy").respond(500, json={"message": f"bad login for password {PASSWORD}"})
    client = make_client(clock, auth=QadStyleAuth(clock), max_attempts=2)
    errors: list[ConnectorError] = []
    client.request("GET", "/api/items", operation="list items")
    tokens.refusals["refresh_token"] = [httpx.Response(400, json={"error": "invalid_grant"})]
    tokens.refusals["password"] = [httpx.Response(401, json={"error_description": f"wrong password {PASSWORD}"})]
    for path, params in [("/api/items", None), ("/api/legacy", {"user": "ops", "password": PASSWORD})]:
        with pytest.raises(ConnectorError) as caught:
            client.request("GET", path, operation="read", params=params)
        errors.append(caught.value)

    assert "oauth/token?" in caplog.text  # the QAD token URL, credentials and all, was logged...
    assert "password=***" in caplog.text  # ...masked
    secrets = [PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD), CLIENT_SECRET, *tokens.issued]
    for text in [caplog.text, *(str(e) for e in errors), *(repr(e) for e in errors)]:
        for secret in secrets:
            assert secret not in text


def test_redact_scrubs_names_headers_and_userinfo() -> None:
    text = redact('GET https://u:hunter22@h/x?client_secret=abc&page=2 Authorization: Bearer eyJhbGciOi.x.y '
                  '{"refresh_token": "rt-1", "token_type": "bearer"}')
    for secret in ("hunter22", "abc", "eyJhbGciOi", "rt-1"):
        assert secret not in text
    for kept in ("page=2", '"token_type": "bearer"'):
        assert kept in text


# -- rate limiting -------------------------------------------------------------------------------------------

def limiter_at(path: Path, requests: int, per_seconds: float, max_delay: float = 10.0) -> RateLimiter:
    return RateLimiter(RateLimitSettings(limits={"cleo": Limit(requests=requests, per_seconds=per_seconds)},
                                         path=path, max_delay_seconds=max_delay))


def test_rate_limiter_makes_the_request_past_the_limit_wait(tmp_path: Path) -> None:
    limiter = limiter_at(tmp_path / "limits.sqlite", requests=3, per_seconds=0.4)
    # The limiter stamps a request when acquire() begins; the first stamp lies between `start` and the first
    # return, so the lower bound on the fourth's wait is measured from `start` (from the first return, a slow
    # first write on a loaded machine would shorten the measured wait though the limiter held its window).
    start = time.monotonic()
    stamps = []
    for _ in range(4):
        limiter.acquire("cleo", "/api/folders/abc/children")
        stamps.append(time.monotonic())
    assert stamps[2] - start < 0.2
    assert stamps[3] - start >= 0.395  # 0.4 s less the millisecond truncation of the stamps


def test_rate_limiter_keys_do_not_share_a_limit(tmp_path: Path) -> None:
    limiter = limiter_at(tmp_path / "limits.sqlite", requests=1, per_seconds=5, max_delay=0.05)
    limiter.acquire("cleo", "/api/folders")
    limiter.acquire("cleo", "/api/files")
    limiter.acquire("qad", "/api/folders")  # no limit configured for QAD
    with pytest.raises(RateLimited):
        limiter.acquire("cleo", "/api/folders")


def test_rate_limiter_raises_rate_limited_past_max_delay(tmp_path: Path) -> None:
    limiter = limiter_at(tmp_path / "limits.sqlite", requests=1, per_seconds=5, max_delay=0.1)
    limiter.acquire("cleo", "/api/folders")
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        limiter.acquire("cleo", "/api/folders")
    assert time.monotonic() - started < 1
    assert caught.value.retry_after == 5


def test_rate_limiter_keeps_untrusted_keys_out_of_sql(tmp_path: Path) -> None:
    path = tmp_path / "limits.sqlite"
    key = "/api/folders/x'); DROP TABLE users; --"
    limiter_at(path, requests=5, per_seconds=1).acquire("cleo", key)
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows = db.execute(f"SELECT name FROM '{bucket_name('cleo', key)}'").fetchall()
    assert tables == {bucket_name("cleo", key)}
    assert rows == [(bucket_name("cleo", key),)]


def test_rate_limiter_default_file_is_under_dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert RateLimiter().path == tmp_path / "ratelimit" / "limits.sqlite"


def test_api_client_acquires_the_limiter_on_every_attempt(router: respx.MockRouter, clock: FakeClock,
                                                          tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []

    class Recording(RateLimiter):
        def acquire(self, system: str, key: str) -> None:
            seen.append((system, key))

    router.get(f"{BASE}/api/folders/F1/children").mock(side_effect=[httpx.Response(503), httpx.Response(200),
                                                                     httpx.Response(200)])
    client = make_client(clock, limiter=Recording(RateLimitSettings(path=tmp_path / "l.sqlite")))
    client.request("GET", "/api/folders/F1/children", operation="list folder", params={"startIndex": 0})
    client.request("GET", "/api/folders/F1/children", operation="list folder", rate_key="GET /api/folders/{id}")
    path = ("qad", "/api/folders/F1/children")
    assert seen == [path, path, ("qad", "GET /api/folders/{id}")]


def _hammer(path: str, barrier: Any, out: Any, count: int) -> None:
    limiter = limiter_at(Path(path), requests=4, per_seconds=0.5)
    barrier.wait()
    stamps = []
    for _ in range(count):
        limiter.acquire("cleo", "/api/folders")
        stamps.append(time.time())
    out.put(stamps)


def test_two_processes_share_the_limit(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_hammer, args=(str(tmp_path / "limits.sqlite"), barrier, out, 6))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    stamps = sorted(out.get(timeout=60) + out.get(timeout=60))
    for worker in workers:
        worker.join(timeout=10)
    assert len(stamps) == 12
    # 4 per 0.5 s in all: any 5 consecutive acquisitions span a full window (100 ms allowed for the time a loaded
    # machine takes between an acquisition and its stamp); unshared, each process would allow 8 per window (~0 s).
    assert min(stamps[i + 4] - stamps[i] for i in range(len(stamps) - 4)) >= 0.4
    assert stamps[-1] - stamps[0] >= 0.97


# -- the request URL -----------------------------------------------------------------------------------------


def test_params_go_into_the_url_as_httpx_encodes_them(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get(f"{BASE}/api/erp/x").mock(return_value=httpx.Response(200, json={}))
    params = {"viewUri": "urn:be:a.b:C", "q": "a b&c/é", "n": 3}
    make_client(clock).json("GET", "api/erp/x", operation="read", params=params)
    expected = httpx.Client(base_url=BASE).build_request("GET", "api/erp/x", params=params).url
    assert route.calls[0].request.url == expected


def test_a_url_with_a_query_of_its_own_and_params_is_built_as_httpx_builds_it(router: respx.MockRouter,
                                                                              clock: FakeClock) -> None:
    route = router.get(f"{BASE}/api/erp/x").mock(return_value=httpx.Response(200, json={}))
    make_client(clock).json("GET", "/api/erp/x?page=2", operation="read", params={"size": 50})
    expected = httpx.Client(base_url=BASE).build_request("GET", "/api/erp/x?page=2", params={"size": 50}).url
    assert route.calls[0].request.url == expected


def test_an_absolute_url_is_sent_as_it_is(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("https://elsewhere.example/next?cursor=abc").mock(return_value=httpx.Response(200, json={}))
    make_client(clock).json("GET", "https://elsewhere.example/next?cursor=abc", operation="next page")
    assert route.called


def test_a_relative_url_joins_the_base_urls_path(router: respx.MockRouter, clock: FakeClock) -> None:
    route = router.get("https://erp.example/tenant/api/x").mock(return_value=httpx.Response(200, json={}))
    ApiClient(system="qad", base_url="https://erp.example/tenant").json("GET", "/api/x", operation="read")
    assert route.called
