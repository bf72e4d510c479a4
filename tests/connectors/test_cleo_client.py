"""CleoClient against a respx fake of Cleo: every auth path (TOTP included), every error path, paging, uploads.

The fake keeps files, tokens and spent TOTP steps the way the spec describes Cleo; one fake clock serves as
Unix time (TOTP), token expiry and retry sleeps, so nothing here sleeps for real.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus

import httpx
import pyotp
import pytest
import respx
from pydantic import SecretStr

from edi_assets.connectors.cleo import CleoAuth, CleoClient, CleoFile, FileExists, cleo_limit
from edi_assets.connectors.errors import (
    AuthenticationError,
    ConnectorError,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RemoteRejected,
)
from edi_assets.connectors.ratelimit import Limit, RateLimiter, RateLimitSettings
from edi_assets.connectors.retry import RetryPolicy, RetrySettings
from edi_assets.customers import CustomersFile
from tests.connectors.conftest import credentials_from

BASE = "https://acme.cleo.test"
USER = "acme-edi"
PASSWORD = "Cl3o pa$$ word!"
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
STEP = 30
START = 30 * 56_666_667 + 5.0  # 5 s into a TOTP step


class FakeClock:
    """Unix time that only moves when the code under test sleeps or a test advances it."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Fault:
    """What one matching API request gets instead of (``after_effect``: on top of) the normal answer."""

    def __init__(self, method: str, path: str, outcome: httpx.Response | Exception, *, after_effect: bool,
                 times: int) -> None:
        self.method, self.path, self.outcome = method, re.compile(path), outcome
        self.after_effect, self.times = after_effect, times


class FakeCleo:
    """Cleo as the spec describes it: form grants, single-use TOTP steps, folders, paged children, files."""

    FOLDERS = ("/steelco", "/steelco/inbound", "/steelco/outbound", "/steelco/archive", "/boltworks/inbound")

    def __init__(self, router: respx.MockRouter, clock: FakeClock, *, two_factor: bool = True,
                 expires_in: int = 3600) -> None:
        self.clock = clock
        self.totp = pyotp.TOTP(SEED) if two_factor else None
        self.expires_in = expires_in
        self.password = PASSWORD
        self.folder_ids = {path: f"F{n:021d}" for n, path in enumerate(self.FOLDERS)}
        self.files: dict[str, dict[str, Any]] = {}
        self.access: dict[str, float] = {}
        self.refresh: set[str] = set()
        self.issued: list[str] = []
        self.grants: list[str] = []
        self.forms: list[dict[str, str]] = []
        self.spent_steps: set[int] = set()
        self.faults: list[Fault] = []
        self.api_calls: list[httpx.Request] = []
        self.page_max = 100
        self.honour_filters = True
        self.auth_outcomes: list[httpx.Response] = []  # answers the token endpoint gives before its own
        router.post(f"{BASE}/api/authentication").mock(side_effect=self.authenticate)
        router.route(url__startswith=f"{BASE}/api/").mock(side_effect=self.api)

    # -- test controls ------------------------------------------------------------------------------------

    def fail(self, method: str, path: str, outcome: httpx.Response | Exception, *, after_effect: bool = False,
             times: int = 1) -> None:
        self.faults.append(Fault(method, path, outcome, after_effect=after_effect, times=times))

    def expire_access_tokens(self) -> None:
        self.access.clear()

    def revoke_everything(self) -> None:
        self.access.clear()
        self.refresh.clear()

    def put(self, folder: str, name: str, content: bytes = b"ISA*...", **extra: Any) -> str:
        file_id = f"f{len(self.files) + 1:021d}"
        self.files[file_id] = {"id": file_id, "name": name, "folder": folder, "content": content,
                               "created": self.clock.now, **extra}
        return file_id

    def names_in(self, folder: str) -> list[str]:
        return [f["name"] for f in self.files.values() if f["folder"] == folder]

    def calls(self, method: str, pattern: str) -> list[httpx.Request]:
        return [r for r in self.api_calls if r.method == method and re.fullmatch(pattern, r.url.path)]

    # -- the token endpoint -------------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.forms.append(form)
        self.grants.append(form["grant_type"])
        if self.auth_outcomes:
            return self.auth_outcomes.pop(0)
        if form["grant_type"] == "refresh_token":
            if form.get("refresh_token") not in self.refresh:
                return httpx.Response(401, json={"message": "Invalid or expired refresh token"})
            self.refresh.discard(form["refresh_token"])
            return self._issue()
        if (form.get("username"), form.get("password")) != (USER, self.password):
            return httpx.Response(401, json={"message": "Invalid username or password"})
        if self.totp is not None:
            now_step = int(self.clock.now // STEP)
            step = next((s for s in (now_step - 1, now_step, now_step + 1)
                         if form.get("totp") == self.totp.generate_otp(s)), None)
            if form.get("totp") is None:
                return httpx.Response(401, json={"message": "Two-factor authentication code required"})
            if step is None:
                return httpx.Response(401, json={"message": "Invalid two-factor authentication code"})
            if step <= max(self.spent_steps, default=-1):
                return httpx.Response(401, json={"message": "Two-factor authentication code already used"})
            self.spent_steps.add(step)
        return self._issue()

    def _issue(self) -> httpx.Response:
        n = len(self.issued) // 2 + 1
        access, refresh = f"acc-{n}-5d1e9a77", f"ref-{n}-93b0c4f2"
        self.issued += [access, refresh]
        self.access[access] = self.clock.now + self.expires_in
        self.refresh.add(refresh)
        return httpx.Response(200, json={"access_token": access, "token_type": "Bearer",
                                         "expires_in": self.expires_in, "refresh_token": refresh})

    # -- the API --------------------------------------------------------------------------------------------

    def api(self, request: httpx.Request) -> httpx.Response:
        self.api_calls.append(request)
        fault = next((f for f in self.faults if f.times > 0 and f.method == request.method
                      and f.path.fullmatch(request.url.path)), None)
        if fault is not None:
            fault.times -= 1
            if fault.after_effect:
                self._answer(request)
            if isinstance(fault.outcome, Exception):
                raise fault.outcome
            return fault.outcome
        return self._answer(request)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.access.get(token, 0) <= self.clock.now:
            return httpx.Response(401, json={"message": "Invalid or expired access token"})
        method, path = request.method, request.url.path
        for pattern, handler in self._routes():
            match = re.fullmatch(pattern, f"{method} {path}")
            if match:
                return handler(request, *match.groups())
        return httpx.Response(404, json={"message": f"no route {method} {path}"})

    def _routes(self) -> list[tuple[str, Callable[..., httpx.Response]]]:
        return [
            (r"GET /api/folders", self._list_folders),
            (r"GET /api/folders/(\w+)/children", self._children),
            (r"POST /api/folders/(\w+)/files", self._upload),
            (r"GET /api/files/(\w+)", self._metadata),
            (r"GET /api/files/(\w+)/content", self._content),
            (r"PUT /api/files/(\w+)", self._move),
            (r"DELETE /api/files/(\w+)", self._delete),
        ]

    def _page(self, request: httpx.Request, resources: list[dict[str, Any]]) -> httpx.Response:
        params = request.url.params
        wanted = params.get("filter")
        if wanted and self.honour_filters:
            attribute, value = re.fullmatch(r'(\w+) eq (".*")', wanted).groups()  # type: ignore[union-attr]
            resources = [r for r in resources if r.get(attribute) == json.loads(value)]
        start, count = int(params.get("startIndex", 0)), min(int(params.get("count", 100)), self.page_max)
        return httpx.Response(200, json={"totalResults": len(resources), "resources": resources[start:start + count]})

    def _folder_resource(self, path: str) -> dict[str, Any]:
        return {"id": self.folder_ids[path], "type": "folder", "name": path.rsplit("/", 1)[1], "path": path}

    def _file_resource(self, stored: dict[str, Any]) -> dict[str, Any]:
        stamp = datetime.fromtimestamp(stored["created"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        resource = {"id": stored["id"], "type": "file", "name": stored["name"],
                    "path": f"{stored['folder']}/{stored['name']}", "size": len(stored["content"]),
                    "created": stamp, "modified": stamp}
        return resource | ({"checksum": stored["checksum"]} if "checksum" in stored else {})

    def _folder_at(self, folder_id: str) -> str | None:
        return next((p for p, i in self.folder_ids.items() if i == folder_id), None)

    def _list_folders(self, request: httpx.Request) -> httpx.Response:
        return self._page(request, [self._folder_resource(p) for p in self.folder_ids])

    def _children(self, request: httpx.Request, folder_id: str) -> httpx.Response:
        folder = self._folder_at(folder_id)
        if folder is None:
            return httpx.Response(404, json={"message": f"folder {folder_id} not found"})
        resources = [self._folder_resource(p) for p in self.folder_ids if p.rsplit("/", 1)[0] == folder]
        resources += [self._file_resource(f) for f in self.files.values() if f["folder"] == folder]
        return self._page(request, resources)

    def _upload(self, request: httpx.Request, folder_id: str) -> httpx.Response:
        folder = self._folder_at(folder_id)
        if folder is None:
            return httpx.Response(404, json={"message": f"folder {folder_id} not found"})
        disposition = re.search(rb'filename="([^"]*)"\r\n.*?\r\n\r\n(.*?)\r\n--', request.content, re.S)
        assert disposition is not None, "upload must be multipart with a file field"
        name, content = disposition.group(1).decode(), disposition.group(2)
        file_id = self.put(folder, name, content)
        return httpx.Response(201, json=self._file_resource(self.files[file_id]))

    def _metadata(self, request: httpx.Request, file_id: str) -> httpx.Response:
        stored = self.files.get(file_id)
        if stored is None:
            return httpx.Response(404, json={"message": f"file {file_id} not found"})
        return httpx.Response(200, json=self._file_resource(stored))

    def _content(self, request: httpx.Request, file_id: str) -> httpx.Response:
        stored = self.files.get(file_id)
        if stored is None:
            return httpx.Response(404, json={"message": f"file {file_id} not found"})
        return httpx.Response(200, content=stored["content"], headers={"Content-Type": "application/octet-stream"})

    def _move(self, request: httpx.Request, file_id: str) -> httpx.Response:
        href = json.loads(request.content)["folder"]["href"]
        folder = self._folder_at(href.removeprefix("/api/folders/"))
        stored = self.files.get(file_id)
        if folder is None or stored is None:
            return httpx.Response(404, json={"message": "not found"})
        stored["folder"] = folder
        return httpx.Response(200, json=self._file_resource(stored))

    def _delete(self, request: httpx.Request, file_id: str) -> httpx.Response:
        if self.files.pop(file_id, None) is None:
            return httpx.Response(404, json={"message": f"file {file_id} not found"})
        return httpx.Response(204)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cleo(router: respx.MockRouter, clock: FakeClock) -> FakeCleo:
    return FakeCleo(router, clock)


def make_client(clock: FakeClock, *, two_factor: bool = True, seed: str = SEED, limiter: RateLimiter | None = None,
                page_size: int = 100, max_attempts: int = 4, customers: CustomersFile | None = None,
                refresh_skew: float = 60.0) -> CleoClient:
    auth = CleoAuth(base_url=BASE, username=USER, password=SecretStr(PASSWORD),
                    totp_secret=SecretStr(seed) if two_factor else None, refresh_skew=refresh_skew,
                    clock=clock, wall_clock=clock, sleep=clock.sleep)
    retry = RetryPolicy(RetrySettings(max_attempts=max_attempts, initial_backoff_seconds=0.01,
                                      max_backoff_seconds=0.05), sleep=clock.sleep, clock=clock)
    return CleoClient(BASE, auth, limiter=limiter, retry=retry, page_size=page_size,
                      customer=customers.get("acme") if customers else None)


def code_at(seconds: float) -> str:
    return pyotp.TOTP(SEED).generate_otp(int(seconds // STEP))


# -- authentication ------------------------------------------------------------------------------------------

def test_password_grant_is_a_form_post_and_the_token_is_reused(cleo: FakeCleo, clock: FakeClock) -> None:
    client = make_client(clock, two_factor=False)
    cleo.totp = None
    for _ in range(3):
        client.list_folder("/steelco/inbound")
    assert cleo.grants == ["password"]
    assert cleo.forms[0] == {"grant_type": "password", "username": USER, "password": PASSWORD}
    assert {r.headers["Authorization"] for r in cleo.api_calls} == {"Bearer acc-1-5d1e9a77"}


def test_two_factor_user_sends_the_current_totp_code(cleo: FakeCleo, clock: FakeClock) -> None:
    make_client(clock).list_folder("/steelco/inbound")
    assert cleo.forms[0]["totp"] == code_at(START)


def test_totp_seed_is_accepted_in_the_grouped_lower_case_form_apps_show(cleo: FakeCleo, clock: FakeClock) -> None:
    grouped = " ".join(SEED[i:i + 4] for i in range(0, len(SEED), 4)).lower()
    make_client(clock, seed=grouped).list_folder("/steelco/inbound")
    assert cleo.forms[0]["totp"] == code_at(START)


def test_a_seed_that_is_not_base32_is_refused_without_quoting_it() -> None:
    with pytest.raises(AuthenticationError, match="not a base32 seed") as caught:
        CleoAuth(base_url=BASE, username=USER, password=SecretStr(PASSWORD), totp_secret=SecretStr("not!base32#1"))
    assert "not!base32#1" not in str(caught.value)


def test_expired_token_mid_run_is_refreshed_without_a_new_totp_code(cleo: FakeCleo, clock: FakeClock) -> None:
    client = make_client(clock)
    client.list_folder("/steelco/inbound")
    cleo.expire_access_tokens()
    client.list_folder("/steelco/inbound")
    assert cleo.grants == ["password", "refresh_token"]
    assert clock.sleeps == []
    assert cleo.api_calls[-1].headers["Authorization"] == "Bearer acc-2-5d1e9a77"


def test_token_close_to_expiry_is_refreshed_ahead(router: respx.MockRouter, clock: FakeClock) -> None:
    cleo = FakeCleo(router, clock, expires_in=120)
    client = make_client(clock)
    client.list_folder("/steelco/inbound")
    clock.now += 70  # 50 s left, inside the 60 s skew
    client.list_folder("/steelco/inbound")
    assert cleo.grants == ["password", "refresh_token"]
    assert [c.response.status_code for c in router.calls if c.request.url.path != "/api/authentication"] == [200] * 3


def test_refused_refresh_falls_back_to_full_reauthentication(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.totp = None
    client = make_client(clock, two_factor=False)
    client.list_folder("/steelco/inbound")
    cleo.revoke_everything()
    assert client.list_folder("/steelco/inbound") == []
    assert cleo.grants == ["password", "refresh_token", "password"]


def test_reauthentication_in_the_same_totp_step_waits_for_the_next_step(cleo: FakeCleo, clock: FakeClock) -> None:
    client = make_client(clock)
    client.list_folder("/steelco/inbound")
    clock.now += 10  # still in the first step, whose code is spent
    cleo.revoke_everything()
    client.list_folder("/steelco/inbound")
    assert cleo.grants == ["password", "refresh_token", "password"]
    assert clock.sleeps == [pytest.approx(15.2)]  # to the step boundary, plus the margin
    assert cleo.forms[-1]["totp"] == code_at(START + 30) != cleo.forms[0]["totp"]


def test_reauthentication_in_a_later_step_does_not_wait(cleo: FakeCleo, clock: FakeClock) -> None:
    client = make_client(clock)
    client.list_folder("/steelco/inbound")
    clock.now += 40
    cleo.revoke_everything()
    client.list_folder("/steelco/inbound")
    assert clock.sleeps == []
    assert cleo.grants == ["password", "refresh_token", "password"]


def test_code_spent_by_another_process_is_retried_once_on_the_next_step(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.spent_steps.add(int(START // STEP))  # another run logged in as this user a moment ago
    files = make_client(clock).list_folder("/steelco/inbound")
    assert files == []
    assert cleo.grants == ["password", "password"]
    assert len(clock.sleeps) == 1
    assert cleo.forms[1]["totp"] == code_at(START + 30)


def test_wrong_totp_seed_fails_after_one_more_step(cleo: FakeCleo, clock: FakeClock) -> None:
    client = make_client(clock, seed="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    with pytest.raises(AuthenticationError, match="Invalid two-factor authentication code"):
        client.list_folder("/steelco/inbound")
    assert cleo.grants == ["password", "password"]
    assert cleo.api_calls == []


def test_two_factor_user_without_a_stored_seed_is_told_to_store_one(cleo: FakeCleo, clock: FakeClock) -> None:
    with pytest.raises(AuthenticationError, match=r"store its TOTP seed as cleo\.totp_secret"):
        make_client(clock, two_factor=False).list_folder("/steelco/inbound")
    assert cleo.grants == ["password"]


def test_refused_password_is_an_authentication_error_tried_once(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.password = "changed-in-cleo-1"  # the vault still holds the old one
    client = make_client(clock)
    with pytest.raises(AuthenticationError, match="Invalid username or password") as caught:
        client.list_folder("/steelco/inbound")
    assert cleo.grants == ["password"]
    assert caught.value.status == 401
    assert caught.value.operation == "find folder /steelco/inbound"


def test_token_endpoint_outage_is_retried(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.auth_outcomes.append(httpx.Response(503, json={"message": "maintenance"}))
    assert make_client(clock).list_folder("/steelco/inbound") == []
    assert cleo.grants == ["password", "password"]
    assert cleo.forms[0]["totp"] != cleo.forms[1]["totp"]  # the first code may have been spent: a fresh one


# -- errors --------------------------------------------------------------------------------------------------

def test_429_retry_after_is_honoured(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.fail("GET", r"/api/folders/\w+/children", httpx.Response(429, headers={"Retry-After": "3"},
                                                                  json={"message": "Too Many Requests"}))
    cleo.put("/steelco/inbound", "810_1.edi")
    files = make_client(clock).list_folder("/steelco/inbound")
    assert [f.name for f in files] == ["810_1.edi"]
    assert clock.sleeps == [pytest.approx(3.0, abs=0.06)]


def test_429_on_upload_is_retried_and_creates_one_file(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.fail("POST", r"/api/folders/\w+/files", httpx.Response(429, headers={"Retry-After": "1"},
                                                                json={"message": "Too Many Requests"}))
    make_client(clock).upload("/steelco/outbound", "850_PO1.edi", b"ISA*850")
    assert cleo.names_in("/steelco/outbound") == ["850_PO1.edi"]
    assert len(cleo.calls("POST", r"/api/folders/\w+/files")) == 2


def test_429_that_persists_raises_rate_limited_with_retry_after(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.fail("GET", r"/api/folders", httpx.Response(429, headers={"Retry-After": "2"}), times=10)
    with pytest.raises(RateLimited) as caught:
        make_client(clock, max_attempts=3).folders()
    assert caught.value.retry_after == 2
    assert len(cleo.calls("GET", "/api/folders")) == 3


def test_5xx_on_a_listing_is_retried(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.fail("GET", r"/api/folders/\w+/children", httpx.Response(502), times=2)
    assert make_client(clock).list_folder("/steelco/inbound") == []
    assert len(cleo.calls("GET", r"/api/folders/\w+/children")) == 3


def test_5xx_on_upload_is_outcome_unknown_and_not_repeated(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.fail("POST", r"/api/folders/\w+/files", httpx.Response(500), after_effect=True)
    with pytest.raises(OutcomeUnknown) as caught:
        make_client(clock).upload("/steelco/outbound", "850_PO1.edi", b"ISA*850", document="PO1", partner="steelco")
    assert len(cleo.calls("POST", r"/api/folders/\w+/files")) == 1
    assert (caught.value.document, caught.value.partner) == ("PO1", "steelco")


@pytest.mark.parametrize("failure", ["500", "dropped connection", "unreadable body"])
def test_upload_once_finds_the_file_after_an_unknown_outcome(cleo: FakeCleo, clock: FakeClock, failure: str) -> None:
    outcomes: dict[str, httpx.Response | Exception] = {
        "500": httpx.Response(500),
        "dropped connection": httpx.RemoteProtocolError("peer closed connection"),
        "unreadable body": httpx.Response(201, content=b'{"id": "f0'),
    }
    cleo.fail("POST", r"/api/folders/\w+/files", outcomes[failure], after_effect=True)
    uploaded = make_client(clock).upload_once("/steelco/outbound", "850_PO1.edi", b"ISA*850")
    assert cleo.names_in("/steelco/outbound") == ["850_PO1.edi"]
    assert uploaded.name == "850_PO1.edi"
    assert uploaded.folder == "/steelco/outbound"
    assert len(cleo.calls("POST", r"/api/folders/\w+/files")) == 1


def test_upload_once_reraises_when_the_upload_did_not_happen(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.fail("POST", r"/api/folders/\w+/files", httpx.Response(503))
    client = make_client(clock)
    with pytest.raises(OutcomeUnknown):
        client.upload_once("/steelco/outbound", "850_PO1.edi", b"ISA*850")
    assert cleo.names_in("/steelco/outbound") == []
    client.upload_once("/steelco/outbound", "850_PO1.edi", b"ISA*850")  # the caller's later retry
    assert cleo.names_in("/steelco/outbound") == ["850_PO1.edi"]


def test_upload_once_twice_leaves_one_file(cleo: FakeCleo, clock: FakeClock) -> None:
    client = make_client(clock)
    first = client.upload_once("/steelco/outbound", "850_PO1.edi", b"ISA*850")
    second = client.upload_once("/steelco/outbound", "850_PO1.edi", b"ISA*850")
    assert first.id == second.id
    assert cleo.names_in("/steelco/outbound") == ["850_PO1.edi"]


def test_plain_upload_twice_makes_two_files_as_cleo_does(cleo: FakeCleo, clock: FakeClock) -> None:
    client = make_client(clock)
    client.upload("/steelco/outbound", "850_PO1.edi", b"ISA*850")
    client.upload("/steelco/outbound", "850_PO1.edi", b"ISA*850")
    assert cleo.names_in("/steelco/outbound") == ["850_PO1.edi"] * 2


def test_name_clash_409_is_file_exists_and_upload_once_takes_the_file_there(cleo: FakeCleo,
                                                                          clock: FakeClock) -> None:
    clash = httpx.Response(409, json={"message": "a file named 850_PO1.edi already exists in /steelco/outbound"})
    client = make_client(clock)
    cleo.fail("POST", r"/api/folders/\w+/files", clash)
    with pytest.raises(FileExists, match="already exists"):
        client.upload("/steelco/outbound", "850_PO1.edi", b"ISA*850")
    existing = cleo.put("/steelco/outbound", "850_PO1.edi")
    cleo.honour_filters = False  # a file added between the lookup and the upload: the lookup misses it...
    cleo.fail("GET", r"/api/folders/\w+/children", httpx.Response(200, json={"totalResults": 0, "resources": []}))
    cleo.fail("POST", r"/api/folders/\w+/files", clash)
    assert client.upload_once("/steelco/outbound", "850_PO1.edi", b"ISA*850").id == existing  # ...the 409 tells


def test_cleo_rejection_carries_its_message(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.fail("POST", r"/api/folders/\w+/files", httpx.Response(400, json={"message": "file too large"}))
    with pytest.raises(RemoteRejected) as caught:
        make_client(clock).upload("/steelco/outbound", "850_PO1.edi", b"ISA*850")
    assert caught.value.remote_message == "file too large"
    assert caught.value.status == 400


def test_unknown_folder_is_not_found(cleo: FakeCleo, clock: FakeClock) -> None:
    with pytest.raises(NotFound, match="no folder /nobody/inbound"):
        make_client(clock).list_folder("/nobody/inbound")


def test_unknown_file_is_not_found_with_cleos_message(cleo: FakeCleo, clock: FakeClock) -> None:
    with pytest.raises(NotFound, match="file nope not found"):
        make_client(clock).download("nope")


def test_bad_file_names_are_refused_before_sending(cleo: FakeCleo, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="not a usable Cleo file name"):
        make_client(clock).upload("/steelco/outbound", "../850.edi", b"x")
    assert cleo.api_calls == []


# -- listing and paging --------------------------------------------------------------------------------------

def test_list_folder_reads_every_page(cleo: FakeCleo, clock: FakeClock) -> None:
    for n in range(5):
        cleo.put("/steelco/inbound", f"810_{n}.edi")
    files = make_client(clock, page_size=2).list_folder("/steelco/inbound")
    assert [f.name for f in files] == [f"810_{n}.edi" for n in range(5)]
    pages = cleo.calls("GET", r"/api/folders/\w+/children")
    assert [(r.url.params["startIndex"], r.url.params["count"]) for r in pages] == [("0", "2"), ("2", "2"),
                                                                                   ("4", "2")]


def test_paging_follows_a_server_that_sends_less_than_asked(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.page_max = 3
    for n in range(7):
        cleo.put("/steelco/inbound", f"810_{n}.edi")
    assert len(make_client(clock).list_folder("/steelco/inbound")) == 7
    starts = [r.url.params["startIndex"] for r in cleo.calls("GET", r"/api/folders/\w+/children")]
    assert starts == ["0", "3", "6"]


def test_paging_stops_at_an_empty_page_whatever_the_total_says(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.fail("GET", r"/api/folders/\w+/children", httpx.Response(200, json={"totalResults": 9, "resources": []}))
    assert make_client(clock).list_folder("/steelco/inbound") == []


def test_a_listing_of_the_wrong_shape_is_a_connector_error(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.fail("GET", r"/api/folders", httpx.Response(200, json={"items": []}))
    with pytest.raises(ConnectorError, match="totalResults"):
        make_client(clock).folders()


def test_list_folder_leaves_out_subfolders(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.put("/steelco", "readme.txt")
    assert [f.name for f in make_client(clock).list_folder("/steelco")] == ["readme.txt"]


def test_file_metadata_is_read_into_cleo_file(cleo: FakeCleo, clock: FakeClock) -> None:
    file_id = cleo.put("/steelco/inbound", "810_1.edi", b"0123456789", checksum="sha256:ab12")
    (listed,) = make_client(clock).list_folder("/steelco/inbound/")
    assert listed == CleoFile(id=file_id, name="810_1.edi", folder="/steelco/inbound", size=10,
                              created=datetime.fromtimestamp(int(START), UTC),
                              modified=datetime.fromtimestamp(int(START), UTC), checksum="sha256:ab12")
    assert listed.path == "/steelco/inbound/810_1.edi"


def test_folder_ids_are_looked_up_by_path_once(cleo: FakeCleo, clock: FakeClock) -> None:
    client = make_client(clock)
    for _ in range(3):
        client.list_folder("/steelco/inbound")
    (lookup,) = cleo.calls("GET", "/api/folders")
    assert lookup.url.params["filter"] == 'path eq "/steelco/inbound"'


def test_folder_lookup_checks_paths_when_the_server_ignores_the_filter(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.honour_filters = False
    client = make_client(clock, page_size=2)
    assert client.folder_id("/boltworks/inbound") == cleo.folder_ids["/boltworks/inbound"]


def test_folders_lists_every_folder(cleo: FakeCleo, clock: FakeClock) -> None:
    paths = [f.path for f in make_client(clock, page_size=2).folders()]
    assert paths == list(FakeCleo.FOLDERS)


def test_find_by_name_returns_the_oldest_copy_or_none(cleo: FakeCleo, clock: FakeClock) -> None:
    first = cleo.put("/steelco/outbound", "850_PO1.edi")
    cleo.put("/steelco/outbound", "850_PO1.edi")
    cleo.put("/steelco/outbound", "850_PO2.edi")
    client = make_client(clock)
    found = client.find_by_name("/steelco/outbound", "850_PO1.edi")
    assert found is not None
    assert found.id == first
    assert client.find_by_name("/steelco/outbound", "850_PO9.edi") is None
    filters = [r.url.params.get("filter") for r in cleo.calls("GET", r"/api/folders/\w+/children")]
    assert filters == ['name eq "850_PO1.edi"', 'name eq "850_PO9.edi"']


# -- file operations -----------------------------------------------------------------------------------------

def test_download_returns_the_bytes(cleo: FakeCleo, clock: FakeClock) -> None:
    file_id = cleo.put("/steelco/inbound", "810_1.edi", b"ISA*00*\x85binary~")
    assert make_client(clock).download(file_id) == b"ISA*00*\x85binary~"


def test_upload_sends_multipart_and_returns_the_new_file(cleo: FakeCleo, clock: FakeClock) -> None:
    uploaded = make_client(clock).upload("/steelco/outbound", "850_PO1.edi", b"ISA*850~")
    (post,) = cleo.calls("POST", r"/api/folders/\w+/files")
    assert post.url.path == f"/api/folders/{cleo.folder_ids['/steelco/outbound']}/files"
    assert post.headers["Content-Type"].startswith("multipart/form-data")
    assert (uploaded.name, uploaded.folder, uploaded.size) == ("850_PO1.edi", "/steelco/outbound", 8)
    assert cleo.files[uploaded.id]["content"] == b"ISA*850~"


def test_move_puts_the_folder_href(cleo: FakeCleo, clock: FakeClock) -> None:
    file_id = cleo.put("/steelco/inbound", "810_1.edi")
    moved = make_client(clock).move(file_id, "/steelco/archive")
    (put,) = cleo.calls("PUT", r"/api/files/\w+")
    assert json.loads(put.content) == {"folder": {"href": f"/api/folders/{cleo.folder_ids['/steelco/archive']}"}}
    assert (moved.id, moved.folder) == (file_id, "/steelco/archive")


def test_a_repeated_move_that_clashes_with_itself_is_done(cleo: FakeCleo, clock: FakeClock) -> None:
    file_id = cleo.put("/steelco/archive", "810_1.edi")  # the first attempt moved it, its answer was lost
    cleo.fail("PUT", r"/api/files/\w+", httpx.Response(409, json={"message": "a file named 810_1.edi exists"}))
    assert make_client(clock).move(file_id, "/steelco/archive").folder == "/steelco/archive"


def test_move_into_a_clash_with_another_file_raises(cleo: FakeCleo, clock: FakeClock) -> None:
    file_id = cleo.put("/steelco/inbound", "810_1.edi")
    cleo.fail("PUT", r"/api/files/\w+", httpx.Response(409, json={"message": "a file named 810_1.edi exists"}))
    with pytest.raises(FileExists):
        make_client(clock).move(file_id, "/steelco/archive")


def test_delete_removes_the_file_and_missing_ok_accepts_a_404(cleo: FakeCleo, clock: FakeClock) -> None:
    file_id = cleo.put("/steelco/inbound", "810_1.edi")
    client = make_client(clock)
    client.delete(file_id)
    assert cleo.files == {}
    client.delete(file_id, missing_ok=True)
    with pytest.raises(NotFound):
        client.delete(file_id)


def test_after_processing_keep_touches_nothing(cleo: FakeCleo, clock: FakeClock) -> None:
    file_id = cleo.put("/steelco/inbound", "810_1.edi")
    client = make_client(clock)
    (file,) = client.list_folder("/steelco/inbound")
    before = len(cleo.api_calls)
    assert client.after_processing(file, "keep") == file
    assert len(cleo.api_calls) == before
    assert file_id in cleo.files


def test_after_processing_delete_deletes(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.put("/steelco/inbound", "810_1.edi")
    client = make_client(clock)
    (file,) = client.list_folder("/steelco/inbound")
    assert client.after_processing(file, "delete") is None
    assert cleo.files == {}


def test_after_processing_move_uses_the_customers_setting_and_partners_archive(
        cleo: FakeCleo, clock: FakeClock, demo_customers: CustomersFile) -> None:
    cleo.put("/steelco/inbound", "810_1.edi")
    client = make_client(clock, customers=demo_customers)  # acme: after_processing move
    (file,) = client.list_folder("/steelco/inbound")
    moved = client.after_processing(file)
    assert moved is not None
    assert moved.folder == "/steelco/archive"
    assert cleo.names_in("/steelco/archive") == ["810_1.edi"]


def test_after_processing_move_needs_an_archive_it_can_tell(cleo: FakeCleo, clock: FakeClock) -> None:
    cleo.put("/steelco/inbound", "810_1.edi")
    client = make_client(clock)
    (file,) = client.list_folder("/steelco/inbound")
    with pytest.raises(ValueError, match="pass archive_folder"):
        client.after_processing(file, "move")
    assert client.after_processing(file, "move", archive_folder="/steelco/archive") is not None


# -- rate limiting -------------------------------------------------------------------------------------------

class RecordingLimiter(RateLimiter):
    def __init__(self, path: Path) -> None:
        super().__init__(RateLimitSettings(path=path))
        self.keys: list[tuple[str, str]] = []

    def acquire(self, system: str, key: str) -> None:
        self.keys.append((system, key))


def test_every_request_waits_for_the_limiter_keyed_by_user_and_path(cleo: FakeCleo, clock: FakeClock,
                                                                    tmp_path: Path) -> None:
    limiter = RecordingLimiter(tmp_path / "limits.sqlite")
    client = make_client(clock, limiter=limiter)
    file_id = cleo.put("/steelco/inbound", "810_1.edi")
    client.list_folder("/steelco/inbound")
    client.download(file_id)
    inbound = cleo.folder_ids["/steelco/inbound"]
    assert limiter.keys == [("cleo", f"{BASE} {USER} /api/folders"),
                            ("cleo", f"{BASE} {USER} /api/folders/{inbound}/children"),
                            ("cleo", f"{BASE} {USER} /api/files/{file_id}/content")]


def test_the_default_limit_is_five_per_second_per_path() -> None:
    assert RateLimitSettings().limits["cleo"] == Limit(requests=5, per_seconds=1.0)


@pytest.mark.parametrize(("per_second", "limit"), [(5, Limit(requests=5, per_seconds=1.0)),
                                                   (0.5, Limit(requests=1, per_seconds=2.0))])
def test_customer_rate_becomes_a_limit(per_second: float, limit: Limit) -> None:
    assert cleo_limit(per_second) == limit


def test_the_limiter_spaces_requests_on_one_path(cleo: FakeCleo, clock: FakeClock, tmp_path: Path) -> None:
    limiter = RateLimiter(RateLimitSettings(limits={"cleo": Limit(requests=2, per_seconds=0.3)},
                                            path=tmp_path / "limits.sqlite"))
    client = make_client(clock, limiter=limiter)
    client.folder_id("/steelco/inbound")
    started = time.monotonic()
    for _ in range(3):
        client.list_folder("/steelco/inbound")  # the third request on this path waits for the window
    assert time.monotonic() - started >= 0.25


# -- building from a customer --------------------------------------------------------------------------------

def test_from_customer_reads_the_vault_names(demo_customers: CustomersFile, tmp_path: Path,
                                             router: respx.MockRouter, clock: FakeClock) -> None:
    customer = demo_customers.get("acme")
    limiter = RateLimiter(RateLimitSettings(path=tmp_path / "limits.sqlite"))
    client = CleoClient.from_customer(customer, credentials_from({
        "cleo.username": USER, "cleo.password": PASSWORD, "cleo.totp_secret": SEED}), limiter=limiter)
    assert client.base_url == customer.cleo.url
    assert client.auth.username == USER
    assert client.auth.two_factor
    without_2fa = CleoClient.from_customer(customer, credentials_from({
        "cleo.username": USER, "cleo.password": PASSWORD}), limiter=limiter)
    assert not without_2fa.auth.two_factor


def test_from_customer_without_a_limiter_leaves_limiting_to_cleos_429s(demo_customers: CustomersFile) -> None:
    client = CleoClient.from_customer(demo_customers.get("acme"), credentials_from({
        "cleo.username": USER, "cleo.password": PASSWORD}))
    assert client.api.limiter is None


def test_from_customer_names_a_missing_credential(demo_customers: CustomersFile, tmp_path: Path) -> None:
    limiter = RateLimiter(RateLimitSettings(path=tmp_path / "limits.sqlite"))
    with pytest.raises(AuthenticationError, match=r"cleo\.password is not stored for customer acme"):
        CleoClient.from_customer(demo_customers.get("acme"), credentials_from({"cleo.username": USER}),
                                 limiter=limiter)


# -- secrets -------------------------------------------------------------------------------------------------

def test_no_secret_in_logs_or_errors(cleo: FakeCleo, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[ConnectorError] = []
    client = make_client(clock)
    client.list_folder("/steelco/inbound")
    cleo.revoke_everything()
    client.list_folder("/steelco/outbound")  # re-authenticates in the same step: waits, and logs why
    cleo.fail("GET", r"/api/files/\w+/content", httpx.Response(
        500, json={"message": f"backend said password={PASSWORD} token {cleo.issued[0]}"}), times=10)
    with pytest.raises(ConnectorError) as caught:
        client.download("f1")
    errors.append(caught.value)
    cleo.password = "changed-in-cleo-1"  # the vault still holds the old one
    cleo.revoke_everything()
    clock.now += 60
    with pytest.raises(AuthenticationError) as refused:
        client.list_folder("/steelco/outbound")
    errors.append(refused.value)
    codes = [form["totp"] for form in cleo.forms if "totp" in form]
    secrets = [PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD), SEED, *cleo.issued, *codes]
    assert "two-factor code is spent" in caplog.text  # the TOTP handling was logged...
    for text in [caplog.text, *(str(e) for e in errors), *(repr(e) for e in errors)]:
        for secret in secrets:
            assert secret not in text  # ...and nothing secret with it
