"""The Web Connector's SOAP endpoint: each QBWC method, tickets, the company-file check, faults, the .qwc and the WSDL.

The contract is checked with zeep as a real SOAP client built from Intuit's WSDL (``specs/qbwc.wsdl``), its
address pointed at the service running on a free 127.0.0.1 port. QuickBooks' answers come from the simulator's
request processor run in-process on the demo company file.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import zeep
from pydantic import SecretStr

from edi_assets.connectors.crossref import Resolution
from edi_assets.connectors.quickbooks import mapping, qbxml
from edi_assets.connectors.quickbooks.queue import QueueSettings, WorkQueue
from edi_assets.connectors.quickbooks.service import (
    NS,
    SERVER_VERSION,
    Endpoint,
    QbwcService,
    ServiceSettings,
    create_app,
    guid,
    service_for,
)
from edi_assets.customers import Customer, CustomersFile
from edi_assets.documents import Invoice, InvoiceLine, ItemId
from simulators.core.clock import Clock
from simulators.core.scenario import load_scenario
from simulators.core.server import start
from simulators.quickbooks import qwc as simulator_qwc
from simulators.quickbooks import soap as simulator_soap
from simulators.quickbooks.executor import QbXmlExecutor
from simulators.quickbooks.seed import company_file
from simulators.quickbooks.settings import QuickBooksSettings
from tests.connectors.conftest import ROOT, demo_xref

USER, PASSWORD = "cedar-qbwc", "cedar-qbwc-pass-1"
AP = "2000 Accounts Payable"
COMPANY_FILE = "C:\\Company Files\\Cedar Hardware.qbw"
SPEC_WSDL = ROOT.parent / "shared" / "specs" / "qbwc.wsdl"
BINDING = "{http://developer.intuit.com/}QBWebConnectorSvcSoap"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def credentials(values: dict[str, str]) -> Callable[[str], SecretStr]:
    return lambda name: SecretStr(values[name])


CEDAR_CREDENTIALS = {"quickbooks.username": USER, "quickbooks.password": PASSWORD}


class Served:
    """One server for the module; each test plugs its own service in."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Served, str]]:
    holder = Served()
    server = start(holder)
    yield holder, server.url
    server.stop()


@pytest.fixture
def cedar(demo_customers: CustomersFile) -> Customer:
    return demo_customers.get("cedar")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[WorkQueue]:
    opened = WorkQueue("cedar", tmp_path / "queue.sqlite", QueueSettings(learn=False))
    yield opened
    opened.close()


@pytest.fixture
def service(cedar: Customer, queue: WorkQueue, clock: FakeClock) -> QbwcService:
    return QbwcService([Endpoint(cedar, credentials(CEDAR_CREDENTIALS), queue)], clock=clock)


@pytest.fixture
def url(served: tuple[Served, str], service: QbwcService) -> str:
    served[0].app = create_app(service)
    return served[1]


@pytest.fixture
def qbwc(url: str) -> Any:
    """zeep's client of Intuit's WSDL, pointed at the running service."""
    client = zeep.Client(wsdl=str(SPEC_WSDL) if SPEC_WSDL.exists() else f"{url}/qbwc?wsdl")
    return client.create_service(BINDING, f"{url}/qbwc")


def enqueue_bill(queue: WorkQueue, number: str = "INV-77") -> None:
    doc = Invoice(invoice_number=number, invoice_date=dt.date(2026, 11, 20), total_amount=Decimal("23.50"),
                  lines=[InvoiceLine(quantity=Decimal(2), unit_price=Decimal("11.75"),
                                     item_ids=[ItemId(qualifier="VP", value="TM-X")])])
    plan = mapping.bill_plan(doc, Resolution(demo_xref("cedar"), "toolmart"), ap_account=AP)
    queue.enqueue(f"toolmart/Bill/{number}", plan)


def quickbooks() -> QbXmlExecutor:
    scenario = load_scenario("demo")["quickbooks"]
    settings = QuickBooksSettings.model_validate(scenario["settings"])
    return QbXmlExecutor(company_file(Clock(), scenario["companies"][0], settings), settings)


def strings(result: Any) -> list[str]:
    """An ArrayOfString as zeep gives it (a list; an empty element is None)."""
    return [value or "" for value in result]


def send(qbwc: Any, ticket: str, company: str = COMPANY_FILE, major: int = 13) -> str:
    result: str | None = qbwc.sendRequestXML(ticket=ticket, strHCPResponse="", strCompanyFileName=company,
                                             qbXMLCountry="US", qbXMLMajorVers=major, qbXMLMinorVers=0)
    return result or ""


def call(url: str, method: str, args: list[tuple[str, str]]) -> httpx.Response:
    """A Web Connector call over plain HTTP, as the simulated Web Connector makes it."""
    body, headers = simulator_soap.request(method, args)
    return httpx.post(f"{url}/qbwc", content=body, headers=headers)


def receive(qbwc: Any, ticket: str, response: str = "", hresult: str = "", message: str = "") -> int:
    result: int = qbwc.receiveResponseXML(ticket=ticket, response=response, hresult=hresult, message=message)
    return result


# -- the methods, through zeep ----------------------------------------------------------------------------


def test_server_version_names_the_service(qbwc: Any) -> None:
    assert qbwc.serverVersion() == SERVER_VERSION


def test_client_version_accepts_the_web_connector(qbwc: Any) -> None:
    assert qbwc.clientVersion(strVersion="2.3.0.36") in ("", None)


def test_client_version_asks_an_older_web_connector_to_update(served: tuple[Served, str], cedar: Customer,
                                                              queue: WorkQueue) -> None:
    strict = QbwcService([Endpoint(cedar, credentials(CEDAR_CREDENTIALS), queue)],
                         ServiceSettings(min_client_version="2.3.0.0"))
    served[0].app = create_app(strict)
    client = zeep.Client(wsdl=str(SPEC_WSDL) if SPEC_WSDL.exists() else f"{served[1]}/qbwc?wsdl")
    qbwc = client.create_service(BINDING, f"{served[1]}/qbwc")

    assert qbwc.clientVersion(strVersion="2.1.0.30") == "O:2.3.0.0"
    assert qbwc.clientVersion(strVersion="2.3.0.36") in ("", None)


def test_authenticate_gives_a_ticket_and_the_company_file_when_there_is_work(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)

    ticket, company = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))

    assert uuid.UUID(ticket)
    assert company == COMPANY_FILE


def test_authenticate_answers_nvu_to_a_wrong_password(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)

    assert strings(qbwc.authenticate(strUserName=USER, strPassword="wrong")) == ["", "nvu"]
    assert strings(qbwc.authenticate(strUserName="someone", strPassword=PASSWORD)) == ["", "nvu"]


def test_authenticate_answers_none_when_the_queue_is_empty(qbwc: Any) -> None:
    assert strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD)) == ["", "none"]


def test_a_whole_session_hands_out_the_work_and_records_the_answers(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)
    qb = quickbooks()

    ticket, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))
    request = send(qbwc, ticket)
    percent = receive(qbwc, ticket, qb.execute(request))
    closed = qbwc.closeConnection(ticket=ticket)

    assert "<BillAddRq" in request
    assert percent == 100
    assert closed == "OK: 1 document(s) posted, 0 failed"
    item = queue.item("toolmart/Bill/INV-77")
    assert item is not None
    assert item.state == "done"


def test_a_company_file_other_than_the_customers_gets_no_work_and_a_reason(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)
    ticket, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))

    assert send(qbwc, ticket, company="C:\\Company Files\\Someone Else.qbw") == ""
    assert qbwc.getLastError(ticket=ticket) == ("QuickBooks has C:\\Company Files\\Someone Else.qbw open, but this "
                                                f"application serves {COMPANY_FILE}")
    item = queue.item("toolmart/Bill/INV-77")
    assert item is not None
    assert item.state == "pending"


def test_the_company_file_compares_without_regard_to_case_or_slashes(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)
    ticket, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))

    assert "<BillAddRq" in send(qbwc, ticket, company="c:/company files/CEDAR HARDWARE.QBW")


def test_a_quickbooks_older_than_qbxml_13_gets_no_work(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)
    ticket, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))

    assert send(qbwc, ticket, major=8) == ""
    assert "needs 13.0" in qbwc.getLastError(ticket=ticket)


def test_an_unknown_ticket_gets_nothing(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)

    assert send(qbwc, "not-a-ticket") == ""
    assert receive(qbwc, "not-a-ticket", "<QBXML/>") == -1
    assert "ended or expired" in qbwc.getLastError(ticket="not-a-ticket")


def test_a_ticket_unused_for_too_long_expires(qbwc: Any, queue: WorkQueue, clock: FakeClock) -> None:
    enqueue_bill(queue)
    ticket, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))

    clock.now += 901

    assert send(qbwc, ticket) == ""
    assert "expired" in qbwc.getLastError(ticket=ticket)


def test_a_new_session_ends_the_customers_older_one(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)
    old, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))
    new, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))

    assert send(qbwc, old) == ""
    assert "<BillAddRq" in send(qbwc, new)


def test_a_message_set_quickbooks_could_not_parse_is_recorded_and_the_session_goes_on(
        qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)
    ticket, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))
    send(qbwc, ticket)

    percent = receive(qbwc, ticket, hresult=qbxml.PARSE_HRESULT, message="QuickBooks found an error when parsing")

    assert percent == 100  # the one request was refused alone: it failed, nothing is left
    item = queue.item("toolmart/Bill/INV-77")
    assert item is not None
    assert item.state == "failed"


def test_any_other_quickbooks_failure_answers_negative_and_says_why(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)
    ticket, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))
    send(qbwc, ticket)

    assert receive(qbwc, ticket, hresult="0x80040408", message="Could not start QuickBooks.") == -1
    assert qbwc.getLastError(ticket=ticket) == ("QuickBooks could not process the request: 0x80040408: Could not "
                                                "start QuickBooks.")


def test_an_unreadable_response_answers_negative_and_says_why(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)
    ticket, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))
    send(qbwc, ticket)

    assert receive(qbwc, ticket, "<QBXML><QBXMLMsgsRs>") == -1
    assert "could not be read" in qbwc.getLastError(ticket=ticket)


def test_connection_error_ends_the_session_and_the_queue_waits(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)
    ticket, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))

    assert qbwc.connectionError(ticket=ticket, hresult="0x80040408", message="Could not start QuickBooks.") == "done"
    assert send(qbwc, ticket) == ""
    assert queue.has_work()


def test_close_connection_ends_the_ticket(qbwc: Any, queue: WorkQueue) -> None:
    enqueue_bill(queue)
    ticket, _ = strings(qbwc.authenticate(strUserName=USER, strPassword=PASSWORD))

    assert qbwc.closeConnection(ticket=ticket) == "OK"
    assert send(qbwc, ticket) == ""


# -- several customers, credentials -----------------------------------------------------------------------


def test_the_user_name_picks_the_customer_and_its_company_file(cedar: Customer, tmp_path: Path) -> None:
    birch = cedar.model_copy(update={"id": "birch", "erp": cedar.erp.model_copy(
        update={"company_file": "C:\\Company Files\\Birch.qbw"})})
    queues = [WorkQueue(c.id, tmp_path / f"{c.id}.sqlite") for c in (cedar, birch)]
    for each in queues:
        enqueue_bill(each)
    service = QbwcService([
        Endpoint(cedar, credentials(CEDAR_CREDENTIALS), queues[0]),
        Endpoint(birch, credentials({"quickbooks.username": "birch-qbwc", "quickbooks.password": "birch-pass-9"}),
                 queues[1]),
    ])

    assert service.authenticate("birch-qbwc", "birch-pass-9")[1] == "C:\\Company Files\\Birch.qbw"
    assert service.authenticate(USER, PASSWORD)[1] == COMPANY_FILE
    assert service.authenticate(USER, "birch-pass-9") == ["", "nvu"]  # one customer's user, another's password
    for each in queues:
        each.close()


def test_a_customer_without_credentials_in_the_vault_is_refused_and_logged(
        cedar: Customer, queue: WorkQueue, caplog: pytest.LogCaptureFixture) -> None:
    service = QbwcService([Endpoint(cedar, credentials({}), queue)])
    enqueue_bill(queue)

    with caplog.at_level(logging.ERROR):
        assert service.authenticate(USER, PASSWORD) == ["", "nvu"]
    assert "customer cedar has no QuickBooks Web Connector credentials" in caplog.text


def test_only_quickbooks_customers_can_be_served(demo_customers: CustomersFile, queue: WorkQueue) -> None:
    with pytest.raises(ValueError, match="does not keep its books in QuickBooks"):
        QbwcService([Endpoint(demo_customers.get("acme"), credentials({}), queue)])


def test_no_password_reaches_the_log_or_an_answer(url: str, queue: WorkQueue,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """Over plain HTTP: zeep, as a test client, logs whole requests (the password too) at DEBUG."""
    enqueue_bill(queue)
    qb = quickbooks()
    with caplog.at_level(logging.DEBUG):
        answers = [call(url, "authenticate", [("strUserName", USER), ("strPassword", "wrong-" + PASSWORD)]),
                   call(url, "authenticate", [("strUserName", USER), ("strPassword", PASSWORD)])]
        result = simulator_soap.result("authenticate", answers[-1].content)
        assert result is not None
        ticket = result.findtext(f"{{{NS}}}string") or ""
        batch = simulator_soap.result("sendRequestXML", call(url, "sendRequestXML", [
            ("ticket", ticket), ("strHCPResponse", ""), ("strCompanyFileName", COMPANY_FILE), ("qbXMLCountry", "US"),
            ("qbXMLMajorVers", "13"), ("qbXMLMinorVers", "0")]).content)
        assert batch is not None
        answers.append(call(url, "receiveResponseXML", [("ticket", ticket), ("response", qb.execute(batch.text or "")),
                                                        ("hresult", ""), ("message", "")]))
        answers.append(call(url, "closeConnection", [("ticket", ticket)]))
        answers.append(httpx.get(f"{url}/qwc/cedar"))

    assert PASSWORD not in caplog.text
    assert all(PASSWORD not in answer.text for answer in answers)


# -- SOAP on the wire -------------------------------------------------------------------------------------


def test_answers_are_soap_11_in_the_intuit_namespace_as_the_web_connector_reads_them(url: str) -> None:
    response = call(url, "authenticate", [("strUserName", USER), ("strPassword", "wrong")])

    result = simulator_soap.result("authenticate", response.content)
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert result is not None
    assert [s.text or "" for s in result.findall(f"{{{NS}}}string")] == ["", "nvu"]


def test_a_request_with_a_doctype_gets_a_client_fault(url: str) -> None:
    body = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><soap:Envelope '
            b'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            b'<serverVersion xmlns="http://developer.intuit.com/">&e;</serverVersion></soap:Body></soap:Envelope>')

    response = httpx.post(f"{url}/qbwc", content=body, headers={"Content-Type": "text/xml"})

    assert response.status_code == 500
    with pytest.raises(simulator_soap.SoapFaultError, match="DOCTYPE"):
        simulator_soap.result("serverVersion", response.content)
    assert b"boom" not in response.content


@pytest.mark.parametrize(("body", "reason"), [
    (b"<notSoap/>", "not a SOAP 1.1 envelope"),
    (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
     b'<dropTables xmlns="http://developer.intuit.com/"/></soap:Body></soap:Envelope>', "not a Web Connector method"),
    (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
     b'<serverVersion xmlns="urn:other"/></soap:Body></soap:Envelope>', "one call in http://developer.intuit.com/"),
], ids=["not-soap", "unknown-method", "other-namespace"])
def test_a_request_that_is_not_a_web_connector_call_gets_a_client_fault(url: str, body: bytes, reason: str) -> None:
    response = httpx.post(f"{url}/qbwc", content=body, headers={"Content-Type": "text/xml"})

    assert response.status_code == 500
    fault = ET.fromstring(response.content).find(".//faultcode/..")
    assert fault is not None
    assert fault.findtext("faultcode") == "soap:Client"
    assert reason in (fault.findtext("faultstring") or "")


def test_a_soap_action_that_does_not_match_the_call_gets_a_client_fault(url: str) -> None:
    body, headers = simulator_soap.request("serverVersion", [])

    response = httpx.post(f"{url}/qbwc", content=body, headers=headers | {"SOAPAction": f'"{NS}authenticate"'})

    assert response.status_code == 500
    assert b"does not match" in response.content


def test_the_wsdl_is_served_with_the_service_address(url: str) -> None:
    served = httpx.get(f"{url}/qbwc?wsdl")

    assert served.status_code == 200
    assert f'location="{url}/qbwc"' in served.text
    if SPEC_WSDL.exists():
        spec = SPEC_WSDL.read_text()
        assert served.text == spec.replace("https://idn.vogelfam.net/QBMSDonorSample/QBWebConnectorSvc.asmx",
                                           f"{url}/qbwc")
    assert zeep.Client(wsdl=f"{url}/qbwc?wsdl").service.serverVersion() == SERVER_VERSION


# -- the .qwc ---------------------------------------------------------------------------------------------


def test_the_qwc_adds_the_application_to_the_web_connector(url: str, cedar: Customer) -> None:
    response = httpx.get(f"{url}/qwc/cedar")
    root = ET.fromstring(response.content)

    assert response.headers["content-type"] == "application/x-qwc"
    assert response.headers["content-disposition"] == 'attachment; filename="cedar.qwc"'
    assert root.findtext("AppName") == "EDI Assets"
    assert root.findtext("AppURL") == f"{url}/qbwc"
    assert root.findtext("UserName") == USER
    assert root.findtext("QBType") == "QBFS"
    assert root.findtext("Scheduler/RunEveryNMinutes") == str(cedar.erp.poll_minutes)  # type: ignore[union-attr]
    assert root.findtext("OwnerID") == guid("owner", "cedar")
    assert root.findtext("FileID") == guid("file", "cedar")


def test_the_qwc_guids_are_stable_per_customer_and_differ_between_customers() -> None:
    assert guid("owner", "cedar") == guid("owner", "cedar")
    assert len({guid("owner", "cedar"), guid("file", "cedar"), guid("owner", "birch")}) == 3
    assert uuid.UUID(guid("file", "cedar").strip("{}")).version == 5


def test_the_qwc_is_one_the_simulated_web_connector_accepts(url: str) -> None:
    parsed = simulator_qwc.parse(httpx.get(f"{url}/qwc/cedar").text, require_https=True)

    assert (parsed.app_url, parsed.username, parsed.run_every_minutes) == (f"{url}/qbwc", USER, 5)


def test_the_qwc_names_the_public_address_when_one_is_set(served: tuple[Served, str], cedar: Customer,
                                                          queue: WorkQueue) -> None:
    public = QbwcService([Endpoint(cedar, credentials(CEDAR_CREDENTIALS), queue)],
                         ServiceSettings(public_url="https://edi.cedar.example/qbwc"))
    served[0].app = create_app(public)

    root = ET.fromstring(httpx.get(f"{served[1]}/qwc/cedar").content)

    assert root.findtext("AppURL") == "https://edi.cedar.example/qbwc"


def test_an_unknown_customer_has_no_qwc(url: str) -> None:
    assert httpx.get(f"{url}/qwc/nobody").status_code == 404


def test_no_qwc_is_served_before_the_web_connector_user_is_in_the_vault(served: tuple[Served, str], cedar: Customer,
                                                                      queue: WorkQueue) -> None:
    served[0].app = create_app(QbwcService([Endpoint(cedar, credentials({}), queue)]))

    response = httpx.get(f"{served[1]}/qwc/cedar")

    assert response.status_code == 409
    assert "store quickbooks.username and quickbooks.password for cedar first" in response.text


def test_the_service_for_the_customers_file_serves_each_quickbooks_customer_with_its_queue(
        demo_customers: CustomersFile, tmp_path: Path) -> None:
    seen: list[str] = []

    def vault(customer_id: str) -> Callable[[str], SecretStr]:
        seen.append(customer_id)
        return credentials(CEDAR_CREDENTIALS)

    built = service_for(demo_customers, vault, queue_dir=tmp_path)

    assert list(built.endpoints) == seen == ["cedar"]
    assert built.endpoints["cedar"].queue.path == tmp_path / "cedar.sqlite"
    built.endpoints["cedar"].queue.close()


def test_the_service_is_served_on_127_0_0_1_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from edi_assets.connectors.quickbooks import service

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))

    service.run(object(), port=8123)

    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
