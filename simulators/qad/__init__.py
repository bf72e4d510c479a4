"""Simulator of QAD Adaptive ERP (spec section 2): the REST API (OAuth, browses, purchasing and payables)
and QXtend Inbound SOAP.

A tenant lives at `/{tenant}/clouderp` on the simulator's host (the cloud gives each its own host), and
by setting also at `/{tenant}/qad-central` (the on-prem EE context root, with the legacy JSESSIONID login);
its QXtend endpoint at `/{tenant}/qxi/services/QdocWebService`.
"""

from __future__ import annotations

from typing import Any

from simulators.core.app import SimApp, build_app
from simulators.core.scenario import section
from simulators.qad.app import create_routes
from simulators.qad.backend import QadBackend
from simulators.registry import Credential


def create_app(scenario: dict[str, Any], *, seed: int = 0) -> SimApp:
    backend = QadBackend(section(scenario, "qad"))
    return build_app(backend, create_routes(backend), seed=seed)


def demo_credentials(scenario: dict[str, Any]) -> list[Credential]:
    return [
        Credential("qad", str(t["id"]), str(u["username"]), str(u["password"]),
                   f"base /{t['id']}/clouderp (on-prem style: /{t['id']}/qad-central), client_id {t['client_id']}")
        for t in section(scenario, "qad").get("tenants") or []
        for u in t.get("users") or []
    ]


__all__ = ["QadBackend", "create_app", "demo_credentials"]
