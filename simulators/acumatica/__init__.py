"""Simulator of Acumatica's contract-based REST API (spec section 3): sessions, OAuth, entities, limits."""

from __future__ import annotations

from typing import Any

from simulators.acumatica.app import create_routes
from simulators.acumatica.backend import AcumaticaBackend
from simulators.core.app import SimApp, build_app
from simulators.core.scenario import section
from simulators.registry import Credential


def create_app(scenario: dict[str, Any], *, seed: int = 0) -> SimApp:
    backend = AcumaticaBackend(section(scenario, "acumatica"), seed=seed)
    return build_app(backend, create_routes(backend), seed=seed)


def demo_credentials(scenario: dict[str, Any]) -> list[Credential]:
    """Each user (cookie login or OAuth password grant) and each OAuth client of each tenant."""
    rows: list[Credential] = []
    for tenant in section(scenario, "acumatica").get("tenants") or []:
        name = str(tenant["id"])
        rows += [Credential("acumatica", name, str(u["username"]), str(u["password"]), "login: name/password/tenant")
                 for u in tenant.get("users") or []]
        rows += [Credential("acumatica", name, str(c["client_id"]), str(c["client_secret"]), "OAuth client")
                 for c in tenant.get("oauth_clients") or []]
    return rows


__all__ = ["AcumaticaBackend", "create_app", "demo_credentials"]
