"""Shared fixtures for the connector tests: simulators served over real HTTP, the demo customers and tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.ratelimit import RateLimiter, RateLimitSettings
from edi_assets.customers import Customer, CustomersFile, load_customers
from simulators.core.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "mappings"


@pytest.fixture(scope="module")
def simulator() -> Iterator[Callable[[str], str]]:
    """``simulator("qad")`` serves that system's simulator on the demo scenario (once per module, on a free
    127.0.0.1 port) and returns its base URL. Tests reset it with :func:`reset_simulator`."""
    from simulators.core.server import start
    from simulators.registry import app_factory

    running: dict[str, Any] = {}

    def serve(system: str) -> str:
        if system not in running:
            running[system] = start(app_factory(system)(load_scenario("demo")))
        return str(running[system].url)

    yield serve
    for server in running.values():
        server.stop()


def reset_simulator(url: str) -> None:
    """Back to the scenario's data, settings, clock, faults and tokens."""
    httpx.post(f"{url}/_sim/reset").raise_for_status()


def simulator_state(url: str) -> Any:
    return httpx.get(f"{url}/_sim/state").json()


@pytest.fixture(scope="session")
def demo_customers() -> CustomersFile:
    return load_customers(MAPPINGS / "customers.yaml", environ={})


def demo_customer(customers: CustomersFile, customer_id: str, **erp_changes: Any) -> Customer:
    """A demo customer with ERP fields replaced (the simulator's URL, typically)."""
    customer = customers.get(customer_id)
    if not erp_changes:
        return customer
    return customer.model_copy(update={"erp": customer.erp.model_copy(update=erp_changes)})


def demo_xref(customer_id: str) -> CrossReference:
    return CrossReference.load(customer_id, MAPPINGS)


def credentials_from(values: dict[str, str]) -> Callable[[str], SecretStr]:
    """A credential source over a plain dict (the vault's role in tests)."""
    return lambda name: SecretStr(values[name])


@pytest.fixture
def limiter(tmp_path: Path) -> RateLimiter:
    """A limiter on a test-private SQLite file, so tests never share buckets."""
    return RateLimiter(RateLimitSettings(path=tmp_path / "ratelimit.sqlite"))
