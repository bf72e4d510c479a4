"""The Acumatica simulator's file attachments and `$adHocSchema`, driven over real HTTP (spec section 3)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulators.acumatica import create_app  # noqa: F401 - the app the `demo_server` fixture serves
from tests.simulators.test_acumatica import (
    ENTITY,
    GENERIC_KEYS,
    TENANT,
    Api,
    advance,
    session_api,
    settings,
    token,
    value,
)

ORDER = "/PurchaseOrder/Normal/PO000101"
EDI = b"ISA*00*          *00*\xff\x00binary tail~"


@pytest.fixture
def api(http: httpx.Client, root: str) -> Api:
    return session_api(http, root)


def attach(api: Api, record: str, name: str, content: bytes = EDI) -> httpx.Response:
    return api.request("PUT", f"{record}/files/{name}", content=content,
                       headers={"Content-Type": "application/octet-stream"})


def files(api: Api, record: str = ORDER) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = api.get(record, params={"$expand": "files"}).json()["files"]
    return listed


def download(api: Api, href: str) -> httpx.Response:
    return api.http.get(api.root + href, headers=api.headers)


# ---- attaching and reading files ----


def test_attaching_a_file_by_the_record_keys_answers_204(api: Api) -> None:
    response = attach(api, ORDER, "po-850.x12")
    assert (response.status_code, response.content) == (204, b"")


def test_an_attached_file_is_listed_with_id_screen_name_and_href(api: Api) -> None:
    attach(api, ORDER, "po-850.x12")
    [listed] = files(api)
    assert listed["filename"] == "Purchase Orders (Normal, PO000101)\\po-850.x12"
    assert listed["href"] == f"{ENTITY}/files/{listed['id']}"


def test_files_are_listed_only_when_expanded(api: Api) -> None:
    attach(api, ORDER, "po-850.x12")
    assert "files" not in api.get(ORDER).json()


def test_the_href_returns_the_bytes_as_sent(api: Api) -> None:
    attach(api, ORDER, "po-850.x12")
    response = download(api, files(api)[0]["href"])
    assert (response.status_code, response.content) == (200, EDI)
    assert response.headers["content-type"] == "application/octet-stream"


def test_the_files_put_link_of_a_record_attaches_by_its_id(api: Api) -> None:
    link = api.get(ORDER).json()["_links"]["files:put"]
    response = api.http.put(api.root + link.replace("{filename}", "scan.pdf"), content=b"%PDF", headers=api.headers)
    assert response.status_code == 204
    assert [f["filename"] for f in files(api)] == ["Purchase Orders (Normal, PO000101)\\scan.pdf"]


def test_attaching_the_same_name_again_replaces_the_content_under_the_same_id(api: Api) -> None:
    attach(api, ORDER, "po-850.x12", b"first")
    [first] = files(api)
    attach(api, ORDER, "po-850.x12", b"second")
    assert files(api) == [first]
    assert download(api, first["href"]).content == b"second"


def test_files_with_other_names_are_listed_side_by_side(api: Api) -> None:
    attach(api, ORDER, "po-850.x12")
    attach(api, ORDER, "po-855.x12")
    assert [f["filename"].rpartition("\\")[2] for f in files(api)] == ["po-850.x12", "po-855.x12"]


def test_a_file_survives_an_update_of_its_record(api: Api) -> None:
    attach(api, ORDER, "po-850.x12")
    api.put("/PurchaseOrder", {"Type": {"value": "Normal"}, "OrderNbr": {"value": "PO000101"},
                               "Description": {"value": "edited"}}).raise_for_status()
    assert len(files(api)) == 1
    assert value(api.get(ORDER).json(), "Description") == "edited"


def test_an_empty_file_is_attached_and_read_back_empty(api: Api) -> None:
    attach(api, ORDER, "empty.txt", b"")
    response = download(api, files(api)[0]["href"])
    assert (response.status_code, response.content) == (200, b"")


# ---- file errors ----


def test_attaching_to_an_unknown_record_is_404_with_the_generic_error(api: Api) -> None:
    response = attach(api, "/PurchaseOrder/Normal/PO404", "po-850.x12")
    assert response.status_code == 404
    assert set(response.json()) == GENERIC_KEYS
    assert response.json()["exceptionMessage"] == "No entity satisfies the condition."


def test_an_unknown_file_id_is_404_with_the_generic_error(api: Api) -> None:
    response = download(api, f"{ENTITY}/files/6E0F3A0B-6C1D-4C7E-9A55-7E3A1D2B4C5F")
    assert response.status_code == 404
    assert set(response.json()) == GENERIC_KEYS


@pytest.mark.parametrize("path", ["/entity/Default/23.200.001/PurchaseOrder/Normal/PO000101/files/a.txt",
                                  "/entity/Default/24.200.001/Spaceship/X1/files/a.txt"])
def test_attaching_through_an_unpublished_version_or_entity_is_a_bare_404(api: Api, path: str) -> None:
    response = api.http.put(api.root + path, content=EDI, headers=api.headers)
    assert (response.status_code, response.content) == (404, b"")


def test_reading_a_file_through_an_unpublished_version_is_a_bare_404(api: Api) -> None:
    attach(api, ORDER, "po-850.x12")
    response = download(api, files(api)[0]["href"].replace("24.200.001", "23.200.001"))
    assert (response.status_code, response.content) == (404, b"")


def test_files_need_a_session_or_a_token(http: httpx.Client, root: str, api: Api) -> None:
    attach(api, ORDER, "po-850.x12")
    href = files(api)[0]["href"]
    anonymous = Api(http, root, {})
    assert attach(anonymous, ORDER, "other.txt").status_code == 401
    assert download(anonymous, href).status_code == 401


def test_a_bearer_token_attaches_and_reads_files_until_it_expires(http: httpx.Client, root: str) -> None:
    bearer = Api(http, root, {"Authorization": f"Bearer {token(http, root).json()['access_token']}"})
    assert attach(bearer, ORDER, "po-850.x12").status_code == 204
    href = files(bearer)[0]["href"]
    assert download(bearer, href).content == EDI
    advance(http, root, 3601)
    assert download(bearer, href).status_code == 401
    assert attach(bearer, ORDER, "po-855.x12").status_code == 401


def test_an_idle_session_can_no_longer_attach(http: httpx.Client, root: str, api: Api) -> None:
    advance(http, root, 1201)
    assert attach(api, ORDER, "po-850.x12").status_code == 401


def test_file_requests_spend_the_per_minute_budget(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, requests_per_minute=3)
    statuses = [attach(api, ORDER, f"f{n}.txt").status_code for n in range(3)]
    assert statuses == [204, 204, 429]


def test_reset_drops_the_attached_files(http: httpx.Client, root: str, api: Api) -> None:
    attach(api, ORDER, "po-850.x12")
    href = files(api)[0]["href"]
    http.post(f"{root}/_sim/reset").raise_for_status()
    fresh = session_api(http, root)
    assert files(fresh) == []
    assert download(fresh, href).status_code == 404


def test_state_lists_the_file_names_but_not_their_content(http: httpx.Client, root: str, api: Api) -> None:
    attach(api, ORDER, "po-850.x12", b"secret-looking content")
    state = http.get(f"{root}/_sim/state")
    [order] = state.json()["tenants"][TENANT]["records"]["PurchaseOrder"]
    assert order["files"] == ["Purchase Orders (Normal, PO000101)\\po-850.x12"]
    assert "secret-looking content" not in state.text


# ---- $adHocSchema ----


def test_the_ad_hoc_schema_wraps_every_field_in_a_null_value(api: Api) -> None:
    schema = api.get("/SalesOrder/$adHocSchema").json()
    fields = {k: v for k, v in schema.items() if k not in {"rowNumber", "note", "Details", "custom"}}
    assert {"OrderType", "OrderNbr", "CustomerID", "OrderTotal", "LastModifiedDateTime"} <= set(fields)
    assert all(v == {"value": None} for v in fields.values())


def test_the_ad_hoc_schema_has_one_template_detail_row(api: Api) -> None:
    [row] = api.get("/SalesOrder/$adHocSchema").json()["Details"]
    assert row["InventoryID"] == row["OrderQty"] == {"value": None}
    assert row["custom"] == {}


def test_the_ad_hoc_schema_of_a_bill_names_its_vendor_field_vendor(api: Api) -> None:
    schema = api.get("/Bill/$adHocSchema").json()
    assert "Vendor" in schema
    assert "VendorID" not in schema


def test_the_ad_hoc_schema_shows_linked_entities_and_no_details_where_there_are_none(api: Api) -> None:
    schema = api.get("/Customer/$adHocSchema").json()
    assert schema["MainContact"]["Email"] == {"value": None}
    assert "Details" not in schema


def test_the_ad_hoc_schema_has_no_custom_fields_by_default(api: Api) -> None:
    assert api.get("/SalesOrder/$adHocSchema").json()["custom"] == {}


def test_the_ad_hoc_schema_lists_the_configured_custom_fields(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, custom_fields={"SalesOrder": {"Document": {"UsrEDIPartner": "CustomStringField"}}})
    assert api.get("/SalesOrder/$adHocSchema").json()["custom"] == {
        "Document": {"UsrEDIPartner": {"type": "CustomStringField", "value": None}}}
    assert api.get("/Bill/$adHocSchema").json()["custom"] == {}


@pytest.mark.parametrize("path", ["/entity/Default/23.200.001/SalesOrder/$adHocSchema",
                                  "/entity/Default/24.200.001/Spaceship/$adHocSchema"])
def test_the_ad_hoc_schema_of_an_unpublished_version_or_entity_is_a_bare_404(api: Api, path: str) -> None:
    response = api.http.get(api.root + path, headers=api.headers)
    assert (response.status_code, response.content) == (404, b"")


def test_the_ad_hoc_schema_needs_a_session_or_a_token(http: httpx.Client, root: str) -> None:
    assert http.get(f"{root}{ENTITY}/SalesOrder/$adHocSchema").status_code == 401
