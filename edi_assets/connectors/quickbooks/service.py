"""The QuickBooks Web Connector's SOAP endpoint (qbwc.wsdl): QBWC calls us, and we hand it the queued qbXML.

A session, as the Web Connector runs it: ``serverVersion``, ``clientVersion``, ``authenticate`` (we answer a
ticket and the company file to open, ``"nvu"`` for a bad user name or password, ``"none"`` when the customer's
queue is empty), then ``sendRequestXML`` (a batch from :class:`~.queue.WorkQueue`) and ``receiveResponseXML``
(QuickBooks' answers recorded; the percent done, 100 when nothing is left, negative on error, after which QBWC
asks ``getLastError``) in turn, and ``closeConnection``. ``connectionError`` reports that QuickBooks could not
open the file (closed, another file open): the session ends and the queue waits for the next one.

SOAP 1.1 document/literal by hand: lxml parses with entities, DTDs and the network off (:func:`.qbxml.parse_xml`)
and builds the answers. One service may serve several customers: the user name at ``authenticate`` picks the
customer (checked in constant time against every customer's vault credentials), the ticket carries it after.
Tickets expire after ``ticket_idle_seconds`` unused, and a new session of a customer ends its older one. The
company file QBWC names must be the customer's ``company_file``. ``GET /qwc/{customer}`` serves the .qwc to add
the application to QBWC (it never holds the password), ``GET /qbwc?wsdl`` the WSDL. Serve on 127.0.0.1 only
(:func:`run`); QBWC reaches it over HTTPS through a proxy, or directly when on the same machine.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from edi_assets.connectors.erp import CredentialSource
from edi_assets.connectors.quickbooks import qbxml
from edi_assets.connectors.quickbooks.queue import QueueSettings, WorkQueue
from edi_assets.connectors.quickbooks.wsdl import wsdl
from edi_assets.connectors.redaction import get_logger, register_secret
from edi_assets.customers import Customer, QuickBooksErp

log = get_logger(__name__)

NS = "http://developer.intuit.com/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVER_VERSION = "EDI Assets QuickBooks Web Connector service 1.0"
QWC_CONTENT_TYPE = "application/x-qwc"
SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"
HOST = "127.0.0.1"
NOT_VALID_USER, NO_WORK = "nvu", "none"
_GUIDS = uuid.UUID("6f1c2a7e-3b8d-4c55-9a41-0e2d7b9c8f10")  # namespace of the .qwc OwnerID/FileID per customer
_QBXML_MAJOR = int(qbxml.QBXML_VERSION.split(".")[0])

Result = str | int | list[str]


class ServiceSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_idle_seconds: float = Field(default=900.0, gt=0, description="a ticket unused this long has expired")
    min_client_version: str | None = Field(default=None, description='older Web Connectors are asked to update ("O:")')
    public_url: str | None = Field(default=None, description="AppURL in the .qwc (the https address QBWC uses); "
                                   "default: this server's own /qbwc")


@dataclass
class Endpoint:
    """One customer the service serves: its settings, its vault credentials and its queue."""

    customer: Customer
    credentials: CredentialSource
    queue: WorkQueue

    @property
    def erp(self) -> QuickBooksErp:
        assert isinstance(self.customer.erp, QuickBooksErp)
        return self.customer.erp


@dataclass
class _Ticket:
    customer: str
    session: str
    last_seen: float
    last_error: str = ""


class SoapClientError(ValueError):
    """The request is not a call of this service (answered with a soap:Client fault)."""


def _same_file(a: str, b: str) -> bool:
    """Windows paths compare without regard to case or slash direction."""
    return str(PureWindowsPath(a.strip())).casefold() == str(PureWindowsPath(b.strip())).casefold()


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in text.strip().split("."))


def guid(kind: str, customer_id: str) -> str:
    """A GUID in braces, the same for a customer every time (QBWC keys its settings by OwnerID and FileID)."""
    return "{" + str(uuid.uuid5(_GUIDS, f"{kind}:{customer_id}")).upper() + "}"


class QbwcService:
    """The Web Connector methods, without HTTP (the Starlette app below is a thin layer over this)."""

    def __init__(self, endpoints: Iterable[Endpoint], settings: ServiceSettings | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.endpoints = {endpoint.customer.id: endpoint for endpoint in endpoints}
        for endpoint in self.endpoints.values():
            if not isinstance(endpoint.customer.erp, QuickBooksErp):
                raise ValueError(f"customer {endpoint.customer.id} does not keep its books in QuickBooks")
        self.settings = settings or ServiceSettings()
        self._clock = clock
        self._tickets: dict[str, _Ticket] = {}
        self._lock = threading.Lock()

    # -- tickets --------------------------------------------------------------------------------------

    def _ticket(self, ticket: str) -> _Ticket | None:
        """The live session of ``ticket``; an unknown or expired one is None (an expired one is removed)."""
        now = self._clock()
        with self._lock:
            found = self._tickets.get(ticket)
            if found is None:
                return None
            if now - found.last_seen > self.settings.ticket_idle_seconds:
                del self._tickets[ticket]
                self.endpoints[found.customer].queue.end_session(found.session)
                return None
            found.last_seen = now
            return found

    def _end(self, ticket: str) -> tuple[_Ticket, tuple[int, int]] | None:
        with self._lock:
            found = self._tickets.pop(ticket, None)
        if found is None:
            return None
        return found, self.endpoints[found.customer].queue.end_session(found.session)

    # -- the methods ----------------------------------------------------------------------------------

    def server_version(self) -> str:
        return SERVER_VERSION

    def client_version(self, version: str) -> str:
        """``""`` accepts the Web Connector; ``"O:<version>"`` asks the user to update it first."""
        wanted = self.settings.min_client_version
        if wanted and _version(version) < _version(wanted):
            return f"O:{wanted}"
        return ""

    def _credentials(self, endpoint: Endpoint) -> tuple[SecretStr, SecretStr] | None:
        try:
            username, password = (endpoint.credentials("quickbooks.username"),
                                  endpoint.credentials("quickbooks.password"))
        except LookupError:  # not stored (a wrong vault key is an error of its own, and surfaces)
            log.error("customer %s has no QuickBooks Web Connector credentials in the vault", endpoint.customer.id)
            return None
        register_secret(password)
        return username, password

    def authenticate(self, username: str, password: str) -> list[str]:
        matched: Endpoint | None = None
        for endpoint in self.endpoints.values():  # every customer compared, each in constant time
            known = self._credentials(endpoint)
            if known is None:
                continue
            same = hmac.compare_digest(username.encode(), known[0].get_secret_value().encode())
            same &= hmac.compare_digest(password.encode(), known[1].get_secret_value().encode())
            if same and matched is None:
                matched = endpoint
        if matched is None:
            log.warning("Web Connector user %r refused: not a valid user name and password", username)
            return ["", NOT_VALID_USER]
        if not matched.queue.has_work():
            return ["", NO_WORK]
        ticket = str(uuid.uuid4())
        with self._lock:
            older = [t for t, found in self._tickets.items() if found.customer == matched.customer.id]
            for old in older:  # one Web Connector per company file: a new session ends the last one
                del self._tickets[old]
            session = matched.queue.begin_session()
            self._tickets[ticket] = _Ticket(matched.customer.id, session, self._clock())
        log.info("Web Connector session for %s begins", matched.customer.id)
        return [ticket, matched.erp.company_file]

    def send_request_xml(self, ticket: str, hcp_response: str, company_file: str, country: str, major: int,
                         minor: int) -> str:
        """The next batch, or ``""`` (then QBWC asks :meth:`get_last_error` why)."""
        found = self._ticket(ticket)
        if found is None:
            return ""
        endpoint = self.endpoints[found.customer]
        if not _same_file(company_file, endpoint.erp.company_file):
            found.last_error = (f"QuickBooks has {company_file or 'no company file'} open, but this application "
                                f"serves {endpoint.erp.company_file}")
            log.error("customer %s: %s", found.customer, found.last_error)
            return ""
        if major < _QBXML_MAJOR:
            found.last_error = (f"this QuickBooks speaks qbXML {major}.{minor}; the application needs "
                                f"{qbxml.QBXML_VERSION} (QuickBooks 2014 or later)")
            return ""
        batch = endpoint.queue.next_batch(found.session)
        if batch is None:
            found.last_error = "nothing more to send"
            return ""
        log.info("customer %s: %d request(s) to QuickBooks", found.customer, len(batch.request_ids))
        return batch.qbxml

    def receive_response_xml(self, ticket: str, response: str, hresult: str, message: str) -> int:
        found = self._ticket(ticket)
        if found is None:
            return -1
        queue = self.endpoints[found.customer].queue
        if hresult:
            found.last_error = f"QuickBooks could not process the request: {hresult}: {message}"
            log.warning("customer %s: %s", found.customer, found.last_error)
            percent = queue.refused(found.session, hresult, message)
            return percent if hresult == qbxml.PARSE_HRESULT else -1
        try:
            return queue.record(found.session, response)
        except qbxml.QbXmlError as exc:
            found.last_error = f"the response from QuickBooks could not be read: {exc}"
            log.warning("customer %s: %s", found.customer, found.last_error)
            return -1

    def get_last_error(self, ticket: str) -> str:
        found = self._ticket(ticket)
        if found is None:
            return "the session has ended or expired; the Web Connector starts a new one at its next update"
        return found.last_error

    def connection_error(self, ticket: str, hresult: str, message: str) -> str:
        """QuickBooks could not be reached (closed, another file open): end the session, the queue waits."""
        ended = self._end(ticket)
        if ended is not None:
            log.warning("customer %s: the Web Connector could not reach QuickBooks (%s: %s); the queue waits",
                        ended[0].customer, hresult, message)
        return "done"

    def close_connection(self, ticket: str) -> str:
        ended = self._end(ticket)
        if ended is None:
            return "OK"
        done, failed = ended[1]
        log.info("Web Connector session for %s ends: %d done, %d failed", ended[0].customer, done, failed)
        return f"OK: {done} document(s) posted, {failed} failed" if done or failed else "OK"

    # -- the .qwc file --------------------------------------------------------------------------------

    def qwc(self, customer_id: str, app_url: str) -> str:
        """The .qwc that adds this application to the customer's Web Connector; never holds the password."""
        endpoint = self.endpoints[customer_id]
        known = self._credentials(endpoint)
        if known is None:
            raise LookupError(f"store quickbooks.username and quickbooks.password for {customer_id} first: the .qwc "
                              "names the user")
        root = etree.Element("QBWCXML")
        values = [
            ("AppName", endpoint.erp.app_name), ("AppID", ""), ("AppURL", self.settings.public_url or app_url),
            ("AppDescription", f"EDI documents into {endpoint.customer.name}'s QuickBooks: bills, purchase orders, "
                               "item receipts"),
            ("AppSupport", self.settings.public_url or app_url), ("UserName", known[0].get_secret_value()),
            ("OwnerID", guid("owner", customer_id)), ("FileID", guid("file", customer_id)),
            ("QBType", "QBFS"), ("Style", "Document"),
        ]
        for tag, value in values:
            etree.SubElement(root, tag).text = value
        scheduler = etree.SubElement(root, "Scheduler")
        etree.SubElement(scheduler, "RunEveryNMinutes").text = str(endpoint.erp.poll_minutes)
        etree.SubElement(root, "IsReadOnly").text = "false"
        return '<?xml version="1.0"?>\n' + etree.tostring(root, encoding="unicode", pretty_print=True)


# -- SOAP over HTTP -----------------------------------------------------------------------------------------


def _int(value: str) -> int:
    try:
        return int(value.strip() or "0")
    except ValueError:
        raise SoapClientError(f"{value!r} is not an int") from None


_METHODS: dict[str, Callable[[QbwcService, dict[str, str]], Result]] = {
    "serverVersion": lambda s, a: s.server_version(),
    "clientVersion": lambda s, a: s.client_version(a.get("strVersion", "")),
    "authenticate": lambda s, a: s.authenticate(a.get("strUserName", ""), a.get("strPassword", "")),
    "sendRequestXML": lambda s, a: s.send_request_xml(
        a.get("ticket", ""), a.get("strHCPResponse", ""), a.get("strCompanyFileName", ""), a.get("qbXMLCountry", ""),
        _int(a.get("qbXMLMajorVers", "0")), _int(a.get("qbXMLMinorVers", "0"))),
    "receiveResponseXML": lambda s, a: s.receive_response_xml(
        a.get("ticket", ""), a.get("response", ""), a.get("hresult", ""), a.get("message", "")),
    "getLastError": lambda s, a: s.get_last_error(a.get("ticket", "")),
    "connectionError": lambda s, a: s.connection_error(a.get("ticket", ""), a.get("hresult", ""),
                                                       a.get("message", "")),
    "closeConnection": lambda s, a: s.close_connection(a.get("ticket", "")),
}


def read_call(body: bytes) -> tuple[str, dict[str, str]]:
    """The method and its arguments (by local name) from a SOAP 1.1 request."""
    try:
        envelope = qbxml.parse_xml(body)
    except qbxml.QbXmlError as exc:
        raise SoapClientError(str(exc)) from None
    soap_body = envelope.find(f"{{{SOAP_NS}}}Body")
    if envelope.tag != f"{{{SOAP_NS}}}Envelope" or soap_body is None:
        raise SoapClientError("not a SOAP 1.1 envelope")
    calls = [child for child in soap_body if isinstance(child.tag, str)]
    if len(calls) != 1 or etree.QName(calls[0]).namespace != NS:
        raise SoapClientError(f"the body must hold one call in {NS}")
    method = etree.QName(calls[0]).localname
    if method not in _METHODS:
        raise SoapClientError(f"{method} is not a Web Connector method")
    args = {etree.QName(arg).localname: arg.text or "" for arg in calls[0] if isinstance(arg.tag, str)}
    return method, args


def _envelope(content: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
    etree.SubElement(envelope, f"{{{SOAP_NS}}}Body").append(content)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def response_body(method: str, result: Result) -> bytes:
    response = etree.Element(f"{{{NS}}}{method}Response", nsmap={None: NS})  # type: ignore[dict-item]  # stubs lack the default prefix
    element = etree.SubElement(response, f"{{{NS}}}{method}Result")
    if isinstance(result, list):
        for value in result:
            etree.SubElement(element, f"{{{NS}}}string").text = value
    else:
        element.text = str(result)
    return _envelope(response)


def fault_body(code: str, message: str) -> bytes:
    fault = etree.Element(f"{{{SOAP_NS}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"soap:{code}"
    etree.SubElement(fault, "faultstring").text = message
    return _envelope(fault)


def create_app(service: QbwcService, *, path: str = "/qbwc") -> Starlette:
    """``POST {path}`` the SOAP endpoint, ``GET {path}?wsdl`` its WSDL, ``GET /qwc/{customer}`` the .qwc."""

    async def soap(request: Request) -> Response:
        try:
            method, args = read_call(await request.body())
            action = request.headers.get("soapaction", "").strip().strip('"')
            if action and action != f"{NS}{method}":
                raise SoapClientError(f"SOAPAction {action} does not match the call {method}")
            result = await run_in_threadpool(_METHODS[method], service, args)
        except SoapClientError as exc:
            return Response(fault_body("Client", str(exc)), 500, media_type=SOAP_CONTENT_TYPE)
        except Exception:
            log.exception("the Web Connector's call failed")
            return Response(fault_body("Server", "the service failed; see its log"), 500,
                            media_type=SOAP_CONTENT_TYPE)
        return Response(response_body(method, result), media_type=SOAP_CONTENT_TYPE)

    async def describe(request: Request) -> Response:
        if "wsdl" in {key.lower() for key in request.query_params}:
            return Response(wsdl(str(request.url_for("qbwc"))), media_type=SOAP_CONTENT_TYPE)
        return PlainTextResponse("QuickBooks Web Connector endpoint of EDI Assets (POST SOAP here; ?wsdl)")

    async def qwc(request: Request) -> Response:
        customer_id = request.path_params["customer"]
        if customer_id not in service.endpoints:
            return PlainTextResponse(f"no QuickBooks customer {customer_id}", 404)
        try:
            text = await run_in_threadpool(service.qwc, customer_id, str(request.url_for("qbwc")))
        except LookupError as exc:
            return PlainTextResponse(str(exc), 409)
        return Response(text, media_type=QWC_CONTENT_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{customer_id}.qwc"'})

    return Starlette(routes=[
        Route(path, soap, methods=["POST"], name="qbwc"),
        Route(path, describe, methods=["GET"]),
        Route("/qwc/{customer}", qwc, methods=["GET"]),
    ])


def service_for(customers: Iterable[Customer], credentials_for: Callable[[str], CredentialSource], *,
                settings: ServiceSettings | None = None, queue_dir: str | os.PathLike[str] | None = None,
                queue_settings: QueueSettings | None = None) -> QbwcService:
    """The service for every enabled QuickBooks customer: its vault credentials (``credentials_for(customer_id)``)
    and its queue (``<queue_dir>/<customer>.sqlite``, by default under ``$DAGSTER_HOME``)."""
    endpoints = [
        Endpoint(customer, credentials_for(customer.id),
                 WorkQueue(customer.id, Path(queue_dir) / f"{customer.id}.sqlite" if queue_dir else None,
                           queue_settings))
        for customer in customers if customer.enabled and isinstance(customer.erp, QuickBooksErp)
    ]
    return QbwcService(endpoints, settings)


def run(app: Any, port: int = 8000) -> None:
    """Serve on 127.0.0.1 only (blocking); the demo's Web Connector calls http://127.0.0.1:8000/qbwc."""
    import uvicorn

    uvicorn.run(app, host=HOST, port=port, log_level="warning")
