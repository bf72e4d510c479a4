"""The IFS Cloud simulator over real HTTP: Keycloak tokens, OData projections, etags, filters, paging, errors."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from simulators.ifs import create_app, demo_credentials

CLIENT = {"client_id": "delta-edi-integration", "client_secret": "delta-ifs-secret-1"}
TOKEN_PATH = "/auth/realms/delta/protocol/openid-connect/token"
MAIN = "/main/ifsapplications/projection/v1"
PO = f"{MAIN}/PurchaseOrderHandling.svc"
INVOICES = f"{MAIN}/ManualSupplierInvoiceHandling.svc/ManSuppInvoiceSet"
INVOICE_1 = f"{INVOICES}(Company='10',InvoiceId=1)"
NEW_INVOICE = {
    "Company": "10",
    "Identity": "S1000",
    "InvoiceNo": "AW-100",
    "InvoiceDate": "2026-11-12",
    "Currency": "USD",
    "GrossAmount": 960.0,
}


@pytest.fixture
def url(demo_server: str) -> str:
    """The shared server, back to its seed: data, settings, clock, faults and tokens."""
    assert httpx.post(demo_server + "/_sim/reset").status_code == 200
    return demo_server


def token_body(url: str, **form: str) -> dict[str, Any]:
    response = httpx.post(url + TOKEN_PATH, data={"grant_type": "client_credentials", **CLIENT, **form})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def auth(url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_body(url)['access_token']}"}


def get(url: str, path: str, **params: str) -> httpx.Response:
    return httpx.get(url + path, params=params, headers=auth(url))


def settings(url: str, **changes: Any) -> None:
    assert httpx.post(url + "/_sim/settings", json=changes).status_code == 200


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


# -- tokens --------------------------------------------------------------------------------------------


def test_client_credentials_token_has_keycloak_fields_and_a_short_lifetime(url: str) -> None:
    body = token_body(url, scope="openid microprofile-jwt")
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 180
    assert body["refresh_expires_in"] == 1800
    assert {"access_token", "refresh_token", "id_token", "not-before-policy", "session_state", "scope"} <= set(body)


def test_client_may_authenticate_with_http_basic_at_the_token_endpoint(url: str) -> None:
    response = httpx.post(
        url + TOKEN_PATH, data={"grant_type": "client_credentials"}, auth=(CLIENT["client_id"], CLIENT["client_secret"])
    )
    assert response.status_code == 200


def test_wrong_client_secret_is_invalid_client_and_the_secret_is_not_echoed(url: str) -> None:
    response = httpx.post(
        url + TOKEN_PATH, data={**CLIENT, "grant_type": "client_credentials", "client_secret": "guess-123"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "guess-123" not in response.text


def test_unknown_realm_is_404(url: str) -> None:
    response = httpx.post(
        url + "/auth/realms/other/protocol/openid-connect/token", data={"grant_type": "client_credentials", **CLIENT}
    )
    assert response.status_code == 404


def test_unsupported_grant_type_is_400(url: str) -> None:
    response = httpx.post(url + TOKEN_PATH, data={"grant_type": "authorization_code", **CLIENT})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_refresh_grant_issues_a_new_pair_and_each_refresh_token_works_once(url: str) -> None:
    refresh = token_body(url)["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh, **CLIENT}
    first = httpx.post(url + TOKEN_PATH, data=form)
    again = httpx.post(url + TOKEN_PATH, data=form)
    assert first.status_code == 200
    assert first.json()["refresh_token"] != refresh
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_password_grant_is_supported_for_scenario_users(url: str) -> None:
    form = {"grant_type": "password", "username": "delta-ifs-admin", "password": "delta-ifs-pass-1", **CLIENT}
    assert httpx.post(url + TOKEN_PATH, data=form).status_code == 200
    form["password"] = "wrong"
    assert httpx.post(url + TOKEN_PATH, data=form).json()["error"] == "invalid_grant"


# -- authentication and authorization on projections ---------------------------------------------------


def test_a_request_without_a_token_is_401_in_the_odata_envelope(url: str) -> None:
    response = httpx.get(url + f"{PO}/PurchaseOrderSet")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_an_access_token_expires_after_its_lifetime(url: str) -> None:
    headers = auth(url)
    assert httpx.get(url + f"{PO}/PurchaseOrderSet", headers=headers).status_code == 200
    httpx.post(url + "/_sim/clock", json={"advance": 181})
    assert httpx.get(url + f"{PO}/PurchaseOrderSet", headers=headers).status_code == 401


def test_the_id_token_is_refused_as_a_bearer_by_default(url: str) -> None:
    id_token = token_body(url)["id_token"]
    response = httpx.get(url + f"{PO}/PurchaseOrderSet", headers={"Authorization": f"Bearer {id_token}"})
    assert response.status_code == 401


def test_the_id_token_is_accepted_when_the_setting_allows_it(url: str) -> None:
    settings(url, accept_id_token=True)
    id_token = token_body(url)["id_token"]
    response = httpx.get(url + f"{PO}/PurchaseOrderSet", headers={"Authorization": f"Bearer {id_token}"})
    assert response.status_code == 200


def test_basic_auth_works_for_users_unless_switched_off(url: str) -> None:
    user = ("delta-ifs-admin", "delta-ifs-pass-1")
    assert httpx.get(url + f"{PO}/PurchaseOrderSet", auth=user).status_code == 200
    assert httpx.get(url + f"{PO}/PurchaseOrderSet", auth=("delta-ifs-admin", "nope")).status_code == 401
    settings(url, allow_basic_auth=False)
    assert httpx.get(url + f"{PO}/PurchaseOrderSet", auth=user).status_code == 401


def test_a_client_without_the_projection_grant_gets_403(served: Any, demo_scenario: dict[str, Any]) -> None:
    scenario = copy.deepcopy(demo_scenario)
    scenario["ifs"]["clients"][0]["grants"] = ["SuppliersHandling"]
    url = str(served(create_app(scenario)))
    headers = auth(url)
    assert httpx.get(url + f"{MAIN}/SuppliersHandling.svc/SupplierInfoGeneralSet", headers=headers).status_code == 200
    denied = httpx.get(url + f"{PO}/PurchaseOrderSet", headers=headers)
    assert denied.status_code == 403
    assert error_code(denied) == "FORBIDDEN"


# -- discovery and addressing --------------------------------------------------------------------------


def test_an_unknown_projection_is_404(url: str) -> None:
    response = get(url, f"{MAIN}/NoSuchHandling.svc/ThingSet")
    assert response.status_code == 404
    assert "error" in response.json()


def test_entity_services_exist_only_under_int(url: str) -> None:
    assert get(url, f"{MAIN}/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet").status_code == 404
    assert (
        get(url, "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet").status_code == 200
    )


def test_projections_are_also_served_under_int(url: str) -> None:
    response = get(url, "/int/ifsapplications/projection/v1/PurchaseOrderHandling.svc/PurchaseOrderSet")
    assert response.status_code == 200


def test_the_service_document_lists_the_entity_sets(url: str) -> None:
    body = get(url, f"{PO}/").json()
    assert body["@odata.context"].endswith("PurchaseOrderHandling.svc/$metadata")
    assert [s["name"] for s in body["value"]] == ["PurchaseOrderSet", "PurchaseOrderLineNopartSet"]


def test_metadata_is_csdl_with_keys_types_and_the_posting_proposal_navigation(url: str) -> None:
    response = get(url, f"{MAIN}/ManualSupplierInvoiceHandling.svc/$metadata")
    assert response.headers["content-type"].startswith("application/xml")
    assert '<PropertyRef Name="InvoiceId" />' in response.text
    assert 'Name="InvoiceDate" Type="Edm.Date"' in response.text
    assert 'NavigationProperty Name="PostingProposalArray"' in response.text


def test_collections_carry_context_and_each_entity_an_etag_luname_and_keyref(url: str) -> None:
    body = get(url, f"{PO}/PurchaseOrderSet").json()
    assert body["@odata.context"].endswith("PurchaseOrderHandling.svc/$metadata#PurchaseOrderSet")
    order = body["value"][0]
    assert order["@odata.etag"].startswith('W/"Vy8i')
    assert order["luname"] == "PurchaseOrder"
    assert order["keyref"] == "ORDER_NO=P1000^"
    assert order["Objgrants"] is None
    assert (order["OrderNo"], order["VendorNo"], order["Objstate"]) == ("P1000", "S1000", "Released")


def test_an_entity_by_key_has_its_etag_in_the_header_too(url: str) -> None:
    response = get(url, f"{PO}/PurchaseOrderSet('P1000')")
    assert response.status_code == 200
    assert response.headers["etag"] == response.json()["@odata.etag"]
    assert response.json()["@odata.context"].endswith("#PurchaseOrderSet('P1000')/$entity")


def test_an_unknown_key_is_404_and_a_malformed_key_400(url: str) -> None:
    assert get(url, f"{PO}/PurchaseOrderSet('NOPE')").status_code == 404
    assert get(url, f"{PO}/PurchaseOrderSet(Order='P1000')").status_code == 400
    assert get(url, f"{INVOICES}(Company='10',InvoiceId='1')").status_code == 400


def test_the_main_projection_lists_only_no_part_lines(url: str) -> None:
    lines = get(url, f"{PO}/PurchaseOrderLineNopartSet").json()["value"]
    assert [(line["OrderNo"], line["Description"]) for line in lines] == [("P1001", "Fastener kitting service")]
    assert "PartNo" not in lines[0]


def test_the_int_entity_services_list_all_lines_and_part_lines(url: str) -> None:
    all_lines = get(url, "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet")
    part_lines = get(url, "/int/ifsapplications/entity/v1/PurchaseOrderLinePartEntity.svc/PurchaseOrderLinePartSet")
    assert len(all_lines.json()["value"]) == 3
    assert [line["PartNo"] for line in part_lines.json()["value"]] == ["AL-6061-SHEET", "AL-7075-BAR"]


def test_suppliers_are_listed_with_vendor_number_and_name(url: str) -> None:
    suppliers = get(url, f"{MAIN}/SuppliersHandling.svc/SupplierInfoGeneralSet").json()["value"]
    assert [(s["VendorNo"], s["VendorName"]) for s in suppliers] == [
        ("S1000", "AlloyWorks"),
        ("S2000", "Precision Parts"),
        ("S3000", "Aero Fasteners"),
    ]


def test_posting_proposals_are_a_navigation_of_the_invoice(url: str) -> None:
    body = get(url, f"{INVOICE_1}/PostingProposalArray").json()
    assert body["@odata.context"].endswith("#ManSuppInvoiceSet(Company='10',InvoiceId=1)/PostingProposalArray")
    assert [(p["RowNo"], p["Account"], p["CurrAmount"]) for p in body["value"]] == [(1, "4010", 1200.0)]


def test_the_invoice_projection_names_are_settings(url: str) -> None:
    settings(url, invoice_projection="ManSuppInvoiceHandling")
    user = ("delta-ifs-admin", "delta-ifs-pass-1")
    assert httpx.get(url + f"{MAIN}/ManSuppInvoiceHandling.svc/ManSuppInvoiceSet", auth=user).status_code == 200
    assert httpx.get(url + INVOICES, auth=user).status_code == 404


# -- query options -------------------------------------------------------------------------------------


def test_filter_by_invoice_number(url: str) -> None:
    found = get(url, INVOICES, **{"$filter": "InvoiceNo eq 'PP-7781'"}).json()["value"]
    missing = get(url, INVOICES, **{"$filter": "InvoiceNo eq 'NONE'"}).json()["value"]
    assert [i["InvoiceId"] for i in found] == [1]
    assert missing == []


def test_filter_by_objversion_finds_what_changed_since_a_stamp(url: str) -> None:
    stamp = get(url, f"{PO}/PurchaseOrderSet('P1000')").json()["Objversion"]
    httpx.post(url + "/_sim/clock", json={"advance": 60})
    touched = httpx.post(url + "/_sim/touch", json={"entity_set": "PurchaseOrderSet", "keys": {"OrderNo": "P1001"}})
    assert touched.status_code == 200
    changed = get(url, f"{PO}/PurchaseOrderSet", **{"$filter": f"Objversion gt '{stamp}'"}).json()["value"]
    assert [o["OrderNo"] for o in changed] == ["P1001"]


def test_filter_compares_dates_numbers_and_combines_with_and_or_not(url: str) -> None:
    def orders(expression: str) -> list[str]:
        return [o["OrderNo"] for o in get(url, f"{PO}/PurchaseOrderSet", **{"$filter": expression}).json()["value"]]

    assert orders("OrderDate ge 2026-11-07") == ["P1001"]
    assert orders("OrderDate gt 2026-11-05 and VendorNo eq 'S1000'") == ["P1000"]
    assert orders("VendorNo eq 'S3000' or not (OrderNo ne 'P1000')") == ["P1000", "P1001"]
    assert orders("Objstate eq IfsApp.PurchaseOrderHandling.PurchaseOrderState'Released'") == ["P1000", "P1001"]
    assert orders("startswith(VendorNo,'S3')") == ["P1001"]
    lines = get(
        url,
        "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet",
        **{"$filter": "BuyQtyDue gt 12 and BuyUnitPrice lt 1000"},
    ).json()["value"]
    assert [line["PartNo"] for line in lines] == ["AL-6061-SHEET"]


def test_filter_by_modification_time_on_the_history_log(url: str) -> None:
    httpx.post(url + "/_sim/clock", json={"advance": 3600})
    headers = auth(url)
    httpx.post(url + INVOICES, json=NEW_INVOICE, headers=headers)
    log = get(
        url,
        f"{MAIN}/HistoryLogHandling.svc/HistoryLogOverviewSet",
        **{"$filter": "LuName eq 'ManSuppInvoice' and TimeStamp gt 2020-01-01T00:00:00Z"},
    ).json()["value"]
    later = get(
        url, f"{MAIN}/HistoryLogHandling.svc/HistoryLogOverviewSet", **{"$filter": "TimeStamp gt 2999-01-01T00:00:00Z"}
    ).json()["value"]
    assert [(e["HistoryType"], e["KeyRef"], e["Username"]) for e in log] == [
        ("Insert", "COMPANY=10^INVOICE_ID=2^", "delta-edi-integration")
    ]
    assert later == []


@pytest.mark.parametrize(
    "expression",
    ["Nope eq 'x'", "OrderDate eq '2026-11-06'", "OrderNo eq 5", "OrderNo eq", "OrderNo xx 'a'", "(OrderNo eq 'a'"],
)
def test_a_bad_filter_is_400(url: str, expression: str) -> None:
    response = get(url, f"{PO}/PurchaseOrderSet", **{"$filter": expression})
    assert response.status_code == 400
    assert error_code(response) == "BAD_REQUEST"


def test_select_top_skip_and_orderby(url: str) -> None:
    body = get(
        url,
        f"{PO}/PurchaseOrderSet",
        **{"$select": "OrderNo,VendorNo", "$orderby": "OrderDate desc", "$top": "1", "$skip": "0"},
    ).json()
    assert body["@odata.context"].endswith("#PurchaseOrderSet(OrderNo,VendorNo)")
    assert [set(o) for o in body["value"]] == [{"@odata.etag", "OrderNo", "VendorNo"}]
    assert body["value"][0]["OrderNo"] == "P1001"
    skipped = get(url, f"{PO}/PurchaseOrderSet", **{"$orderby": "OrderNo asc", "$skip": "1"}).json()["value"]
    assert [o["OrderNo"] for o in skipped] == ["P1001"]


@pytest.mark.parametrize("option", [{"$select": "Nope"}, {"$orderby": "Nope"}, {"$top": "-1"}, {"$skip": "x"}])
def test_bad_query_options_are_400(url: str, option: dict[str, str]) -> None:
    assert get(url, f"{PO}/PurchaseOrderSet", **option).status_code == 400


def test_expand_answers_odp_not_implemented_by_default(url: str) -> None:
    response = get(url, INVOICES, **{"$expand": "PostingProposalArray"})
    assert response.status_code == 501
    assert error_code(response) == "ODP_NOT_IMPLEMENTED"


def test_expand_inlines_the_navigation_when_enabled(url: str) -> None:
    settings(url, expand_supported=True)
    invoice = get(url, INVOICE_1, **{"$expand": "PostingProposalArray"}).json()
    assert [p["Account"] for p in invoice["PostingProposalArray"]] == ["4010"]
    assert get(url, INVOICES, **{"$expand": "Nope"}).status_code == 400


def test_an_unsupported_system_query_option_is_not_implemented(url: str) -> None:
    response = get(url, f"{PO}/PurchaseOrderSet", **{"$search": "steel"})
    assert response.status_code == 501
    assert error_code(response) == "ODP_NOT_IMPLEMENTED"


def test_count_is_ignored_unless_supported(url: str) -> None:
    assert "@odata.count" not in get(url, f"{PO}/PurchaseOrderSet", **{"$count": "true"}).json()
    settings(url, count_supported=True)
    assert get(url, f"{PO}/PurchaseOrderSet", **{"$count": "true", "$top": "1"}).json()["@odata.count"] == 2


def test_server_driven_paging_gives_a_next_link_until_the_last_page(url: str) -> None:
    settings(url, page_size=2)
    headers = auth(url)
    link: str | None = url + "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet"
    pages = []
    while link:
        body = httpx.get(link, headers=headers).json()
        pages.append([(line["OrderNo"], line["LineNo"]) for line in body["value"]])
        link = body.get("@odata.nextLink")
    assert pages == [[("P1000", "1"), ("P1000", "2")], [("P1001", "1")]]


def test_paging_respects_the_clients_top(url: str) -> None:
    settings(url, page_size=1)
    body = get(
        url, "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet", **{"$top": "2"}
    ).json()
    second = httpx.get(body["@odata.nextLink"], headers=auth(url)).json()
    assert len(body["value"]) == len(second["value"]) == 1
    assert "@odata.nextLink" not in second


# -- writes and concurrency ----------------------------------------------------------------------------


def test_create_answers_201_with_the_entity_its_etag_and_location(url: str) -> None:
    response = httpx.post(url + INVOICES, json=NEW_INVOICE, headers=auth(url))
    assert response.status_code == 201
    body = response.json()
    assert (body["InvoiceId"], body["Objstate"], body["InvoiceNo"]) == (2, "Preliminary", "AW-100")
    assert response.headers["etag"] == body["@odata.etag"]
    assert response.headers["location"].endswith("ManSuppInvoiceSet(Company='10',InvoiceId=2)")


def test_a_retried_post_creates_a_duplicate(url: str) -> None:
    headers = auth(url)
    first = httpx.post(url + INVOICES, json=NEW_INVOICE, headers=headers).json()
    second = httpx.post(url + INVOICES, json=NEW_INVOICE, headers=headers).json()
    assert first["InvoiceId"] != second["InvoiceId"]
    found = get(url, INVOICES, **{"$filter": "InvoiceNo eq 'AW-100'"}).json()["value"]
    assert len(found) == 2


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"Identity": "S9999"}, 400, "DATABASE_ERROR"),
        ({"InvoiceNo": None}, 400, "DATABASE_ERROR"),
        ({"Colour": "red"}, 400, "BAD_REQUEST"),
        ({"GrossAmount": "a lot"}, 400, "BAD_REQUEST"),
        ({"InvoiceDate": "12/11/2026"}, 400, "BAD_REQUEST"),
    ],
)
def test_invalid_creates_are_refused(url: str, change: dict[str, Any], status: int, code: str) -> None:
    response = httpx.post(url + INVOICES, json={**NEW_INVOICE, **change}, headers=auth(url))
    assert response.status_code == status
    assert error_code(response) == code


def test_a_body_that_is_not_a_json_object_is_400(url: str) -> None:
    headers = {**auth(url), "Content-Type": "application/json"}
    assert httpx.post(url + INVOICES, content=b"{not json", headers=headers).status_code == 400
    assert httpx.post(url + INVOICES, json=[1, 2], headers=headers).status_code == 400


def test_a_posting_proposal_is_created_through_the_navigation(url: str) -> None:
    headers = auth(url)
    response = httpx.post(
        url + f"{INVOICE_1}/PostingProposalArray", json={"Account": "4020", "CurrAmount": 15.5}, headers=headers
    )
    assert response.status_code == 201
    assert (response.json()["Company"], response.json()["InvoiceId"], response.json()["RowNo"]) == ("10", 1, 2)
    listed = get(url, f"{INVOICE_1}/PostingProposalArray").json()["value"]
    assert [p["Account"] for p in listed] == ["4010", "4020"]
    assert get(url, f"{INVOICE_1}/PostingProposalArray(Company='10',InvoiceId=1,RowNo=2)").status_code == 200


def test_patch_without_if_match_is_refused_with_428(url: str) -> None:
    response = httpx.patch(url + INVOICE_1, json={"PoRef": "P1000"}, headers=auth(url))
    assert response.status_code == 428
    assert error_code(response) == "PRECONDITION_REQUIRED"


def test_the_missing_if_match_status_is_a_setting(url: str) -> None:
    settings(url, missing_if_match_status=400)
    assert httpx.patch(url + INVOICE_1, json={"PoRef": "P1000"}, headers=auth(url)).status_code == 400


def test_patch_with_the_current_etag_updates_and_changes_the_etag(url: str) -> None:
    etag = get(url, INVOICE_1).json()["@odata.etag"]
    response = httpx.patch(url + INVOICE_1, json={"PoRef": "P1000"}, headers={**auth(url), "If-Match": etag})
    assert response.status_code == 200
    assert response.json()["PoRef"] == "P1000"
    assert response.json()["@odata.etag"] != etag
    assert response.headers["etag"] == response.json()["@odata.etag"]


def test_patch_with_a_stale_etag_is_412_after_another_writer_saved(url: str) -> None:
    etag = get(url, INVOICE_1).json()["@odata.etag"]
    httpx.post(
        url + "/_sim/touch",
        json={
            "entity_set": "ManSuppInvoiceSet",
            "keys": {"Company": "10", "InvoiceId": 1},
            "changes": {"DueDate": "2026-12-01"},
        },
    )
    response = httpx.patch(url + INVOICE_1, json={"PoRef": "P1000"}, headers={**auth(url), "If-Match": etag})
    assert response.status_code == 412
    assert error_code(response) == "PRECONDITION_FAILED"
    assert get(url, INVOICE_1).json()["DueDate"] == "2026-12-01"


def test_if_match_star_matches_any_version(url: str) -> None:
    response = httpx.patch(url + INVOICE_1, json={"PoRef": "P1"}, headers={**auth(url), "If-Match": "*"})
    assert response.status_code == 200


def test_patch_answers_204_when_the_setting_says_so(url: str) -> None:
    settings(url, patch_returns_entity=False)
    response = httpx.patch(url + INVOICE_1, json={"PoRef": "P1"}, headers={**auth(url), "If-Match": "*"})
    assert response.status_code == 204
    assert response.headers["etag"].startswith('W/"')


def test_patch_cannot_change_a_key_or_an_unknown_property(url: str) -> None:
    headers = {**auth(url), "If-Match": "*"}
    assert httpx.patch(url + INVOICE_1, json={"InvoiceId": 7}, headers=headers).status_code == 400
    assert httpx.patch(url + INVOICE_1, json={"Nope": 1}, headers=headers).status_code == 400


def test_server_fields_in_a_patch_body_are_ignored(url: str) -> None:
    headers = {**auth(url), "If-Match": "*"}
    body = httpx.patch(url + INVOICE_1, json={"Objstate": "Posted", "@odata.etag": "x"}, headers=headers).json()
    assert body["Objstate"] == "Preliminary"


def test_delete_needs_if_match_and_removes_the_invoice_with_its_proposals(url: str) -> None:
    headers = auth(url)
    assert httpx.delete(url + INVOICE_1, headers=headers).status_code == 428
    assert httpx.delete(url + INVOICE_1, headers={**headers, "If-Match": 'W/"stale"'}).status_code == 412
    etag = get(url, INVOICE_1).json()["@odata.etag"]
    assert httpx.delete(url + INVOICE_1, headers={**headers, "If-Match": etag}).status_code == 204
    assert get(url, INVOICE_1).status_code == 404
    proposals = httpx.get(url + "/_sim/state").json()["tables"]["posting_proposals"]
    assert proposals == []


def test_read_only_sets_and_unsupported_methods_answer_405(url: str) -> None:
    headers = auth(url)
    suppliers = f"{MAIN}/SuppliersHandling.svc/SupplierInfoGeneralSet"
    assert httpx.post(url + suppliers, json={"VendorNo": "S9"}, headers=headers).status_code == 405
    assert httpx.put(url + INVOICE_1, json={}, headers=headers).status_code == 405
    assert httpx.patch(url + INVOICES, json={}, headers=headers).status_code == 405


def test_touching_an_unknown_entity_set_or_key_is_404(url: str) -> None:
    assert httpx.post(url + "/_sim/touch", json={"entity_set": "NoSet", "keys": {"A": 1}}).status_code == 404
    missing = {"entity_set": "PurchaseOrderSet", "keys": {"OrderNo": "NOPE"}}
    assert httpx.post(url + "/_sim/touch", json=missing).status_code == 404
    assert httpx.post(url + "/_sim/touch", json={"entity_set": "PurchaseOrderSet"}).status_code == 400


def test_a_purchase_order_line_can_be_added_to_an_order(url: str) -> None:
    line = {"OrderNo": "P1001", "LineNo": "2", "ReleaseNo": "1", "Description": "Packing", "BuyQtyDue": 2}
    created = httpx.post(url + f"{PO}/PurchaseOrderLineNopartSet", json=line, headers=auth(url))
    assert created.status_code == 201
    assert created.json()["Objstate"] == "Planned"
    orphan = httpx.post(url + f"{PO}/PurchaseOrderLineNopartSet", json={**line, "OrderNo": "NOPE"}, headers=auth(url))
    assert orphan.status_code == 400


# -- diagnostics, faults, admin ------------------------------------------------------------------------


def test_odata_debug_json_wraps_the_response_in_a_trace(url: str) -> None:
    body = get(url, f"{PO}/PurchaseOrderSet('NOPE')", **{"odata-debug": "json"}).json()
    assert body["request"]["method"] == "GET"
    assert body["response"]["status"]["code"] == "404"
    assert "error" in body["response"]["body"]


def test_injected_429_carries_retry_after(url: str) -> None:
    rule = {"kind": "status", "status": 429, "retry_after": 7, "path": "/main/*", "times": 1}
    httpx.post(url + "/_sim/faults", json={"rules": [rule]})
    headers = auth(url)
    throttled = httpx.get(url + f"{PO}/PurchaseOrderSet", headers=headers)
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "7")
    assert httpx.get(url + f"{PO}/PurchaseOrderSet", headers=headers).status_code == 200


def test_a_revoked_tokens_fault_makes_the_next_call_401(url: str) -> None:
    headers = auth(url)
    httpx.post(url + "/_sim/faults", json={"rules": [{"kind": "revoke_tokens", "path": "/main/*", "times": 1}]})
    assert httpx.get(url + f"{PO}/PurchaseOrderSet", headers=headers).status_code == 401


def test_reset_restores_the_seed_and_revokes_tokens(url: str) -> None:
    headers = auth(url)
    httpx.post(url + INVOICES, json=NEW_INVOICE, headers=headers)
    settings(url, page_size=1)
    httpx.post(url + "/_sim/reset")
    assert httpx.get(url + INVOICES, headers=headers).status_code == 401
    assert len(get(url, INVOICES).json()["value"]) == 1
    assert httpx.get(url + "/_sim/settings").json()["page_size"] == 1000


def test_state_never_shows_secrets(url: str) -> None:
    token_body(url)
    text = httpx.get(url + "/_sim/state").text
    assert "delta-ifs-secret-1" not in text
    assert "delta-ifs-pass-1" not in text
    assert '"live_tokens":2' in text.replace(" ", "")


def test_demo_credentials_name_the_client_and_the_token_url(demo_scenario: dict[str, Any]) -> None:
    rows = demo_credentials(demo_scenario)
    assert (rows[0].system, rows[0].tenant, rows[0].username) == ("ifs", "delta", "delta-edi-integration")
    assert TOKEN_PATH in rows[0].note
