"""The Cleo Integration Cloud simulator, driven over real HTTP: what a connector meets (spec section 1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest

from simulators.cleo import CleoBackend, create_app, demo_credentials

USER, PASSWORD = "bluefin-edi", "bluefin-cleo-pass-1"
TOTP_USER, TOTP_PASSWORD, TOTP_SECRET = "acme-edi", "acme-cleo-pass-1", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture
def root(served: Any, demo_scenario: dict[str, Any]) -> str:
    url: str = served(create_app(demo_scenario))
    return url


def login(
    http: httpx.Client, root: str, username: str = USER, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    form = {"grant_type": "password", "username": username, "password": password, **extra}
    return http.post(f"{root}/api/authentication", data=form)


def current_totp(http: httpx.Client, root: str, steps: int = 0) -> str:
    """The code an authenticator app shows at the simulator's time, `steps` 30-second steps away."""
    now = http.get(f"{root}/_sim/clock").json()["now"]
    return pyotp.TOTP(TOTP_SECRET).at(now + 30 * steps)


def advance(http: httpx.Client, root: str, seconds: float) -> None:
    http.post(f"{root}/_sim/clock", json={"advance": seconds}).raise_for_status()


def configure(http: httpx.Client, root: str, **settings: Any) -> None:
    http.post(f"{root}/_sim/settings", json=settings).raise_for_status()


class Api:
    """One user's session: bearer token on every call."""

    def __init__(self, http: httpx.Client, root: str, token: str) -> None:
        self.http, self.root = http, root
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, self.root + path, headers=self.headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def folder(self, path: str) -> dict[str, Any]:
        found = self.get("/api/folders", params={"filter": f'path eq "{path}"'}).json()["resources"]
        assert len(found) == 1
        result: dict[str, Any] = found[0]
        return result

    def upload(self, folder_path: str, name: str, content: bytes = b"ISA*...~") -> httpx.Response:
        folder_id = self.folder(folder_path)["id"]
        return self.request("POST", f"/api/folders/{folder_id}/files", files={"file": (name, content)})


@pytest.fixture
def api(http: httpx.Client, root: str) -> Api:
    configure(http, root, rate_per_second=1000)  # budget tests set their own
    return Api(http, root, login(http, root).json()["access_token"])


# --- authentication ---------------------------------------------------------------------------------------------


def test_password_grant_returns_a_bearer_token_that_opens_the_api(http: httpx.Client, root: str) -> None:
    response = login(http, root)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"]
    assert Api(http, root, body["access_token"]).get("/api/folders").status_code == 200


def test_wrong_password_is_refused_with_401_and_a_message_that_does_not_echo_it(http: httpx.Client, root: str) -> None:
    response = login(http, root, password="not-the-password")
    assert response.status_code == 401
    assert "message" in response.json()
    assert "not-the-password" not in response.text


def test_unknown_user_is_refused_like_a_wrong_password(http: httpx.Client, root: str) -> None:
    unknown, wrong = login(http, root, username="nobody"), login(http, root, password="wrong")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_missing_credentials_are_refused_with_401(http: httpx.Client, root: str) -> None:
    response = http.post(f"{root}/api/authentication", data={"grant_type": "password", "username": USER})
    assert response.status_code == 401
    assert response.json()["message"]


def test_unsupported_grant_type_is_refused_with_400(http: httpx.Client, root: str) -> None:
    response = http.post(f"{root}/api/authentication", data={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert "grant_type" in response.json()["message"]


def test_refresh_grant_issues_a_new_pair_and_each_refresh_token_works_once(http: httpx.Client, root: str) -> None:
    refresh_token = login(http, root).json()["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    renewed = http.post(f"{root}/api/authentication", data=form)
    assert renewed.status_code == 200
    assert renewed.json()["access_token"]
    assert Api(http, root, renewed.json()["access_token"]).get("/api/folders").status_code == 200
    again = http.post(f"{root}/api/authentication", data=form)
    assert again.status_code == 401


def test_refresh_grant_can_be_switched_off(http: httpx.Client, root: str) -> None:
    configure(http, root, issue_refresh_tokens=False)
    body = login(http, root).json()
    assert "refresh_token" not in body
    response = http.post(f"{root}/api/authentication", data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert response.status_code == 400


def test_two_factor_user_without_a_code_is_refused(http: httpx.Client, root: str) -> None:
    response = login(http, root, TOTP_USER, TOTP_PASSWORD)
    assert response.status_code == 401
    assert "code required" in response.json()["message"]


def test_two_factor_user_with_the_current_code_gets_a_token(http: httpx.Client, root: str) -> None:
    response = login(http, root, TOTP_USER, TOTP_PASSWORD, totp=current_totp(http, root))
    assert response.status_code == 200
    assert response.json()["access_token"]


def test_a_wrong_two_factor_code_is_refused(http: httpx.Client, root: str) -> None:
    code = current_totp(http, root, steps=5)
    response = login(http, root, TOTP_USER, TOTP_PASSWORD, totp=code)
    assert response.status_code == 401
    assert "Invalid two-factor" in response.json()["message"]


def test_a_code_one_step_old_is_accepted_but_not_two_steps(http: httpx.Client, root: str) -> None:
    two_old = current_totp(http, root, steps=-2)
    assert login(http, root, TOTP_USER, TOTP_PASSWORD, totp=two_old).status_code == 401
    one_old = current_totp(http, root, steps=-1)
    assert login(http, root, TOTP_USER, TOTP_PASSWORD, totp=one_old).status_code == 200


def test_a_two_factor_code_used_twice_is_refused(http: httpx.Client, root: str) -> None:
    code = current_totp(http, root)
    assert login(http, root, TOTP_USER, TOTP_PASSWORD, totp=code).status_code == 200
    replay = login(http, root, TOTP_USER, TOTP_PASSWORD, totp=code)
    assert replay.status_code == 401
    assert "already used" in replay.json()["message"]
    advance(http, root, 30)
    assert login(http, root, TOTP_USER, TOTP_PASSWORD, totp=current_totp(http, root)).status_code == 200


def test_the_two_factor_form_field_name_is_configurable(http: httpx.Client, root: str) -> None:
    configure(http, root, totp_param="otp")
    assert login(http, root, TOTP_USER, TOTP_PASSWORD, totp=current_totp(http, root)).status_code == 401
    assert login(http, root, TOTP_USER, TOTP_PASSWORD, otp=current_totp(http, root)).status_code == 200


def test_api_without_a_token_answers_401(http: httpx.Client, root: str) -> None:
    response = http.get(f"{root}/api/folders")
    assert response.status_code == 401
    assert response.json()["message"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_token_answers_401(http: httpx.Client, root: str) -> None:
    assert Api(http, root, "made-up").get("/api/folders").status_code == 401


def test_a_token_answers_401_once_its_lifetime_has_passed(http: httpx.Client, root: str, api: Api) -> None:
    advance(http, root, 3599)
    assert api.get("/api/folders").status_code == 200
    advance(http, root, 2)
    response = api.get("/api/folders")
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_the_token_lifetime_is_configurable(http: httpx.Client, root: str) -> None:
    configure(http, root, token_lifetime=60)
    body = login(http, root).json()
    assert body["expires_in"] == 60
    advance(http, root, 61)
    assert Api(http, root, body["access_token"]).get("/api/folders").status_code == 401


# --- folders --------------------------------------------------------------------------------------------------


def test_a_tenant_sees_exactly_its_partners_folders(api: Api) -> None:
    body = api.get("/api/folders").json()
    paths = sorted(r["path"] for r in body["resources"])
    expected = [
        f"/{p}{box}" for p in ("coastalpaper", "harborfoods") for box in ("", "/archive", "/inbound", "/outbound")
    ]
    assert paths == expected
    assert body["totalResults"] == 8


def test_folders_have_22_character_ids_and_hal_links(api: Api) -> None:
    folder = api.folder("/harborfoods/inbound")
    assert ID.match(folder["id"])
    assert folder["type"] == "folder"
    assert folder["name"] == "inbound"
    assert folder["_links"]["self"]["href"] == f"/api/folders/{folder['id']}"
    assert folder["_links"]["children"]["href"] == f"/api/folders/{folder['id']}/children"
    assert api.get(folder["_links"]["self"]["href"]).json() == folder


@pytest.mark.parametrize(
    ("expression", "paths"),
    [
        ('path eq "/harborfoods/outbound"', ["/harborfoods/outbound"]),
        ('name eq "inbound"', ["/harborfoods/inbound", "/coastalpaper/inbound"]),
        ('path sw "/coastalpaper/"', ["/coastalpaper/inbound", "/coastalpaper/outbound", "/coastalpaper/archive"]),
        ('path sw "/harborfoods" and name ew "bound"', ["/harborfoods/inbound", "/harborfoods/outbound"]),
        ("", None),
    ],
)
def test_folders_can_be_filtered_scim_style(api: Api, expression: str, paths: list[str] | None) -> None:
    found = [r["path"] for r in api.get("/api/folders", params={"filter": expression}).json()["resources"]]
    assert sorted(found) == sorted(paths) if paths is not None else len(found) == 8


@pytest.mark.parametrize("expression", ['path = "/x"', 'colour eq "red"', "path eq unquoted"])
def test_an_unreadable_filter_answers_400(api: Api, expression: str) -> None:
    response = api.get("/api/folders", params={"filter": expression})
    assert response.status_code == 400
    assert "filter" in response.json()["message"]


def test_another_tenants_folder_answers_404_like_an_unknown_one(http: httpx.Client, root: str, api: Api) -> None:
    acme = Api(
        http, root, login(http, root, TOTP_USER, TOTP_PASSWORD, totp=current_totp(http, root)).json()["access_token"]
    )
    steelco_inbound = acme.folder("/steelco/inbound")["id"]
    foreign = api.get(f"/api/folders/{steelco_inbound}")
    unknown = api.get("/api/folders/AAAAAAAAAAAAAAAAAAAAAA")
    assert foreign.status_code == unknown.status_code == 404
    assert "message" in foreign.json()
    assert api.get(f"/api/folders/{steelco_inbound}/children").status_code == 404


def test_a_partner_folder_lists_its_mailboxes_as_children(api: Api) -> None:
    partner = api.folder("/harborfoods")
    children = api.get(f"/api/folders/{partner['id']}/children").json()
    assert sorted(r["name"] for r in children["resources"]) == ["archive", "inbound", "outbound"]


def test_children_are_paged_with_start_index_and_count(api: Api) -> None:
    for n in range(5):
        api.upload("/harborfoods/outbound", f"PO_{n}.edi")
    folder_id = api.folder("/harborfoods/outbound")["id"]
    pages, start = [], 0
    while True:
        body = api.get(f"/api/folders/{folder_id}/children", params={"startIndex": start, "count": 2}).json()
        pages.append([r["name"] for r in body["resources"]])
        start += len(body["resources"])
        if start >= body["totalResults"]:
            break
    assert pages == [["PO_0.edi", "PO_1.edi"], ["PO_2.edi", "PO_3.edi"], ["PO_4.edi"]]


def test_count_is_capped_at_the_largest_page(http: httpx.Client, root: str, api: Api) -> None:
    configure(http, root, max_page_size=3)
    body = api.get("/api/folders", params={"count": 50}).json()
    assert len(body["resources"]) == 3
    assert body["totalResults"] == 8


@pytest.mark.parametrize("params", [{"startIndex": "-1"}, {"count": "many"}])
def test_invalid_paging_answers_400(api: Api, params: dict[str, str]) -> None:
    assert api.get("/api/folders", params=params).status_code == 400


def test_children_can_be_filtered_by_name_and_modification_time(http: httpx.Client, root: str, api: Api) -> None:
    api.upload("/harborfoods/inbound", "810_old.edi")
    advance(http, root, 120)
    newer = api.upload("/harborfoods/inbound", "810_new.edi").json()
    folder_id = api.folder("/harborfoods/inbound")["id"]
    since = api.get(f"/api/folders/{folder_id}/children", params={"filter": f'modified ge "{newer["modified"]}"'})
    assert [r["name"] for r in since.json()["resources"]] == ["810_new.edi"]
    named = api.get(f"/api/folders/{folder_id}/children", params={"filter": 'name eq "810_old.edi"'})
    assert [r["name"] for r in named.json()["resources"]] == ["810_old.edi"]


# --- files ----------------------------------------------------------------------------------------------------


def test_multipart_upload_answers_201_with_the_new_file(api: Api) -> None:
    response = api.upload("/harborfoods/outbound", "PO_850.edi", b"ISA*00~")
    assert response.status_code == 201
    body = response.json()
    assert ID.match(body["id"])
    assert body["name"] == "PO_850.edi"
    assert body["size"] == 7
    assert body["type"] == "file"
    assert body["path"] == "/harborfoods/outbound/PO_850.edi"
    assert response.headers["location"] == f"/api/files/{body['id']}"
    assert body["_links"]["content"]["href"] == f"/api/files/{body['id']}/content"


def test_raw_body_upload_takes_the_name_from_the_filename_parameter(api: Api) -> None:
    folder_id = api.folder("/harborfoods/outbound")["id"]
    response = api.request("POST", f"/api/folders/{folder_id}/files", params={"filename": "raw.edi"}, content=b"X12")
    assert response.status_code == 201
    assert response.json()["name"] == "raw.edi"
    assert response.json()["size"] == 3


def test_a_second_upload_under_the_same_name_creates_a_second_file(api: Api) -> None:
    first = api.upload("/harborfoods/outbound", "PO_850.edi").json()
    second = api.upload("/harborfoods/outbound", "PO_850.edi").json()
    assert first["id"] != second["id"]
    folder_id = api.folder("/harborfoods/outbound")["id"]
    names = [r["name"] for r in api.get(f"/api/folders/{folder_id}/children").json()["resources"]]
    assert names == ["PO_850.edi", "PO_850.edi"]


def test_name_clashes_can_be_refused_with_409(http: httpx.Client, root: str, api: Api) -> None:
    configure(http, root, duplicate_names="conflict")
    assert api.upload("/harborfoods/outbound", "PO_850.edi").status_code == 201
    clash = api.upload("/harborfoods/outbound", "PO_850.edi")
    assert clash.status_code == 409
    assert "PO_850.edi" in clash.json()["message"]


@pytest.mark.parametrize("params", [{}, {"filename": ""}, {"filename": "../etc/passwd"}])
def test_an_upload_without_a_usable_name_answers_400(api: Api, params: dict[str, str]) -> None:
    folder_id = api.folder("/harborfoods/outbound")["id"]
    response = api.request("POST", f"/api/folders/{folder_id}/files", params=params, content=b"X12")
    assert response.status_code == 400
    assert response.json()["message"]


def test_multipart_upload_without_the_file_field_answers_400(api: Api) -> None:
    folder_id = api.folder("/harborfoods/outbound")["id"]
    response = api.request("POST", f"/api/folders/{folder_id}/files", files={"document": ("a.edi", b"x")})
    assert response.status_code == 400
    assert "file" in response.json()["message"]


def test_an_upload_to_an_unknown_folder_answers_404(api: Api) -> None:
    response = api.request("POST", "/api/folders/AAAAAAAAAAAAAAAAAAAAAA/files", files={"file": ("a.edi", b"x")})
    assert response.status_code == 404


def test_file_metadata_and_content_can_be_read(api: Api) -> None:
    stored = api.upload("/harborfoods/outbound", "Ünïcode PO.edi", b"ISA*content~").json()
    assert api.get(f"/api/files/{stored['id']}").json() == stored
    content = api.get(f"/api/files/{stored['id']}/content")
    assert content.status_code == 200
    assert content.content == b"ISA*content~"
    assert content.headers["content-type"] == "application/octet-stream"
    disposition = content.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "UTF-8''%C3%9Cn%C3%AFcode%20PO.edi" in disposition


def test_delete_answers_204_and_the_file_is_gone(api: Api) -> None:
    stored = api.upload("/harborfoods/inbound", "810.edi").json()
    assert api.request("DELETE", f"/api/files/{stored['id']}").status_code == 204
    assert api.get(f"/api/files/{stored['id']}").status_code == 404
    assert api.request("DELETE", f"/api/files/{stored['id']}").status_code == 404


@pytest.mark.parametrize("suffix", ["", "/content"])
def test_an_unknown_file_answers_404_with_a_message(api: Api, suffix: str) -> None:
    response = api.get(f"/api/files/AAAAAAAAAAAAAAAAAAAAAA{suffix}")
    assert response.status_code == 404
    assert "not found" in response.json()["message"]


def test_a_processed_file_can_be_moved_to_the_archive_keeping_its_id(api: Api) -> None:
    stored = api.upload("/harborfoods/inbound", "810.edi").json()
    archive = api.folder("/harborfoods/archive")
    moved = api.request(
        "PUT", f"/api/files/{stored['id']}", json={"folder": {"href": archive["_links"]["self"]["href"]}}
    )
    assert moved.status_code == 200
    assert moved.json()["id"] == stored["id"]
    assert moved.json()["path"] == "/harborfoods/archive/810.edi"
    inbound = api.get(f"/api/folders/{api.folder('/harborfoods/inbound')['id']}/children").json()
    assert inbound["totalResults"] == 0


@pytest.mark.parametrize("body", [{"folder": "archive"}, {"folder": {"href": "/elsewhere/1"}}, {}])
def test_a_move_without_a_folder_reference_answers_400(api: Api, body: dict[str, Any]) -> None:
    stored = api.upload("/harborfoods/inbound", "810.edi").json()
    assert api.request("PUT", f"/api/files/{stored['id']}", json=body).status_code == 400


def test_moves_can_be_switched_off(http: httpx.Client, root: str, api: Api) -> None:
    configure(http, root, file_moves=False)
    stored = api.upload("/harborfoods/inbound", "810.edi").json()
    href = api.folder("/harborfoods/archive")["_links"]["self"]["href"]
    assert api.request("PUT", f"/api/files/{stored['id']}", json={"folder": {"href": href}}).status_code == 405


def test_the_backend_puts_and_lists_files_in_process_as_partners_do(demo_scenario: dict[str, Any]) -> None:
    backend = CleoBackend(demo_scenario)
    stored = backend.put_file("bluefin", "/harborfoods/inbound", "810.edi", b"ISA~")
    assert backend.list_files("bluefin", "/harborfoods/inbound") == [stored]
    assert stored.path == "/harborfoods/inbound/810.edi"
    assert ID.match(stored.id)


# --- request budget -------------------------------------------------------------------------------------------


def test_the_sixth_request_in_a_second_on_one_path_answers_429(http: httpx.Client, root: str, api: Api) -> None:
    configure(http, root, rate_per_second=5)
    statuses = [api.get("/api/folders").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    throttled = api.get("/api/folders")
    assert throttled.json() == {"message": "Too Many Requests"}
    assert throttled.headers["retry-after"] == "1"


def test_the_budget_is_per_path_and_per_token(http: httpx.Client, root: str, api: Api) -> None:
    partner_folder = api.folder("/harborfoods")["id"]
    configure(http, root, rate_per_second=5)
    for _ in range(5):
        api.get("/api/folders")
    assert api.get("/api/folders").status_code == 429
    assert api.get(f"/api/folders/{partner_folder}").status_code == 200
    other = Api(http, root, login(http, root).json()["access_token"])
    assert other.get("/api/folders").status_code == 200


def test_the_budget_refills_as_the_clock_moves(http: httpx.Client, root: str, api: Api) -> None:
    configure(http, root, rate_per_second=5)
    for _ in range(5):
        api.get("/api/folders")
    assert api.get("/api/folders").status_code == 429
    advance(http, root, 1)
    assert [api.get("/api/folders").status_code for _ in range(5)] == [200] * 5


# --- admin: faults, reset, state ------------------------------------------------------------------------------


def test_injected_faults_answer_with_their_status_and_retry_after(http: httpx.Client, root: str, api: Api) -> None:
    rule = {"kind": "status", "path": "/api/folders", "status": 503, "retry_after": 7, "times": 1}
    http.post(f"{root}/_sim/faults", json={"rules": [rule]}).raise_for_status()
    failed = api.get("/api/folders")
    assert failed.status_code == 503
    assert failed.headers["retry-after"] == "7"
    assert api.get("/api/folders").status_code == 200


def test_the_revoked_tokens_fault_makes_live_tokens_answer_401(http: httpx.Client, root: str, api: Api) -> None:
    http.post(f"{root}/_sim/faults", json={"rules": [{"kind": "revoke_tokens", "times": 1}]}).raise_for_status()
    assert api.get("/api/folders").status_code == 401


def test_reset_removes_files_and_tokens_but_keeps_folder_ids(http: httpx.Client, root: str, api: Api) -> None:
    folder = api.folder("/harborfoods/outbound")
    api.upload("/harborfoods/outbound", "PO_850.edi")
    http.post(f"{root}/_sim/reset").raise_for_status()
    assert api.get("/api/folders").status_code == 401
    fresh = Api(http, root, login(http, root).json()["access_token"])
    assert fresh.folder("/harborfoods/outbound")["id"] == folder["id"]
    assert fresh.get(f"/api/folders/{folder['id']}/children").json()["totalResults"] == 0


def test_state_shows_files_and_request_outcomes_but_no_secret(http: httpx.Client, root: str, api: Api) -> None:
    api.upload("/harborfoods/outbound", "PO_850.edi")
    login(http, root, password="wrong")
    state = http.get(f"{root}/_sim/state").json()
    text = str(state)
    for secret in (PASSWORD, TOTP_SECRET, "wrong", api.headers["Authorization"].split()[1]):
        assert secret not in text
    bluefin = next(t for t in state["tenants"] if t["id"] == "bluefin")
    outbound = next(f for f in bluefin["folders"] if f["path"] == "/harborfoods/outbound")
    assert [f["name"] for f in outbound["files"]] == ["PO_850.edi"]
    assert {"method": "POST", "path": "/api/authentication", "status": 401, "count": 1} in state["requests"]
    assert state["live_tokens"] == 1


def test_settings_refuse_unknown_or_invalid_values(http: httpx.Client, root: str) -> None:
    assert http.post(f"{root}/_sim/settings", json={"rate_per_second": 0}).status_code == 400
    assert http.post(f"{root}/_sim/settings", json={"no_such_setting": 1}).status_code == 400


def test_demo_credentials_list_every_user_and_the_totp_secret_where_there_is_one(
    demo_scenario: dict[str, Any],
) -> None:
    rows = {c.username: c for c in demo_credentials(demo_scenario)}
    assert rows[USER].secret == PASSWORD
    assert rows[USER].tenant == "bluefin"
    assert rows[USER].note == ""
    assert TOTP_SECRET in rows[TOTP_USER].note
    assert len(rows) == 5
