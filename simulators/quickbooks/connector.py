"""The QuickBooks Web Connector: drives the product's SOAP endpoint through one session, as QBWC does.

serverVersion; clientVersion (an "E:" answer stops, "O:" asks for a newer QBWC, "W:" warns);
authenticate ([ticket, ""|"none"|"nvu"|"busy"|company path, wait seconds, minimum interval]); then,
once QuickBooks has the company file open (else connectionError), sendRequestXML → QuickBooks →
receiveResponseXML until it answers 100 (a negative answer: getLastError), and closeConnection.
Every call has the time budget; past it the session is given up.
"""

from __future__ import annotations

import contextlib
import ssl
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import httpx

from simulators.core.clock import Clock
from simulators.quickbooks import soap
from simulators.quickbooks.desktop import QuickBooksDesktop
from simulators.quickbooks.handlers import version_tuple
from simulators.quickbooks.qwc import QwcFile
from simulators.quickbooks.settings import QuickBooksSettings
from simulators.quickbooks.status import QbXmlParseError

Outcome = Literal[
    "done", "none", "nvu", "busy", "version_refused", "update_required", "version_warning", "connection_error",
    "error", "timeout", "no_password",
]
_REFUSALS: dict[str, tuple[Outcome, str]] = {
    "none": ("none", "the application has no work for this company file"),
    "nvu": ("nvu", "the application did not accept the user name and password"),
    "busy": ("busy", "the application is busy; the Web Connector tries again later"),
}
TIMEOUT_HRESULT = "0x80072EE2"
_QBWC_ERRORS = {"receiveResponseXML": "QBWC1042: ReceiveResponseXML failed. Error message: "}
"""How QBWC words a failed call, where known; other failures read "{method}: …"."""
_TLS = ssl.create_default_context()
"""The system trust store, loaded once: each session opens its own connections, not its own store."""


@dataclass
class InstalledApp:
    """An application added to the Web Connector from a .qwc, for one company, with the password typed in."""

    company: str
    qwc: QwcFile
    password: str | None = None


@dataclass
class SessionLog:
    """What one session did, call by call (the password is never recorded)."""

    company: str
    app_url: str
    started_at: float
    outcome: Outcome | Literal["running"] = "running"
    detail: str = ""
    ended_at: float | None = None
    requests_processed: int = 0
    next_update_seconds: int | None = None
    min_run_every_seconds: int | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Wire:
    """The SOAP calls of one session, each recorded in its log; `ticket` once authenticate gave one."""

    def __init__(self, http: httpx.Client, url: str, log: SessionLog) -> None:
        self.http = http
        self.url = url
        self.log = log
        self.ticket: str | None = None

    def _call(self, method: str, args: list[tuple[str, str]], note: str | None = None) -> ET.Element | None:
        entry: dict[str, Any] = {
            "method": method,
            "args": {name: ("***" if name == "strPassword" else value) for name, value in args},
        }
        if note is not None:
            entry["note"] = note
        self.log.calls.append(entry)
        body, headers = soap.request(method, args)
        try:
            reply = self.http.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            entry["error"] = "timed out" if isinstance(exc, httpx.TimeoutException) else str(exc) or type(exc).__name__
            raise
        problem: soap.SoapError | None = None
        found: ET.Element | None = None
        try:
            found = soap.result(method, reply.content)
        except soap.SoapError as exc:
            problem = exc
        if reply.status_code != 200 and not isinstance(problem, soap.SoapFaultError):
            problem = soap.SoapError(f"HTTP {reply.status_code}")
        if problem is not None:
            failure = type(problem)(_QBWC_ERRORS.get(method, f"{method}: ") + str(problem))
            entry["error"] = str(failure)
            raise failure from problem
        return found

    def text(self, method: str, args: list[tuple[str, str]]) -> str:
        found = self._call(method, args)
        value = (found.text or "") if found is not None else ""
        self.log.calls[-1]["result"] = value
        return value

    def strings(self, method: str, args: list[tuple[str, str]]) -> list[str]:
        found = self._call(method, args)
        values = [s.text or "" for s in found.findall(f"{{{soap.NS}}}string")] if found is not None else []
        self.log.calls[-1]["result"] = values
        return values

    def number(self, method: str, args: list[tuple[str, str]], note: str | None = None) -> int:
        found = self._call(method, args, note)
        raw = (found.text or "").strip() if found is not None else ""
        try:
            value = int(raw)
        except ValueError:
            raise soap.SoapError(f"{method}: {raw!r} is not an int") from None
        self.log.calls[-1]["result"] = value
        return value


def _optional_int(values: list[str], index: int) -> int | None:
    raw = values[index].strip() if len(values) > index else ""
    return int(raw) if raw.isdigit() else None


class WebConnector:
    """Runs Web Connector sessions; stateless, so one instance serves every installed application."""

    def run_session(
        self, app: InstalledApp, quickbooks: QuickBooksDesktop, settings: QuickBooksSettings, clock: Clock
    ) -> SessionLog:
        log = SessionLog(app.company, app.qwc.app_url, clock.now())
        if not app.password:
            outcome: Outcome = "no_password"
            detail = "no password has been entered for this application"
        else:
            with httpx.Client(timeout=settings.time_budget_seconds, verify=_TLS) as http:
                wire = _Wire(http, app.qwc.app_url, log)
                outcome, detail = self._guarded(wire, app.password, app.qwc.username, quickbooks, settings)
        log.outcome, log.detail, log.ended_at = outcome, detail, clock.now()
        return log

    def _guarded(
        self, wire: _Wire, password: str, username: str, quickbooks: QuickBooksDesktop, settings: QuickBooksSettings
    ) -> tuple[Outcome, str]:
        try:
            return self._converse(wire, username, password, quickbooks, settings)
        except httpx.TimeoutException:
            if settings.on_timeout == "connection_error" and wire.ticket is not None:
                args = [("ticket", wire.ticket), ("hresult", TIMEOUT_HRESULT), ("message", "The operation timed out")]
                with contextlib.suppress(httpx.HTTPError, soap.SoapError):  # its log entry says how it went
                    wire.text("connectionError", args)
            return "timeout", f"the application did not answer within {settings.time_budget_seconds:g} s"
        except (httpx.HTTPError, soap.SoapError) as exc:
            return "error", str(exc) or type(exc).__name__

    def _converse(
        self, wire: _Wire, username: str, password: str, quickbooks: QuickBooksDesktop, settings: QuickBooksSettings
    ) -> tuple[Outcome, str]:
        wire.text("serverVersion", [])
        answer = wire.text("clientVersion", [("strVersion", settings.client_version)])
        if answer.startswith("E:"):
            return "version_refused", answer[2:]
        if answer.startswith("O:"):
            return "update_required", f"the application needs Web Connector {answer[2:]} or later"
        if answer.startswith("W:") and not settings.continue_after_version_warning:
            return "version_warning", answer[2:]
        reply = wire.strings("authenticate", [("strUserName", username), ("strPassword", password)])
        ticket, verdict = (reply[0] if reply else ""), (reply[1] if len(reply) > 1 else "")
        wire.log.next_update_seconds = _optional_int(reply, 2)
        wire.log.min_run_every_seconds = _optional_int(reply, 3)
        if verdict in _REFUSALS:
            return _REFUSALS[verdict]
        if not ticket:
            return "error", "authenticate returned no ticket"
        wire.ticket = ticket
        path = verdict
        failure = quickbooks.open_file(path)
        if failure is not None:
            retry = wire.text("connectionError", [("ticket", ticket), ("hresult", failure[0]), ("message", failure[1])])
            if retry.casefold() != "done":
                path = retry
                failure = quickbooks.open_file(path)
        if failure is not None:
            return self._close(wire, ticket, "connection_error", failure[1])
        return self._exchange(wire, ticket, path or quickbooks.company.path, quickbooks, settings)

    def _exchange(
        self, wire: _Wire, ticket: str, path: str, quickbooks: QuickBooksDesktop, settings: QuickBooksSettings
    ) -> tuple[Outcome, str]:
        major, minor = version_tuple(settings.qbxml_version)
        host_response = quickbooks.host_response()
        noops = 0
        for _ in range(settings.max_requests_per_session):
            request = wire.text("sendRequestXML", [
                ("ticket", ticket), ("strHCPResponse", host_response), ("strCompanyFileName", path),
                ("qbXMLCountry", settings.country), ("qbXMLMajorVers", str(major)), ("qbXMLMinorVers", str(minor)),
            ])
            host_response = ""
            if request:
                percent = self._respond(wire, ticket, request, quickbooks)
                if percent >= 100:
                    return self._close(wire, ticket, "done", "")
                if percent >= 0:
                    continue
            error = wire.text("getLastError", [("ticket", ticket)])
            if error == "NoOp" and noops < settings.noop_retries:
                noops += 1
                continue
            return self._close(wire, ticket, "error", error)
        return self._close(wire, ticket, "error", f"stopped after {settings.max_requests_per_session} requests")

    @staticmethod
    def _respond(wire: _Wire, ticket: str, request: str, quickbooks: QuickBooksDesktop) -> int:
        note = None
        try:
            response, hresult, message = quickbooks.process(request), "", ""
        except QbXmlParseError as exc:
            response, hresult, message, note = "", exc.hresult, exc.message, f"QuickBooks refused the request: {exc}"
        wire.log.requests_processed += 1
        return wire.number("receiveResponseXML", [
            ("ticket", ticket), ("response", response), ("hresult", hresult), ("message", message),
        ], note)

    @staticmethod
    def _close(wire: _Wire, ticket: str, outcome: Outcome, detail: str) -> tuple[Outcome, str]:
        wire.text("closeConnection", [("ticket", ticket)])
        return outcome, detail
