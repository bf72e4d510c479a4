"""End-to-end fixtures: the simulators over real HTTP, the demo customers pointed at them, a fresh ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.retry import RetryPolicy, RetrySettings
from edi_assets.customers import CustomersFile, load_customers
from edi_assets.ledger import Ledger
from edi_assets.pipeline.runtime import CustomerRuntime, close_shared_clients
from simulators.core.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "mappings"
ENV_NAMES = {"cleo": "EDI_CLEO_URL", "qad": "EDI_QAD_URL", "acumatica": "EDI_ACUMATICA_URL", "ifs": "EDI_IFS_URL"}

#: The demo credentials under the vault names the connectors read (the same file `make demo` stores).
DEMO_SECRETS: dict[str, dict[str, str]] = yaml.safe_load((MAPPINGS / "demo-credentials.yaml").read_text())

FAST_RETRY = RetryPolicy(RetrySettings(initial_backoff_seconds=0.01, max_backoff_seconds=0.05,
                                       max_total_seconds=5))


class Fleet:
    """Simulators served on free ports for one test module."""

    def __init__(self) -> None:
        self.servers: dict[str, Any] = {}

    def url(self, system: str) -> str:
        from simulators.core.server import start
        from simulators.registry import app_factory

        if system not in self.servers:
            self.servers[system] = start(app_factory(system)(load_scenario("demo")))
        return str(self.servers[system].url)

    def post(self, system: str, path: str, payload: Any = None) -> Any:
        response = httpx.post(f"{self.url(system)}{path}", json=payload, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def state(self, system: str) -> Any:
        return httpx.get(f"{self.url(system)}/_sim/state", timeout=30).json()

    def reset(self) -> None:
        for system in self.servers:
            self.post(system, "/_sim/reset")

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    running = Fleet()
    yield running
    running.stop()


def customers_for(fleet: Fleet, *systems: str) -> CustomersFile:
    environ = {ENV_NAMES[s]: fleet.url(s) for s in systems if s in ENV_NAMES}
    return load_customers(MAPPINGS / "customers.yaml", environ=environ)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield opened
    opened.close()


@pytest.fixture
def runtime_for(fleet: Fleet, ledger: Ledger) -> Iterator[Callable[..., CustomerRuntime]]:
    """``runtime_for("acme", "qad")``: the customer's runtime against the simulators of those systems."""
    opened: list[CustomerRuntime] = []

    def build(customer_id: str, erp_system: str, **erp_options: Any) -> CustomerRuntime:
        fleet.reset()
        customer = customers_for(fleet, "cleo", erp_system).get(customer_id)
        secrets = DEMO_SECRETS[customer_id]
        rt = CustomerRuntime(customer=customer, ledger=ledger,
                             xref=CrossReference.load(customer_id, MAPPINGS),
                             credentials=lambda name: SecretStr(secrets[name]), retry=FAST_RETRY,
                             erp_options=erp_options)
        opened.append(rt)
        return rt

    yield build
    for rt in opened:
        rt.close()
    # Their tokens belong to this test's simulator state, and a client that logged in within this 30 s step would
    # wait for the next one (a TOTP code is never used twice): the next test logs in afresh, as a new process would.
    close_shared_clients()


def partners_answer(fleet: Fleet, seconds: float) -> list[Any]:
    """Let the partners' simulated clock run ``seconds`` and let them send what is due by then."""
    fleet.post("cleo", "/_sim/clock", {"advance": seconds})
    result = fleet.post("cleo", "/_sim/partners/tick")
    return list(result["delivered"])
