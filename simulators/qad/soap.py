"""QXtend Inbound's SOAP 1.1 envelopes: reading a qdoc request safely and writing its answers.

A request names its receiver in WS-Addressing `wsa:To`, its operation as the one element of the Body
(in the qdoc namespace) and its session in `qcom:dsSessionContext` (`ttContext` name/value rows).
Answers use the `ns1`/`ns3` prefixes QAD writes, because clients look elements up by those names.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from simulators.core.xmlsafe import DOCTYPE_REFUSED, BadXmlError, parse_xml

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
QDOC_NS = "urn:schemas-qad-com:xml-services"
QCOM_NS = "urn:schemas-qad-com:xml-services:common"
WSA_NS = "http://www.w3.org/2005/08/addressing"
RECEIVER_URN = "urn:services-qad-com:"
"""`wsa:To` is this followed by the receiver name."""


class SoapFaultError(Exception):
    """What stops QXtend reading a qdoc at all; answered as a `soapenv:Fault`, not as a `<result>`."""

    def __init__(self, code: Literal["Client", "Server"], message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class QdocRequest:
    to: str
    operation: str
    """The local name of the Body's element, e.g. `maintainPurchaseOrder`."""
    payload: ET.Element
    """The operation element: the session context and the dataset."""
    context: dict[str, str]
    """The session's `ttContext` rows qualified `QAD`: propertyName -> propertyValue (as sent)."""
    suppress_detail: bool | None = None
    """`wsa:ReferenceParameters/qcom:suppressResponseDetail`; None when the header leaves it out."""


@dataclass(frozen=True)
class Message:
    """One row of the answer's exceptions dataset (`temp_err_msg`)."""

    severity: Literal["error", "warning"]
    description: str
    field: str = ""


def qdoc(name: str) -> str:
    return f"{{{QDOC_NS}}}{name}"


def _qcom(name: str) -> str:
    return f"{{{QCOM_NS}}}{name}"


def read_request(body: bytes) -> QdocRequest:
    envelope = _parse_xml(body)
    soap_body = envelope.find(f"{{{SOAP_NS}}}Body")
    if envelope.tag != f"{{{SOAP_NS}}}Envelope" or soap_body is None:
        raise SoapFaultError("Client", "The request is not a SOAP 1.1 envelope")
    operation = next(iter(soap_body), None)
    if operation is None:
        raise SoapFaultError("Client", "The SOAP Body is empty")
    if not operation.tag.startswith(qdoc("")):
        raise SoapFaultError("Client", f"{operation.tag} is not a QXtend operation (namespace {QDOC_NS})")
    context = {
        (row.findtext(_qcom("propertyName")) or "").strip(): row.findtext(_qcom("propertyValue")) or ""
        for row in operation.iterfind(f"{_qcom('dsSessionContext')}/{_qcom('ttContext')}")
        if (row.findtext(_qcom("propertyQualifier")) or "").strip() == "QAD"
    }
    suppress = envelope.findtext(
        f"{{{SOAP_NS}}}Header/{{{WSA_NS}}}ReferenceParameters/{_qcom('suppressResponseDetail')}"
    )
    return QdocRequest(
        to=(envelope.findtext(f"{{{SOAP_NS}}}Header/{{{WSA_NS}}}To") or "").strip(),
        operation=operation.tag.removeprefix(qdoc("")),
        payload=operation,
        context=context,
        suppress_detail=suppress.strip().lower() == "true" if suppress and suppress.strip() else None,
    )


def _parse_xml(body: bytes) -> ET.Element:
    try:
        return parse_xml(body)
    except BadXmlError as exc:
        message = str(exc) if str(exc) == DOCTYPE_REFUSED else f"The request is {exc}"
        raise SoapFaultError("Client", message) from exc


def render_result(operation: str, messages: Sequence[Message], detail: ET.Element | None = None) -> bytes:
    """The operation's response: `result` (error if any message is an error, else warning if any, else
    success), the exceptions dataset, one `temp_err_msg` row per message, and unless the caller suppressed
    it the response detail: the processed dataset (`detail`, in the qdoc namespace) [I]."""
    severities = {m.severity for m in messages}
    result = "error" if "error" in severities else "warning" if severities else "success"
    envelope, body = _envelope()
    answer = ET.SubElement(body, f"ns1:{operation}Response")
    ET.SubElement(answer, "ns1:result").text = result
    if messages:
        dataset = ET.SubElement(answer, "ns3:dsExceptions")
        for m in messages:
            row = ET.SubElement(dataset, "ns3:temp_err_msg")
            ET.SubElement(row, "ns3:tt_msg_desc").text = f"{m.severity.upper()}: {m.description}"
            ET.SubElement(row, "ns3:tt_msg_field").text = m.field
            ET.SubElement(row, "ns3:tt_msg_sev").text = m.severity
    if detail is not None:
        answer.append(_prefixed(detail))
    return _serialize(envelope)


def _prefixed(element: ET.Element) -> ET.Element:
    """A copy of a qdoc-namespace tree with the literal `ns1:` prefix the rest of the answer uses."""
    copy = ET.Element("ns1:" + element.tag.removeprefix(qdoc("")))
    copy.text = element.text
    copy.extend(_prefixed(child) for child in element)
    return copy


def render_fault(fault: SoapFaultError) -> bytes:
    envelope, body = _envelope()
    element = ET.SubElement(body, "soapenv:Fault")
    ET.SubElement(element, "faultcode").text = f"soapenv:{fault.code}"
    ET.SubElement(element, "faultstring").text = str(fault)
    return _serialize(envelope)


def _envelope() -> tuple[ET.Element, ET.Element]:
    """Prefixes written literally (`ns1:`, `ns3:`): real clients look answers up by these names."""
    envelope = ET.Element(
        "soapenv:Envelope", {"xmlns:soapenv": SOAP_NS, "xmlns:ns1": QDOC_NS, "xmlns:ns3": QCOM_NS}
    )
    return envelope, ET.SubElement(envelope, "soapenv:Body")


def _serialize(envelope: ET.Element) -> bytes:
    """ASCII (anything else as character references) is also UTF-8, as the declaration says."""
    return b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(envelope)
