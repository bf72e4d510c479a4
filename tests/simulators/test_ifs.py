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


def token_body(root: str, **form: str) -> dict[str, Any]:
    response = httpx.post(root + TOKEN_PATH, data={"grant_type": "client_credentials", **CLIENT, **form})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def auth(root: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_body(root)['access_token']}"}


def get(root: str, path: str, **params: str) -> httpx.Response:
    return httpx.get(root + path, params=params, headers=auth(root))


def settings(root: str, **changes: Any) -> None:
    assert httpx.post(root + "/_sim/settings", json=changes).status_code == 200


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


# -- tokens --------------------------------------------------------------------------------------------


def test_client_credentials_token_has_keycloak_fields_and_a_short_lifetime(root: str) -> None:
    body = token_body(root, scope="openid microprofile-jwt")
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 180
    assert body["refresh_expires_in"] == 1800
    assert {"access_token", "refresh_token", "id_token", "not-before-policy", "session_state", "scope"} <= set(body)


def test_client_may_authenticate_with_http_basic_at_the_token_endpoint(root: str) -> None:
    response = httpx.post(
        root + TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        auth=(CLIENT["client_id"], CLIENT["client_secret"]),
    )
    assert response.status_code == 200


def test_wrong_client_secret_is_invalid_client_and_the_secret_is_not_echoed(root: str) -> None:
    response = httpx.post(
        root + TOKEN_PATH, data={**CLIENT, "grant_type": "client_credentials", "client_secret": "guess-123"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "guess-123" not in response.text


def test_unknown_realm_is_404(root: str) -> None:
    response = httpx.post(
        root + "/auth/realms/other/protocol/openid-connect/token", data={"grant_type": "client_credentials", **CLIENT}
    )
    assert response.status_code == 404


def test_unsupported_grant_type_is_400(root: str) -> None:
    response = httpx.post(root + TOKEN_PATH, data={"grant_type": "authorization_code", **CLIENT})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_refresh_grant_issues_a_new_pair_and_each_refresh_token_works_once(root: str) -> None:
    refresh = token_body(root)["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh, **CLIENT}
    first = httpx.post(root + TOKEN_PATH, data=form)
    again = httpx.post(root + TOKEN_PATH, data=form)
    assert first.status_code == 200
    assert first.json()["refresh_token"] != refresh
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_password_grant_is_supported_for_scenario_users(root: str) -> None:
    form = {"grant_type": "password", "username": "delta-ifs-admin", "password": "delta-ifs-pass-1", **CLIENT}
    assert httpx.post(root + TOKEN_PATH, data=form).status_code == 200
    form["password"] = "wrong"
    assert httpx.post(root + TOKEN_PATH, data=form).json()["error"] == "invalid_grant"


# -- authentication and authorization on projections ---------------------------------------------------


def test_a_request_without_a_token_is_401_in_the_odata_envelope(root: str) -> None:
    response = httpx.get(root + f"{PO}/PurchaseOrderSet")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_an_access_token_expires_after_its_lifetime(root: str) -> None:
    headers = auth(root)
    assert httpx.get(root + f"{PO}/PurchaseOrderSet", headers=headers).status_code == 200
    httpx.post(root + "/_sim/clock", json={"advance": 181})
    assert httpx.get(root + f"{PO}/PurchaseOrderSet", headers=headers).status_code == 401


def test_the_id_token_is_refused_as_a_bearer_by_default(root: str) -> None:
    id_token = token_body(root)["id_token"]
    response = httpx.get(root + f"{PO}/PurchaseOrderSet", headers={"Authorization": f"Bearer {id_token}"})
    assert response.status_code == 401


def test_the_id_token_is_accepted_when_the_setting_allows_it(root: str) -> None:
    settings(root, accept_id_token=True)
    id_token = token_body(root)["id_token"]
    response = httpx.get(root + f"{PO}/PurchaseOrderSet", headers={"Authorization": f"Bearer {id_token}"})
    assert response.status_code == 200


def test_basic_auth_works_for_users_unless_switched_off(root: str) -> None:
    user = ("delta-ifs-admin", "delta-ifs-pass-1")
    assert httpx.get(root + f"{PO}/PurchaseOrderSet", auth=user).status_code == 200
    assert httpx.get(root + f"{PO}/PurchaseOrderSet", auth=("delta-ifs-admin", "nope")).status_code == 401
    settings(root, allow_basic_auth=False)
    assert httpx.get(root + f"{PO}/PurchaseOrderSet", auth=user).status_code == 401


def test_a_client_without_the_projection_grant_gets_403(served: Any, demo_scenario: dict[str, Any]) -> None:
    scenario = copy.deepcopy(demo_scenario)
    scenario["ifs"]["clients"][0]["grants"] = ["SuppliersHandling"]
    root = str(served(create_app(scenario)))
    headers = auth(root)
    assert httpx.get(root + f"{MAIN}/SuppliersHandling.svc/SupplierInfoGeneralSet", headers=headers).status_code == 200
    denied = httpx.get(root + f"{PO}/PurchaseOrderSet", headers=headers)
    assert denied.status_code == 403
    assert error_code(denied) == "FORBIDDEN"


# -- discovery and addressing --------------------------------------------------------------------------


def test_an_unknown_projection_is_404(root: str) -> None:
    response = get(root, f"{MAIN}/NoSuchHandling.svc/ThingSet")
    assert response.status_code == 404
    assert "error" in response.json()


def test_entity_services_exist_only_under_int(root: str) -> None:
    assert get(root, f"{MAIN}/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet").status_code == 404
    assert (
        get(root, "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet").status_code == 200
    )


def test_projections_are_also_served_under_int(root: str) -> None:
    response = get(root, "/int/ifsapplications/projection/v1/PurchaseOrderHandling.svc/PurchaseOrderSet")
    assert response.status_code == 200


def test_the_service_document_lists_the_entity_sets(root: str) -> None:
    body = get(root, f"{PO}/").json()
    assert body["@odata.context"].endswith("PurchaseOrderHandling.svc/$metadata")
    assert [s["name"] for s in body["value"]] == ["PurchaseOrderSet", "PurchaseOrderLineNopartSet"]


def test_metadata_is_csdl_with_keys_types_and_the_posting_proposal_navigation(root: str) -> None:
    response = get(root, f"{MAIN}/ManualSupplierInvoiceHandling.svc/$metadata")
    assert response.headers["content-type"].startswith("application/xml")
    assert '<PropertyRef Name="InvoiceId" />' in response.text
    assert 'Name="InvoiceDate" Type="Edm.Date"' in response.text
    assert 'NavigationProperty Name="PostingProposalArray"' in response.text


def test_collections_carry_context_and_each_entity_an_etag_luname_and_keyref(root: str) -> None:
    body = get(root, f"{PO}/PurchaseOrderSet").json()
    assert body["@odata.context"].endswith("PurchaseOrderHandling.svc/$metadata#PurchaseOrderSet")
    order = body["value"][0]
    assert order["@odata.etag"].startswith('W/"Vy8i')
    assert order["luname"] == "PurchaseOrder"
    assert order["keyref"] == "ORDER_NO=P1000^"
    assert order["Objgrants"] is None
    assert (order["OrderNo"], order["VendorNo"], order["Objstate"]) == ("P1000", "S1000", "Released")


def test_an_entity_by_key_has_its_etag_in_the_header_too(root: str) -> None:
    response = get(root, f"{PO}/PurchaseOrderSet('P1000')")
    assert response.status_code == 200
    assert response.headers["etag"] == response.json()["@odata.etag"]
    assert response.json()["@odata.context"].endswith("#PurchaseOrderSet('P1000')/$entity")


def test_an_unknown_key_is_404_and_a_malformed_key_400(root: str) -> None:
    assert get(root, f"{PO}/PurchaseOrderSet('NOPE')").status_code == 404
    assert get(root, f"{PO}/PurchaseOrderSet(Order='P1000')").status_code == 400
    assert get(root, f"{INVOICES}(Company='10',InvoiceId='1')").status_code == 400


def test_the_main_projection_lists_only_no_part_lines(root: str) -> None:
    lines = get(root, f"{PO}/PurchaseOrderLineNopartSet").json()["value"]
    assert [(line["OrderNo"], line["Description"]) for line in lines] == [("P1001", "Fastener kitting service")]
    assert "PartNo" not in lines[0]


def test_the_int_entity_services_list_all_lines_and_part_lines(root: str) -> None:
    all_lines = get(root, "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet")
    part_lines = get(root, "/int/ifsapplications/entity/v1/PurchaseOrderLinePartEntity.svc/PurchaseOrderLinePartSet")
    assert len(all_lines.json()["value"]) == 3
    assert [line["PartNo"] for line in part_lines.json()["value"]] == ["AL-6061-SHEET", "AL-7075-BAR"]


def test_suppliers_are_listed_with_vendor_number_and_name(root: str) -> None:
    suppliers = get(root, f"{MAIN}/SuppliersHandling.svc/SupplierInfoGeneralSet").json()["value"]
    assert [(s["VendorNo"], s["VendorName"]) for s in suppliers] == [
        ("S1000", "AlloyWorks"),
        ("S2000", "Precision Parts"),
        ("S3000", "Aero Fasteners"),
    ]


def test_posting_proposals_are_a_navigation_of_the_invoice(root: str) -> None:
    body = get(root, f"{INVOICE_1}/PostingProposalArray").json()
    assert body["@odata.context"].endswith("#ManSuppInvoiceSet(Company='10',InvoiceId=1)/PostingProposalArray")
    assert [(p["RowNo"], p["Account"], p["CurrAmount"]) for p in body["value"]] == [(1, "4010", 1200.0)]


def test_the_invoice_projection_names_are_settings(root: str) -> None:
    settings(root, invoice_projection="ManSuppInvoiceHandling")
    user = ("delta-ifs-admin", "delta-ifs-pass-1")
    assert httpx.get(root + f"{MAIN}/ManSuppInvoiceHandling.svc/ManSuppInvoiceSet", auth=user).status_code == 200
    assert httpx.get(root + INVOICES, auth=user).status_code == 404


# -- query options -------------------------------------------------------------------------------------


def test_filter_by_invoice_number(root: str) -> None:
    found = get(root, INVOICES, **{"$filter": "InvoiceNo eq 'PP-7781'"}).json()["value"]
    missing = get(root, INVOICES, **{"$filter": "InvoiceNo eq 'NONE'"}).json()["value"]
    assert [i["InvoiceId"] for i in found] == [1]
    assert missing == []


def test_filter_by_objversion_finds_what_changed_since_a_stamp(root: str) -> None:
    stamp = get(root, f"{PO}/PurchaseOrderSet('P1000')").json()["Objversion"]
    httpx.post(root + "/_sim/clock", json={"advance": 60})
    touched = httpx.post(root + "/_sim/touch", json={"entity_set": "PurchaseOrderSet", "keys": {"OrderNo": "P1001"}})
    assert touched.status_code == 200
    changed = get(root, f"{PO}/PurchaseOrderSet", **{"$filter": f"Objversion gt '{stamp}'"}).json()["value"]
    assert [o["OrderNo"] for o in changed] == ["P1001"]


def test_filter_compares_dates_numbers_and_combines_with_and_or_not(root: str) -> None:
    def orders(expression: str) -> list[str]:
        return [o["OrderNo"] for o in get(root, f"{PO}/PurchaseOrderSet", **{"$filter": expression}).json()["value"]]

    assert orders("OrderDate ge 2026-11-07") == ["P1001"]
    assert orders("OrderDate gt 2026-11-05 and VendorNo eq 'S1000'") == ["P1000"]
    assert orders("VendorNo eq 'S3000' or not (OrderNo ne 'P1000')") == ["P1000", "P1001"]
    assert orders("Objstate eq IfsApp.PurchaseOrderHandling.PurchaseOrderState'Released'") == ["P1000", "P1001"]
    assert orders("startswith(VendorNo,'S3')") == ["P1001"]
    lines = get(
        root,
        "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet",
        **{"$filter": "BuyQtyDue gt 12 and BuyUnitPrice lt 1000"},
    ).json()["value"]
    assert [line["PartNo"] for line in lines] == ["AL-6061-SHEET"]


def test_filter_by_modification_time_on_the_history_log(root: str) -> None:
    httpx.post(root + "/_sim/clock", json={"advance": 3600})
    headers = auth(root)
    httpx.post(root + INVOICES, json=NEW_INVOICE, headers=headers)
    log = get(
        root,
        f"{MAIN}/HistoryLogHandling.svc/HistoryLogOverviewSet",
        **{"$filter": "LuName eq 'ManSuppInvoice' and TimeStamp gt 2020-01-01T00:00:00Z"},
    ).json()["value"]
    later = get(
        root, f"{MAIN}/HistoryLogHandling.svc/HistoryLogOverviewSet", **{"$filter": "TimeStamp gt 2999-01-01T00:00:00Z"}
    ).json()["value"]
    assert [(e["HistoryType"], e["KeyRef"], e["Username"]) for e in log] == [
        ("Insert", "COMPANY=10^INVOICE_ID=2^", "delta-edi-integration")
    ]
    assert later == []


@pytest.mark.parametrize(
    "expression",
    ["Nope eq 'x'", "OrderDate eq '2026-11-06'", "OrderNo eq 5", "OrderNo eq", "OrderNo xx 'a'", "(OrderNo eq 'a'"],
)
def test_a_bad_filter_is_400(root: str, expression: str) -> None:
    response = get(root, f"{PO}/PurchaseOrderSet", **{"$filter": expression})
    assert response.status_code == 400
    assert error_code(response) == "BAD_REQUEST"


def test_select_top_skip_and_orderby(root: str) -> None:
    body = get(
        root,
        f"{PO}/PurchaseOrderSet",
        **{"$select": "OrderNo,VendorNo", "$orderby": "OrderDate desc", "$top": "1", "$skip": "0"},
    ).json()
    assert body["@odata.context"].endswith("#PurchaseOrderSet(OrderNo,VendorNo)")
    assert [set(o) for o in body["value"]] == [{"@odata.etag", "OrderNo", "VendorNo"}]
    assert body["value"][0]["OrderNo"] == "P1001"
    skipped = get(root, f"{PO}/PurchaseOrderSet", **{"$orderby": "OrderNo asc", "$skip": "1"}).json()["value"]
    assert [o["OrderNo"] for o in skipped] == ["P1001"]


@pytest.mark.parametrize("option", [{"$select": "Nope"}, {"$orderby": "Nope"}, {"$top": "-1"}, {"$skip": "x"}])
def test_bad_query_options_are_400(root: str, option: dict[str, str]) -> None:
    assert get(root, f"{PO}/PurchaseOrderSet", **option).status_code == 400


def test_expand_answers_odp_not_implemented_by_default(root: str) -> None:
    response = get(root, INVOICES, **{"$expand": "PostingProposalArray"})
    assert response.status_code == 501
    assert error_code(response) == "ODP_NOT_IMPLEMENTED"


def test_expand_inlines_the_navigation_when_enabled(root: str) -> None:
    settings(root, expand_supported=True)
    invoice = get(root, INVOICE_1, **{"$expand": "PostingProposalArray"}).json()
    assert [p["Account"] for p in invoice["PostingProposalArray"]] == ["4010"]
    assert get(root, INVOICES, **{"$expand": "Nope"}).status_code == 400


def test_an_unsupported_system_query_option_is_not_implemented(root: str) -> None:
    response = get(root, f"{PO}/PurchaseOrderSet", **{"$search": "steel"})
    assert response.status_code == 501
    assert error_code(response) == "ODP_NOT_IMPLEMENTED"


def test_count_is_ignored_unless_supported(root: str) -> None:
    assert "@odata.count" not in get(root, f"{PO}/PurchaseOrderSet", **{"$count": "true"}).json()
    settings(root, count_supported=True)
    assert get(root, f"{PO}/PurchaseOrderSet", **{"$count": "true", "$top": "1"}).json()["@odata.count"] == 2


def test_server_driven_paging_gives_a_next_link_until_the_last_page(root: str) -> None:
    settings(root, page_size=2)
    headers = auth(root)
    link: str | None = root + "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet"
    pages = []
    while link:
        body = httpx.get(link, headers=headers).json()
        pages.append([(line["OrderNo"], line["LineNo"]) for line in body["value"]])
        link = body.get("@odata.nextLink")
    assert pages == [[("P1000", "1"), ("P1000", "2")], [("P1001", "1")]]


def test_paging_respects_the_clients_top(root: str) -> None:
    settings(root, page_size=1)
    body = get(
        root, "/int/ifsapplications/entity/v1/PurchaseOrderLineEntity.svc/PurchaseOrderLineSet", **{"$top": "2"}
    ).json()
    second = httpx.get(body["@odata.nextLink"], headers=auth(root)).json()
    assert len(body["value"]) == len(second["value"]) == 1
    assert "@odata.nextLink" not in second


# -- writes and concurrency ----------------------------------------------------------------------------


def test_create_answers_201_with_the_entity_its_etag_and_location(root: str) -> None:
    response = httpx.post(root + INVOICES, json=NEW_INVOICE, headers=auth(root))
    assert response.status_code == 201
    body = response.json()
    assert (body["InvoiceId"], body["Objstate"], body["InvoiceNo"]) == (2, "Preliminary", "AW-100")
    assert response.headers["etag"] == body["@odata.etag"]
    assert response.headers["location"].endswith("ManSuppInvoiceSet(Company='10',InvoiceId=2)")


def test_a_retried_post_creates_a_duplicate(root: str) -> None:
    headers = auth(root)
    first = httpx.post(root + INVOICES, json=NEW_INVOICE, headers=headers).json()
    second = httpx.post(root + INVOICES, json=NEW_INVOICE, headers=headers).json()
    assert first["InvoiceId"] != second["InvoiceId"]
    found = get(root, INVOICES, **{"$filter": "InvoiceNo eq 'AW-100'"}).json()["value"]
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
def test_invalid_creates_are_refused(root: str, change: dict[str, Any], status: int, code: str) -> None:
    response = httpx.post(root + INVOICES, json={**NEW_INVOICE, **change}, headers=auth(root))
    assert response.status_code == status
    assert error_code(response) == code


def test_a_body_that_is_not_a_json_object_is_400(root: str) -> None:
    headers = {**auth(root), "Content-Type": "application/json"}
    assert httpx.post(root + INVOICES, content=b"{not json", headers=headers).status_code == 400
    assert httpx.post(root + INVOICES, json=[1, 2], headers=headers).status_code == 400


def test_a_posting_proposal_is_created_through_the_navigation(root: str) -> None:
    headers = auth(root)
    response = httpx.post(
        root + f"{INVOICE_1}/PostingProposalArray", json={"Account": "4020", "CurrAmount": 15.5}, headers=headers
    )
    assert response.status_code == 201
    assert (response.json()["Company"], response.json()["InvoiceId"], response.json()["RowNo"]) == ("10", 1, 2)
    listed = get(root, f"{INVOICE_1}/PostingProposalArray").json()["value"]
    assert [p["Account"] for p in listed] == ["4010", "4020"]
    assert get(root, f"{INVOICE_1}/PostingProposalArray(Company='10',InvoiceId=1,RowNo=2)").status_code == 200


def test_patch_without_if_match_is_refused_with_428(root: str) -> None:
    response = httpx.patch(root + INVOICE_1, json={"PoRef": "P1000"}, headers=auth(root))
    assert response.status_code == 428
    assert error_code(response) == "PRECONDITION_REQUIRED"


def test_the_missing_if_match_status_is_a_setting(root: str) -> None:
    settings(root, missing_if_match_status=400)
    assert httpx.patch(root + INVOICE_1, json={"PoRef": "P1000"}, headers=auth(root)).status_code == 400


def test_patch_with_the_current_etag_updates_and_changes_the_etag(root: str) -> None:
    etag = get(root, INVOICE_1).json()["@odata.etag"]
    response = httpx.patch(root + INVOICE_1, json={"PoRef": "P1000"}, headers={**auth(root), "If-Match": etag})
    assert response.status_code == 200
    assert response.json()["PoRef"] == "P1000"
    assert response.json()["@odata.etag"] != etag
    assert response.headers["etag"] == response.json()["@odata.etag"]


def test_patch_with_a_stale_etag_is_412_after_another_writer_saved(root: str) -> None:
    etag = get(root, INVOICE_1).json()["@odata.etag"]
    httpx.post(
        root + "/_sim/touch",
        json={
            "entity_set": "ManSuppInvoiceSet",
            "keys": {"Company": "10", "InvoiceId": 1},
            "changes": {"DueDate": "2026-12-01"},
        },
    )
    response = httpx.patch(root + INVOICE_1, json={"PoRef": "P1000"}, headers={**auth(root), "If-Match": etag})
    assert response.status_code == 412
    assert error_code(response) == "PRECONDITION_FAILED"
    assert get(root, INVOICE_1).json()["DueDate"] == "2026-12-01"


def test_if_match_star_matches_any_version(root: str) -> None:
    response = httpx.patch(root + INVOICE_1, json={"PoRef": "P1"}, headers={**auth(root), "If-Match": "*"})
    assert response.status_code == 200


def test_patch_answers_204_when_the_setting_says_so(root: str) -> None:
    settings(root, patch_returns_entity=False)
    response = httpx.patch(root + INVOICE_1, json={"PoRef": "P1"}, headers={**auth(root), "If-Match": "*"})
    assert response.status_code == 204
    assert response.headers["etag"].startswith('W/"')


def test_patch_cannot_change_a_key_or_an_unknown_property(root: str) -> None:
    headers = {**auth(root), "If-Match": "*"}
    assert httpx.patch(root + INVOICE_1, json={"InvoiceId": 7}, headers=headers).status_code == 400
    assert httpx.patch(root + INVOICE_1, json={"Nope": 1}, headers=headers).status_code == 400


def test_server_fields_in_a_patch_body_are_ignored(root: str) -> None:
    headers = {**auth(root), "If-Match": "*"}
    body = httpx.patch(root + INVOICE_1, json={"Objstate": "Posted", "@odata.etag": "x"}, headers=headers).json()
    assert body["Objstate"] == "Preliminary"


def test_delete_needs_if_match_and_removes_the_invoice_with_its_proposals(root: str) -> None:
    headers = auth(root)
    assert httpx.delete(root + INVOICE_1, headers=headers).status_code == 428
    assert httpx.delete(root + INVOICE_1, headers={**headers, "If-Match": 'W/"stale"'}).status_code == 412
    etag = get(root, INVOICE_1).json()["@odata.etag"]
    assert httpx.delete(root + INVOICE_1, headers={**headers, "If-Match": etag}).status_code == 204
    assert get(root, INVOICE_1).status_code == 404
    proposals = httpx.get(root + "/_sim/state").json()["tables"]["posting_proposals"]
    assert proposals == []


def test_read_only_sets_and_unsupported_methods_answer_405(root: str) -> None:
    headers = auth(root)
    suppliers = f"{MAIN}/SuppliersHandling.svc/SupplierInfoGeneralSet"
    assert httpx.post(root + suppliers, json={"VendorNo": "S9"}, headers=headers).status_code == 405
    assert httpx.put(root + INVOICE_1, json={}, headers=headers).status_code == 405
    assert httpx.patch(root + INVOICES, json={}, headers=headers).status_code == 405


def test_touching_an_unknown_entity_set_or_key_is_404(root: str) -> None:
    assert httpx.post(root + "/_sim/touch", json={"entity_set": "NoSet", "keys": {"A": 1}}).status_code == 404
    missing = {"entity_set": "PurchaseOrderSet", "keys": {"OrderNo": "NOPE"}}
    assert httpx.post(root + "/_sim/touch", json=missing).status_code == 404
    assert httpx.post(root + "/_sim/touch", json={"entity_set": "PurchaseOrderSet"}).status_code == 400


def test_a_purchase_order_line_can_be_added_to_an_order(root: str) -> None:
    line = {"OrderNo": "P1001", "LineNo": "2", "ReleaseNo": "1", "Description": "Packing", "BuyQtyDue": 2}
    created = httpx.post(root + f"{PO}/PurchaseOrderLineNopartSet", json=line, headers=auth(root))
    assert created.status_code == 201
    assert created.json()["Objstate"] == "Planned"
    orphan = httpx.post(root + f"{PO}/PurchaseOrderLineNopartSet", json={**line, "OrderNo": "NOPE"}, headers=auth(root))
    assert orphan.status_code == 400


# -- diagnostics, faults, admin ------------------------------------------------------------------------


def test_odata_debug_json_wraps_the_response_in_a_trace(root: str) -> None:
    body = get(root, f"{PO}/PurchaseOrderSet('NOPE')", **{"odata-debug": "json"}).json()
    assert body["request"]["method"] == "GET"
    assert body["response"]["status"]["code"] == "404"
    assert "error" in body["response"]["body"]


def test_injected_429_carries_retry_after(root: str) -> None:
    rule = {"kind": "status", "status": 429, "retry_after": 7, "path": "/main/*", "times": 1}
    httpx.post(root + "/_sim/faults", json={"rules": [rule]})
    headers = auth(root)
    throttled = httpx.get(root + f"{PO}/PurchaseOrderSet", headers=headers)
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "7")
    assert httpx.get(root + f"{PO}/PurchaseOrderSet", headers=headers).status_code == 200


def test_a_revoked_tokens_fault_makes_the_next_call_401(root: str) -> None:
    headers = auth(root)
    httpx.post(root + "/_sim/faults", json={"rules": [{"kind": "revoke_tokens", "path": "/main/*", "times": 1}]})
    assert httpx.get(root + f"{PO}/PurchaseOrderSet", headers=headers).status_code == 401


def test_reset_restores_the_seed_and_revokes_tokens(root: str) -> None:
    headers = auth(root)
    httpx.post(root + INVOICES, json=NEW_INVOICE, headers=headers)
    settings(root, page_size=1)
    httpx.post(root + "/_sim/reset")
    assert httpx.get(root + INVOICES, headers=headers).status_code == 401
    assert len(get(root, INVOICES).json()["value"]) == 1
    assert httpx.get(root + "/_sim/settings").json()["page_size"] == 1000


def test_state_never_shows_secrets(root: str) -> None:
    token_body(root)
    text = httpx.get(root + "/_sim/state").text
    assert "delta-ifs-secret-1" not in text
    assert "delta-ifs-pass-1" not in text
    assert '"live_tokens":2' in text.replace(" ", "")


def test_demo_credentials_name_the_client_and_the_token_url(demo_scenario: dict[str, Any]) -> None:
    rows = demo_credentials(demo_scenario)
    assert (rows[0].system, rows[0].tenant, rows[0].username) == ("ifs", "delta", "delta-edi-integration")
    assert TOKEN_PATH in rows[0].note
