"""The QAD Adaptive ERP simulator, driven over real HTTP: what a connector meets (spec section 2)."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from simulators.qad import create_app, demo_credentials

BASE = "/acme/clouderp"
CLIENT, USER, PASSWORD = "qad-acme-client", "acme-api", "acme-qad-pass-1"
PO_VIEW = "urn:be:com.qad.purchasing.purchaseorders.IPurchaseOrderHeader"
SUPPLIER_VIEW = "urn:be:com.qad.base.supplier.ISupplierV2"
INVOICE_VIEW = "urn:be:com.qad.financials.supplierinvoice.ISupplierInvoice"
RECEIPT_VIEW = "urn:be:com.qad.purchasing.receipts.IPurchaseOrderReceipt"
PO_BROWSE, LINE_BROWSE, SUPPLIER_BROWSE = "urn:browse:mfg:po001", "urn:browse:mfg:pod001", "urn:browse:mfg:vd001"


def token_response(http: httpx.Client, root: str, tenant: str = "acme", **overrides: str) -> httpx.Response:
    params = {"client_id": CLIENT, "grant_type": "password", "username": USER, "password": PASSWORD, **overrides}
    return http.post(f"{root}/{tenant}/clouderp/oauth/token", params=params)


class Api:
    """A tenant's API with a bearer token, over the shared client."""

    def __init__(self, http: httpx.Client, base: str, token: str) -> None:
        self.http, self.base = http, base
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(self.base + path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(self.base + path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)


@pytest.fixture
def api(http: httpx.Client, root: str) -> Api:
    return Api(http, root + BASE, token_response(http, root).json()["access_token"])


def settings(http: httpx.Client, root: str, **changes: Any) -> None:
    http.post(f"{root}/_sim/settings", json=changes).raise_for_status()


def basic_auth(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def po(api: Api, number: str) -> dict[str, Any]:
    body = api.get("/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW, "purchaseOrderNumber": number}).json()
    header: dict[str, Any] = body["data"]["purchaseOrderHeaders"][0]
    return header


def po_lines(api: Api, number: str) -> list[dict[str, Any]]:
    body = api.get("/api/erp/purchaseOrderLinesGrid", params={"domainCode": "10USA", "purchaseOrderNumber": number})
    lines: list[dict[str, Any]] = body.json()["data"]["purchaseOrderLines"]
    return lines


def post_po(api: Api, header: dict[str, Any], **params: str) -> httpx.Response:
    return api.post(
        "/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW, **params}, json={"purchaseOrderHeaders": [header]}
    )


def new_po(number: str = "PO20001", supplier: str = "S-BOLT") -> dict[str, Any]:
    return {
        "purchaseOrderNumber": number,
        "domainCode": "10USA",
        "supplierCode": supplier,
        "currencyCode": "USD",
        "shipToSite": "10-100",
        "orderDate": "2026-11-20T00:00:00.000Z",
        "dueDate": "2026-12-01T00:00:00.000Z",
        "orderStatus": "O",
        "isConfirmed": False,
        "dataOperation": "C",
        "concurrencyHash": "",
    }


def field_change(api: Api, field: str, line: dict[str, Any]) -> httpx.Response:
    return api.post(
        "/api/erp/purchaseOrderLines/fieldChangeV2", params={"fieldName": field}, json={"purchaseOrderLines": [line]}
    )


def errors(response: httpx.Response) -> list[dict[str, str]]:
    assert response.json()["submitResult"]["success"] is False
    found: list[dict[str, str]] = response.json()["submitResult"]["errors"]
    return found


def supplier(api: Api, code: str = "S-STEEL") -> dict[str, Any]:
    params = {"sharedSetCode": "SS-ACME", "supplierCode": code, "viewUri": SUPPLIER_VIEW}
    data: dict[str, Any] = api.get("/api/erp/supplierV2s", params=params).json()["data"]
    return data


def post_invoice(api: Api, **fields: Any) -> httpx.Response:
    invoice = {
        "supplierInvoiceReference": "INV-1",
        "supplierCode": "S-STEEL",
        "domainCode": "10USA",
        "invoiceDate": "2026-11-20",
        "totalAmount": 5020.0,
        "dataOperation": "C",
        "supplierInvoiceLines": [
            {
                "purchaseOrderNumber": "PO10001",
                "purchaseOrderLine": 1,
                "itemCode": "10-1000",
                "quantity": 40,
                "unitCost": 125.5,
                "amount": 5020.0,
            }
        ],
        **fields,
    }
    return api.post("/api/erp/supplierInvoices", params={"viewUri": INVOICE_VIEW}, json={"supplierInvoices": [invoice]})


def post_receipt(api: Api, line: int = 1, quantity: float = 10, number: str = "PO10001") -> httpx.Response:
    receipt = {
        "domainCode": "10USA",
        "purchaseOrderNumber": number,
        "effectiveDate": "2026-11-20",
        "packingSlip": "ASN-1",
        "purchaseOrderReceiptLines": [
            {"purchaseOrderLine": line, "quantity": quantity, "siteCode": "10-100", "locationCode": "RCV"}
        ],
    }
    return api.post(
        "/api/erp/purchaseOrderReceipts", params={"viewUri": RECEIPT_VIEW}, json={"purchaseOrderReceipts": [receipt]}
    )


# ---- OAuth ----


def test_password_grant_takes_the_credentials_from_the_query_string(http: httpx.Client, root: str) -> None:
    response = token_response(http, root)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"]
    assert body["refresh_token"]


def test_credentials_in_a_form_body_are_not_read(http: httpx.Client, root: str) -> None:
    form = {"client_id": CLIENT, "grant_type": "password", "username": USER, "password": PASSWORD}
    response = http.post(f"{root}{BASE}/oauth/token", data=form)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_form_body_credentials_are_read_when_the_setting_allows(http: httpx.Client, root: str) -> None:
    settings(http, root, accept_form_body_credentials=True)
    form = {"client_id": CLIENT, "grant_type": "password", "username": USER, "password": PASSWORD}
    assert http.post(f"{root}{BASE}/oauth/token", data=form).status_code == 200


def test_wrong_password_is_an_invalid_grant(http: httpx.Client, root: str) -> None:
    response = token_response(http, root, password="wrong")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "Bad credentials"}
    assert "wrong" not in response.text


def test_unknown_client_id_is_an_invalid_client(http: httpx.Client, root: str) -> None:
    response = token_response(http, root, client_id="someone-else")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_unsupported_grant_type_is_refused(http: httpx.Client, root: str) -> None:
    response = token_response(http, root, grant_type="client_credentials")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_refresh_grant_issues_a_working_token_once(http: httpx.Client, root: str) -> None:
    refresh = token_response(http, root).json()["refresh_token"]
    params = {"client_id": CLIENT, "grant_type": "refresh_token", "refresh_token": refresh}
    renewed = http.post(f"{root}{BASE}/oauth/token", params=params)
    assert renewed.status_code == 200
    headers = {"Authorization": f"Bearer {renewed.json()['access_token']}"}
    assert http.get(f"{root}{BASE}/api/qracore/browses", params={"browseId": PO_BROWSE}, headers=headers).is_success
    again = http.post(f"{root}{BASE}/oauth/token", params=params)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_unknown_tenant_path_answers_404(http: httpx.Client, root: str, api: Api) -> None:
    assert token_response(http, root, tenant="nobody").status_code == 404
    response = http.get(
        f"{root}/nobody/clouderp/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW}, headers=api.headers
    )
    assert response.status_code == 404


def test_a_token_works_only_for_its_own_tenant(http: httpx.Client, served: Any, demo_scenario: dict[str, Any]) -> None:
    scenario = copy.deepcopy(demo_scenario)
    other = copy.deepcopy(scenario["qad"]["tenants"][0])
    other["id"] = "globex"
    scenario["qad"]["tenants"].append(other)
    root = served(create_app(scenario))
    token = token_response(http, root).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    params = {"viewUri": PO_VIEW}
    assert http.get(f"{root}/acme/clouderp/api/erp/purchaseOrderHeaders", params=params, headers=headers).is_success
    other_tenant = http.get(f"{root}/globex/clouderp/api/erp/purchaseOrderHeaders", params=params, headers=headers)
    assert other_tenant.status_code == 401


def test_a_call_without_a_token_is_401(http: httpx.Client, root: str) -> None:
    response = http.get(f"{root}{BASE}/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_expired_token_is_401(http: httpx.Client, root: str, api: Api) -> None:
    http.post(f"{root}/_sim/clock", json={"advance": 3601})
    assert api.get("/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW}).status_code == 401


def test_token_lifetime_follows_the_setting(http: httpx.Client, root: str) -> None:
    settings(http, root, token_lifetime=60)
    token = token_response(http, root).json()
    assert token["expires_in"] == 60


def test_basic_auth_is_accepted_on_browses_only(http: httpx.Client, root: str) -> None:
    headers = basic_auth(USER, PASSWORD)
    browse = http.get(f"{root}{BASE}/api/qracore/browses", params={"browseId": PO_BROWSE}, headers=headers)
    assert browse.status_code == 200
    erp = http.get(f"{root}{BASE}/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW}, headers=headers)
    assert erp.status_code == 401


def test_basic_auth_with_a_wrong_password_is_401(http: httpx.Client, root: str) -> None:
    headers = basic_auth(USER, "wrong")
    browse = http.get(f"{root}{BASE}/api/qracore/browses", params={"browseId": PO_BROWSE}, headers=headers)
    assert browse.status_code == 401


def test_basic_auth_on_browses_can_be_switched_off(http: httpx.Client, root: str) -> None:
    settings(http, root, basic_auth_on_browses=False)
    headers = basic_auth(USER, PASSWORD)
    browse = http.get(f"{root}{BASE}/api/qracore/browses", params={"browseId": PO_BROWSE}, headers=headers)
    assert browse.status_code == 401


def test_a_user_denied_a_resource_gets_403_with_bare_errors(
    http: httpx.Client, served: Any, demo_scenario: dict[str, Any]
) -> None:
    scenario = copy.deepcopy(demo_scenario)
    scenario["qad"]["tenants"][0]["users"][0]["denied"] = ["supplierInvoices"]
    root = served(create_app(scenario))
    headers = {"Authorization": f"Bearer {token_response(http, root).json()['access_token']}"}
    response = http.get(f"{root}{BASE}/api/erp/supplierInvoices", params={"viewUri": INVOICE_VIEW}, headers=headers)
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"] == "Access is denied"
    allowed = http.get(f"{root}{BASE}/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW}, headers=headers)
    assert allowed.status_code == 200


def test_the_revoke_tokens_fault_invalidates_issued_tokens(http: httpx.Client, root: str, api: Api) -> None:
    http.post(f"{root}/_sim/faults", json={"rules": [{"kind": "revoke_tokens", "times": 1}]})
    assert api.get("/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW}).status_code == 401


# ---- browses ----


def test_po_browse_rows_are_keyed_by_table_field_and_filtered(api: Api) -> None:
    params = {
        "browseId": PO_BROWSE,
        "page": "1",
        "pageSize": "50",
        "pageAction": "first",
        "filter": "po_mstr.po_vend,eq,S-PACK,literal",
    }
    rows = api.get("/api/qracore/browses", params=params).json()["data"]
    assert [r["po_mstr.po_nbr"] for r in rows] == ["PO10002"]
    assert rows[0]["po_mstr.po_ord_date"] == "2026-11-03"


def test_browse_filters_ignore_case_and_combine(api: Api) -> None:
    params = [("browseId", LINE_BROWSE), ("filter", "pod_det.pod_nbr,eq,po10001"), ("filter", "pod_det.pod_line,gt,1")]
    rows = api.get("/api/qracore/browses", params=params).json()["data"]
    assert [(r["pod_det.pod_part"], r["pod_det.pod_qty_ord"]) for r in rows] == [("10-2000", 500.0)]


def test_supplier_browse_lists_suppliers(api: Api) -> None:
    params = {"browseId": SUPPLIER_BROWSE, "filter": "vd_mstr.vd_addr,begins,S-B"}
    rows = api.get("/api/qracore/browses", params=params).json()["data"]
    assert rows == [
        {
            "vd_mstr.vd_addr": "S-BOLT",
            "vd_mstr.vd_sort": "Boltworks LLC",
            "vd_mstr.vd_curr": "USD",
            "vd_mstr.vd_active": True,
        }
    ]


def test_browse_pages(api: Api) -> None:
    second = api.get("/api/qracore/browses", params={"browseId": SUPPLIER_BROWSE, "page": "2", "pageSize": "2"})
    assert [r["vd_mstr.vd_addr"] for r in second.json()["data"]] == ["S-PACK"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"browseId": "urn:browse:mfg:nope"}, "Browse urn:browse:mfg:nope does not exist"),
        ({"browseId": PO_BROWSE, "filter": "po_mstr.po_nbr,like,X"}, "Invalid filter"),
        ({"browseId": PO_BROWSE, "filter": "po_mstr.nothing,eq,X"}, "Unknown field po_mstr.nothing"),
        ({"browseId": PO_BROWSE, "pageSize": "many"}, "pageSize must be a whole number"),
    ],
)
def test_a_browse_qad_cannot_run_is_400(api: Api, params: dict[str, str], message: str) -> None:
    response = api.get("/api/qracore/browses", params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith(message)


# ---- purchase order headers ----


def test_a_po_header_is_read_by_number(api: Api) -> None:
    header = po(api, "PO10001")
    assert header["supplierCode"] == "S-STEEL"
    assert header["orderDate"] == "2026-11-02T00:00:00.000Z"
    assert header["concurrencyHash"]


def test_an_unknown_po_is_a_business_error_in_http_200(api: Api) -> None:
    response = api.get("/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW, "purchaseOrderNumber": "PO9"})
    assert response.status_code == 200
    assert errors(response) == [{"message": "Purchase order PO9 does not exist", "fieldName": "purchaseOrderNumber"}]


def test_a_missing_view_uri_is_400(api: Api) -> None:
    response = api.get("/api/erp/purchaseOrderHeaders")
    assert response.status_code == 400
    assert response.json()["errors"][0]["fieldName"] == "viewUri"


def test_new_pos_are_listed_by_modified_since(http: httpx.Client, root: str, api: Api) -> None:
    http.post(f"{root}/_sim/clock", json={"advance": 600})
    since = (datetime.now(UTC) + timedelta(seconds=595)).isoformat()
    post_po(api, new_po()).raise_for_status()
    listed = api.get("/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW, "modifiedSince": since})
    assert [h["purchaseOrderNumber"] for h in listed.json()["data"]["purchaseOrderHeaders"]] == ["PO20001"]
    every = api.get("/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW})
    assert len(every.json()["data"]["purchaseOrderHeaders"]) == 3


def test_modification_times_come_from_the_simulator_clock(http: httpx.Client, root: str, api: Api) -> None:
    http.post(f"{root}/_sim/clock", json={"advance": 1800})
    created = post_po(api, new_po()).json()["data"]["purchaseOrderHeaders"][0]
    stamped = datetime.fromisoformat(created["modifiedDateTime"].replace("Z", "+00:00"))
    assert abs(stamped - (datetime.now(UTC) + timedelta(seconds=1800))) < timedelta(seconds=10)


def test_an_invalid_modified_since_is_400(api: Api) -> None:
    response = api.get("/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW, "modifiedSince": "yesterday"})
    assert response.status_code == 400


def test_a_po_header_is_created(api: Api) -> None:
    response = post_po(api, new_po())
    assert response.status_code == 200
    assert response.json()["submitResult"] == {"success": True, "errors": []}
    assert po(api, "PO20001")["supplierCode"] == "S-BOLT"


def test_a_po_for_an_unknown_supplier_is_refused_with_the_field(api: Api) -> None:
    response = post_po(api, new_po(supplier="S-NOPE"))
    assert response.status_code == 200
    assert errors(response) == [{"message": "Supplier S-NOPE does not exist", "fieldName": "supplierCode"}]
    assert response.json()["data"]["purchaseOrderHeaders"][0]["purchaseOrderNumber"] == "PO20001"


def test_creating_an_existing_po_is_refused(api: Api) -> None:
    assert errors(post_po(api, new_po(number="PO10001")))[0]["message"] == "Purchase order PO10001 already exists"


def test_a_po_missing_a_required_field_is_refused_with_the_field(api: Api) -> None:
    header = new_po()
    del header["supplierCode"]
    assert errors(post_po(api, header))[0]["fieldName"] == "supplierCode"


def test_a_po_in_another_domain_is_refused(api: Api) -> None:
    assert errors(post_po(api, {**new_po(), "domainCode": "20CAN"}))[0]["fieldName"] == "domainCode"


def test_business_errors_use_the_configured_http_status(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, business_error_status=422)
    response = post_po(api, new_po(supplier="S-NOPE"))
    assert response.status_code == 422
    assert errors(response)[0]["fieldName"] == "supplierCode"


def test_a_malformed_json_body_is_400(api: Api) -> None:
    response = api.post(
        "/api/erp/purchaseOrderHeaders",
        params={"viewUri": PO_VIEW},
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_a_po_confirmation_updates_the_header_with_its_concurrency_hash(api: Api) -> None:
    header = po(api, "PO10001")
    update = {**header, "isConfirmed": True, "dataOperation": "U"}
    response = post_po(api, update)
    assert response.json()["submitResult"]["success"] is True
    confirmed = po(api, "PO10001")
    assert confirmed["isConfirmed"] is True
    assert confirmed["concurrencyHash"] != header["concurrencyHash"]


def test_an_update_with_only_the_changed_fields_keeps_the_others(api: Api) -> None:
    header = po(api, "PO10001")
    partial = {
        "purchaseOrderNumber": "PO10001",
        "dataOperation": "U",
        "concurrencyHash": header["concurrencyHash"],
        "dueDate": "2026-11-30",
    }
    assert post_po(api, partial).json()["submitResult"]["success"] is True
    updated = po(api, "PO10001")
    assert (updated["dueDate"], updated["supplierCode"]) == ("2026-11-30T00:00:00.000Z", "S-STEEL")


def test_an_update_with_a_stale_concurrency_hash_is_refused(api: Api) -> None:
    header = po(api, "PO10001")
    post_po(api, {**header, "isConfirmed": True, "dataOperation": "U"})
    stale = post_po(api, {**header, "dueDate": "2026-12-31", "dataOperation": "U"})
    assert errors(stale)[0]["fieldName"] == "concurrencyHash"


def test_stale_hashes_pass_when_the_setting_is_off(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, reject_stale_hash=False)
    header = po(api, "PO10001")
    assert post_po(api, {**header, "concurrencyHash": "old", "dataOperation": "U"}).json()["submitResult"]["success"]


def test_updating_a_po_that_does_not_exist_is_refused(api: Api) -> None:
    response = post_po(api, {**new_po(number="PO404"), "dataOperation": "U"})
    assert errors(response)[0]["message"] == "Purchase order PO404 does not exist"


def test_an_unknown_data_operation_is_refused(api: Api) -> None:
    assert errors(post_po(api, {**new_po(), "dataOperation": "X"}))[0]["fieldName"] == "dataOperation"


# ---- purchase order lines: initialize, fieldChangeV2, commit ----


def test_a_po_line_is_added_through_the_grid_flow(api: Api) -> None:
    before = po(api, "PO10001")["modifiedDateTime"]
    init = api.get(
        "/api/erp/purchaseOrderLinesGrid",
        params={"initialize": "true", "domainCode": "10USA", "purchaseOrderNumber": "PO10001"},
    )
    line = init.json()["data"]["purchaseOrderLines"][0]
    assert (line["purchaseOrderLine"], line["dataOperation"], line["siteCode"]) == (3, "C", "10-100")
    for field, value in [
        ("siteCode", "10-100"),
        ("itemCode", "10-3000"),
        ("quantityOrdered", 12),
        ("purchaseCost", 0.9),
    ]:
        line[field] = value
        changed = field_change(api, field, line)
        assert changed.json()["submitResult"]["success"] is True
        line = changed.json()["data"]["purchaseOrderLines"][0]
    received = api.get(
        "/api/erp/purchaseOrderLines/isReceivedPurchaseOrderLineV2",
        params={"domainCode": "10USA", "purchaseOrderNumber": "PO10001", "purchaseOrderLine": "3"},
    )
    assert received.json()["data"]["isReceived"] is False
    committed = api.post("/api/erp/purchaseOrderLinesGrid", json={"purchaseOrderLines": [line]})
    assert committed.json()["submitResult"]["success"] is True
    stored = po_lines(api, "PO10001")[-1]
    assert (stored["itemCode"], stored["quantityOrdered"], stored["unitOfMeasure"]) == ("10-3000", 12.0, "EA")
    assert po(api, "PO10001")["modifiedDateTime"] >= before


def test_field_change_on_item_code_defaults_description_and_unit(api: Api) -> None:
    line = {"domainCode": "10USA", "purchaseOrderNumber": "PO10001", "purchaseOrderLine": 3, "itemCode": "10-2000"}
    changed = field_change(api, "itemCode", line).json()["data"]["purchaseOrderLines"][0]
    assert (changed["itemDescription"], changed["unitOfMeasure"]) == ("Hex bolt M8", "EA")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("itemCode", "99-9999", "Item 99-9999 does not exist"),
        ("siteCode", "99-999", "Site 99-999 does not exist"),
        ("quantityOrdered", 0, "Quantity must be greater than zero"),
        ("purchaseCost", -1, "Purchase cost cannot be negative"),
    ],
)
def test_field_change_refuses_a_bad_value(api: Api, field: str, value: Any, message: str) -> None:
    line = {"domainCode": "10USA", "purchaseOrderNumber": "PO10001", "purchaseOrderLine": 3, field: value}
    assert errors(field_change(api, field, line)) == [{"message": message, "fieldName": field}]


def test_field_change_refuses_a_field_it_does_not_handle(api: Api) -> None:
    line = {"domainCode": "10USA", "purchaseOrderNumber": "PO10001", "purchaseOrderLine": 3}
    assert errors(field_change(api, "colour", line))[0]["fieldName"] == "fieldName"


def test_initializing_a_line_on_an_unknown_po_is_refused(api: Api) -> None:
    init = api.get(
        "/api/erp/purchaseOrderLinesGrid",
        params={"initialize": "true", "domainCode": "10USA", "purchaseOrderNumber": "PO404"},
    )
    assert errors(init)[0]["fieldName"] == "purchaseOrderNumber"


def test_committing_a_line_that_skipped_the_item_field_change_is_refused(api: Api) -> None:
    line = {
        "domainCode": "10USA",
        "purchaseOrderNumber": "PO10001",
        "purchaseOrderLine": 3,
        "siteCode": "10-100",
        "itemCode": "10-3000",
        "quantityOrdered": 5,
        "purchaseCost": 1,
        "dataOperation": "C",
    }
    response = api.post("/api/erp/purchaseOrderLinesGrid", json={"purchaseOrderLines": [line]})
    assert errors(response)[0]["fieldName"] == "unitOfMeasure"


def test_committing_an_existing_line_number_as_new_is_refused(api: Api) -> None:
    line = {**po_lines(api, "PO10001")[0], "dataOperation": "C"}
    response = api.post("/api/erp/purchaseOrderLinesGrid", json={"purchaseOrderLines": [line]})
    assert errors(response)[0]["message"] == "Purchase order line 1 already exists"


def test_a_confirmation_changes_a_line_with_its_concurrency_hash(api: Api) -> None:
    line = po_lines(api, "PO10001")[1]
    changed = {**line, "quantityOrdered": 450, "purchaseCost": 0.40, "dataOperation": "U"}
    assert api.post("/api/erp/purchaseOrderLinesGrid", json={"purchaseOrderLines": [changed]}).is_success
    stored = po_lines(api, "PO10001")[1]
    assert (stored["quantityOrdered"], stored["purchaseCost"]) == (450.0, 0.40)
    stale = api.post(
        "/api/erp/purchaseOrderLinesGrid",
        json={"purchaseOrderLines": [{**line, "quantityOrdered": 400, "dataOperation": "U"}]},
    )
    assert errors(stale)[0]["fieldName"] == "concurrencyHash"


def test_a_line_cannot_be_reduced_below_what_was_received(api: Api) -> None:
    post_receipt(api, line=1, quantity=30).raise_for_status()
    line = {**po_lines(api, "PO10001")[0], "quantityOrdered": 20, "dataOperation": "U"}
    response = api.post("/api/erp/purchaseOrderLinesGrid", json={"purchaseOrderLines": [line]})
    assert errors(response)[0]["fieldName"] == "quantityOrdered"


def test_field_change_takes_exactly_one_line(api: Api) -> None:
    line = {"domainCode": "10USA", "purchaseOrderNumber": "PO10001", "purchaseOrderLine": 3}
    response = api.post("/api/erp/purchaseOrderLines/fieldChangeV2", params={"fieldName": "siteCode"},
                        json={"purchaseOrderLines": [line, line]})
    assert errors(response)[0]["fieldName"] == "purchaseOrderLines"


def test_a_write_without_records_is_refused(api: Api) -> None:
    response = api.post("/api/erp/purchaseOrderLinesGrid", json={"purchaseOrderLines": []})
    assert errors(response) == [{"message": "The request has no purchaseOrderLines to process",
                                 "fieldName": "purchaseOrderLines"}]


def test_is_received_needs_the_line_number(api: Api) -> None:
    response = api.get("/api/erp/purchaseOrderLines/isReceivedPurchaseOrderLineV2",
                       params={"domainCode": "10USA", "purchaseOrderNumber": "PO10001"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["fieldName"] == "purchaseOrderLine"


# ---- suppliers ----


def test_a_supplier_is_read_by_shared_set_and_code(api: Api) -> None:
    data = supplier(api)
    assert data["supplementaryMessages"] == []
    record = data["supplierV2s"][0]
    assert record["uri"] == f"{SUPPLIER_VIEW}:SS-ACME.S-STEEL"
    assert record["businessRelationName"] == "SteelCo Inc"
    assert record["concurrencyHash"]
    assert record["businessRelationConcurrencyHash"]


def test_suppliers_are_listed_without_keys(api: Api) -> None:
    listed = api.get("/api/erp/supplierV2s", params={"viewUri": SUPPLIER_VIEW}).json()["data"]["supplierV2s"]
    assert [s["supplierCode"] for s in listed] == ["S-STEEL", "S-BOLT", "S-PACK"]


def test_supplier_keys_in_the_query_must_match_the_body(api: Api) -> None:
    data = supplier(api)
    params = {"sharedSetCode": "SS-ACME", "supplierCode": "S-BOLT", "viewUri": SUPPLIER_VIEW}
    response = api.post("/api/erp/supplierV2s", params=params, json=data)
    assert errors(response)[0]["message"] == "supplierCode S-STEEL does not match S-BOLT in the request"


def test_reading_an_unknown_supplier_is_a_business_error(api: Api) -> None:
    params = {"sharedSetCode": "SS-ACME", "supplierCode": "S-NOPE", "viewUri": SUPPLIER_VIEW}
    assert errors(api.get("/api/erp/supplierV2s", params=params))[0]["fieldName"] == "supplierCode"


def test_a_supplier_is_created_with_only_the_view_uri_in_the_query(api: Api) -> None:
    body = {
        "supplementaryMessages": [],
        "supplierV2s": [
            {
                "supplierCode": "S-NEW",
                "sharedSetCode": "SS-ACME",
                "businessRelationName": "New Supplier",
                "dataOperation": "C",
                "concurrencyHash": "",
                "supplierContactV2s": [],
                "bankNumberRefV2s": [],
            }
        ],
    }
    response = api.post("/api/erp/supplierV2s", params={"viewUri": SUPPLIER_VIEW}, json=body)
    assert response.json()["submitResult"]["success"] is True
    assert supplier(api, "S-NEW")["supplierV2s"][0]["businessRelationName"] == "New Supplier"


def test_creating_a_supplier_with_its_keys_in_the_query_fails_the_lookup(api: Api) -> None:
    body = {
        "supplementaryMessages": [],
        "supplierV2s": [{"supplierCode": "S-NEW", "sharedSetCode": "SS-ACME", "dataOperation": "C"}],
    }
    params = {"sharedSetCode": "SS-ACME", "supplierCode": "S-NEW", "viewUri": SUPPLIER_VIEW}
    response = api.post("/api/erp/supplierV2s", params=params, json=body)
    assert errors(response)[0]["message"] == "Supplier S-NEW does not exist"


def test_creating_an_existing_supplier_is_refused(api: Api) -> None:
    body = {"supplierV2s": [{"supplierCode": "S-STEEL", "sharedSetCode": "SS-ACME", "dataOperation": "C"}]}
    response = api.post("/api/erp/supplierV2s", params={"viewUri": SUPPLIER_VIEW}, json=body)
    assert errors(response) == [{"message": "Supplier S-STEEL already exists", "fieldName": "supplierCode"}]


def test_a_supplier_is_updated_with_its_keys_and_the_edited_data(api: Api) -> None:
    data = supplier(api)
    data["supplierV2s"][0]["creditTermsCode"] = "N45"
    params = {"sharedSetCode": "SS-ACME", "supplierCode": "S-STEEL", "viewUri": SUPPLIER_VIEW}
    assert api.post("/api/erp/supplierV2s", params=params, json=data).json()["submitResult"]["success"] is True
    assert supplier(api)["supplierV2s"][0]["creditTermsCode"] == "N45"
    stale = api.post("/api/erp/supplierV2s", params=params, json=data)
    assert errors(stale)[0]["fieldName"] == "concurrencyHash"


def test_a_supplier_in_an_unknown_shared_set_is_refused(api: Api) -> None:
    params = {"sharedSetCode": "OTHER", "supplierCode": "S-STEEL", "viewUri": SUPPLIER_VIEW}
    assert errors(api.get("/api/erp/supplierV2s", params=params))[0]["fieldName"] == "sharedSetCode"


# ---- supplier invoices ----


def test_a_supplier_invoice_is_created_and_found_by_reference(api: Api) -> None:
    created = post_invoice(api).json()
    assert created["submitResult"]["success"] is True
    assert created["data"]["supplierInvoices"][0]["voucherNumber"] == "V0000001"
    found = api.get(
        "/api/erp/supplierInvoices",
        params={"viewUri": INVOICE_VIEW, "supplierCode": "S-STEEL", "supplierInvoiceReference": "INV-1"},
    )
    assert [i["totalAmount"] for i in found.json()["data"]["supplierInvoices"]] == [5020.0]


def test_an_invoice_for_an_unknown_supplier_is_refused(api: Api) -> None:
    response = post_invoice(api, supplierCode="S-NOPE", supplierInvoiceLines=[])
    assert errors(response) == [{"message": "Supplier S-NOPE does not exist", "fieldName": "supplierCode"}]


def test_a_duplicate_invoice_reference_for_the_same_supplier_is_refused(api: Api) -> None:
    post_invoice(api).raise_for_status()
    assert errors(post_invoice(api))[0]["fieldName"] == "supplierInvoiceReference"
    other_supplier = post_invoice(api, supplierCode="S-PACK", supplierInvoiceLines=[])
    assert other_supplier.json()["submitResult"]["success"] is True


def test_duplicate_invoice_references_pass_when_the_setting_is_off(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, reject_duplicate_invoice=False)
    post_invoice(api).raise_for_status()
    assert post_invoice(api).json()["submitResult"]["success"] is True


def test_an_invoice_against_another_suppliers_po_is_refused(api: Api) -> None:
    response = post_invoice(api, supplierCode="S-PACK")
    assert errors(response)[0]["message"] == "Purchase order PO10001 belongs to supplier S-STEEL"


def test_an_invoice_against_an_unknown_po_line_is_refused(api: Api) -> None:
    lines = [{"purchaseOrderNumber": "PO10001", "purchaseOrderLine": 9, "quantity": 1, "amount": 1}]
    assert errors(post_invoice(api, supplierInvoiceLines=lines))[0]["fieldName"] == "purchaseOrderLine"


def test_invoices_can_only_be_created(api: Api) -> None:
    assert errors(post_invoice(api, dataOperation="U"))[0]["fieldName"] == "dataOperation"


# ---- purchase order receipts ----


def test_a_receipt_raises_the_po_lines_received_quantity(api: Api) -> None:
    created = post_receipt(api, line=1, quantity=15).json()
    assert created["submitResult"]["success"] is True
    assert created["data"]["purchaseOrderReceipts"][0]["receiverNumber"] == "RC000001"
    assert po_lines(api, "PO10001")[0]["quantityReceived"] == 15.0
    received = api.get(
        "/api/erp/purchaseOrderLines/isReceivedPurchaseOrderLineV2",
        params={"domainCode": "10USA", "purchaseOrderNumber": "PO10001", "purchaseOrderLine": "1"},
    )
    assert received.json()["data"]["isReceived"] is True
    rows = api.get(
        "/api/qracore/browses", params={"browseId": LINE_BROWSE, "filter": "pod_det.pod_nbr,eq,PO10001"}
    ).json()["data"]
    assert rows[0]["pod_det.pod_qty_rcvd"] == 15.0
    listed = api.get(
        "/api/erp/purchaseOrderReceipts",
        params={"viewUri": RECEIPT_VIEW, "purchaseOrderNumber": "PO10001", "packingSlip": "ASN-1"},
    )
    assert len(listed.json()["data"]["purchaseOrderReceipts"]) == 1


def test_an_over_receipt_is_refused(api: Api) -> None:
    post_receipt(api, line=1, quantity=30).raise_for_status()
    response = post_receipt(api, line=1, quantity=11)
    assert errors(response) == [
        {"message": "Quantity 11 exceeds the open quantity 10 of line 1", "fieldName": "quantity"}
    ]
    assert po_lines(api, "PO10001")[0]["quantityReceived"] == 30.0


def test_an_over_receipt_passes_when_the_setting_allows(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, allow_over_receipt=True)
    assert post_receipt(api, line=1, quantity=41).json()["submitResult"]["success"] is True


def test_a_receipt_for_an_unknown_po_line_is_refused(api: Api) -> None:
    assert errors(post_receipt(api, line=7))[0]["fieldName"] == "purchaseOrderLine"
    assert errors(post_receipt(api, number="PO404"))[0]["fieldName"] == "purchaseOrderNumber"


def test_a_receipt_with_no_positive_quantity_is_refused(api: Api) -> None:
    assert errors(post_receipt(api, quantity=0))[0]["fieldName"] == "quantity"


def test_the_gl_error_quirk_reports_failure_although_the_quantity_posted(
    http: httpx.Client, root: str, api: Api
) -> None:
    settings(http, root, receipt_reports_gl_error=True)
    response = post_receipt(api, line=2, quantity=100)
    assert errors(response)[0]["message"] == "tx2d_totamt is mandatory"
    assert po_lines(api, "PO10001")[1]["quantityReceived"] == 100.0


# ---- admin: faults, reset, state, credentials ----


def test_an_injected_429_carries_retry_after(http: httpx.Client, root: str, api: Api) -> None:
    rule = {"kind": "status", "status": 429, "retry_after": 7, "path": "/acme/clouderp/api/erp/*", "times": 1}
    http.post(f"{root}/_sim/faults", json={"rules": [rule]})
    throttled = api.get("/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW})
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "7")
    assert api.get("/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW}).status_code == 200


def test_reset_restores_the_scenario_data_and_settings(http: httpx.Client, root: str, api: Api) -> None:
    post_po(api, new_po()).raise_for_status()
    settings(http, root, business_error_status=422)
    http.post(f"{root}/_sim/reset").raise_for_status()
    assert http.get(f"{root}/_sim/settings").json()["business_error_status"] == 200
    token = token_response(http, root).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    every = http.get(f"{root}{BASE}/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW}, headers=headers)
    assert [h["purchaseOrderNumber"] for h in every.json()["data"]["purchaseOrderHeaders"]] == ["PO10001", "PO10002"]


def test_reset_revokes_issued_tokens(http: httpx.Client, root: str, api: Api) -> None:
    http.post(f"{root}/_sim/reset").raise_for_status()
    assert api.get("/api/erp/purchaseOrderHeaders", params={"viewUri": PO_VIEW}).status_code == 401


def test_state_shows_the_data_but_no_secret(http: httpx.Client, root: str, api: Api) -> None:
    state = http.get(f"{root}/_sim/state").json()
    acme = state["tenants"]["acme"]
    assert [h["purchaseOrderNumber"] for h in acme["purchase_orders"]] == ["PO10001", "PO10002"]
    assert acme["users"][0]["password"] == "***"
    assert PASSWORD not in http.get(f"{root}/_sim/state").text
    assert api.headers["Authorization"].split()[1] not in http.get(f"{root}/_sim/state").text


def test_a_bad_setting_is_refused(http: httpx.Client, root: str) -> None:
    assert http.post(f"{root}/_sim/settings", json={"token_lifetime": -1}).status_code == 400


def test_demo_credentials_list_each_user_with_its_base_and_client(demo_scenario: dict[str, Any]) -> None:
    [row] = demo_credentials(demo_scenario)
    assert (row.system, row.tenant, row.username, row.secret) == ("qad", "acme", USER, PASSWORD)
    assert "/acme/clouderp" in row.note
    assert CLIENT in row.note
