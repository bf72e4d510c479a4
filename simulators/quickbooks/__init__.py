"""QuickBooks Desktop behind the QuickBooks Web Connector: a company file, a qbXML executor and the QBWC client.

Here the simulator is the client: on a schedule (or `POST /_sim/run`) the Web Connector drives the
product's SOAP endpoint (the AppURL of the installed .qwc) through a real QBWC session and runs the
qbXML it is handed against the company file. `simulators up` starts the schedule with
`app.backend.driver.start()`.
"""

from __future__ import annotations

from typing import Any

from simulators.core.scenario import section
from simulators.quickbooks.app import create_app
from simulators.quickbooks.backend import QuickBooksBackend
from simulators.quickbooks.company import CompanyFile
from simulators.quickbooks.connector import InstalledApp, SessionLog, WebConnector
from simulators.quickbooks.desktop import QuickBooksDesktop
from simulators.quickbooks.executor import QbXmlExecutor
from simulators.quickbooks.scheduler import WebConnectorDriver
from simulators.quickbooks.settings import QuickBooksSettings
from simulators.registry import Credential

__all__ = [
    "CompanyFile",
    "InstalledApp",
    "QbXmlExecutor",
    "QuickBooksBackend",
    "QuickBooksDesktop",
    "QuickBooksSettings",
    "SessionLog",
    "WebConnector",
    "WebConnectorDriver",
    "create_app",
    "demo_credentials",
]


def demo_credentials(scenario: dict[str, Any]) -> list[Credential]:
    """The Web Connector user of each company: what the product's SOAP endpoint must accept."""
    return [
        Credential(
            "quickbooks", str(company["id"]), str(company["username"]), str(company["password"]),
            f"QBWC user; the session goes to {company.get('app_url') or 'the installed AppURL'}; "
            f"GET /qwc/{company['id']} with these for the .qwc",
        )
        for company in section(scenario, "quickbooks").get("companies") or []
    ]
