"""The Acumatica simulator, driven over real HTTP: what a connector meets (spec section 3)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from simulators.acumatica import create_app, demo_credentials

ENTITY = "/entity/Default/24.200.001"
TENANT, USER, PASSWORD = "Bluefin", "bluefin-api", "bluefin-acu-pass-1"
CLIENT_ID, CLIENT_SECRET = "6E0F3A0B-6C1D-4C7E-9A55-7E3A1D2B4C5F@Bluefin", "bluefin-acu-secret-1"
GENERIC_KEYS = {"message", "exceptionMessage", "exceptionType", "stackTrace"}


class Api:
    """The entity API under one session cookie or bearer token, over the shared client."""

    def __init__(self, http: httpx.Client, root: str, headers: dict[str, str]) -> None:
        self.http, self.root, self.headers = http, root, headers

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.http.request(method, self.root + ENTITY + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, json=body, **kwargs)


def login(http: httpx.Client, root: str, **overrides: Any) -> httpx.Response:
    body = {"name": USER, "password": PASSWORD, "tenant": TENANT, "branch": "HQ", "locale": "en-US", **overrides}
    return http.post(f"{root}/entity/auth/login", json=body)


def session_api(http: httpx.Client, root: str) -> Api:
    response = login(http, root)
    assert response.status_code == 204
    return Api(http, root, {"Cookie": f".ASPXAUTH={response.cookies['.ASPXAUTH']}"})


def token(http: httpx.Client, root: str, **overrides: str) -> httpx.Response:
    form = {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USER,
            "password": PASSWORD, "scope": "api", **overrides}
    return http.post(f"{root}/identity/connect/token", data=form)


@pytest.fixture
def api(http: httpx.Client, root: str) -> Api:
    return session_api(http, root)


def settings(http: httpx.Client, root: str, **changes: Any) -> None:
    http.post(f"{root}/_sim/settings", json=changes).raise_for_status()


def advance(http: httpx.Client, root: str, seconds: float) -> None:
    http.post(f"{root}/_sim/clock", json={"advance": seconds}).raise_for_status()


def wrap(**fields: Any) -> dict[str, Any]:
    return {name: {"value": value} for name, value in fields.items()}


def sales_order(customer: str = "HARBOR", **extra: Any) -> dict[str, Any]:
    return {**wrap(CustomerID=customer, CustomerOrder="PO-77", Description="EDI 850"),
            "Details": [wrap(InventoryID="FISH-001", OrderQty=10, UnitPrice=40.0, UOM="CASE")], **extra}


def bill(vendor: str = "V-COASTAL", ref: str = "INV-9001", **extra: Any) -> dict[str, Any]:
    return {**wrap(Vendor=vendor, VendorRef=ref, Date="2026-11-10", Description="EDI 810"),
            "Details": [wrap(InventoryID="PAPER-A4", Qty=200, UnitCost=21.4, POOrderType="Normal",
                             POOrderNbr="PO000101", POLine=1)], **extra}


def receipt(quantity: float = 50, order: str = "PO000101", vendor: str = "V-COASTAL") -> dict[str, Any]:
    return {**wrap(VendorID=vendor, Date="2026-11-12"),
            "Details": [wrap(InventoryID="PAPER-A4", ReceiptQty=quantity, POOrderType="Normal", POOrderNbr=order,
                             POLineNbr=1)]}


def value(entity: dict[str, Any], name: str) -> Any:
    return entity[name]["value"]


# ---- cookie sessions ----


def test_login_answers_204_with_the_session_cookies(http: httpx.Client, root: str) -> None:
    response = login(http, root)
    assert response.status_code == 204
    assert {".ASPXAUTH", "ASP.NET_SessionId", "UserBranch", "Locale"} <= set(response.cookies.keys())


def test_a_session_cookie_opens_the_entity_api(api: Api) -> None:
    assert api.get("/Customer/HARBOR").status_code == 200


def test_login_accepts_company_in_place_of_tenant(http: httpx.Client, root: str) -> None:
    body = {"name": USER, "password": PASSWORD, "company": TENANT}
    assert http.post(f"{root}/entity/auth/login", json=body).status_code == 204


def test_a_wrong_password_fails_login_with_the_generic_error(http: httpx.Client, root: str) -> None:
    response = login(http, root, password="wrong")
    assert response.status_code == 500
    assert set(response.json()) == GENERIC_KEYS
    assert response.json()["exceptionMessage"] == "Invalid credentials. Please try again."
    assert "wrong" not in response.text


def test_login_to_an_unknown_tenant_fails(http: httpx.Client, root: str) -> None:
    assert login(http, root, tenant="Nobody").status_code == 500


def test_a_login_body_that_is_not_an_object_is_400(http: httpx.Client, root: str) -> None:
    response = http.post(f"{root}/entity/auth/login", json=["bluefin-api"])
    assert (response.status_code, set(response.json())) == (400, GENERIC_KEYS)


def test_logout_without_a_session_still_answers_204(http: httpx.Client, root: str) -> None:
    assert http.post(f"{root}/entity/auth/logout").status_code == 204


def test_logout_answers_204_and_ends_the_session(http: httpx.Client, root: str, api: Api) -> None:
    assert http.post(f"{root}/entity/auth/logout", headers=api.headers).status_code == 204
    assert api.get("/Customer/HARBOR").status_code == 401


def test_an_idle_session_expires(http: httpx.Client, root: str, api: Api) -> None:
    advance(http, root, 1201)
    response = api.get("/Customer/HARBOR")
    assert response.status_code == 401
    assert response.json() == {"message": "Authorization has been denied for this request."}


def test_a_used_session_stays_alive(http: httpx.Client, root: str, api: Api) -> None:
    for _ in range(3):
        advance(http, root, 1000)
        assert api.get("/Customer/HARBOR").status_code == 200


def test_a_login_over_the_api_login_limit_fails(http: httpx.Client, root: str) -> None:
    assert [login(http, root).status_code for _ in range(2)] == [204, 204]
    refused = login(http, root)
    assert refused.status_code == 500
    assert refused.json()["exceptionMessage"] == "API Login Limit"


def test_logging_out_frees_a_login_slot(http: httpx.Client, root: str) -> None:
    first = session_api(http, root)
    login(http, root)
    http.post(f"{root}/entity/auth/logout", headers=first.headers)
    assert login(http, root).status_code == 204


def test_an_expired_session_frees_its_login_slot(http: httpx.Client, root: str) -> None:
    login(http, root)
    login(http, root)
    advance(http, root, 1201)
    assert login(http, root).status_code == 204


def test_login_limit_and_its_status_follow_the_settings(http: httpx.Client, root: str) -> None:
    settings(http, root, api_login_limit=1, login_limit_status=429)
    login(http, root)
    assert login(http, root).status_code == 429


# ---- OAuth ----


def test_a_password_grant_for_a_tenant_client_opens_the_entity_api(http: httpx.Client, root: str) -> None:
    response = token(http, root)
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 3600, "api")
    assert "refresh_token" not in body
    api = Api(http, root, {"Authorization": f"Bearer {body['access_token']}"})
    assert api.get("/Vendor/V-HARBOR").status_code == 200


def test_offline_access_adds_a_refresh_token_that_works_once(http: httpx.Client, root: str) -> None:
    refresh = token(http, root, scope="api offline_access").json()["refresh_token"]
    form = {"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "refresh_token": refresh}
    assert http.post(f"{root}/identity/connect/token", data=form).status_code == 200
    again = http.post(f"{root}/identity/connect/token", data=form)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "6E0F3A0B-6C1D-4C7E-9A55-7E3A1D2B4C5F@Other"}, "invalid_client"),
        ({"password": "wrong"}, "invalid_grant"),
        ({"scope": "api everything"}, "invalid_scope"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ],
)
def test_a_refused_token_request_names_the_oauth_error(
    http: httpx.Client, root: str, overrides: dict[str, str], error: str
) -> None:
    response = token(http, root, **overrides)
    assert (response.status_code, response.json()["error"]) == (400, error)
    assert "wrong" not in response.text


def test_an_expired_bearer_token_is_401(http: httpx.Client, root: str) -> None:
    api = Api(http, root, {"Authorization": f"Bearer {token(http, root).json()['access_token']}"})
    advance(http, root, 3601)
    assert api.get("/Vendor/V-HARBOR").status_code == 401


def test_a_request_without_credentials_is_401(http: httpx.Client, root: str) -> None:
    assert http.get(f"{root}{ENTITY}/Customer").status_code == 401


def test_the_revoke_fault_ends_tokens_and_sessions(http: httpx.Client, root: str, api: Api) -> None:
    bearer = Api(http, root, {"Authorization": f"Bearer {token(http, root).json()['access_token']}"})
    http.post(f"{root}/_sim/faults", json={"rules": [{"kind": "revoke_tokens", "times": 1}]})
    assert api.get("/Customer/HARBOR").status_code == 401
    assert bearer.get("/Customer/HARBOR").status_code == 401


# ---- endpoints and versions ----


@pytest.mark.parametrize("path", ["/entity/Default/23.200.001/Customer", "/entity/eCommerce/24.200.001/Customer",
                                  "/entity/Default/24.200.001/Spaceship"])
def test_an_unpublished_endpoint_version_or_entity_is_a_bare_404(api: Api, path: str) -> None:
    response = api.http.get(api.root + path, headers=api.headers)
    assert (response.status_code, response.content) == (404, b"")


def test_the_endpoint_list_names_the_published_endpoint(api: Api) -> None:
    body = api.http.get(f"{api.root}/entity", headers=api.headers).json()
    assert body["endpoints"] == [{"name": "Default", "version": "24.200.001", "href": f"{ENTITY}/"}]


# ---- value wrapping ----


def test_every_field_comes_wrapped_in_value(api: Api) -> None:
    customer = api.get("/Customer/HARBOR").json()
    assert customer["CustomerName"] == {"value": "Harbor Foods"}
    assert customer["Status"] == {"value": "Active"}
    assert isinstance(customer["id"], str)


def test_a_bare_value_is_refused_with_the_per_field_error(api: Api) -> None:
    response = api.put("/SalesOrder", {**sales_order(), "Description": "EDI 850"})
    assert response.status_code == 422
    body = response.json()
    assert body["Description"]["value"] == "EDI 850"
    assert "value" in body["Description"]["error"]
    assert body["error"] == "Inserting 'SalesOrder' record raised at least one error. Please review the errors."
    assert api.get("/SalesOrder").json() == []


def test_validation_errors_use_the_configured_status(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, validation_status=500)
    assert api.put("/SalesOrder", sales_order(customer="NOPE")).status_code == 500


def test_a_value_of_the_wrong_type_is_a_field_error(api: Api) -> None:
    order = sales_order()
    order["Details"][0]["OrderQty"] = {"value": "lots"}
    body = api.put("/SalesOrder", order).json()
    assert body["Details"][0]["OrderQty"] == {"value": "lots", "error": "The value 'lots' is not a valid number."}


def test_unknown_fields_are_ignored(api: Api) -> None:
    response = api.put("/SalesOrder", {**sales_order(), "CustomerPO": {"value": "X"}})
    assert response.status_code == 200
    assert "CustomerPO" not in response.json()


def test_unknown_fields_are_refused_when_the_setting_says_so(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, ignore_unknown_fields=False)
    body = api.put("/SalesOrder", {**sales_order(), "CustomerPO": {"value": "X"}}).json()
    assert body["CustomerPO"]["error"] == "'CustomerPO' is not a field of SalesOrder."


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]"])
def test_a_put_body_that_is_not_an_entity_is_400(api: Api, content: bytes) -> None:
    response = api.request("PUT", "/SalesOrder", content=content, headers={"Content-Type": "application/json"})
    assert (response.status_code, set(response.json())) == (400, GENERIC_KEYS)


def test_details_that_are_not_a_list_are_a_field_error(api: Api) -> None:
    body = api.put("/SalesOrder", {**sales_order(), "Details": {"InventoryID": {"value": "FISH-001"}}}).json()
    assert body["Details"]["error"] == "Details must be a list of objects."


# ---- PUT: insert, update, preconditions ----


def test_put_inserts_a_sales_order_with_the_next_number_and_totals(http: httpx.Client, root: str, api: Api) -> None:
    advance(http, root, 600)
    response = api.put("/SalesOrder?$expand=Details", sales_order())
    assert response.status_code == 200
    order = response.json()
    assert (value(order, "OrderType"), value(order, "OrderNbr"), value(order, "Status")) == ("SO", "SO000001", "Open")
    assert value(order, "OrderTotal") == 400.0
    assert value(order["Details"][0], "ExtendedPrice") == 400.0
    stamped = datetime.fromisoformat(value(order, "LastModifiedDateTime"))
    assert abs(stamped - (datetime.now(UTC) + timedelta(seconds=600))) < timedelta(seconds=10)


def test_put_without_expand_returns_no_details(api: Api) -> None:
    assert "Details" not in api.put("/SalesOrder", sales_order()).json()


def test_put_with_the_keys_updates_the_record(api: Api) -> None:
    api.put("/SalesOrder", sales_order()).raise_for_status()
    updated = api.put("/SalesOrder", wrap(OrderType="SO", OrderNbr="SO000001", Description="changed")).json()
    assert value(updated, "Description") == "changed"
    assert value(updated, "CustomerID") == "HARBOR"
    assert len(api.get("/SalesOrder").json()) == 1


def test_put_with_the_id_updates_the_record(api: Api) -> None:
    created = api.put("/SalesOrder", sales_order()).json()
    updated = api.put("/SalesOrder", {"id": created["id"], **wrap(Description="by id")}).json()
    assert (updated["id"], value(updated, "Description")) == (created["id"], "by id")


def test_detail_rows_without_an_id_are_appended_and_with_an_id_changed_or_deleted(api: Api) -> None:
    order = api.put("/SalesOrder?$expand=Details", sales_order()).json()
    first = order["Details"][0]["id"]
    keys = wrap(OrderType="SO", OrderNbr="SO000001")
    appended = api.put("/SalesOrder?$expand=Details",
                       {**keys, "Details": [wrap(InventoryID="FISH-001", OrderQty=1, UnitPrice=40.0)]}).json()
    assert [value(r, "LineNbr") for r in appended["Details"]] == [1, 2]
    changed = api.put("/SalesOrder?$expand=Details",
                      {**keys, "Details": [{"id": first, **wrap(OrderQty=2)}]}).json()
    assert value(changed["Details"][0], "OrderQty") == 2.0
    assert value(changed, "OrderTotal") == 120.0
    deleted = api.put("/SalesOrder?$expand=Details", {**keys, "Details": [{"id": first, "delete": True}]}).json()
    assert [value(r, "LineNbr") for r in deleted["Details"]] == [2]


def test_if_none_match_star_refuses_an_existing_record_with_412(api: Api) -> None:
    response = api.put("/Customer", wrap(CustomerID="HARBOR", CustomerName="Again"), headers={"If-None-Match": "*"})
    assert response.status_code == 412
    assert set(response.json()) == GENERIC_KEYS
    assert value(api.get("/Customer/HARBOR").json(), "CustomerName") == "Harbor Foods"


def test_if_none_match_star_inserts_a_new_record(api: Api) -> None:
    response = api.put("/Customer", wrap(CustomerID="NEWCO", CustomerName="New Co"), headers={"If-None-Match": "*"})
    assert response.status_code == 200


def test_if_match_star_refuses_a_missing_record_with_412(api: Api) -> None:
    response = api.put("/Customer", wrap(CustomerID="NEWCO", CustomerName="New Co"), headers={"If-Match": "*"})
    assert response.status_code == 412
    assert api.get("/Customer/NEWCO").status_code == 404


def test_if_match_star_updates_an_existing_record(api: Api) -> None:
    response = api.put("/Customer", wrap(CustomerID="HARBOR", CustomerName="Harbor"), headers={"If-Match": "*"})
    assert value(response.json(), "CustomerName") == "Harbor"


def test_a_number_given_for_a_new_document_gives_way_to_the_next_number(api: Api) -> None:
    order = api.put("/SalesOrder", {**sales_order(), **wrap(OrderNbr="MY-ORDER-1")}).json()
    assert value(order, "OrderNbr") == "SO000001"


def test_a_given_number_is_kept_with_manual_numbering(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, manual_numbering=True)
    assert value(api.put("/SalesOrder", {**sales_order(), **wrap(OrderNbr="MY-1")}).json(), "OrderNbr") == "MY-1"


def test_the_business_date_header_defaults_the_document_date(api: Api) -> None:
    order = api.put("/SalesOrder", sales_order(), headers={"PX-CbApiBusinessDate": "2026-12-01"}).json()
    assert value(order, "Date") == "2026-12-01T00:00:00+00:00"


def test_a_bad_business_date_header_is_400(api: Api) -> None:
    assert api.put("/SalesOrder", sales_order(), headers={"PX-CbApiBusinessDate": "someday"}).status_code == 400


def test_a_linked_contact_is_written_and_shown_when_expanded(api: Api) -> None:
    api.put("/Customer", {**wrap(CustomerID="HARBOR"), "MainContact": wrap(Email="ap@harbor.example")})
    assert "MainContact" not in api.get("/Customer/HARBOR").json()
    shown = api.get("/Customer/HARBOR?$expand=MainContact").json()
    assert value(shown["MainContact"], "Email") == "ap@harbor.example"


# ---- business rules ----


def test_a_sales_order_for_an_unknown_customer_is_a_field_error(api: Api) -> None:
    response = api.put("/SalesOrder", sales_order(customer="NOPE"))
    assert response.status_code == 422
    assert response.json()["CustomerID"] == {"value": "NOPE", "error": "'Customer' cannot be found in the system."}


def test_a_sales_order_without_a_customer_is_a_field_error(api: Api) -> None:
    order = sales_order()
    del order["CustomerID"]
    assert api.put("/SalesOrder", order).json()["CustomerID"]["error"] == "'Customer' cannot be empty."


def test_a_bill_for_an_unknown_vendor_is_a_field_error(api: Api) -> None:
    body = api.put("/Bill", bill(vendor="V-NOPE")).json()
    assert body["Vendor"]["error"] == "'Vendor' cannot be found in the system."


def test_a_bill_names_its_vendor_in_vendor_and_a_purchase_order_in_vendor_id(api: Api) -> None:
    assert api.put("/Bill", bill()).status_code == 200
    wrong = api.put("/PurchaseOrder", {**wrap(Vendor="V-COASTAL"), "Details": []})
    assert wrong.json()["VendorID"]["error"] == "'Vendor' cannot be empty."


def test_a_bill_sums_its_lines_and_derives_its_post_period(api: Api) -> None:
    created = api.put("/Bill", bill()).json()
    assert (value(created, "Type"), value(created, "ReferenceNbr")) == ("Bill", "000001")
    assert (value(created, "Amount"), value(created, "Balance"), value(created, "PostPeriod")) == (4280.0, 4280.0,
                                                                                                 "112026")


def test_a_second_bill_with_the_vendors_reference_is_refused(api: Api) -> None:
    api.put("/Bill", bill()).raise_for_status()
    body = api.put("/Bill", bill()).json()
    assert body["VendorRef"]["error"].startswith("A document with the same vendor reference number already exists")
    assert api.put("/Bill", bill(vendor="V-HARBOR", ref="INV-9001", Details=[])).status_code == 200


def test_duplicate_vendor_references_pass_when_the_setting_is_off(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, reject_duplicate_vendor_ref=False)
    api.put("/Bill", bill()).raise_for_status()
    assert api.put("/Bill", bill()).status_code == 200


def test_a_bill_in_a_closed_period_is_refused(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, closed_periods=["112026"])
    body = api.put("/Bill", bill()).json()
    assert body["PostPeriod"]["error"] == "Error: The 11-2026 financial period is inactive."


def test_a_bill_of_an_unknown_type_is_refused(api: Api) -> None:
    assert "error" in api.put("/Bill", {**bill(), **wrap(Type="Invoice")}).json()["Type"]


def test_a_detail_row_for_an_unknown_item_carries_the_error(api: Api) -> None:
    order = sales_order()
    order["Details"].append(wrap(InventoryID="NOPE-1", OrderQty=1, UnitPrice=1.0))
    body = api.put("/SalesOrder", order).json()
    assert "error" not in body["Details"][0]["InventoryID"]
    assert body["Details"][1]["InventoryID"]["error"] == "'Inventory ID' cannot be found in the system."


def test_a_bill_line_for_an_unknown_purchase_order_line_carries_the_error(api: Api) -> None:
    lines = [wrap(InventoryID="PAPER-A4", Qty=1, UnitCost=1.0, POOrderNbr="PO000101", POLine=9),
             wrap(InventoryID="PAPER-A4", Qty=1, UnitCost=1.0, POOrderNbr="PO999999")]
    body = api.put("/Bill", bill(Details=lines)).json()
    assert body["Details"][0]["POLine"]["error"] == "'PO Line Nbr.' cannot be found in the system."
    assert body["Details"][1]["POOrderNbr"]["error"] == "'PO Order Nbr.' cannot be found in the system."


def test_a_purchase_receipt_raises_the_orders_received_quantity(api: Api) -> None:
    created = api.put("/PurchaseReceipt", receipt(50)).json()
    assert (value(created, "Type"), value(created, "ReceiptNbr")) == ("Receipt", "PR000001")
    order = api.get("/PurchaseOrder/Normal/PO000101?$expand=Details").json()
    assert value(order["Details"][0], "ReceivedQty") == 50.0


def test_a_receipt_against_another_vendors_order_is_refused(api: Api) -> None:
    body = api.put("/PurchaseReceipt", receipt(vendor="V-HARBOR")).json()
    assert body["Details"][0]["POOrderNbr"]["error"] == "The purchase order belongs to vendor V-COASTAL."


def test_a_customer_needs_its_id(api: Api) -> None:
    body = api.put("/Customer", wrap(CustomerName="Nameless")).json()
    assert body["CustomerID"]["error"] == "'Customer' cannot be empty."


# ---- reads ----


def test_the_list_is_a_json_array_filtered_by_last_modified(http: httpx.Client, root: str, api: Api) -> None:
    api.put("/SalesOrder", sales_order()).raise_for_status()
    advance(http, root, 600)
    since = (datetime.now(UTC) + timedelta(seconds=590)).strftime("%Y-%m-%dT%H:%M:%S")
    api.put("/SalesOrder", sales_order(CustomerOrder={"value": "PO-78"})).raise_for_status()
    found = api.get("/SalesOrder", params={"$filter": f"LastModifiedDateTime gt datetimeoffset'{since}'"}).json()
    assert [value(o, "CustomerOrder") for o in found] == ["PO-78"]


def test_eq_filters_on_simple_fields_ignore_case(api: Api) -> None:
    found = api.get("/Vendor", params={"$filter": "VendorName eq 'coastal paper mills'"}).json()
    assert [value(v, "VendorID") for v in found] == ["V-COASTAL"]


def test_filters_combine_with_and_and_or(api: Api) -> None:
    query = "VendorID eq 'V-HARBOR' or Status eq 'Active' and VendorName eq 'Coastal Paper Mills'"
    found = api.get("/Vendor", params={"$filter": query}).json()
    assert sorted(value(v, "VendorID") for v in found) == ["V-COASTAL", "V-HARBOR"]


def test_top_and_skip_page_the_list(api: Api) -> None:
    page = api.get("/Customer", params={"$top": "1", "$skip": "1"}).json()
    assert [value(c, "CustomerID") for c in page] == ["COASTAL"]


def test_expand_details_on_a_list(api: Api) -> None:
    [order] = api.get("/PurchaseOrder", params={"$expand": "Details"}).json()
    assert value(order["Details"][0], "InventoryID") == "PAPER-A4"
    assert "Details" not in api.get("/PurchaseOrder").json()[0]


def test_lists_ignore_expand_when_the_setting_says_so(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, expand_details_on_list=False)
    assert "Details" not in api.get("/PurchaseOrder", params={"$expand": "Details"}).json()[0]


def test_select_limits_the_fields(api: Api) -> None:
    [vendor, _] = api.get("/Vendor", params={"$select": "VendorID"}).json()
    assert "VendorID" in vendor
    assert "VendorName" not in vendor


@pytest.mark.parametrize(
    "params",
    [{"$filter": "Colour eq 'red'"}, {"$filter": "VendorID like 'V%'"}, {"$filter": "VendorID eq"},
     {"$filter": "VendorID eq V-HARBOR"}, {"$filter": "VendorID eq 'A' xor VendorID eq 'B'"}, {"$top": "-1"},
     {"$skip": "many"}],
)
def test_a_query_the_api_cannot_run_is_400(api: Api, params: dict[str, str]) -> None:
    response = api.get("/Vendor", params=params)
    assert response.status_code == 400
    assert set(response.json()) == GENERIC_KEYS


def test_a_record_is_read_by_its_keys_or_its_id(api: Api) -> None:
    by_keys = api.get("/PurchaseOrder/Normal/PO000101").json()
    by_id = api.get(f"/PurchaseOrder/{by_keys['id']}").json()
    assert value(by_id, "OrderNbr") == "PO000101"


def test_an_unknown_record_is_404_with_the_generic_error(api: Api) -> None:
    response = api.get("/PurchaseOrder/Normal/PO404")
    assert response.status_code == 404
    assert response.json()["exceptionMessage"] == "No entity satisfies the condition."


def test_a_post_to_a_collection_is_406(api: Api) -> None:
    assert api.request("POST", "/SalesOrder", json=sales_order()).status_code == 406


def test_delete_by_keys_answers_204(api: Api) -> None:
    assert api.request("DELETE", "/Customer/COASTAL").status_code == 204
    assert api.get("/Customer/COASTAL").status_code == 404


# ---- actions ----


def test_an_action_answers_202_with_a_location_that_reports_done(api: Api) -> None:
    api.put("/Bill", bill()).raise_for_status()
    started = api.request("POST", "/Bill/ReleaseInvoice", json={"entity": wrap(Type="Bill", ReferenceNbr="000001")})
    assert started.status_code == 202
    assert api.http.get(api.root + started.headers["location"], headers=api.headers).status_code == 204
    assert value(api.get("/Bill/Bill/000001").json(), "Status") == "Open"


def test_a_released_document_can_no_longer_be_changed(api: Api) -> None:
    api.put("/Bill", bill()).raise_for_status()
    api.request("POST", "/Bill/ReleaseInvoice", json={"entity": wrap(Type="Bill", ReferenceNbr="000001")})
    response = api.put("/Bill", wrap(Type="Bill", ReferenceNbr="000001", Description="late edit"))
    assert response.json()["error"] == "The Bill is Open and cannot be changed."


def test_a_document_on_hold_must_be_released_from_hold_first(api: Api) -> None:
    api.put("/Bill", {**bill(), **wrap(Hold=True)}).raise_for_status()
    keys = {"entity": wrap(Type="Bill", ReferenceNbr="000001")}
    refused = api.request("POST", "/Bill/ReleaseInvoice", json=keys)
    assert (refused.status_code, refused.json()["exceptionMessage"]) == (500, "The Bill is on hold; "
                                                                               "ReleaseInvoice cannot run.")
    assert api.request("POST", "/Bill/ReleaseFromHold", json=keys).status_code == 202
    assert api.request("POST", "/Bill/ReleaseInvoice", json=keys).status_code == 202


def test_an_action_needs_the_entity_it_runs_on(api: Api) -> None:
    response = api.request("POST", "/Bill/ReleaseInvoice", json={"parameters": {}})
    assert (response.status_code, set(response.json())) == (400, GENERIC_KEYS)
    missing = api.request("POST", "/Bill/ReleaseInvoice", json={"entity": wrap(ReferenceNbr="404404")})
    assert missing.status_code == 404


def test_the_status_of_an_unknown_operation_is_404(api: Api) -> None:
    assert api.get("/Bill/ReleaseInvoice/status/6E0F3A0B-6C1D-4C7E-9A55-7E3A1D2B4C5F").status_code == 404


def test_an_unknown_action_is_a_bare_404(api: Api) -> None:
    response = api.request("POST", "/Bill/Teleport", json={"entity": {}})
    assert (response.status_code, response.content) == (404, b"")


# ---- limits, faults, reset, state ----


def test_requests_over_the_per_minute_budget_get_429(http: httpx.Client, root: str, api: Api) -> None:
    settings(http, root, requests_per_minute=3)
    statuses = [api.get("/Customer").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = api.get("/Customer")
    assert int(throttled.headers["retry-after"]) >= 1
    advance(http, root, 61)
    assert api.get("/Customer").status_code == 200


def test_an_injected_server_error_is_answered_before_the_api(http: httpx.Client, root: str, api: Api) -> None:
    rule = {"kind": "status", "status": 503, "path": f"{ENTITY}/*", "times": 1}
    http.post(f"{root}/_sim/faults", json={"rules": [rule]})
    assert api.get("/Customer").status_code == 503
    assert api.get("/Customer").status_code == 200


def test_reset_restores_the_scenario_and_ends_the_sessions(http: httpx.Client, root: str, api: Api) -> None:
    api.put("/SalesOrder", sales_order()).raise_for_status()
    settings(http, root, validation_status=500)
    http.post(f"{root}/_sim/reset").raise_for_status()
    assert api.get("/SalesOrder").status_code == 401
    fresh = session_api(http, root)
    assert fresh.get("/SalesOrder").json() == []
    assert http.get(f"{root}/_sim/settings").json()["validation_status"] == 422


def test_state_shows_the_records_but_no_secret(http: httpx.Client, root: str, api: Api) -> None:
    text = http.get(f"{root}/_sim/state").text
    state = http.get(f"{root}/_sim/state").json()
    assert [c["CustomerID"] for c in state["tenants"][TENANT]["records"]["Customer"]] == ["HARBOR", "COASTAL"]
    assert state["sessions"] == [{"tenant": TENANT, "username": USER}]
    for secret in (PASSWORD, CLIENT_SECRET, api.headers["Cookie"].partition("=")[2]):
        assert secret not in text


def test_record_ids_repeat_for_the_same_seed(demo_scenario: dict[str, Any]) -> None:
    def ids(seed: int) -> list[str]:
        state = create_app(copy.deepcopy(demo_scenario), seed=seed).backend.state()
        return [c["id"] for c in state["tenants"][TENANT]["records"]["Customer"]]

    assert ids(7) == ids(7)
    assert ids(7) != ids(8)


def test_demo_credentials_list_users_and_oauth_clients(demo_scenario: dict[str, Any]) -> None:
    rows = demo_credentials(demo_scenario)
    assert [(r.tenant, r.username, r.secret) for r in rows] == [(TENANT, USER, PASSWORD),
                                                                 (TENANT, CLIENT_ID, CLIENT_SECRET)]
