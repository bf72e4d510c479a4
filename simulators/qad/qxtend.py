"""QXtend Inbound's HTTP endpoint: `POST /{tenant}/{instance}/services/QdocWebService` (spec section 2.6).

Business outcomes, bad credentials included, come back with HTTP 200 and a `<result>` (plus, unless
`suppressResponseDetail` asks otherwise, the processed dataset); only what stops
QXtend reading the qdoc (bad XML, an unknown receiver or operation) is a SOAP Fault, with HTTP 500 as
SOAP 1.1 has it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from simulators.qad.backend import QadBackend
from simulators.qad.qdocs import run_qdoc
from simulators.qad.soap import SoapFaultError, read_request, render_fault, render_result
from simulators.qad.soap import qdoc as qdoc_tag

PATH = "/{tenant}/{instance}/services/QdocWebService"
XML = "text/xml"


def create_qxtend_route(backend: QadBackend) -> Route:
    async def qdoc_web_service(request: Request) -> Response:
        tenant = backend.tenants.get(request.path_params["tenant"])
        settings = backend.settings
        if tenant is None or request.path_params["instance"] not in settings.qxtend_instances:
            return PlainTextResponse("Not Found", 404)
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if settings.qxtend_strict_headers and media_type != XML:
            return PlainTextResponse("Unsupported Media Type: QXtend takes text/xml", 415)
        try:
            if settings.qxtend_strict_headers and "soapaction" not in request.headers:
                raise SoapFaultError("Client", "The SOAPAction header is missing")
            qdoc = read_request(await request.body())
            outcome = run_qdoc(tenant, qdoc)
        except SoapFaultError as fault:
            return Response(render_fault(fault), 500, media_type=XML)
        suppress = qdoc.suppress_detail if qdoc.suppress_detail is not None else not settings.qxtend_response_detail
        detail = None
        if not suppress and outcome.detail:
            detail = ET.Element(qdoc_tag(outcome.dataset))
            detail.extend(outcome.detail)
        return Response(render_result(qdoc.operation, outcome.messages, detail), media_type=XML)

    return Route(PATH, qdoc_web_service, methods=["POST"])
