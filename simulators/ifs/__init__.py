"""Simulator of IFS Cloud (spec section 5): Keycloak tokens and OData v4 projections with etags.

One IFS system per app: the Keycloak realm is `settings.namespace`; clients and users come from the
scenario's `ifs` section, each optionally limited to a list of projection `grants`.
"""

from __future__ import annotations

from typing import Any

from simulators.core.app import SimApp, build_app
from simulators.core.scenario import section
from simulators.ifs.app import create_routes
from simulators.ifs.backend import IfsBackend
from simulators.ifs.settings import IfsSettings
from simulators.registry import Credential


def create_app(scenario: dict[str, Any], *, seed: int = 0) -> SimApp:
    backend = IfsBackend(section(scenario, "ifs"))
    return build_app(backend, create_routes(backend), seed=seed)


def demo_credentials(scenario: dict[str, Any]) -> list[Credential]:
    ifs = section(scenario, "ifs")
    realm = IfsSettings.model_validate(ifs.get("settings") or {}).namespace
    token_path = f"/auth/realms/{realm}/protocol/openid-connect/token"
    clients = [
        Credential("ifs", realm, str(c["client_id"]), str(c["client_secret"]), f"client_credentials at {token_path}")
        for c in ifs.get("clients") or []
    ]
    users = [
        Credential("ifs", realm, str(u["username"]), str(u["password"]), "password grant (legacy) or HTTP Basic")
        for u in ifs.get("users") or []
    ]
    return clients + users


__all__ = ["IfsBackend", "create_app", "demo_credentials"]
