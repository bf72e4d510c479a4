"""More of the QAD simulator over real HTTP: the on-prem `/qad-central` context root with its legacy session
logins (JSESSIONID), the optional `x-qad-workspace-id` header, and QXtend's `suppressResponseDetail`
(spec sections 2.2, 2.3 and 2.6)."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from simulators.qad import create_app

CLIENT, USER, PASSWORD = "qad-acme-client", "acme-api", "acme-qad-pass-1"
CLOUD, ON_PREM = "/acme/clouderp", "/acme/qad-central"
PO_VIEW = "urn:be:com.qad.purchasing.purchaseorders.IPurchaseOrderHeader"
PO_BROWSE = "urn:browse:mfg:po001"
QDOC_NS = "urn:schemas-qad-com:xml-services"


def settings(http: httpx.Client, root: str, **changes: Any) -> None:
    http.post(f"{root}/_sim/settings", json=changes).raise_for_status()


def token(http: httpx.Client, root: str, base: str = CLOUD) -> str:
    params = {"client_id": CLIENT, "grant_type": "password", "username": USER, "password": PASSWORD}
    response = http.post(f"{root}{base}/oauth/token", params=params)
    assert response.status_code == 200, response.text
    access: str = response.json()["access_token"]
    return access


def login(http: httpx.Client, root: str, base: str = ON_PREM, password: str = PASSWORD) -> httpx.Response:
    return http.post(f"{root}{base}/api/login", json={"username": USER, "password": password})


def session(http: httpx.Client, root: str, base: str = ON_PREM) -> dict[str, str]:
    """A Cookie header carrying a fresh session of `base`."""
    response = login(http, root, base)
    assert response.status_code == 200, response.text
    return {"Cookie": f"JSESSIONID={response.json()['sessionId']}"}


def get_po(http: httpx.Client, root: str, headers: dict[str, str], base: str = ON_PREM) -> httpx.Response:
    params = {"viewUri": PO_VIEW, "purchaseOrderNumber": "PO10001"}
    return http.get(f"{root}{base}/api/erp/purchaseOrderHeaders", params=params, headers=headers)


# ---- the on-prem context root ----


def test_the_api_is_also_served_under_the_on_prem_context_root(http: httpx.Client, root: str) -> None:
    bearer = {"Authorization": f"Bearer {token(http, root, ON_PREM)}"}
    response = get_po(http, root, bearer)
    assert response.status_code == 200
    assert response.json()["data"]["purchaseOrderHeaders"][0]["supplierCode"] == "S-STEEL"


def test_a_token_from_one_context_root_works_in_the_other(http: httpx.Client, root: str) -> None:
    assert get_po(http, root, {"Authorization": f"Bearer {token(http, root)}"}).status_code == 200


def test_the_on_prem_context_root_can_be_switched_off(http: httpx.Client, root: str) -> None:
    settings(http, root, qad_central=False)
    assert login(http, root).status_code == 404
    assert get_po(http, root, {"Authorization": f"Bearer {token(http, root)}"}).status_code == 404


def test_an_unknown_context_root_is_404(http: httpx.Client, root: str) -> None:
    headers = {"Authorization": f"Bearer {token(http, root)}"}
    assert get_po(http, root, headers, "/acme/erp").status_code == 404


# ---- the legacy session login ----


def test_session_login_answers_a_session_id_and_sets_the_cookie(http: httpx.Client, root: str) -> None:
    response = login(http, root)
    session_id = response.json()["sessionId"]
    assert response.status_code == 200
    assert f"JSESSIONID={session_id}" in response.headers["set-cookie"]
    assert "Path=/acme/qad-central" in response.headers["set-cookie"]


def test_the_session_id_is_accepted_back_as_a_jsessionid_cookie(http: httpx.Client, root: str) -> None:
    response = get_po(http, root, session(http, root))
    assert response.status_code == 200
    assert response.json()["data"]["purchaseOrderHeaders"][0]["purchaseOrderNumber"] == "PO10001"


def test_a_session_also_works_on_browses_and_writes(http: httpx.Client, root: str) -> None:
    cookie = session(http, root)
    browse = http.get(f"{root}{ON_PREM}/api/qracore/browses", params={"browseId": PO_BROWSE}, headers=cookie)
    change = http.post(
        f"{root}{ON_PREM}/api/erp/supplierV2s",
        params={"viewUri": "urn:be:com.qad.base.supplier.ISupplierV2"},
        json={"supplierV2s": [{"supplierCode": "S-NEW", "sharedSetCode": "SS-ACME", "businessRelationName": "New"}]},
        headers=cookie,
    )
    assert browse.status_code == 200
    assert change.json()["submitResult"]["success"] is True


def test_a_wrong_password_gets_no_session_and_is_never_echoed(http: httpx.Client, root: str) -> None:
    response = login(http, root, password="guess-77")
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert "guess-77" not in response.text


@pytest.mark.parametrize("body", [b"not json", b"[]", b'"acme-api"'])
def test_a_login_body_that_is_not_a_json_object_is_400(http: httpx.Client, root: str, body: bytes) -> None:
    response = http.post(f"{root}{ON_PREM}/api/login", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("credentials", [{"username": USER}, {"username": 1, "password": 2}, {}])
def test_a_login_without_string_credentials_is_401(http: httpx.Client, root: str, credentials: dict[str, Any]) -> None:
    response = http.post(f"{root}{ON_PREM}/api/login", json=credentials)
    assert response.status_code == 401
    assert "set-cookie" not in response.headers


def test_an_unknown_session_cookie_is_401(http: httpx.Client, root: str) -> None:
    assert get_po(http, root, {"Cookie": "JSESSIONID=0123456789ABCDEF"}).status_code == 401


def test_session_login_is_on_prem_only_unless_the_setting_allows_the_cloud(http: httpx.Client, root: str) -> None:
    assert login(http, root, CLOUD).status_code == 404
    settings(http, root, session_login_on_cloud=True)
    assert get_po(http, root, session(http, root, CLOUD), CLOUD).status_code == 200


def test_a_session_works_only_in_the_context_root_that_issued_it(http: httpx.Client, root: str) -> None:
    assert get_po(http, root, session(http, root), CLOUD).status_code == 401


def test_session_login_can_be_switched_off(http: httpx.Client, root: str) -> None:
    settings(http, root, session_login=False)
    assert login(http, root).status_code == 404


def test_a_session_idles_out(http: httpx.Client, root: str) -> None:
    cookie = session(http, root)
    http.post(f"{root}/_sim/clock", json={"advance": 1800})
    assert get_po(http, root, cookie).status_code == 401


def test_using_a_session_keeps_it_alive(http: httpx.Client, root: str) -> None:
    settings(http, root, session_idle_timeout=100)
    cookie = session(http, root)
    for _ in range(3):
        http.post(f"{root}/_sim/clock", json={"advance": 60})
        assert get_po(http, root, cookie).status_code == 200


def test_a_bearer_token_is_checked_before_any_session_cookie(http: httpx.Client, root: str) -> None:
    headers = {**session(http, root), "Authorization": "Bearer not-a-token"}
    assert get_po(http, root, headers).status_code == 401


def test_the_revoke_tokens_fault_and_reset_end_sessions(http: httpx.Client, root: str) -> None:
    cookie = session(http, root)
    http.post(f"{root}/_sim/faults", json={"rules": [{"kind": "revoke_tokens", "path": "/acme/*", "times": 1}]})
    assert get_po(http, root, cookie).status_code == 401
    cookie = session(http, root)
    http.post(f"{root}/_sim/reset")
    assert get_po(http, root, cookie).status_code == 401


def test_state_counts_sessions_but_never_shows_them(http: httpx.Client, root: str) -> None:
    session_id = login(http, root).json()["sessionId"]
    state = http.get(f"{root}/_sim/state")
    assert state.json()["live_sessions"] == 1
    assert session_id not in state.text


def test_the_form_login_redirects_with_the_session_cookie(http: httpx.Client, root: str) -> None:
    params = {"j_username": USER, "j_password": PASSWORD}
    response = http.post(f"{root}{ON_PREM}/j_spring_security_check", params=params)
    cookie = response.headers["set-cookie"].split(";")[0]
    assert (response.status_code, response.headers["location"]) == (302, "/acme/qad-central/")
    assert get_po(http, root, {"Cookie": cookie}).status_code == 200


def test_a_failed_form_login_redirects_to_the_login_error_page(http: httpx.Client, root: str) -> None:
    response = http.post(f"{root}{ON_PREM}/j_spring_security_check", data={"j_username": USER, "j_password": "x"})
    assert (response.status_code, response.headers["location"]) == (302, "/acme/qad-central/login?error")
    assert "set-cookie" not in response.headers


# ---- x-qad-workspace-id ----


def with_workspace(http: httpx.Client, root: str, workspace: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token(http, root)}", "x-qad-workspace-id": workspace}
    return get_po(http, root, headers, CLOUD)


def test_a_workspace_of_the_tenants_domain_is_accepted(http: httpx.Client, root: str) -> None:
    assert with_workspace(http, root, "10USA_10USACO").status_code == 200


@pytest.mark.parametrize("workspace", ["10USA", "10USA_", "_10USACO", "10USA 10USACO"])
def test_a_malformed_workspace_is_400_naming_the_header(http: httpx.Client, root: str, workspace: str) -> None:
    response = with_workspace(http, root, workspace)
    assert response.status_code == 400
    assert response.json()["errors"][0]["fieldName"] == "x-qad-workspace-id"


def test_a_workspace_of_another_domain_is_400(http: httpx.Client, root: str) -> None:
    response = with_workspace(http, root, "20CAN_20CANCO")
    assert response.status_code == 400
    assert "20CAN" in response.json()["errors"][0]["message"]


def test_a_workspace_entity_must_be_known_when_the_scenario_lists_entities(
    http: httpx.Client, served: Any, demo_scenario: dict[str, Any]
) -> None:
    scenario = copy.deepcopy(demo_scenario)
    scenario["qad"]["tenants"][0]["entities"] = ["10USACO"]
    other = served(create_app(scenario))
    assert with_workspace(http, other, "10USA_10USACO").status_code == 200
    assert with_workspace(http, other, "10USA_99XXCO").status_code == 400


def test_the_workspace_check_can_be_switched_off(http: httpx.Client, root: str) -> None:
    settings(http, root, workspace_header_check=False)
    assert with_workspace(http, root, "anything").status_code == 200


# ---- QXtend suppressResponseDetail ----


def qdoc(dataset: str, suppress: str | None, operation: str = "maintainPurchaseOrder") -> str:
    reference = (
        f"<wsa:ReferenceParameters><qcom:suppressResponseDetail>{suppress}</qcom:suppressResponseDetail>"
        "</wsa:ReferenceParameters>"
        if suppress is not None
        else ""
    )
    context = "".join(
        "<qcom:ttContext><qcom:propertyQualifier>QAD</qcom:propertyQualifier>"
        f"<qcom:propertyName>{name}</qcom:propertyName><qcom:propertyValue>{value}</qcom:propertyValue>"
        "</qcom:ttContext>"
        for name, value in [("domain", "10USA"), ("username", USER), ("password", PASSWORD)]
    )
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        f' xmlns="{QDOC_NS}" xmlns:qcom="urn:schemas-qad-com:xml-services:common"'
        ' xmlns:wsa="http://www.w3.org/2005/08/addressing">'
        f"<soapenv:Header><wsa:To>urn:services-qad-com:QADERP</wsa:To>{reference}</soapenv:Header>"
        f"<soapenv:Body><{operation}><qcom:dsSessionContext>{context}</qcom:dsSessionContext>{dataset}"
        f"</{operation}></soapenv:Body></soapenv:Envelope>"
    )


PO_DATASET = (
    "<dsPurchaseOrder><purchaseOrder><poNbr>PO30001</poNbr><poVend>S-BOLT</poVend><poDueDate>2026-12-15</poDueDate>"
    "<poSite>10-100</poSite><lineDetail><line>1</line><podSite>10-100</podSite><podPart>10-2000</podPart>"
    "<podQtyOrd>100</podQtyOrd><podPurCost>0.40</podPurCost></lineDetail></purchaseOrder></dsPurchaseOrder>"
)


def qxtend(http: httpx.Client, root: str, body: str) -> ET.Element:
    response = http.post(
        f"{root}/acme/qxi/services/QdocWebService",
        content=body.encode(),
        headers={"Content-Type": 'text/xml;charset="utf-8"', "SOAPAction": '""'},
    )
    assert response.status_code == 200, response.text
    return ET.fromstring(response.content)


def detail(answer: ET.Element) -> ET.Element | None:
    return answer.find(f".//{{{QDOC_NS}}}maintainPurchaseOrderResponse/{{{QDOC_NS}}}dsPurchaseOrder")


def test_suppress_response_detail_true_answers_without_the_dataset(http: httpx.Client, root: str) -> None:
    answer = qxtend(http, root, qdoc(PO_DATASET, "true"))
    assert answer.findtext(f".//{{{QDOC_NS}}}result") == "success"
    assert detail(answer) is None


def test_suppress_response_detail_false_answers_with_the_stored_document(http: httpx.Client, root: str) -> None:
    dataset = detail(qxtend(http, root, qdoc(PO_DATASET, "false")))
    assert dataset is not None
    order = dataset.find(f"{{{QDOC_NS}}}purchaseOrder")
    assert order is not None
    line = order.find(f"{{{QDOC_NS}}}lineDetail")
    assert line is not None
    assert (order.findtext(f"{{{QDOC_NS}}}poNbr"), order.findtext(f"{{{QDOC_NS}}}poDueDate")) == (
        "PO30001",
        "2026-12-15",
    )
    assert (line.findtext(f"{{{QDOC_NS}}}podPart"), line.findtext(f"{{{QDOC_NS}}}podUm")) == ("10-2000", "EA")


def test_without_the_reference_parameter_the_detail_follows_the_setting(http: httpx.Client, root: str) -> None:
    assert detail(qxtend(http, root, qdoc(PO_DATASET, None))) is not None
    settings(http, root, qxtend_response_detail=False)
    assert detail(qxtend(http, root, qdoc(PO_DATASET.replace("PO30001", "PO30002"), None))) is None


def test_a_document_that_failed_has_no_detail(http: httpx.Client, root: str) -> None:
    answer = qxtend(http, root, qdoc(PO_DATASET.replace("S-BOLT", "S-NOPE"), "false"))
    assert answer.findtext(f".//{{{QDOC_NS}}}result") == "error"
    assert detail(answer) is None


def test_the_detail_of_other_operations_echoes_the_processed_document(http: httpx.Client, root: str) -> None:
    receipt = (
        "<dsPurchaseOrderReceive><purchaseOrderReceive><ordernum>PO10001</ordernum><effDate>2026-11-20</effDate>"
        "<lineDetail><line>1</line><lotserialQty>5</lotserialQty><site>10-100</site></lineDetail>"
        "</purchaseOrderReceive></dsPurchaseOrderReceive>"
    )
    answer = qxtend(http, root, qdoc(receipt, "false", "receivePurchaseOrder"))
    echoed = answer.find(f".//{{{QDOC_NS}}}dsPurchaseOrderReceive/{{{QDOC_NS}}}purchaseOrderReceive")
    assert echoed is not None
    assert echoed.findtext(f"{{{QDOC_NS}}}ordernum") == "PO10001"


# ---- mfgSuppliers: a supplier's settings in a domain ----

MFG_VIEW = "urn:be:com.qad.base.supplier.IMfgSupplier"


def mfg(http: httpx.Client, root: str, method: str = "GET", body: Any = None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token(http, root)}"}
    query = {"viewUri": MFG_VIEW, **params}
    url = f"{root}{CLOUD}/api/erp/mfgSuppliers"
    return http.request(method, url, params=query, json=body, headers=headers)


def test_a_suppliers_domain_settings_are_read_by_domain_and_code(http: httpx.Client, root: str) -> None:
    body = mfg(http, root, domainContext="10USA", supplierCode="S-STEEL").json()
    [record] = body["data"]["mfgSuppliers"]
    assert (record["supplierCode"], record["domainCode"]) == ("S-STEEL", "10USA")
    assert record["concurrencyHash"]


def test_domain_settings_of_an_unknown_supplier_or_domain_are_a_business_error(http: httpx.Client, root: str) -> None:
    unknown_supplier = mfg(http, root, domainContext="10USA", supplierCode="S-NOPE").json()
    unknown_domain = mfg(http, root, domainContext="99XX", supplierCode="S-STEEL").json()
    assert unknown_supplier["submitResult"]["errors"][0]["fieldName"] == "supplierCode"
    assert unknown_domain["submitResult"]["errors"][0]["fieldName"] == "domainCode"


def test_reading_domain_settings_needs_domain_and_supplier(http: httpx.Client, root: str) -> None:
    assert mfg(http, root, supplierCode="S-STEEL").status_code == 400


def test_domain_settings_are_updated_with_the_hash_last_read(http: httpx.Client, root: str) -> None:
    keys = {"domainContext": "10USA", "supplierCode": "S-BOLT"}
    [record] = mfg(http, root, **keys).json()["data"]["mfgSuppliers"]
    changed = mfg(http, root, "POST", {"mfgSuppliers": [{**record, "buyer": "JDOE"}]}, **keys).json()
    stale = mfg(http, root, "POST", {"mfgSuppliers": [{**record, "buyer": "OTHER"}]}, **keys).json()
    assert changed["submitResult"]["success"] is True
    assert mfg(http, root, **keys).json()["data"]["mfgSuppliers"][0]["buyer"] == "JDOE"
    assert stale["submitResult"]["errors"][0]["fieldName"] == "concurrencyHash"


def test_domain_settings_need_their_view_uri(http: httpx.Client, root: str) -> None:
    assert mfg(http, root, viewUri="urn:be:other", domainContext="10USA", supplierCode="S-STEEL").status_code == 400
