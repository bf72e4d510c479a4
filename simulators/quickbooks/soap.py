"""SOAP 1.1 as the Web Connector speaks it (qbwc.wsdl): hand-built document/literal envelopes, parsed answers.

Requests carry the WSDL's SOAPAction (`"http://developer.intuit.com/{method}"`, quoted as .NET sends
it); answers are `<{method}Response><{method}Result>` in the same namespace, or a SOAP Fault.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from simulators.quickbooks import xmlsafe

NS = "http://developer.intuit.com/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
CONTENT_TYPE = "text/xml; charset=utf-8"

_ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>{body}</soap:Body></soap:Envelope>'
)


class SoapError(Exception):
    """The endpoint's answer is not the SOAP response the WSDL describes."""


class SoapFaultError(SoapError):
    """The endpoint answered with a SOAP Fault."""


def request(method: str, args: list[tuple[str, str]]) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a call; `args` in the WSDL's sequence order."""
    if args:
        parts = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in args)
        body = f'<{method} xmlns="{NS}">{parts}</{method}>'
    else:
        body = f'<{method} xmlns="{NS}" />'
    headers = {"Content-Type": CONTENT_TYPE, "SOAPAction": f'"{NS}{method}"'}
    return _ENVELOPE.format(body=body).encode("utf-8"), headers


def result(method: str, payload: bytes) -> ET.Element | None:
    """The `{method}Result` element (None when the server left the optional result out)."""
    try:
        envelope = xmlsafe.parse(payload)
    except xmlsafe.BadXmlError as exc:
        raise SoapError(f"Response is not well-formed XML ({exc})") from exc
    body = envelope.find(f"{{{SOAP_NS}}}Body")
    if envelope.tag != f"{{{SOAP_NS}}}Envelope" or body is None:
        raise SoapError("the answer is not a SOAP 1.1 envelope")
    fault = body.find(f"{{{SOAP_NS}}}Fault")
    if fault is not None:
        raise SoapFaultError(f"SOAP Fault: {(fault.findtext('faultstring') or '').strip()}")
    response = body.find(f"{{{NS}}}{method}Response")
    if response is None:
        raise SoapError(f"the answer has no {method}Response in {NS}")
    return response.find(f"{{{NS}}}{method}Result")
