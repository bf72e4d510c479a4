"""QuickBooks' request processor: runs a qbXML message set against a company file and writes the answer.

The whole document is checked first (well-formed, `<?qbxml version?>` supported, schema and element
order): any fault there refuses it all with hresult 0x80040400 and no response, as QuickBooks does.
Then each request runs in turn; with `onError="stopOnError"` the first Error status ends the set.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from simulators.quickbooks import status, xmlsafe
from simulators.quickbooks.company import CompanyFile
from simulators.quickbooks.handlers import HANDLERS, Context, Outcome, texts, version_tuple
from simulators.quickbooks.schema import validate
from simulators.quickbooks.settings import QuickBooksSettings
from simulators.quickbooks.status import QbStatusError, QbXmlParseError, Status

_VERSION = re.compile(r'<\?qbxml\s+version\s*=\s*"(\d+\.\d+)"\s*\?>')
_ON_ERROR = ("stopOnError", "continueOnError")


class QbXmlExecutor:
    """Runs qbXML for one Web Connector session (iterators live as long as it does)."""

    def __init__(self, company: CompanyFile, settings: QuickBooksSettings) -> None:
        self.context = Context(company, settings)

    def execute(self, document: str) -> str:
        """The qbXML response to `document`; raises QbXmlParseError when QuickBooks would refuse it whole."""
        messages = self._message_set(document)
        response = ET.Element("QBXML")
        answers = ET.SubElement(response, "QBXMLMsgsRs")
        for request in messages:
            answer = self._run(request)
            answers.append(answer)
            if answer.get("statusSeverity") == "Error" and messages.get("onError") == "stopOnError":
                break
        return '<?xml version="1.0" ?>\n' + ET.tostring(response, encoding="unicode")

    def _message_set(self, document: str) -> ET.Element:
        settings = self.context.settings
        version = _VERSION.search(document)
        if version is None:
            raise QbXmlParseError('no <?qbxml version="…"?> processing instruction')
        if version_tuple(version.group(1)) > version_tuple(settings.qbxml_version):
            raise QbXmlParseError(f"qbXML {version.group(1)} is newer than this QuickBooks supports")
        try:
            root = xmlsafe.parse(document)
        except xmlsafe.BadXmlError as exc:
            raise QbXmlParseError(f"not well-formed: {exc}") from exc
        if root.tag != "QBXML" or len(root) != 1 or root[0].tag != "QBXMLMsgsRq":
            raise QbXmlParseError("the document must be <QBXML><QBXMLMsgsRq>…</QBXMLMsgsRq></QBXML>")
        messages = root[0]
        if messages.get("onError") not in _ON_ERROR:
            raise QbXmlParseError(f"onError must be one of {_ON_ERROR}")
        for request in messages:
            validate(request, check_order=settings.enforce_element_order)
        return messages

    def _fault(self, tag: str) -> Status | None:
        """An injected Error status for this request type (`settings.qbxml_faults`), counted down."""
        for fault in self.context.settings.qbxml_faults:
            if fault.request == tag and fault.times > 0:
                fault.times -= 1
                if fault.status_code == 3200:
                    return status.stale_edit_sequence("0").status
                return Status(fault.status_code, "Error", f"Simulated error {fault.status_code}")
        return None

    def _run(self, request: ET.Element) -> ET.Element:
        fault = self._fault(request.tag)
        try:
            outcome = Outcome([], fault) if fault else HANDLERS[request.tag](self.context, request)
        except QbStatusError as exc:
            outcome = Outcome([], exc.status)
        answer = ET.Element(request.tag[: -len("Rq")] + "Rs")
        if request.get("requestID") is not None:
            answer.set("requestID", request.get("requestID", ""))
        answer.set("statusCode", str(outcome.status.code))
        answer.set("statusSeverity", outcome.status.severity)
        answer.set("statusMessage", outcome.status.message)
        for name, value in outcome.attrs.items():
            answer.set(name, value)
        wanted = set(texts(request, "IncludeRetElement"))
        for ret in outcome.rets:
            for child in [c for c in ret if wanted and c.tag not in wanted]:
                ret.remove(child)
            answer.append(ret)
        return answer
