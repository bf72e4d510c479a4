"""CleoClient against the Cleo simulator over real HTTP: the demo tenants, the partners behind them, faults.

Tenant acme's user has two-factor authentication, bluefin's has not. Where a test re-authenticates within one
TOTP step, the client's "wait for the next step" moves the simulator's clock instead of sleeping (SimClock).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edi_assets.connectors.cleo import CleoClient, CleoFile
from edi_assets.connectors.errors import AuthenticationError, OutcomeUnknown
from edi_assets.connectors.ratelimit import RateLimiter, RateLimitSettings
from edi_assets.connectors.retry import RetryPolicy, RetrySettings
from edi_assets.customers import Customer, CustomersFile
from simulators.core.scenario import load_scenario, section
from tests.connectors.conftest import credentials_from, reset_simulator, simulator_state

X12_850 = (b"ISA*00*          *00*          *ZZ*ACMEMFG        *ZZ*STEELCO        *240501*1200*U*00401*000000101*0*P*>~"
           b"GS*PO*ACMEMFG*STEELCO*20240501*1200*101*X*004010~ST*850*0001~BEG*00*SA*PO1001**20240501~SE*3*0001~"
           b"GE*1*101~IEA*1*000000101~")


class SimClock:
    """Unix time as the simulator sees it; ``sleep`` advances the simulator's clock instead of waiting."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.offset = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        httpx.post(f"{self.url}/_sim/clock", json={"advance": seconds}).raise_for_status()
        self.offset += seconds
        self.sleeps.append(seconds)


@pytest.fixture
def cleo_url(simulator: Callable[[str], str]) -> Iterator[str]:
    url = simulator("cleo")
    reset_simulator(url)
    yield url
    reset_simulator(url)


@pytest.fixture
def sim_clock(cleo_url: str) -> SimClock:
    return SimClock(cleo_url)


def vault_of(tenant: str) -> dict[str, str]:
    """What `edi credentials set` would hold for the tenant's user, from the demo scenario."""
    (user,) = next(t for t in section(load_scenario("demo"), "cleo")["tenants"] if t["id"] == tenant)["users"]
    values = {"cleo.username": user["username"], "cleo.password": user["password"]}
    if user.get("totp_secret"):
        values["cleo.totp_secret"] = user["totp_secret"]
    return values


def customer_at(customers: CustomersFile, customer_id: str, url: str) -> Customer:
    customer = customers.get(customer_id)
    return customer.model_copy(update={"cleo": customer.cleo.model_copy(update={"url": url})})


def fast_retry(**settings: Any) -> RetryPolicy:
    return RetryPolicy(RetrySettings(**{"initial_backoff_seconds": 0.01, "max_backoff_seconds": 0.05, **settings}))


@pytest.fixture
def connect(cleo_url: str, demo_customers: CustomersFile, limiter: RateLimiter,
            sim_clock: SimClock) -> Iterator[Callable[..., CleoClient]]:
    """``connect("acme")``: a client for that demo customer, closed after the test."""
    opened: list[CleoClient] = []

    def make(customer_id: str, *, vault: dict[str, str] | None = None, limiter_: RateLimiter | None = None,
             transport: httpx.BaseTransport | None = None) -> CleoClient:
        client = CleoClient.from_customer(customer_at(demo_customers, customer_id, cleo_url),
                                          credentials_from(vault or vault_of(customer_id)),
                                          limiter=limiter_ or limiter, retry=fast_retry(), transport=transport,
                                          wall_clock=sim_clock, sleep=sim_clock.sleep)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def files_in(url: str, tenant: str, path: str) -> list[dict[str, Any]]:
    state = simulator_state(url)
    folders = next(t for t in state["tenants"] if t["id"] == tenant)["folders"]
    files: list[dict[str, Any]] = next(f for f in folders if f["path"] == path)["files"]
    return files


def requests_to(url: str, method: str, path_end: str) -> dict[int, int]:
    """Status → count of the requests the simulator answered itself (injected faults are not among them)."""
    counts: dict[int, int] = {}
    for row in simulator_state(url)["requests"]:
        if row["method"] == method and row["path"].endswith(path_end):
            counts[row["status"]] = counts.get(row["status"], 0) + row["count"]
    return counts


def inject(url: str, *rules: dict[str, Any]) -> None:
    httpx.post(f"{url}/_sim/faults", json={"rules": list(rules)}).raise_for_status()


def injected(url: str) -> int:
    """How often the current rules fired."""
    return sum(int(rule["fired"]) for rule in httpx.get(f"{url}/_sim/faults").json()["rules"])


def partner_sends(url: str, partner: str, kind: str, po_number: str) -> list[str]:
    response = httpx.post(f"{url}/_sim/partners/{partner}/send", json={"type": kind, "po_number": po_number})
    response.raise_for_status()
    return [sent["name"] for sent in response.json()["delivered"]]


# -- folders -------------------------------------------------------------------------------------------------

def test_lists_every_folder_of_the_customers_partners(connect: Callable[..., CleoClient],
                                                      demo_customers: CustomersFile) -> None:
    paths = {folder.path for folder in connect("acme").folders()}
    for partner in demo_customers.get("acme").partners:
        assert {partner.inbound, partner.outbound, partner.archive} <= paths
    assert not any(path.startswith("/harborfoods") for path in paths)  # bluefin's partner, another tenant


def test_user_without_two_factor_logs_in_with_the_password_alone(connect: Callable[..., CleoClient]) -> None:
    client = connect("bluefin")
    assert client.list_folder("/harborfoods/inbound") == []
    assert not client.auth.two_factor


def test_two_factor_user_without_a_stored_seed_is_refused_with_a_hint(connect: Callable[..., CleoClient]) -> None:
    vault = {k: v for k, v in vault_of("acme").items() if k != "cleo.totp_secret"}
    with pytest.raises(AuthenticationError, match="Two-factor authentication code required"):
        connect("acme", vault=vault).list_folder("/steelco/inbound")


# -- files ---------------------------------------------------------------------------------------------------

def test_upload_lands_in_the_partners_outbound_folder(connect: Callable[..., CleoClient], cleo_url: str) -> None:
    uploaded = connect("acme").upload_once("/steelco/outbound", "850_ACMEMFG_000000101.edi", X12_850)
    (stored,) = files_in(cleo_url, "acme", "/steelco/outbound")
    assert (stored["id"], stored["name"], stored["size"]) == (uploaded.id, "850_ACMEMFG_000000101.edi",
                                                             len(X12_850))


def test_upload_once_again_does_not_duplicate(connect: Callable[..., CleoClient], cleo_url: str) -> None:
    client = connect("acme")
    first = client.upload_once("/steelco/outbound", "850_ACMEMFG_000000101.edi", X12_850)
    second = connect("acme").upload_once("/steelco/outbound", "850_ACMEMFG_000000101.edi", X12_850)
    assert first.id == second.id
    assert len(files_in(cleo_url, "acme", "/steelco/outbound")) == 1
    assert requests_to(cleo_url, "POST", "/files") == {201: 1}


def test_downloads_what_the_partner_drops_in_inbound(connect: Callable[..., CleoClient], cleo_url: str) -> None:
    (name,) = partner_sends(cleo_url, "steelco", "810", "PO1001")
    client = connect("acme")
    (file,) = client.list_folder("/steelco/inbound")
    content = client.download(file.id)
    assert file.name == name
    assert file.size == len(content)
    assert content.startswith(b"ISA")
    assert b"ST*810*" in content


def test_after_processing_moves_to_the_partners_archive(connect: Callable[..., CleoClient], cleo_url: str) -> None:
    partner_sends(cleo_url, "steelco", "810", "PO1001")
    client = connect("acme")  # acme's after_processing is "move"
    (file,) = client.list_folder("/steelco/inbound")
    moved = client.after_processing(file)
    assert moved is not None
    assert (moved.id, moved.name, moved.folder) == (file.id, file.name, "/steelco/archive")
    assert files_in(cleo_url, "acme", "/steelco/inbound") == []
    assert [f["id"] for f in files_in(cleo_url, "acme", "/steelco/archive")] == [file.id]


def test_delete_removes_the_file(connect: Callable[..., CleoClient], cleo_url: str) -> None:
    partner_sends(cleo_url, "harborfoods", "855", "PO2001")
    client = connect("bluefin")
    (file,) = client.list_folder("/harborfoods/inbound")
    client.delete(file.id)
    assert files_in(cleo_url, "bluefin", "/harborfoods/inbound") == []
    assert client.find_by_name("/harborfoods/inbound", file.name) is None


# -- faults --------------------------------------------------------------------------------------------------

def test_cleo_429_with_retry_after_is_waited_out(connect: Callable[..., CleoClient], cleo_url: str) -> None:
    inject(cleo_url, {"kind": "status", "status": 429, "retry_after": 1, "path": "/api/folders/*/children",
                      "times": 1})
    started = time.monotonic()
    assert connect("acme").list_folder("/steelco/inbound") == []
    assert time.monotonic() - started >= 1.0
    assert injected(cleo_url) == 1


def test_503_on_a_download_is_retried(connect: Callable[..., CleoClient], cleo_url: str) -> None:
    partner_sends(cleo_url, "steelco", "855", "PO1001")
    client = connect("acme")
    (file,) = client.list_folder("/steelco/inbound")
    inject(cleo_url, {"kind": "status", "status": 503, "path": "/api/files/*/content", "times": 2})
    assert client.download(file.id).startswith(b"ISA")
    assert injected(cleo_url) == 2


def test_upload_refused_by_a_503_is_reported_then_done_once(connect: Callable[..., CleoClient],
                                                            cleo_url: str) -> None:
    client = connect("acme")
    inject(cleo_url, {"kind": "status", "status": 503, "method": "POST", "path": "/api/folders/*/files",
                      "times": 1})
    with pytest.raises(OutcomeUnknown):
        client.upload_once("/steelco/outbound", "850_ACMEMFG_000000101.edi", X12_850)
    assert files_in(cleo_url, "acme", "/steelco/outbound") == []
    client.upload_once("/steelco/outbound", "850_ACMEMFG_000000101.edi", X12_850)  # the pipeline's next try
    assert len(files_in(cleo_url, "acme", "/steelco/outbound")) == 1


class LosingTransport(httpx.HTTPTransport):
    """Delivers the first upload, then loses Cleo's answer on the way back, as a dropped connection would."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/files") and not self.lost:
            response.read()
            response.close()
            self.lost += 1
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


def test_upload_whose_answer_was_lost_is_found_by_name(connect: Callable[..., CleoClient], cleo_url: str) -> None:
    transport = LosingTransport()
    uploaded = connect("acme", transport=transport).upload_once("/steelco/outbound", "850_ACMEMFG_000000101.edi",
                                                               X12_850)
    assert transport.lost == 1
    (stored,) = files_in(cleo_url, "acme", "/steelco/outbound")
    assert stored["id"] == uploaded.id
    assert requests_to(cleo_url, "POST", "/files") == {201: 1}


def test_revoked_tokens_are_survived_by_the_two_factor_user(connect: Callable[..., CleoClient], cleo_url: str,
                                                            sim_clock: SimClock) -> None:
    client = connect("acme")
    client.list_folder("/steelco/inbound")
    inject(cleo_url, {"kind": "revoke_tokens", "path": "/api/folders/*/children", "times": 1})
    assert client.list_folder("/steelco/inbound") == []
    assert len(sim_clock.sleeps) == 1  # the re-authentication waited for the next TOTP step
    assert requests_to(cleo_url, "POST", "/api/authentication") == {200: 2, 401: 1}  # password, refresh refused


def test_revoked_tokens_are_survived_by_a_password_user(connect: Callable[..., CleoClient], cleo_url: str,
                                                        sim_clock: SimClock) -> None:
    client = connect("bluefin")
    client.list_folder("/harborfoods/inbound")
    inject(cleo_url, {"kind": "revoke_tokens", "path": "/api/folders/*/children", "times": 1})
    assert client.list_folder("/harborfoods/inbound") == []
    assert sim_clock.sleeps == []
    assert requests_to(cleo_url, "POST", "/api/authentication") == {200: 2, 401: 1}


def test_expired_token_is_refreshed(connect: Callable[..., CleoClient], cleo_url: str, sim_clock: SimClock) -> None:
    client = connect("acme")
    client.list_folder("/steelco/inbound")
    sim_clock.sleep(3601)  # the simulator's tokens live an hour; the client's clock has not moved
    assert client.list_folder("/steelco/inbound") == []
    assert requests_to(cleo_url, "GET", "/children") == {200: 2, 401: 1}
    assert requests_to(cleo_url, "POST", "/api/authentication") == {200: 2}  # password, then refresh


# -- rate limit ----------------------------------------------------------------------------------------------

def test_the_limiter_keeps_requests_within_cleos_budget(connect: Callable[..., CleoClient], cleo_url: str) -> None:
    client = connect("acme")  # the shared limiter at its default, 5 per second per path
    for _ in range(12):
        client.list_folder("/steelco/inbound")
    assert requests_to(cleo_url, "GET", "/children") == {200: 12}


def test_without_the_limiter_cleos_429s_are_waited_out(connect: Callable[..., CleoClient], cleo_url: str,
                                                       tmp_path: Path) -> None:
    unlimited = RateLimiter(RateLimitSettings(limits={}, path=tmp_path / "none.sqlite"))
    client = connect("acme", limiter_=unlimited)
    for _ in range(8):
        client.list_folder("/steelco/inbound")
    answered = requests_to(cleo_url, "GET", "/children")
    assert answered[200] == 8
    assert answered.get(429, 0) >= 1


# -- secrets -------------------------------------------------------------------------------------------------

def test_no_secret_reaches_logs_or_errors(connect: Callable[..., CleoClient], cleo_url: str,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = connect("acme")
    first = client.upload_once("/steelco/outbound", "850_ACMEMFG_000000101.edi", X12_850)
    inject(cleo_url, {"kind": "revoke_tokens", "path": "/api/folders/*/children", "times": 1})
    client.list_folder("/steelco/outbound")
    client.download(first.id)
    wrong = {**vault_of("acme"), "cleo.password": "not-the-password-7"}
    with pytest.raises(AuthenticationError) as refused:
        connect("acme", vault=wrong).list_folder("/steelco/inbound")
    token = client.auth.token
    assert token is not None
    secrets = [*vault_of("acme").values(), token.access.get_secret_value()]
    secrets.remove("acme-edi")  # the username is not a secret
    assert "two-factor code is spent" in caplog.text
    for text in (caplog.text, str(refused.value), repr(refused.value)):
        for secret in secrets:
            assert secret not in text


def test_listed_files_are_cleo_files(connect: Callable[..., CleoClient], cleo_url: str) -> None:
    partner_sends(cleo_url, "steelco", "856", "PO1001")
    (file,) = connect("acme").list_folder("/steelco/inbound")
    assert isinstance(file, CleoFile)
    assert file.created is not None
    assert file.path == f"/steelco/inbound/{file.name}"
