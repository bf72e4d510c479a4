"""QuickBooks Desktop as the Web Connector meets it: running or closed, one company file open, qbXML in and out."""

from __future__ import annotations

import threading

from simulators.quickbooks.company import CompanyFile
from simulators.quickbooks.executor import QbXmlExecutor
from simulators.quickbooks.settings import QuickBooksSettings

CLOSED = ("0x80040408", "Could not start QuickBooks.")
OTHER_FILE = ("0x80040403", "Could not open the specified QuickBooks company data file.")
HCP_REQUEST = (
    '<?xml version="1.0"?><?qbxml version="1.0"?><QBXML><QBXMLMsgsRq onError="continueOnError">'
    '<HostQueryRq requestID="0"/><CompanyQueryRq requestID="1"/><PreferencesQueryRq requestID="2"/>'
    "</QBXMLMsgsRq></QBXML>"
)
"""What QBWC asks QuickBooks before the first sendRequestXML, to pass on as strHCPResponse."""


class QuickBooksDesktop:
    """One connection of the Web Connector to QuickBooks, for one session (iterators end with it)."""

    def __init__(self, company: CompanyFile, settings: QuickBooksSettings, lock: threading.RLock) -> None:
        self.company = company
        self.settings = settings
        self._lock = lock
        self._executor = QbXmlExecutor(company, settings)

    def open_file(self, path: str) -> tuple[str, str] | None:
        """Connect to `path` ("" = the file QuickBooks has open); the hresult and message when that fails."""
        if not self.settings.open:
            return CLOSED
        if path and path.casefold() != self.company.path.casefold():
            return OTHER_FILE
        return None

    def process(self, qbxml: str) -> str:
        """QuickBooks' answer; raises QbXmlParseError when it refuses the document whole."""
        with self._lock:
            return self._executor.execute(qbxml)

    def host_response(self) -> str:
        return self.process(HCP_REQUEST)
