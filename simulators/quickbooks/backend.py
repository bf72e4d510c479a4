"""State of the QuickBooks simulator: company files, the Web Connector's installed applications, session logs.

Sessions run on the scheduler's thread or a request's worker thread, so the company files sit behind
one lock, and one session runs at a time (QBWC updates applications one after another).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from simulators.core.clock import Clock
from simulators.core.scenario import ScenarioError, section
from simulators.core.secrets import same_secret
from simulators.quickbooks import qwc
from simulators.quickbooks.company import CompanyFile
from simulators.quickbooks.connector import InstalledApp, SessionLog, WebConnector
from simulators.quickbooks.desktop import QuickBooksDesktop
from simulators.quickbooks.scheduler import WebConnectorDriver
from simulators.quickbooks.seed import company_file
from simulators.quickbooks.settings import QuickBooksSettings

DEFAULT_APP_URL = "http://127.0.0.1:8000/qbwc"
SESSIONS_KEPT = 50


class UnknownCompanyError(LookupError):
    """No company file of that id in the scenario."""


class QuickBooksClosedError(RuntimeError):
    """The Web Connector adds an application only while QuickBooks has the company file open."""


@dataclass(frozen=True)
class Login:
    """The company's Web Connector user as the scenario defines it (the product is configured with it too)."""

    username: str
    password: str


class QuickBooksBackend:
    """QuickBooks Desktop with its company files, and the Web Connector that drives the product's endpoint."""

    settings: QuickBooksSettings
    companies: dict[str, CompanyFile]
    logins: dict[str, Login]
    apps: dict[str, InstalledApp]
    sessions: list[SessionLog]

    def __init__(self, scenario: dict[str, Any]) -> None:
        self._section = section(scenario, "quickbooks")
        self.clock = Clock()
        self.lock = threading.RLock()
        self._session_lock = threading.Lock()
        self.connector = WebConnector()
        self.driver = WebConnectorDriver(self)
        self.reset()

    def reset(self) -> None:
        """Back to the scenario: its settings, company files and applications installed with their passwords."""
        with self.lock:
            self.settings = QuickBooksSettings.model_validate(self._section.get("settings") or {})
            self.companies, self.logins, self.apps, self.sessions = {}, {}, {}, []
            for spec in self._section.get("companies") or []:
                if "id" not in spec or "username" not in spec or "password" not in spec:
                    raise ScenarioError("each quickbooks company needs an id, a username and a password")
                company_id = str(spec["id"])
                self.companies[company_id] = company_file(self.clock, spec, self.settings)
                self.logins[company_id] = Login(str(spec["username"]), str(spec["password"]))
                self.apps[company_id] = InstalledApp(company_id, self._qwc_for(company_id, spec), str(spec["password"]))

    def _qwc_for(self, company_id: str, spec: dict[str, Any]) -> qwc.QwcFile:
        app_url = str(spec.get("app_url") or DEFAULT_APP_URL)
        return qwc.QwcFile(
            app_name=str(spec.get("app_name") or "EDI Assets"), app_url=app_url, cert_url=app_url,
            app_description=f"EDI documents into {self.companies[company_id].name}", app_support=app_url,
            username=str(spec["username"]), owner_id=qwc.guid(f"qbwc-owner:{company_id}"),
            file_id=qwc.guid(f"qbwc-file:{company_id}"),
            run_every_minutes=max(1, round(self.settings.poll_interval_seconds / 60)),
        )

    def revoke_all_tokens(self) -> None:
        """QuickBooks and the Web Connector hold no tokens; session tickets belong to the product's side."""

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "settings": self.settings.model_dump(mode="json"),
                "scheduler_running": self.driver.running,
                "companies": {cid: company.snapshot() for cid, company in self.companies.items()},
                "apps": {
                    cid: {"qwc": asdict(app.qwc), "password_entered": app.password is not None}
                    for cid, app in self.apps.items()
                },
                "sessions": [log.as_dict() for log in self.sessions],
            }

    # the Web Connector ----------------------------------------------------------------------------

    def company(self, company_id: str) -> CompanyFile:
        if company_id not in self.companies:
            raise UnknownCompanyError(company_id)
        return self.companies[company_id]

    def run_session(self, company_id: str) -> SessionLog:
        """One Web Connector session for the company's application, now (QBWC's "Update Selected")."""
        company = self.company(company_id)
        with self._session_lock:
            settings = self.settings
            desktop = QuickBooksDesktop(company, settings, self.lock)
            log = self.connector.run_session(self.apps[company_id], desktop, settings, self.clock)
        with self.lock:
            self.sessions = [*self.sessions, log][-SESSIONS_KEPT:]
        return log

    def last_session(self, company_id: str) -> SessionLog | None:
        return next((log for log in reversed(self.sessions) if log.company == company_id), None)

    def install_qwc(self, company_id: str, text: str) -> InstalledApp:
        """Add (or replace) the company's application from a .qwc; its password must then be entered."""
        self.company(company_id)
        if not self.settings.open:
            raise QuickBooksClosedError("QuickBooks must be running with the company file open to add an application")
        parsed = qwc.parse(text, require_https=self.settings.require_https)
        with self.lock:
            self.apps[company_id] = InstalledApp(company_id, parsed)
            return self.apps[company_id]

    def enter_password(self, company_id: str, password: str) -> None:
        self.company(company_id)
        with self.lock:
            self.apps[company_id].password = password

    def set_open(self, is_open: bool) -> None:
        with self.lock:
            self.settings = self.settings.model_copy(update={"open": is_open})

    def check_login(self, company_id: str, username: str, password: str) -> bool:
        login = self.logins.get(company_id)
        return login is not None and same_secret(username, login.username) & same_secret(password, login.password)
