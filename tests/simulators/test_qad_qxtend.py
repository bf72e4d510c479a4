"""The QAD simulator's QXtend Inbound SOAP endpoint, driven over real HTTP (spec section 2.6)."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest

from simulators.qad import create_app

SERVICE = "/acme/qxi/services/QdocWebService"
USER, PASSWORD, CLIENT = "acme-api", "acme-qad-pass-1", "qad-acme-client"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
QDOC_NS = "urn:schemas-qad-com:xml-services"
QCOM_NS = "urn:schemas-qad-com:xml-services:common"
HEADERS = {"Content-Type": 'text/xml;charset="utf-8"', "SOAPAction": '""'}
RECEIPT_VIEW = "urn:be:com.qad.purchasing.receipts.IPurchaseOrderReceipt"


@dataclass
class Answer:
    result: str
    messages: list[dict[str, str]]
    """Each `temp_err_msg` row: tt_msg_desc, tt_msg_field, tt_msg_sev."""


def envelope(
    operation: str,
    dataset: str,
    *,
    receiver: str = "QADERP",
    username: str = USER,
    password: str = PASSWORD,
    domain: str = "10USA",
    scope: str | None = "true",
) -> str:
    context = [("domain", domain), ("scopeTransaction", scope), ("version", "eB2_3"), ("mnemonicsRaw", "false"),
               ("username", username), ("password", password)]
    rows = "".join(
        "<qcom:ttContext><qcom:propertyQualifier>QAD</qcom:propertyQualifier>"
        f"<qcom:propertyName>{name}</qcom:propertyName><qcom:propertyValue>{escape(value)}</qcom:propertyValue>"
        "</qcom:ttContext>"
        for name, value in context
        if value is not None
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns="{QDOC_NS}" xmlns:qcom="{QCOM_NS}"'
        ' xmlns:wsa="http://www.w3.org/2005/08/addressing">'
        f"<soapenv:Header><wsa:Action/><wsa:To>urn:services-qad-com:{receiver}</wsa:To>"
        f"<wsa:MessageID>urn:services-qad-com::{receiver}</wsa:MessageID><wsa:ReferenceParameters>"
        "<qcom:suppressResponseDetail>true</qcom:suppressResponseDetail></wsa:ReferenceParameters>"
        "<wsa:ReplyTo><wsa:Address>urn:services-qad-com:</wsa:Address></wsa:ReplyTo></soapenv:Header>"
        f"<soapenv:Body><{operation}><qcom:dsSessionContext>{rows}</qcom:dsSessionContext>{dataset}</{operation}>"
        "</soapenv:Body></soapenv:Envelope>"
    )


def purchase_order(number: str = "PO30001", supplier: str = "S-BOLT", lines: str | None = None) -> str:
    if lines is None:
        lines = order_line(1, "10-2000", 100, 0.40)
    return (
        f"<purchaseOrder><poNbr>{number}</poNbr><poVend>{supplier}</poVend><poShip>{supplier}</poShip>"
        f"<poDueDate>2026-12-15</poDueDate><poSite>10-100</poSite>{lines}</purchaseOrder>"
    )


def order_line(line: int | str, item: str, quantity: float, cost: float) -> str:
    return (
        f"<lineDetail><line>{line}</line><yn>true</yn><podSite>10-100</podSite><podPart>{item}</podPart>"
        f"<podQtyOrd>{quantity}</podQtyOrd><podPurCost>{cost}</podPurCost><yn1>true</yn1></lineDetail>"
    )


def maintain(*orders: str) -> tuple[str, str]:
    return "maintainPurchaseOrder", f"<dsPurchaseOrder>{''.join(orders)}</dsPurchaseOrder>"


def receipt(*lines: tuple[int | str, float], number: str = "PO10001", fill_all: bool = False) -> str:
    details = "".join(
        f"<lineDetail><line>{line}</line><lotserialQty>{quantity}</lotserialQty><site>10-100</site>"
        "<location>RCV</location><multiEntry>false</multiEntry></lineDetail>"
        for line, quantity in lines
    )
    return (
        f"<purchaseOrderReceive><ordernum>{number}</ordernum><psNbr>ASN-7</psNbr><effDate>2026-11-20</effDate>"
        f"<fillAll>{str(fill_all).lower()}</fillAll><move>true</move>{details}<yn>true</yn><yn1>true</yn1>"
        "</purchaseOrderReceive>"
    )


def receive(*receipts: str) -> tuple[str, str]:
    return "receivePurchaseOrder", f"<dsPurchaseOrderReceive>{''.join(receipts)}</dsPurchaseOrderReceive>"


def invoice(reference: str = "INV-77", supplier: str = "S-STEEL") -> str:
    return (
        f"<dsSupplierInvoice><supplierInvoice><supplierInvoiceReference>{reference}</supplierInvoiceReference>"
        f"<supplierCode>{supplier}</supplierCode><invoiceDate>2026-11-21</invoiceDate>"
        "<totalAmount>1255.00</totalAmount><lineDetail><purchaseOrderNumber>PO10001</purchaseOrderNumber>"
        "<purchaseOrderLine>1</purchaseOrderLine><itemCode>10-1000</itemCode><quantity>10</quantity>"
        "<unitCost>125.50</unitCost><amount>1255.00</amount></lineDetail></supplierInvoice></dsSupplierInvoice>"
    )


def post(http: httpx.Client, root: str, body: str | bytes, path: str = SERVICE, **headers: str) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return http.post(root + path, content=content, headers={**HEADERS, **headers})


def call(http: httpx.Client, root: str, request: tuple[str, str], **context: Any) -> Answer:
    response = post(http, root, envelope(*request, **context))
    assert response.status_code == 200, response.text
    document = ET.fromstring(response.content)
    result = document.find(f".//{{{QDOC_NS}}}result")
    assert result is not None
    messages = [
        {child.tag.removeprefix(f"{{{QCOM_NS}}}"): child.text or "" for child in row}
        for row in document.iter(f"{{{QCOM_NS}}}temp_err_msg")
    ]
    return Answer(result.text or "", messages)


def fault(response: httpx.Response) -> str:
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/xml")
    element = ET.fromstring(response.content).find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    assert element is not None
    assert element.findtext("faultcode") == "soapenv:Client"
    return element.findtext("faultstring") or ""


def acme(http: httpx.Client, root: str) -> dict[str, Any]:
    tenant: dict[str, Any] = http.get(f"{root}/_sim/state").json()["tenants"]["acme"]
    return tenant


def po_line(http: httpx.Client, root: str, number: str, line: int) -> dict[str, Any]:
    lines: list[dict[str, Any]] = acme(http, root)["purchase_order_lines"]
    [found] = [ln for ln in lines if (ln["purchaseOrderNumber"], ln["purchaseOrderLine"]) == (number, line)]
    return found


def po_numbers(http: httpx.Client, root: str) -> set[str]:
    return {po["purchaseOrderNumber"] for po in acme(http, root)["purchase_orders"]}


def settings(http: httpx.Client, root: str, **changes: Any) -> None:
    http.post(f"{root}/_sim/settings", json=changes).raise_for_status()


# ---- maintainPurchaseOrder ----


def test_maintain_purchase_order_creates_the_po_and_its_lines(http: httpx.Client, root: str) -> None:
    lines = order_line(1, "10-2000", 100, 0.40) + order_line(2, "10-3000", 50, 0.85)
    answer = call(http, root, maintain(purchase_order("PO30001", lines=lines)))
    assert (answer.result, answer.messages) == ("success", [])
    [header] = [po for po in acme(http, root)["purchase_orders"] if po["purchaseOrderNumber"] == "PO30001"]
    assert header["supplierCode"] == "S-BOLT"
    assert header["domainCode"] == "10USA"
    assert header["dueDate"] == "2026-12-15T00:00:00.000Z"
    assert po_line(http, root, "PO30001", 2)["quantityOrdered"] == 50


def test_a_new_line_takes_description_and_unit_from_the_item(http: httpx.Client, root: str) -> None:
    call(http, root, maintain(purchase_order("PO30001")))
    line = po_line(http, root, "PO30001", 1)
    assert (line["itemDescription"], line["unitOfMeasure"], line["siteCode"]) == ("Hex bolt M8", "EA", "10-100")
    assert line["dueDate"] == "2026-12-15T00:00:00.000Z"


def test_maintain_purchase_order_updates_a_stored_po_without_a_concurrency_hash(http: httpx.Client, root: str) -> None:
    update = "<purchaseOrder><poNbr>PO10001</poNbr><poDueDate>2026-11-30</poDueDate>" \
             "<lineDetail><line>2</line><podQtyOrd>600</podQtyOrd></lineDetail></purchaseOrder>"
    assert call(http, root, maintain(update)).result == "success"
    [header] = [po for po in acme(http, root)["purchase_orders"] if po["purchaseOrderNumber"] == "PO10001"]
    assert (header["supplierCode"], header["dueDate"]) == ("S-STEEL", "2026-11-30T00:00:00.000Z")
    line = po_line(http, root, "PO10001", 2)
    assert (line["quantityOrdered"], line["itemCode"], line["purchaseCost"]) == (600, "10-2000", 0.42)


def test_an_unknown_supplier_is_an_error_result_naming_the_qdoc_element(http: httpx.Client, root: str) -> None:
    answer = call(http, root, maintain(purchase_order(supplier="S-NOPE")))
    assert answer.result == "error"
    assert answer.messages == [
        {"tt_msg_desc": "ERROR: Supplier S-NOPE does not exist", "tt_msg_field": "poVend", "tt_msg_sev": "error"}
    ]
    assert "PO30001" not in po_numbers(http, root)


def test_a_bad_line_undoes_its_whole_purchase_order(http: httpx.Client, root: str) -> None:
    lines = order_line(1, "10-2000", 100, 0.40) + order_line(2, "NO-SUCH-ITEM", 5, 1.0)
    answer = call(http, root, maintain(purchase_order(lines=lines)))
    assert answer.result == "error"
    assert answer.messages[0]["tt_msg_field"] == "podPart"
    assert "PO30001" not in po_numbers(http, root)


def test_a_line_number_that_is_not_a_whole_number_is_an_error_result(http: httpx.Client, root: str) -> None:
    answer = call(http, root, maintain(purchase_order(lines=order_line("one", "10-2000", 1, 1.0))))
    assert (answer.result, answer.messages[0]["tt_msg_field"]) == ("error", "line")


def test_in_a_transaction_scope_one_bad_po_undoes_the_others(http: httpx.Client, root: str) -> None:
    answer = call(http, root, maintain(purchase_order("PO30001"), purchase_order("PO30002", supplier="S-NOPE")))
    assert answer.result == "error"
    assert not {"PO30001", "PO30002"} & po_numbers(http, root)


def test_without_a_transaction_scope_each_po_stands_alone(http: httpx.Client, root: str) -> None:
    request = maintain(purchase_order("PO30001"), purchase_order("PO30002", supplier="S-NOPE"))
    answer = call(http, root, request, scope="false")
    assert answer.result == "error"
    assert [m["tt_msg_field"] for m in answer.messages] == ["poVend"]
    assert "PO30001" in po_numbers(http, root)
    assert "PO30002" not in po_numbers(http, root)


def test_a_session_without_scope_transaction_follows_the_setting(http: httpx.Client, root: str) -> None:
    settings(http, root, qxtend_scope_transaction=True)
    request = maintain(purchase_order("PO30001"), purchase_order("PO30002", supplier="S-NOPE"))
    assert call(http, root, request, scope=None).result == "error"
    assert "PO30001" not in po_numbers(http, root)


# ---- receivePurchaseOrder ----


def test_receive_purchase_order_raises_the_lines_received_quantity(http: httpx.Client, root: str) -> None:
    answer = call(http, root, receive(receipt((1, 15), (2, 100))))
    assert (answer.result, answer.messages) == ("success", [])
    assert po_line(http, root, "PO10001", 1)["quantityReceived"] == 15
    assert po_line(http, root, "PO10001", 2)["quantityReceived"] == 100
    [posted] = acme(http, root)["receipts"]
    assert (posted["packingSlip"], posted["effectiveDate"]) == ("ASN-7", "2026-11-20T00:00:00.000Z")


def test_a_receipt_is_held_to_the_same_open_quantity_as_rest_receipts(http: httpx.Client, root: str) -> None:
    token = http.post(
        f"{root}/acme/clouderp/oauth/token",
        params={"client_id": CLIENT, "grant_type": "password", "username": USER, "password": PASSWORD},
    ).json()["access_token"]
    rest_receipt = {"domainCode": "10USA", "purchaseOrderNumber": "PO10001",
                    "purchaseOrderReceiptLines": [{"purchaseOrderLine": 1, "quantity": 30}]}
    http.post(
        f"{root}/acme/clouderp/api/erp/purchaseOrderReceipts", params={"viewUri": RECEIPT_VIEW},
        headers={"Authorization": f"Bearer {token}"}, json={"purchaseOrderReceipts": [rest_receipt]},
    ).raise_for_status()
    answer = call(http, root, receive(receipt((1, 11))))
    assert answer.result == "error"
    assert answer.messages[0]["tt_msg_field"] == "lotserialQty"
    assert "open quantity 10" in answer.messages[0]["tt_msg_desc"]
    assert po_line(http, root, "PO10001", 1)["quantityReceived"] == 30


def test_an_allowed_over_receipt_posts_with_a_warning(http: httpx.Client, root: str) -> None:
    settings(http, root, allow_over_receipt=True)
    answer = call(http, root, receive(receipt((1, 41))))
    assert answer.result == "warning"
    assert answer.messages == [{
        "tt_msg_desc": "WARNING: Quantity received 41 exceeds quantity ordered 40 on line 1",
        "tt_msg_field": "lotserialQty",
        "tt_msg_sev": "warning",
    }]
    assert po_line(http, root, "PO10001", 1)["quantityReceived"] == 41


def test_fill_all_receives_the_open_quantity_of_the_lines_not_listed(http: httpx.Client, root: str) -> None:
    call(http, root, receive(receipt((2, 100))))
    assert call(http, root, receive(receipt((1, 5), fill_all=True))).result == "success"
    assert po_line(http, root, "PO10001", 1)["quantityReceived"] == 5
    assert po_line(http, root, "PO10001", 2)["quantityReceived"] == 500


def test_the_gl_quirk_answers_error_although_the_quantity_posted(http: httpx.Client, root: str) -> None:
    settings(http, root, receipt_reports_gl_error=True)
    answer = call(http, root, receive(receipt((1, 10))))
    assert answer.result == "error"
    assert answer.messages == [
        {"tt_msg_desc": "ERROR: tx2d_totamt is mandatory", "tt_msg_field": "tx2d_totamt", "tt_msg_sev": "error"}
    ]
    assert po_line(http, root, "PO10001", 1)["quantityReceived"] == 10


def test_a_receipt_for_an_unknown_line_or_po_is_an_error_result(http: httpx.Client, root: str) -> None:
    assert call(http, root, receive(receipt((7, 1)))).messages[0]["tt_msg_field"] == "line"
    assert call(http, root, receive(receipt((1, 1), number="PO404"))).messages[0]["tt_msg_field"] == "ordernum"
    assert acme(http, root)["receipts"] == []


# ---- maintainSupplierInvoice [U] ----


def test_maintain_supplier_invoice_creates_an_invoice(http: httpx.Client, root: str) -> None:
    assert call(http, root, ("maintainSupplierInvoice", invoice())).result == "success"
    [created] = acme(http, root)["supplier_invoices"]
    assert (created["supplierInvoiceReference"], created["domainCode"], created["totalAmount"]) == (
        "INV-77", "10USA", 1255.0)
    assert created["supplierInvoiceLines"][0]["purchaseOrderNumber"] == "PO10001"


def test_a_duplicate_supplier_invoice_is_an_error_result(http: httpx.Client, root: str) -> None:
    call(http, root, ("maintainSupplierInvoice", invoice()))
    answer = call(http, root, ("maintainSupplierInvoice", invoice()))
    assert (answer.result, answer.messages[0]["tt_msg_field"]) == ("error", "supplierInvoiceReference")


def test_the_supplier_invoice_operation_name_is_a_setting(http: httpx.Client, root: str) -> None:
    settings(http, root, qxtend_invoice_operation="createSupplierInvoice")
    assert call(http, root, ("createSupplierInvoice", invoice())).result == "success"
    assert "Unknown operation" in fault(post(http, root, envelope("maintainSupplierInvoice", invoice())))


# ---- session context ----


def test_a_wrong_password_is_an_error_result_that_never_echoes_it(http: httpx.Client, root: str) -> None:
    response = post(http, root, envelope(*maintain(purchase_order()), password="s3cret-guess"))
    assert response.status_code == 200
    assert "s3cret-guess" not in response.text
    answer = call(http, root, maintain(purchase_order()), password="s3cret-guess")
    assert answer.result == "error"
    assert answer.messages[0]["tt_msg_desc"] == "ERROR: Invalid user name or password"
    assert "PO30001" not in po_numbers(http, root)


def test_an_unknown_user_is_an_error_result(http: httpx.Client, root: str) -> None:
    assert call(http, root, maintain(purchase_order()), username="nobody").result == "error"


def test_an_unknown_domain_is_an_error_result(http: httpx.Client, root: str) -> None:
    answer = call(http, root, receive(receipt((1, 1))), domain="20EUR")
    assert (answer.result, answer.messages[0]["tt_msg_field"]) == ("error", "domain")
    assert acme(http, root)["receipts"] == []


def test_a_request_without_documents_is_an_error_result(http: httpx.Client, root: str) -> None:
    answer = call(http, root, maintain())
    assert (answer.result, answer.messages[0]["tt_msg_field"]) == ("error", "dsPurchaseOrder")


# ---- SOAP faults ----


def test_an_unknown_receiver_is_a_soap_fault(http: httpx.Client, root: str) -> None:
    assert "urn:services-qad-com:OTHER" in fault(post(http, root, envelope(*maintain(purchase_order()),
                                                                          receiver="OTHER")))


def test_an_unknown_operation_is_a_soap_fault(http: httpx.Client, root: str) -> None:
    assert "maintainRequisition" in fault(post(http, root, envelope("maintainRequisition", "")))


def test_an_operation_outside_the_qdoc_namespace_is_a_soap_fault(http: httpx.Client, root: str) -> None:
    body = envelope(*maintain(purchase_order())).replace(f' xmlns="{QDOC_NS}"', "")
    assert "is not a QXtend operation" in fault(post(http, root, body))


def test_malformed_xml_is_a_soap_fault(http: httpx.Client, root: str) -> None:
    assert "not well-formed" in fault(post(http, root, envelope(*maintain(purchase_order()))[:-20]))


def test_a_doctype_is_refused_so_no_entity_is_expanded(http: httpx.Client, root: str) -> None:
    body = envelope(*maintain(purchase_order(supplier="&bomb;"))).replace(
        "<soapenv:Envelope",
        '<!DOCTYPE soapenv:Envelope [<!ENTITY bomb SYSTEM "file:///etc/passwd">]><soapenv:Envelope',
    )
    message = fault(post(http, root, body))
    assert message == "A DOCTYPE is not accepted"
    assert "PO30001" not in po_numbers(http, root)


def test_a_doctype_is_refused_in_any_encoding(http: httpx.Client, root: str) -> None:
    body = envelope(*maintain(purchase_order())).replace('encoding="UTF-8"', 'encoding="UTF-16"').replace(
        "<soapenv:Envelope", '<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><soapenv:Envelope'
    )
    assert fault(post(http, root, body.encode("utf-16"))) == "A DOCTYPE is not accepted"


def test_a_document_that_is_not_a_soap_envelope_is_a_fault(http: httpx.Client, root: str) -> None:
    assert "not a SOAP 1.1 envelope" in fault(post(http, root, f'<maintainPurchaseOrder xmlns="{QDOC_NS}"/>'))


def test_an_empty_soap_body_is_a_fault(http: httpx.Client, root: str) -> None:
    body = f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Body/></soapenv:Envelope>'
    assert fault(post(http, root, body)) == "The SOAP Body is empty"


# ---- transport ----


@pytest.mark.parametrize("instance", ["qxilive", "qxitdw", "qxiqonddb"])
def test_the_alternative_instance_paths_are_served(http: httpx.Client, root: str, instance: str) -> None:
    response = post(http, root, envelope(*receive(receipt((1, 1)))), path=f"/acme/{instance}/services/QdocWebService")
    assert response.status_code == 200
    assert "<ns1:result>success</ns1:result>" in response.text


def test_the_instance_paths_are_a_setting(http: httpx.Client, root: str) -> None:
    settings(http, root, qxtend_instances=["qxiprod"])
    request = envelope(*receive(receipt((1, 1))))
    assert post(http, root, request, path="/acme/qxiprod/services/QdocWebService").status_code == 200
    assert post(http, root, request).status_code == 404


def test_an_unknown_instance_or_tenant_is_not_found(http: httpx.Client, root: str) -> None:
    request = envelope(*receive(receipt((1, 1))))
    assert post(http, root, request, path="/acme/qxtest/services/QdocWebService").status_code == 404
    assert post(http, root, request, path="/nobody/qxi/services/QdocWebService").status_code == 404


def test_the_answer_uses_the_prefixes_and_content_type_clients_look_up(http: httpx.Client, root: str) -> None:
    settings(http, root, receipt_reports_gl_error=True)
    response = post(http, root, envelope(*receive(receipt((1, 1)))))
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert "<ns1:receivePurchaseOrderResponse" in response.text
    assert "<ns1:result>error</ns1:result>" in response.text
    assert "<ns3:dsExceptions" in response.text
    assert "<ns3:temp_err_msg><ns3:tt_msg_desc>ERROR: tx2d_totamt is mandatory</ns3:tt_msg_desc>" in response.text


def test_a_body_that_is_not_text_xml_is_an_unsupported_media_type(http: httpx.Client, root: str) -> None:
    request = envelope(*receive(receipt((1, 1))))
    assert post(http, root, request, **{"Content-Type": "application/soap+xml"}).status_code == 415
    settings(http, root, qxtend_strict_headers=False)
    assert post(http, root, request, **{"Content-Type": "application/soap+xml"}).status_code == 200


def test_a_request_without_soap_action_is_a_fault(http: httpx.Client, root: str) -> None:
    response = http.post(root + SERVICE, content=envelope(*receive(receipt((1, 1)))),
                         headers={"Content-Type": "text/xml"})
    assert fault(response) == "The SOAPAction header is missing"
    assert po_line(http, root, "PO10001", 1)["quantityReceived"] == 0


def test_only_post_is_served(http: httpx.Client, root: str) -> None:
    assert http.get(root + SERVICE).status_code == 405


def test_injected_faults_reach_the_qxtend_endpoint(http: httpx.Client, root: str) -> None:
    rule = {"kind": "status", "path": "/acme/qxi/*", "status": 503, "retry_after": 7, "times": 1}
    http.post(f"{root}/_sim/faults", json={"rules": [rule]}).raise_for_status()
    request = envelope(*receive(receipt((1, 1))))
    throttled = post(http, root, request)
    assert (throttled.status_code, throttled.headers["retry-after"]) == (503, "7")
    assert post(http, root, request).status_code == 200


def test_reset_undoes_what_qxtend_posted(http: httpx.Client, root: str) -> None:
    call(http, root, receive(receipt((1, 10))))
    http.post(f"{root}/_sim/reset").raise_for_status()
    assert po_line(http, root, "PO10001", 1)["quantityReceived"] == 0


# ---- the scenario ----


def test_the_receiver_name_comes_from_the_scenario(
    http: httpx.Client, served: Any, demo_scenario: dict[str, Any]
) -> None:
    scenario = copy.deepcopy(demo_scenario)
    scenario["qad"]["tenants"][0]["qxtend_receiver"] = "EB2PROD"
    url = served(create_app(scenario))
    assert call(http, url, receive(receipt((1, 1))), receiver="EB2PROD").result == "success"
    assert "QADERP" in fault(post(http, url, envelope(*receive(receipt((1, 1))))))


def test_a_tenant_without_a_receiver_name_answers_to_qaderp(
    http: httpx.Client, served: Any, demo_scenario: dict[str, Any]
) -> None:
    scenario = copy.deepcopy(demo_scenario)
    del scenario["qad"]["tenants"][0]["qxtend_receiver"]
    assert call(http, served(create_app(scenario)), receive(receipt((1, 1)))).result == "success"
