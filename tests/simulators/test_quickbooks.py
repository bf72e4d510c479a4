"""The QuickBooks simulator: a Web Connector that drives a SOAP endpoint, and the company file behind it.

The product's QBWC endpoint does not exist yet, so `FakeProduct` plays it: a small SOAP server that
checks the user, hands out queued qbXML requests and records what the Web Connector sends back. Each
test runs real sessions over HTTP (`POST /_sim/run` on the simulator, which calls the fake).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.core.scenario import load_scenario
from simulators.core.server import start
from simulators.quickbooks import create_app, demo_credentials

NS = "http://developer.intuit.com/"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
USER, PASSWORD, TICKET = "cedar-qbwc", "cedar-qbwc-pass-1", "ticket-7f3a"
COMPANY_PATH = "C:\\Company Files\\Cedar Hardware.qbw"
Job = str | Callable[[list[str]], str]
HTTP = httpx.Client(timeout=30)
"""One client for the module: building one per call costs more than the calls."""


# the product's side, faked -------------------------------------------------------------------------


@dataclass
class FakeProduct:
    """The product's QBWC endpoint, minimally: one queue of qbXML jobs, every call and answer recorded."""

    jobs: list[Job] = field(default_factory=list)
    client_version_answer: str = ""
    authenticate_answer: list[str] | None = None
    connection_error_answer: str = "done"
    last_error: str = "no more requests"
    delays: dict[str, float] = field(default_factory=dict)
    faults: set[str] = field(default_factory=set)
    malformed: set[str] = field(default_factory=set)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)
    sent: int = 0

    def reset(self) -> None:
        fresh = FakeProduct()
        for each in fields(self):
            setattr(self, each.name, getattr(fresh, each.name))

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def args(self, method: str) -> list[dict[str, str]]:
        return [args for name, args in self.calls if name == method]

    def answer(self, method: str, args: dict[str, str]) -> str | int | list[str]:
        if method == "serverVersion":
            return "fake product 0.1"
        if method == "clientVersion":
            return self.client_version_answer
        if method == "authenticate":
            if self.authenticate_answer is not None:
                return self.authenticate_answer
            good = args.get("strUserName") == USER and args.get("strPassword") == PASSWORD
            return [TICKET, ""] if good else ["", "nvu"]
        if method == "sendRequestXML":
            if self.sent >= len(self.jobs):
                return ""
            job = self.jobs[self.sent]
            self.sent += 1
            return job(self.responses) if callable(job) else job
        if method == "receiveResponseXML":
            self.responses.append(args.get("response", ""))
            if args.get("hresult"):
                self.last_error = f"{args['hresult']}: {args.get('message')}"
                return -1
            return 100 if self.sent >= len(self.jobs) else 100 * self.sent // len(self.jobs)
        if method == "getLastError":
            return self.last_error
        if method == "connectionError":
            return self.connection_error_answer
        return "OK"  # closeConnection

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            operation = ET.fromstring(await request.body()).find(f"{{{SOAP}}}Body")[0]  # type: ignore[index]
            method = operation.tag.removeprefix(f"{{{NS}}}")
            args = {child.tag.removeprefix(f"{{{NS}}}"): child.text or "" for child in operation}
            self.calls.append((method, args))
            self.headers.append(dict(request.headers))
            await asyncio.sleep(self.delays.get(method, 0))
            if method in self.faults or request.headers.get("soapaction") != f'"{NS}{method}"':
                fault = f"<soap:Fault><faultcode>soap:Server</faultcode><faultstring>{method} broke</faultstring>"
                return Response(_envelope(fault + "</soap:Fault>"), 500, media_type="text/xml; charset=utf-8")
            if method in self.malformed:
                return Response(b"<soap:Envelope><unclosed>", media_type="text/xml; charset=utf-8")
            result = self.answer(method, args)
            if isinstance(result, list):
                inner = "".join(f"<string>{_escape(s)}</string>" for s in result)
            else:
                inner = _escape(str(result))
            body = f'<{method}Response xmlns="{NS}"><{method}Result>{inner}</{method}Result></{method}Response>'
            return Response(_envelope(body), media_type="text/xml; charset=utf-8")

        return Starlette(routes=[Route("/qbwc", endpoint, methods=["POST"])])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _envelope(body: str) -> bytes:
    head = f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP}">'
    return f"{head}<soap:Body>{body}</soap:Body></soap:Envelope>".encode()


# fixtures and helpers ------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _close_http() -> Iterator[None]:
    yield
    HTTP.close()


def pointed_at(scenario: dict[str, Any], app_url: str) -> dict[str, Any]:
    """The scenario with the company's application pointed at `app_url`."""
    copied = copy.deepcopy(scenario)
    copied["quickbooks"]["companies"][0]["app_url"] = app_url
    return copied


@pytest.fixture(scope="module")
def _fake_server() -> Iterator[tuple[FakeProduct, str]]:
    """One fake product for the module (starting servers per test is slow); `fake` renews its state."""
    product = FakeProduct()
    server = start(product.app())
    yield product, server.url + "/qbwc"
    server.stop()


@pytest.fixture(scope="module")
def _sim_server(_fake_server: tuple[FakeProduct, str]) -> Iterator[str]:
    server = start(create_app(pointed_at(load_scenario("demo"), _fake_server[1])))
    yield server.url
    server.stop()


@pytest.fixture
def fake(_fake_server: tuple[FakeProduct, str]) -> FakeProduct:
    product = _fake_server[0]
    product.reset()
    return product


@pytest.fixture
def app_url(_fake_server: tuple[FakeProduct, str]) -> str:
    return _fake_server[1]


@pytest.fixture
def sim(_sim_server: str, fake: FakeProduct) -> str:
    """The simulator, reset to the demo scenario, its application pointed at `fake`."""
    assert HTTP.post(f"{_sim_server}/_sim/reset").status_code == 200
    return _sim_server


@pytest.fixture
def own_pair(demo_scenario: dict[str, Any], served: Any) -> tuple[FakeProduct, str]:
    """A fake and a simulator of this test's own, for tests that leave a call hanging."""
    product = FakeProduct()
    return product, served(create_app(pointed_at(demo_scenario, served(product.app()) + "/qbwc")))


def run(sim: str) -> dict[str, Any]:
    response = HTTP.post(f"{sim}/_sim/run", json={"company": "cedar"})
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()["sessions"][0]
    return session


def qbxml(*requests: str, on_error: str = "stopOnError", version: str = "13.0") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><?qbxml version="{version}"?>'
        f'<QBXML><QBXMLMsgsRq onError="{on_error}">{"".join(requests)}</QBXMLMsgsRq></QBXML>'
    )


def answers(response: str) -> list[ET.Element]:
    """The Rs elements of a qbXML response."""
    return list(ET.fromstring(response).find("QBXMLMsgsRs"))  # type: ignore[arg-type]


def exchange(sim: str, fake: FakeProduct, *jobs: Job) -> list[ET.Element]:
    """Run a session handing out `jobs`; the Rs elements of every response, in order."""
    fake.jobs = list(jobs)
    session = run(sim)
    assert session["outcome"] == "done", session
    return [rs for response in fake.responses for rs in answers(response)]


def status(rs: ET.Element) -> tuple[str, str]:
    return rs.get("statusCode", ""), rs.get("statusSeverity", "")


def settings(sim: str, **changes: Any) -> None:
    assert HTTP.post(f"{sim}/_sim/settings", json=changes).status_code == 200


def first_po_id(sim: str, fake: FakeProduct) -> str:
    (rs,) = exchange(sim, fake, qbxml("<PurchaseOrderQueryRq><RefNumber>2001</RefNumber></PurchaseOrderQueryRq>"))
    fake.responses.clear()
    fake.sent = 0
    return rs.findtext("PurchaseOrderRet/TxnID") or ""


VENDOR_QUERY = '<VendorQueryRq requestID="1"><FullName>Toolmart Supply</FullName></VendorQueryRq>'
PO_WITH_LINES = (
    "<PurchaseOrderQueryRq><RefNumber>2001</RefNumber><IncludeLineItems>true</IncludeLineItems>"
    "<IncludeLinkedTxns>true</IncludeLinkedTxns></PurchaseOrderQueryRq>"
)


def bill_add(body: str, *, vendor: str = "Toolmart Supply") -> str:
    vendor_ref = f"<VendorRef><FullName>{vendor}</FullName></VendorRef>"
    return f'<BillAddRq requestID="2"><BillAdd>{vendor_ref}{body}</BillAdd></BillAddRq>'


# the session, as QBWC runs it ----------------------------------------------------------------------


def test_a_session_calls_the_methods_in_qbwc_order(sim: str, fake: FakeProduct) -> None:
    fake.jobs = [qbxml(VENDOR_QUERY)]
    session = run(sim)
    assert session["outcome"] == "done"
    assert fake.methods() == [
        "serverVersion",
        "clientVersion",
        "authenticate",
        "sendRequestXML",
        "receiveResponseXML",
        "closeConnection",
    ]
    assert fake.args("receiveResponseXML")[0]["ticket"] == TICKET
    assert fake.args("closeConnection") == [{"ticket": TICKET}]


def test_calls_are_soap_1_1_with_the_wsdl_soapaction(sim: str, fake: FakeProduct) -> None:
    run(sim)
    for (method, _), headers in zip(fake.calls, fake.headers, strict=True):
        assert headers["content-type"] == "text/xml; charset=utf-8"
        assert headers["soapaction"] == f'"http://developer.intuit.com/{method}"'


def test_the_web_connector_sends_its_version_and_the_user(sim: str, fake: FakeProduct) -> None:
    run(sim)
    assert fake.args("serverVersion") == [{}]
    assert fake.args("clientVersion") == [{"strVersion": "2.3.0.36"}]
    assert fake.args("authenticate") == [{"strUserName": USER, "strPassword": PASSWORD}]


def test_the_first_send_request_carries_the_host_response_and_the_file(sim: str, fake: FakeProduct) -> None:
    fake.jobs = [qbxml(VENDOR_QUERY), qbxml(VENDOR_QUERY)]
    run(sim)
    first, second = fake.args("sendRequestXML")
    assert (first["strCompanyFileName"], first["qbXMLCountry"]) == (COMPANY_PATH, "US")
    assert (first["qbXMLMajorVers"], first["qbXMLMinorVers"]) == ("13", "0")
    host, company, preferences = answers(first["strHCPResponse"])
    assert host.findtext("HostRet/SupportedQBXMLVersion[last()]") == "13.0"
    assert company.findtext("CompanyRet/CompanyName") == "Cedar Hardware"
    assert preferences.find("PreferencesRet/AccountingPreferences") is not None
    assert second["strHCPResponse"] == ""


def test_a_wrong_password_is_answered_nvu_and_ends_the_session(sim: str, fake: FakeProduct) -> None:
    HTTP.post(f"{sim}/_sim/qwc/password", json={"company": "cedar", "password": "not-it"})
    session = run(sim)
    assert session["outcome"] == "nvu"
    assert fake.methods() == ["serverVersion", "clientVersion", "authenticate"]


def test_none_means_the_product_has_nothing_to_do(sim: str, fake: FakeProduct) -> None:
    fake.authenticate_answer = [TICKET, "none"]
    assert run(sim)["outcome"] == "none"
    assert "sendRequestXML" not in fake.methods()


def test_busy_ends_the_session_and_its_wait_hint_is_kept(sim: str, fake: FakeProduct) -> None:
    fake.authenticate_answer = [TICKET, "busy", "300", "120"]
    session = run(sim)
    assert (session["outcome"], session["next_update_seconds"], session["min_run_every_seconds"]) == ("busy", 300, 120)
    assert "sendRequestXML" not in fake.methods()


def test_quickbooks_closed_reports_connection_error_then_closes(sim: str, fake: FakeProduct) -> None:
    assert HTTP.post(f"{sim}/_sim/close").json() == {"open": False}
    session = run(sim)
    assert session["outcome"] == "connection_error"
    assert fake.methods()[-2:] == ["connectionError", "closeConnection"]
    assert fake.args("connectionError") == [
        {"ticket": TICKET, "hresult": "0x80040408", "message": "Could not start QuickBooks."}
    ]


def test_quickbooks_opened_again_runs_sessions_again(sim: str, fake: FakeProduct) -> None:
    HTTP.post(f"{sim}/_sim/close")
    HTTP.post(f"{sim}/_sim/open")
    fake.jobs = [qbxml(VENDOR_QUERY)]
    assert run(sim)["outcome"] == "done"


def test_a_company_path_other_than_the_open_file_is_a_connection_error(sim: str, fake: FakeProduct) -> None:
    fake.authenticate_answer = [TICKET, "C:\\Company Files\\Other.qbw"]
    assert run(sim)["outcome"] == "connection_error"
    assert fake.args("connectionError")[0]["hresult"] == "0x80040403"


def test_connection_error_answered_with_a_path_retries_that_file(sim: str, fake: FakeProduct) -> None:
    fake.authenticate_answer = [TICKET, "C:\\Company Files\\Other.qbw"]
    fake.connection_error_answer = COMPANY_PATH
    fake.jobs = [qbxml(VENDOR_QUERY)]
    assert run(sim)["outcome"] == "done"
    assert fake.args("sendRequestXML")[0]["strCompanyFileName"] == COMPANY_PATH


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [("E:this application needs a newer QBWC", "version_refused"), ("O:2.4.0.0", "update_required")],
)
def test_client_version_errors_stop_before_authenticate(sim: str, fake: FakeProduct, answer: str, outcome: str) -> None:
    fake.client_version_answer = answer
    assert run(sim)["outcome"] == outcome
    assert fake.methods() == ["serverVersion", "clientVersion"]


def test_a_client_version_warning_is_clicked_through_by_default(sim: str, fake: FakeProduct) -> None:
    fake.client_version_answer = "W:please upgrade"
    fake.jobs = [qbxml(VENDOR_QUERY)]
    assert run(sim)["outcome"] == "done"


def test_a_client_version_warning_can_be_cancelled(sim: str, fake: FakeProduct) -> None:
    settings(sim, continue_after_version_warning=False)
    fake.client_version_answer = "W:please upgrade"
    session = run(sim)
    assert (session["outcome"], session["detail"]) == ("version_warning", "please upgrade")


def test_a_negative_receive_answer_makes_the_connector_ask_get_last_error(sim: str, fake: FakeProduct) -> None:
    fake.jobs = ["this is not qbXML", qbxml(VENDOR_QUERY)]
    session = run(sim)
    assert fake.methods()[-3:] == ["receiveResponseXML", "getLastError", "closeConnection"]
    assert session["outcome"] == "error"
    assert session["detail"].startswith("0x80040400")
    receive = next(call for call in session["calls"] if call["method"] == "receiveResponseXML")
    assert receive["note"] == 'QuickBooks refused the request: no <?qbxml version="…"?> processing instruction'


def test_an_empty_send_request_makes_the_connector_ask_get_last_error(sim: str, fake: FakeProduct) -> None:
    session = run(sim)
    assert fake.methods()[-3:] == ["sendRequestXML", "getLastError", "closeConnection"]
    assert (session["outcome"], session["detail"]) == ("error", "no more requests")


def test_get_last_error_noop_makes_the_connector_ask_again(sim: str, fake: FakeProduct) -> None:
    fake.jobs = ["", qbxml(VENDOR_QUERY)]
    fake.last_error = "NoOp"
    session = run(sim)
    assert session["outcome"] == "done"
    assert fake.methods().count("sendRequestXML") == 2


def test_a_call_slower_than_the_time_budget_ends_the_session(own_pair: tuple[FakeProduct, str]) -> None:
    fake, sim = own_pair
    settings(sim, time_budget_seconds=0.2)
    fake.jobs = [qbxml(VENDOR_QUERY)]
    fake.delays["sendRequestXML"] = 0.6
    session = run(sim)
    assert session["outcome"] == "timeout"
    assert (session["calls"][-1]["method"], session["calls"][-1]["error"]) == ("sendRequestXML", "timed out")
    assert "receiveResponseXML" not in fake.methods()


def test_past_the_time_budget_the_connector_can_report_connection_error(own_pair: tuple[FakeProduct, str]) -> None:
    fake, sim = own_pair
    settings(sim, time_budget_seconds=0.2, on_timeout="connection_error")
    fake.delays["sendRequestXML"] = 0.6
    assert run(sim)["outcome"] == "timeout"
    assert fake.args("connectionError")[0]["hresult"] == "0x80072EE2"


def test_a_soap_fault_ends_the_session_with_its_faultstring(sim: str, fake: FakeProduct) -> None:
    fake.faults.add("authenticate")
    session = run(sim)
    assert (session["outcome"], session["detail"]) == ("error", "authenticate: SOAP Fault: authenticate broke")


def test_a_malformed_receive_answer_is_qbwc1042(sim: str, fake: FakeProduct) -> None:
    fake.jobs = [qbxml(VENDOR_QUERY)]
    fake.malformed.add("receiveResponseXML")
    session = run(sim)
    assert session["outcome"] == "error"
    assert session["detail"].startswith("QBWC1042: ReceiveResponseXML failed. Error message: Response is not well")


def test_an_unreachable_endpoint_is_an_error(demo_scenario: dict[str, Any], served: Any) -> None:
    demo_scenario["quickbooks"]["companies"][0]["app_url"] = "http://127.0.0.1:9/qbwc"
    session = run(served(create_app(demo_scenario)))
    assert session["outcome"] == "error"
    assert session["calls"][0]["method"] == "serverVersion"


def test_the_session_log_never_holds_the_password(sim: str, fake: FakeProduct) -> None:
    session = run(sim)
    authenticate = next(call for call in session["calls"] if call["method"] == "authenticate")
    assert authenticate["args"] == {"strUserName": USER, "strPassword": "***"}
    assert PASSWORD not in HTTP.get(f"{sim}/_sim/state").text


# qbXML: statuses ------------------------------------------------------------------------------------


def test_a_vendor_query_returns_the_vendor_with_its_identities(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml(VENDOR_QUERY))
    assert (rs.tag, rs.get("requestID"), *status(rs)) == ("VendorQueryRs", "1", "0", "Info")
    assert rs.get("statusMessage") == "Status OK"
    vendor = rs.find("VendorRet")
    assert vendor is not None
    assert [child.tag for child in vendor][:6] == [
        "ListID",
        "TimeCreated",
        "TimeModified",
        "EditSequence",
        "Name",
        "IsActive",
    ]
    assert vendor.findtext("Name") == "Toolmart Supply"


def test_a_query_naming_a_missing_vendor_answers_500_with_the_others(sim: str, fake: FakeProduct) -> None:
    query = "<VendorQueryRq><FullName>FastenPro</FullName><FullName>Nobody Inc</FullName></VendorQueryRq>"
    (rs,) = exchange(sim, fake, qbxml(query))
    assert status(rs) == ("500", "Warn")
    assert '"Nobody Inc"' in rs.get("statusMessage", "")
    assert [v.findtext("Name") for v in rs.findall("VendorRet")] == ["FastenPro"]


def test_a_missing_name_can_answer_1_instead(sim: str, fake: FakeProduct) -> None:
    settings(sim, missing_name_status=1)
    (rs,) = exchange(sim, fake, qbxml("<VendorQueryRq><FullName>Nobody Inc</FullName></VendorQueryRq>"))
    assert status(rs) == ("1", "Info")


def test_a_filter_matching_nothing_answers_1(sim: str, fake: FakeProduct) -> None:
    name_filter = "<NameFilter><MatchCriterion>StartsWith</MatchCriterion><Name>Zz</Name></NameFilter>"
    query = f"<VendorQueryRq>{name_filter}</VendorQueryRq>"
    (rs,) = exchange(sim, fake, qbxml(query))
    assert status(rs) == ("1", "Info")
    assert rs.get("statusMessage") == "A query request did not find a matching object in QuickBooks"


def test_a_query_by_an_unknown_list_id_answers_3120(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml("<VendorQueryRq><ListID>80000099-1700000000</ListID></VendorQueryRq>"))
    assert status(rs) == ("3120", "Error")
    assert rs.get("statusMessage", "").startswith(
        'Object "80000099-1700000000" specified in the request cannot be found.'
    )


def test_a_malformed_list_id_answers_3000(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml("<VendorQueryRq><ListID>not-an-id</ListID></VendorQueryRq>"))
    assert status(rs) == ("3000", "Error")


def test_adding_a_vendor_whose_name_is_in_use_answers_3100(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml("<VendorAddRq><VendorAdd><Name>toolmart SUPPLY</Name></VendorAdd></VendorAddRq>"))
    assert status(rs) == ("3100", "Error")
    assert rs.get("statusMessage") == 'The name "toolmart SUPPLY" of the list element is already in use.'


def test_a_name_longer_than_41_characters_answers_3070(sim: str, fake: FakeProduct) -> None:
    name = "N" * 42
    (rs,) = exchange(sim, fake, qbxml(f"<VendorAddRq><VendorAdd><Name>{name}</Name></VendorAdd></VendorAddRq>"))
    assert status(rs) == ("3070", "Error")
    assert rs.get("statusMessage") == f'The string "{name}" in the field "Name" is too long.'


def test_a_name_of_41_characters_is_accepted(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml(f"<VendorAddRq><VendorAdd><Name>{'N' * 41}</Name></VendorAdd></VendorAddRq>"))
    assert status(rs) == ("0", "Info")


def test_a_ref_number_past_the_limit_answers_3070(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml(bill_add(f"<RefNumber>{'9' * 21}</RefNumber>")))
    assert status(rs) == ("3070", "Error")


def test_an_impossible_date_answers_3020(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(
        sim, fake, qbxml(bill_add("<TxnDate>2026-02-30</TxnDate><ExpenseLineAdd><Amount>1</Amount></ExpenseLineAdd>"))
    )
    assert status(rs) == ("3020", "Error")
    assert '"TxnDate"' in rs.get("statusMessage", "")


def test_a_bad_boolean_answers_3010(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(
        sim,
        fake,
        qbxml("<VendorAddRq><VendorAdd><Name>New Co</Name><IsActive>yes</IsActive></VendorAdd></VendorAddRq>"),
    )
    assert status(rs) == ("3010", "Error")


def test_a_bad_amount_answers_3040(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml(bill_add("<ExpenseLineAdd><Amount>12,50</Amount></ExpenseLineAdd>")))
    assert status(rs) == ("3040", "Error")


def test_a_reference_to_an_unknown_vendor_answers_3140(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml(bill_add("<ExpenseLineAdd><Amount>1</Amount></ExpenseLineAdd>", vendor="Ghost")))
    assert status(rs) == ("3140", "Error")
    assert rs.get("statusMessage", "").startswith(
        'There is an invalid reference to QuickBooks Vendor "Ghost" in the Bill.'
    )


def test_a_transaction_on_or_before_the_closing_date_answers_3180(sim: str, fake: FakeProduct) -> None:
    settings(sim, closing_date="2026-12-31")
    (rs,) = exchange(
        sim, fake, qbxml(bill_add("<TxnDate>2026-12-01</TxnDate><ExpenseLineAdd><Amount>1</Amount></ExpenseLineAdd>"))
    )
    assert status(rs) == ("3180", "Error")
    assert rs.get("statusMessage", "").startswith("There was an error when saving a Bill.")


def test_a_bill_without_lines_answers_3180(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml(bill_add("<RefNumber>EMPTY</RefNumber>")))
    assert status(rs) == ("3180", "Error")


# qbXML: the document is checked whole first --------------------------------------------------------


def test_an_element_order_violation_refuses_the_whole_document(sim: str, fake: FakeProduct) -> None:
    fine = "<VendorAddRq><VendorAdd><Name>Orderly Co</Name></VendorAdd></VendorAddRq>"
    misordered = bill_add("<RefNumber>INV-1</RefNumber><TxnDate>2026-12-01</TxnDate>")
    fake.jobs = [qbxml(fine, misordered), qbxml(VENDOR_QUERY.replace("Toolmart Supply", "Orderly Co"))]
    run(sim)
    receive = fake.args("receiveResponseXML")
    assert receive == [
        {
            "ticket": TICKET,
            "response": "",
            "hresult": "0x80040400",
            "message": "QuickBooks found an error when parsing the provided XML text stream.",
        }
    ]
    state = HTTP.get(f"{sim}/_sim/state").json()
    assert "Orderly Co" not in [o["name"] for o in state["companies"]["cedar"]["lists"]]


def test_element_order_checking_can_be_switched_off(sim: str, fake: FakeProduct) -> None:
    settings(sim, enforce_element_order=False)
    misordered = bill_add(
        "<RefNumber>INV-1</RefNumber><TxnDate>2026-12-01</TxnDate><ExpenseLineAdd><Amount>5</Amount></ExpenseLineAdd>"
    )
    (rs,) = exchange(sim, fake, qbxml(misordered))
    assert status(rs) == ("0", "Info")


@pytest.mark.parametrize(
    "document",
    [
        pytest.param("<QBXML><QBXMLMsgsRq", id="not well-formed"),
        pytest.param(qbxml("<CustomerWishRq/>"), id="unknown request"),
        pytest.param(qbxml("<VendorQueryRq><Colour>red</Colour></VendorQueryRq>"), id="unknown element"),
        pytest.param(
            qbxml("<VendorAddRq><VendorAdd><IsActive>true</IsActive></VendorAdd></VendorAddRq>"),
            id="missing required element",
        ),
        pytest.param(
            qbxml(
                "<VendorModRq><VendorMod><ListID>1-1</ListID><ListID>1-2</ListID><EditSequence>1"
                "</EditSequence></VendorMod></VendorModRq>"
            ),
            id="repeated single element",
        ),
        pytest.param(qbxml("<VendorQueryRq><ActiveStatus>Sometimes</ActiveStatus></VendorQueryRq>"), id="bad enum"),
        pytest.param(qbxml(VENDOR_QUERY).replace('<?qbxml version="13.0"?>', ""), id="no qbxml version"),
        pytest.param(qbxml(VENDOR_QUERY, version="16.0"), id="newer qbxml version"),
        pytest.param(qbxml(VENDOR_QUERY, on_error="ignoreErrors"), id="bad onError"),
        pytest.param(
            '<?qbxml version="13.0"?><!DOCTYPE QBXML [<!ENTITY x "y">]><QBXML><QBXMLMsgsRq '
            'onError="stopOnError"><VendorQueryRq><FullName>&x;</FullName></VendorQueryRq></QBXMLMsgsRq>'
            "</QBXML>",
            id="entity declaration",
        ),
    ],
)
def test_documents_quickbooks_cannot_parse_get_hresult_0x80040400(sim: str, fake: FakeProduct, document: str) -> None:
    fake.jobs = [document]
    run(sim)
    assert fake.args("receiveResponseXML")[0]["hresult"] == "0x80040400"


def test_stop_on_error_skips_the_requests_after_an_error(sim: str, fake: FakeProduct) -> None:
    duplicate = "<VendorAddRq><VendorAdd><Name>FastenPro</Name></VendorAdd></VendorAddRq>"
    answered = exchange(sim, fake, qbxml(duplicate, VENDOR_QUERY))
    assert [rs.tag for rs in answered] == ["VendorAddRs"]


def test_continue_on_error_runs_every_request(sim: str, fake: FakeProduct) -> None:
    duplicate = "<VendorAddRq><VendorAdd><Name>FastenPro</Name></VendorAdd></VendorAddRq>"
    answered = exchange(sim, fake, qbxml(duplicate, VENDOR_QUERY, on_error="continueOnError"))
    assert [(rs.tag, rs.get("statusCode")) for rs in answered] == [("VendorAddRs", "3100"), ("VendorQueryRs", "0")]


# qbXML: edit sequences ------------------------------------------------------------------------------


def _vendor_mod(list_id: str, edit_sequence: str, name: str) -> str:
    return (
        f"<VendorModRq><VendorMod><ListID>{list_id}</ListID><EditSequence>{edit_sequence}</EditSequence>"
        f"<Name>{name}</Name><CompanyName>Toolmart Supply LLC</CompanyName></VendorMod></VendorModRq>"
    )


def _vendor(responses: list[str], index: int = 0) -> ET.Element:
    ret = answers(responses[index])[0].find("VendorRet")
    assert ret is not None
    return ret


def test_a_mod_bumps_the_edit_sequence_and_an_old_one_is_then_stale(sim: str, fake: FakeProduct) -> None:
    def mod(responses: list[str]) -> str:
        vendor = _vendor(responses)
        return qbxml(_vendor_mod(vendor.findtext("ListID", ""), vendor.findtext("EditSequence", ""), "Toolmart"))

    def stale_mod(responses: list[str]) -> str:
        vendor = _vendor(responses)
        return qbxml(_vendor_mod(vendor.findtext("ListID", ""), vendor.findtext("EditSequence", ""), "Toolmart 2"))

    query, modded, stale = exchange(sim, fake, qbxml(VENDOR_QUERY), mod, stale_mod)
    before, after = query.find("VendorRet"), modded.find("VendorRet")
    assert before is not None
    assert after is not None
    assert status(modded) == ("0", "Info")
    assert int(after.findtext("EditSequence", "")) > int(before.findtext("EditSequence", ""))
    assert (after.findtext("Name"), after.findtext("CompanyName")) == ("Toolmart", "Toolmart Supply LLC")
    assert status(stale) == ("3200", "Error")
    assert (
        stale.get("statusMessage") == f'The provided edit sequence "{before.findtext("EditSequence")}" is out-of-date.'
    )


def test_a_mod_moves_time_modified_on_the_simulator_clock(sim: str, fake: FakeProduct) -> None:
    def mod(responses: list[str]) -> str:
        HTTP.post(f"{sim}/_sim/clock", json={"advance": 3600})
        vendor = _vendor(responses)
        return qbxml(_vendor_mod(vendor.findtext("ListID", ""), vendor.findtext("EditSequence", ""), "Toolmart"))

    query, modded = exchange(sim, fake, qbxml(VENDOR_QUERY), mod)
    created = datetime.fromisoformat(query.findtext("VendorRet/TimeModified", ""))
    modified = datetime.fromisoformat(modded.findtext("VendorRet/TimeModified", ""))
    assert (modified - created).total_seconds() >= 3600


def test_a_mod_of_an_unknown_list_id_answers_3120(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml(_vendor_mod("80000099-1700000000", "1700000000", "X")))
    assert status(rs) == ("3120", "Error")


def test_a_mod_to_a_name_in_use_answers_3100(sim: str, fake: FakeProduct) -> None:
    def mod(responses: list[str]) -> str:
        vendor = _vendor(responses)
        return qbxml(_vendor_mod(vendor.findtext("ListID", ""), vendor.findtext("EditSequence", ""), "FastenPro"))

    _, rs = exchange(sim, fake, qbxml(VENDOR_QUERY), mod)
    assert status(rs) == ("3100", "Error")


# qbXML: lists and iterators -------------------------------------------------------------------------


def test_an_iterator_pages_through_the_items(sim: str, fake: FakeProduct) -> None:
    def next_page(responses: list[str]) -> str:
        iterator_id = answers(responses[-1])[0].get("iteratorID")
        return qbxml(
            f'<ItemQueryRq iterator="Continue" iteratorID="{iterator_id}"><MaxReturned>1</MaxReturned></ItemQueryRq>'
        )

    first, second, spent = exchange(
        sim,
        fake,
        qbxml('<ItemQueryRq iterator="Start"><MaxReturned>1</MaxReturned></ItemQueryRq>'),
        next_page,
        next_page,
    )
    assert (first.get("iteratorRemainingCount"), second.get("iteratorRemainingCount")) == ("1", "0")
    assert first.get("iteratorID") == second.get("iteratorID")
    assert [rs.findtext("ItemInventoryRet/Name") for rs in (first, second)] == ["HAMMER-16", "SCREW-W8"]
    assert status(spent) == ("3000", "Error")


def test_max_returned_without_an_iterator_truncates(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml("<VendorQueryRq><MaxReturned>1</MaxReturned></VendorQueryRq>"))
    assert len(rs.findall("VendorRet")) == 1
    assert rs.get("iteratorID") is None


def test_account_class_and_item_queries_return_the_lists(sim: str, fake: FakeProduct) -> None:
    accounts, classes, items = exchange(
        sim,
        fake,
        qbxml(
            "<AccountQueryRq><AccountType>CostOfGoodsSold</AccountType></AccountQueryRq>",
            "<ClassQueryRq/>",
            "<ItemInventoryQueryRq><FullName>HAMMER-16</FullName></ItemInventoryQueryRq>",
        ),
    )
    assert [a.findtext("FullName") for a in accounts.findall("AccountRet")] == ["6100 Inventory Purchases"]
    assert sorted(c.findtext("Name") or "" for c in classes.findall("ClassRet")) == ["Contractor", "Retail"]
    assert items.findtext("ItemInventoryRet/PurchaseCost") == "11.75"


def test_include_ret_element_trims_the_rets(sim: str, fake: FakeProduct) -> None:
    query = "<VendorQueryRq><FullName>FastenPro</FullName><IncludeRetElement>ListID</IncludeRetElement></VendorQueryRq>"
    (rs,) = exchange(sim, fake, qbxml(query))
    assert [child.tag for child in rs.find("VendorRet")] == ["ListID"]  # type: ignore[union-attr]


# qbXML: purchase orders, receipts, bills ------------------------------------------------------------


def test_a_purchase_order_query_by_ref_number_includes_lines(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml(PO_WITH_LINES))
    po = rs.find("PurchaseOrderRet")
    assert po is not None
    assert (po.findtext("RefNumber"), po.findtext("VendorRef/FullName"), po.findtext("TotalAmount")) == (
        "2001",
        "Toolmart Supply",
        "432.00",
    )
    lines = po.findall("PurchaseOrderLineRet")
    assert [(line.findtext("ItemRef/FullName"), line.findtext("Quantity")) for line in lines] == [
        ("HAMMER-16", "24"),
        ("SCREW-W8", "5000"),
    ]
    assert po.findtext("IsFullyReceived") == "false"


def test_a_purchase_order_query_leaves_lines_out_unless_asked(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml("<PurchaseOrderQueryRq><RefNumber>2001</RefNumber></PurchaseOrderQueryRq>"))
    assert rs.find("PurchaseOrderRet/PurchaseOrderLineRet") is None


def test_a_purchase_order_query_by_txn_id(sim: str, fake: FakeProduct) -> None:
    txn_id = first_po_id(sim, fake)
    (rs,) = exchange(sim, fake, qbxml(f"<PurchaseOrderQueryRq><TxnID>{txn_id}</TxnID></PurchaseOrderQueryRq>"))
    assert rs.findtext("PurchaseOrderRet/RefNumber") == "2001"


def test_a_purchase_order_query_by_modified_date_range(sim: str, fake: FakeProduct) -> None:
    now = HTTP.post(f"{sim}/_sim/clock", json={"advance": 3 * 86400}).json()["now"]
    today = datetime.fromtimestamp(now, UTC).date().isoformat()
    add = (
        "<PurchaseOrderAddRq><PurchaseOrderAdd><VendorRef><FullName>FastenPro</FullName></VendorRef>"
        "<TxnDate>2026-12-02</TxnDate><RefNumber>2002</RefNumber><PurchaseOrderLineAdd><ItemRef><FullName>SCREW-W8"
        "</FullName></ItemRef><Quantity>100</Quantity><Rate>0.04</Rate></PurchaseOrderLineAdd></PurchaseOrderAdd>"
        "</PurchaseOrderAddRq>"
    )
    query = (
        f"<PurchaseOrderQueryRq><ModifiedDateRangeFilter><FromModifiedDate>{today}</FromModifiedDate>"
        "</ModifiedDateRangeFilter></PurchaseOrderQueryRq>"
    )
    added, found = exchange(sim, fake, qbxml(add, query))
    assert added.findtext("PurchaseOrderRet/PurchaseOrderLineRet/Amount") == "4.00"
    assert [po.findtext("RefNumber") for po in found.findall("PurchaseOrderRet")] == ["2002"]


def test_an_item_receipt_linked_to_a_po_receives_its_open_lines(sim: str, fake: FakeProduct) -> None:
    txn_id = first_po_id(sim, fake)
    receipt = (
        "<ItemReceiptAddRq><ItemReceiptAdd><VendorRef><FullName>Toolmart Supply</FullName></VendorRef>"
        f"<TxnDate>2026-12-05</TxnDate><RefNumber>RCV-1</RefNumber><LinkToTxnID>{txn_id}</LinkToTxnID>"
        "</ItemReceiptAdd></ItemReceiptAddRq>"
    )
    added, po, items = exchange(
        sim,
        fake,
        qbxml(receipt, PO_WITH_LINES, "<ItemInventoryQueryRq><FullName>HAMMER-16</FullName></ItemInventoryQueryRq>"),
    )
    assert status(added) == ("0", "Info")
    assert added.findtext("ItemReceiptRet/LinkedTxn/TxnID") == txn_id
    assert added.findtext("ItemReceiptRet/TotalAmount") == "432.00"
    assert [q.text for q in po.findall("PurchaseOrderRet/PurchaseOrderLineRet/ReceivedQuantity")] == ["24", "5000"]
    assert po.findtext("PurchaseOrderRet/IsFullyReceived") == "true"
    assert po.findtext("PurchaseOrderRet/LinkedTxn/TxnType") == "ItemReceipt"
    assert items.findtext("ItemInventoryRet/QuantityOnHand") == "24"


def test_an_item_line_linked_to_a_po_line_receives_part_of_it(sim: str, fake: FakeProduct) -> None:
    def receipt(responses: list[str]) -> str:
        po = answers(responses[0])[0].find("PurchaseOrderRet")
        assert po is not None
        line_id = po.findtext("PurchaseOrderLineRet/TxnLineID")
        return qbxml(
            "<ItemReceiptAddRq><ItemReceiptAdd><VendorRef><FullName>Toolmart Supply</FullName></VendorRef>"
            f"<ItemLineAdd><Quantity>10</Quantity><LinkToTxn><TxnID>{po.findtext('TxnID')}</TxnID>"
            f"<TxnLineID>{line_id}</TxnLineID></LinkToTxn></ItemLineAdd></ItemReceiptAdd></ItemReceiptAddRq>",
            PO_WITH_LINES,
        )

    _, added, po = exchange(sim, fake, qbxml(PO_WITH_LINES), receipt)
    assert added.findtext("ItemReceiptRet/ItemLineRet/Amount") == "117.50"
    assert [q.text for q in po.findall("PurchaseOrderRet/PurchaseOrderLineRet/ReceivedQuantity")] == ["10", "0"]
    assert po.findtext("PurchaseOrderRet/IsFullyReceived") == "false"


def test_an_item_receipt_query_finds_receipts_by_vendor(sim: str, fake: FakeProduct) -> None:
    txn_id = first_po_id(sim, fake)
    receipt = (
        "<ItemReceiptAddRq><ItemReceiptAdd><VendorRef><FullName>Toolmart Supply</FullName></VendorRef>"
        f"<RefNumber>RCV-9</RefNumber><LinkToTxnID>{txn_id}</LinkToTxnID></ItemReceiptAdd></ItemReceiptAddRq>"
    )
    query = "<ItemReceiptQueryRq><EntityFilter><FullName>Toolmart Supply</FullName></EntityFilter></ItemReceiptQueryRq>"
    _, found = exchange(sim, fake, qbxml(receipt, query))
    assert [r.findtext("RefNumber") for r in found.findall("ItemReceiptRet")] == ["RCV-9"]


def test_a_bill_linked_to_a_po_copies_its_open_lines_and_links_both_ways(sim: str, fake: FakeProduct) -> None:
    txn_id = first_po_id(sim, fake)
    bill = bill_add(
        f"<TxnDate>2026-12-06</TxnDate><DueDate>2027-01-05</DueDate><RefNumber>INV-77</RefNumber>"
        f"<LinkToTxnID>{txn_id}</LinkToTxnID><ExpenseLineAdd><AccountRef><FullName>6100 Inventory Purchases</FullName>"
        "</AccountRef><Amount>12.50</Amount><ClassRef><FullName>Retail</FullName></ClassRef></ExpenseLineAdd>"
    )
    added, po = exchange(sim, fake, qbxml(bill, PO_WITH_LINES))
    ret = added.find("BillRet")
    assert ret is not None
    assert (ret.findtext("AmountDue"), ret.findtext("IsPaid"), ret.findtext("DueDate")) == (
        "444.50",
        "false",
        "2027-01-05",
    )
    assert (ret.findtext("LinkedTxn/TxnID"), ret.findtext("LinkedTxn/TxnType")) == (txn_id, "PurchaseOrder")
    assert ret.findtext("ExpenseLineRet/ClassRef/FullName") == "Retail"
    assert [line.findtext("ItemRef/FullName") for line in ret.findall("ItemLineRet")] == ["HAMMER-16", "SCREW-W8"]
    assert po.findtext("PurchaseOrderRet/LinkedTxn/TxnType") == "Bill"
    assert po.findtext("PurchaseOrderRet/IsFullyReceived") == "true"


def test_a_header_link_can_match_item_lines_instead_of_copying(sim: str, fake: FakeProduct) -> None:
    settings(sim, link_to_txn_id="match_item_lines")
    txn_id = first_po_id(sim, fake)
    bill = bill_add(
        f"<LinkToTxnID>{txn_id}</LinkToTxnID><ItemLineAdd><ItemRef><FullName>HAMMER-16</FullName></ItemRef>"
        "<Quantity>4</Quantity></ItemLineAdd>"
    )
    added, po = exchange(sim, fake, qbxml(bill, PO_WITH_LINES))
    assert [line.findtext("Amount") for line in added.findall("BillRet/ItemLineRet")] == ["47.00"]
    assert [q.text for q in po.findall("PurchaseOrderRet/PurchaseOrderLineRet/ReceivedQuantity")] == ["4", "0"]


def test_linking_an_unknown_transaction_answers_3120(sim: str, fake: FakeProduct) -> None:
    (rs,) = exchange(sim, fake, qbxml(bill_add("<LinkToTxnID>7F-1700000000</LinkToTxnID>")))
    assert status(rs) == ("3120", "Error")


def test_linking_a_po_of_another_vendor_answers_3180(sim: str, fake: FakeProduct) -> None:
    txn_id = first_po_id(sim, fake)
    (rs,) = exchange(sim, fake, qbxml(bill_add(f"<LinkToTxnID>{txn_id}</LinkToTxnID>", vendor="FastenPro")))
    assert status(rs) == ("3180", "Error")


def test_bills_are_found_by_ref_number_and_vendor_for_reconciliation(sim: str, fake: FakeProduct) -> None:
    bill = bill_add("<RefNumber>INV-88</RefNumber><ExpenseLineAdd><Amount>10</Amount></ExpenseLineAdd>")
    by_ref = "<BillQueryRq><RefNumber>inv-88</RefNumber></BillQueryRq>"
    by_vendor = (
        "<BillQueryRq><EntityFilter><FullName>Toolmart Supply</FullName></EntityFilter><RefNumberFilter>"
        "<MatchCriterion>StartsWith</MatchCriterion><RefNumber>INV-</RefNumber></RefNumberFilter></BillQueryRq>"
    )
    other_vendor = "<BillQueryRq><EntityFilter><FullName>FastenPro</FullName></EntityFilter></BillQueryRq>"
    _, found, filtered, none = exchange(sim, fake, qbxml(bill, by_ref, by_vendor, other_vendor))
    assert found.findtext("BillRet/RefNumber") == "INV-88"
    assert filtered.findtext("BillRet/RefNumber") == "INV-88"
    assert status(none) == ("1", "Info")


def test_a_second_bill_with_the_same_ref_number_is_accepted(sim: str, fake: FakeProduct) -> None:
    bill = bill_add("<RefNumber>INV-99</RefNumber><ExpenseLineAdd><Amount>10</Amount></ExpenseLineAdd>")
    _, _, found = exchange(sim, fake, qbxml(bill, bill, "<BillQueryRq><RefNumber>INV-99</RefNumber></BillQueryRq>"))
    assert len(found.findall("BillRet")) == 2


# the .qwc flow and admin routes ---------------------------------------------------------------------


def _basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def test_the_qwc_download_describes_the_application(sim: str, app_url: str) -> None:
    response = HTTP.get(f"{sim}/qwc/cedar", headers=_basic(USER, PASSWORD))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-qwc")
    root = ET.fromstring(response.text)
    assert root.tag == "QBWCXML"
    assert root.findtext("AppURL") == app_url
    assert (root.findtext("UserName"), root.findtext("QBType"), root.findtext("Scheduler/RunEveryNMinutes")) == (
        USER,
        "QBFS",
        "1",
    )
    assert root.findtext("OwnerID", "").startswith("{")
    assert root.findtext("FileID", "").endswith("}")
    assert PASSWORD not in response.text


@pytest.mark.parametrize(
    "headers", [{}, _basic(USER, "guess-42"), _basic("admin", PASSWORD), {"Authorization": "Basic !"}]
)
def test_the_qwc_download_needs_the_web_connector_user(sim: str, headers: dict[str, str]) -> None:
    response = HTTP.get(f"{sim}/qwc/cedar", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert "guess-42" not in response.text
    assert PASSWORD not in response.text


def test_the_qwc_of_an_unknown_company_is_not_found(sim: str) -> None:
    assert HTTP.get(f"{sim}/qwc/nobody", headers=_basic(USER, PASSWORD)).status_code == 404


def _qwc(app_url: str, username: str = "other-user") -> str:
    return (
        f'<?xml version="1.0"?><QBWCXML><AppName>EDI Assets 2</AppName><AppID></AppID><AppURL>{app_url}</AppURL>'
        f"<AppDescription>x</AppDescription><AppSupport>{app_url}</AppSupport><UserName>{username}</UserName>"
        "<OwnerID>{90A44FB5-33D9-4815-AC85-BC87A7E7D1EB}</OwnerID><FileID>{57F3B9B1-86F1-4fcc-B1EE-566DE1813D20}"
        "</FileID><QBType>QBFS</QBType><Scheduler><RunEveryNMinutes>5</RunEveryNMinutes></Scheduler></QBWCXML>"
    )


def test_an_installed_qwc_needs_its_password_and_then_drives_its_app_url(
    sim: str, fake: FakeProduct, app_url: str
) -> None:
    installed = HTTP.post(f"{sim}/_sim/qwc?company=cedar", content=_qwc(app_url, username=USER))
    assert installed.status_code == 200
    assert installed.json()["qwc"]["app_name"] == "EDI Assets 2"
    assert run(sim)["outcome"] == "no_password"
    assert fake.calls == []
    assert HTTP.post(f"{sim}/_sim/qwc/password", json={"company": "cedar", "password": PASSWORD}).status_code == 200
    fake.jobs = [qbxml(VENDOR_QUERY)]
    assert run(sim)["outcome"] == "done"


def test_an_installed_qwc_changes_the_user_name_sent(sim: str, fake: FakeProduct, app_url: str) -> None:
    HTTP.post(f"{sim}/_sim/qwc?company=cedar", content=_qwc(app_url))
    HTTP.post(f"{sim}/_sim/qwc/password", json={"company": "cedar", "password": PASSWORD})
    assert run(sim)["outcome"] == "nvu"
    assert fake.args("authenticate")[0]["strUserName"] == "other-user"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_qwc("http://bridge.example.com/qbwc"), "https"),
        (_qwc("https://bridge.example.com/qbwc").replace("<QBType>QBFS</QBType>", ""), "QBType"),
        (_qwc("https://bridge.example.com/qbwc").replace("{90A44FB5-33D9-4815-AC85-BC87A7E7D1EB}", "owner"), "OwnerID"),
        ("<QBWCXML><AppName>x", "well-formed"),
    ],
)
def test_a_qwc_the_web_connector_would_refuse_is_refused(sim: str, body: str, reason: str) -> None:
    response = HTTP.post(f"{sim}/_sim/qwc?company=cedar", content=body)
    assert response.status_code == 400
    assert reason in response.json()["message"]


def test_a_qwc_cannot_be_added_while_quickbooks_is_closed(sim: str) -> None:
    HTTP.post(f"{sim}/_sim/close")
    response = HTTP.post(f"{sim}/_sim/qwc?company=cedar", content=_qwc("https://bridge.example.com/qbwc"))
    assert response.status_code == 409


def test_admin_routes_refuse_unknown_companies_and_bad_bodies(sim: str) -> None:
    assert HTTP.post(f"{sim}/_sim/qwc?company=nobody", content=_qwc("https://b.example.com/q")).status_code == 404
    assert HTTP.post(f"{sim}/_sim/qwc/password", json={"company": "nobody", "password": "x"}).status_code == 404
    assert HTTP.post(f"{sim}/_sim/qwc/password", json={"company": "cedar"}).status_code == 400
    assert HTTP.post(f"{sim}/_sim/run", json={"company": "nobody"}).status_code == 404
    assert HTTP.post(f"{sim}/_sim/run", json=["cedar"]).status_code == 400


def test_run_without_a_company_runs_every_application(sim: str, fake: FakeProduct) -> None:
    response = HTTP.post(f"{sim}/_sim/run")
    assert [s["company"] for s in response.json()["sessions"]] == ["cedar"]


def test_state_shows_the_company_file_and_the_sessions(sim: str, fake: FakeProduct) -> None:
    run(sim)
    state = HTTP.get(f"{sim}/_sim/state").json()
    assert state["companies"]["cedar"]["path"] == COMPANY_PATH
    assert [s["outcome"] for s in state["sessions"]] == ["error"]
    assert state["apps"]["cedar"]["password_entered"] is True


def test_reset_restores_the_company_file(sim: str, fake: FakeProduct) -> None:
    exchange(sim, fake, qbxml("<VendorAddRq><VendorAdd><Name>Temporary Co</Name></VendorAdd></VendorAddRq>"))
    assert HTTP.post(f"{sim}/_sim/reset").status_code == 200
    state = HTTP.get(f"{sim}/_sim/state").json()
    assert "Temporary Co" not in [o["name"] for o in state["companies"]["cedar"]["lists"]]
    assert state["sessions"] == []


def test_faults_apply_to_the_qwc_route(sim: str) -> None:
    HTTP.post(f"{sim}/_sim/faults", json={"rules": [{"kind": "status", "path": "/qwc/*", "status": 503}]})
    assert HTTP.get(f"{sim}/qwc/cedar", headers=_basic(USER, PASSWORD)).status_code == 503


# the scheduler ---------------------------------------------------------------------------------------


def test_the_scheduler_runs_a_session_when_one_is_due(
    demo_scenario: dict[str, Any], app_url: str, served: Any, fake: FakeProduct
) -> None:
    app = create_app(pointed_at(demo_scenario, app_url))
    sim = served(app)
    driver = app.backend.driver  # type: ignore[attr-defined]
    assert [log.outcome for log in driver.run_due()] == ["error"]
    assert driver.run_due() == []
    HTTP.post(f"{sim}/_sim/clock", json={"advance": 61})
    assert len(driver.run_due()) == 1


def test_the_scheduler_waits_as_long_as_authenticate_asks(
    demo_scenario: dict[str, Any], app_url: str, fake: FakeProduct
) -> None:
    app = create_app(pointed_at(demo_scenario, app_url))
    driver = app.backend.driver  # type: ignore[attr-defined]
    fake.authenticate_answer = [TICKET, "busy", "600"]
    (log,) = driver.run_once()
    assert driver.due_at("cedar") == pytest.approx((log.ended_at or 0) + 600)


def test_the_scheduler_starts_and_stops_on_a_background_thread(sim: str, fake: FakeProduct) -> None:
    assert HTTP.post(f"{sim}/_sim/scheduler", json={"running": True}).json() == {"running": True}
    assert HTTP.post(f"{sim}/_sim/scheduler", json={"running": False}).json() == {"running": False}
    assert HTTP.post(f"{sim}/_sim/scheduler", json={}).status_code == 400


def test_demo_credentials_list_the_web_connector_user(demo_scenario: dict[str, Any]) -> None:
    (credential,) = demo_credentials(demo_scenario)
    assert (credential.system, credential.tenant, credential.username, credential.secret) == (
        "quickbooks",
        "cedar",
        USER,
        PASSWORD,
    )
