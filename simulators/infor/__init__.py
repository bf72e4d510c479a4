"""Simulator of Infor CloudSuite (spec section 6): `.ionapi` files, the ION SSO and M3 MI REST via the gateway.

Each tenant of the scenario's `infor` section is one `.ionapi` file (authorized app + service account)
and one M3 company (CONO/DIVI) with suppliers, purchase orders and supplier-invoice batches.
"""

from __future__ import annotations

from typing import Any

from simulators.core.app import SimApp, build_app
from simulators.core.scenario import section
from simulators.infor.app import create_routes
from simulators.infor.backend import InforBackend
from simulators.registry import Credential


def create_app(scenario: dict[str, Any], *, seed: int = 0) -> SimApp:
    backend = InforBackend(section(scenario, "infor"))
    return build_app(backend, create_routes(backend), seed=seed)


def demo_credentials(scenario: dict[str, Any]) -> list[Credential]:
    return [
        Credential(
            "infor",
            str(t["ti"]),
            str(t["saak"]),
            str(t["sask"]),
            f"client {t['ci']}; full .ionapi at /_sim/ionapi/{t['ti']}",
        )
        for t in section(scenario, "infor").get("tenants") or []
    ]


__all__ = ["InforBackend", "create_app", "demo_credentials"]
