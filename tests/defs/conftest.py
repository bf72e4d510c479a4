"""Fixtures for the Dagster layer: the simulators on free ports (partners answering within seconds of the
simulated clock), a temp DAGSTER_HOME holding the Dagster instance, the ledger and an encrypted vault with the
demo credentials, and the five demo customers pointed at the simulators through the customers file's
``${EDI_*_URL}`` variables, as ``make demo`` does.
"""

from __future__ import annotations

import datetime as dt
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from dagster import (
    AssetCheckEvaluation,
    DagsterInstance,
    ExecuteInProcessResult,
    instance_for_test,
    materialize,
    serialize_value,
)

from edi_assets.defs.resources import EdiResource, _ledger
from edi_assets.documents import Invoice, InvoiceLine, ItemId
from edi_assets.ledger import Ledger
from edi_assets.pipeline.runtime import close_shared_clients
from edi_assets.translate import render_documents
from edi_assets.vault import Vault, generate_key
from edi_assets.x12.writer import InterchangeSpec
from simulators.core.scenario import load_scenario
from tests.pipeline.conftest import DEMO_SECRETS, ENV_NAMES, MAPPINGS, ROOT, Fleet

CUSTOMERS = ("acme", "bluefin", "cedar", "delta", "evergreen")
#: The partners' answers (5 s to 15 min in the demo scenario) within 0.05 to 9 s of the simulated clock, so a
#: few seconds' advance delivers them all, well inside Cleo's two-factor window for the clients logged in.
DELAY_SCALE = 0.01
#: Every value of the demo credentials: none may ever reach Dagster's event log.
SECRET_VALUES = sorted({str(v) for names in DEMO_SECRETS.values() for v in names.values()})
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


class FastFleet(Fleet):
    """The simulators of :class:`tests.pipeline.conftest.Fleet`, with the partners answering quickly."""

    def url(self, system: str) -> str:
        from simulators.core.server import start
        from simulators.registry import app_factory

        if system not in self.servers:
            scenario = load_scenario("demo")
            scenario.setdefault("partners", {}).setdefault("settings", {})["delay_scale"] = DELAY_SCALE
            self.servers[system] = start(app_factory(system)(scenario))
        return str(self.servers[system].url)

    def answer(self, seconds: float = 12) -> list[Any]:
        """Partners read what was uploaded, then send everything that falls due within ``seconds``."""
        self.post("cleo", "/_sim/clock", {"advance": 1})
        self.post("cleo", "/_sim/partners/tick")
        self.post("cleo", "/_sim/clock", {"advance": seconds})
        return list(self.post("cleo", "/_sim/partners/tick")["delivered"])

    def send(self, partner: str, doc_type: str, po_number: str) -> None:
        """A document the partner sends on its own (no order of ours behind it)."""
        self.post("cleo", f"/_sim/partners/{partner}/send", {"type": doc_type, "po_number": po_number})


@pytest.fixture(scope="module")
def fleet() -> Iterator[FastFleet]:
    running = FastFleet()
    yield running
    running.stop()


@dataclass
class Home:
    """One test's installation: DAGSTER_HOME with the instance, ledger and vault; the resource pointed at it."""

    path: Path
    instance: DagsterInstance
    edi: EdiResource
    fleet: FastFleet

    @property
    def ledger(self) -> Ledger:
        return self.edi.ledger()

    def resources(self) -> dict[str, Any]:
        return {"edi": self.edi}

    def materialize(self, assets: list[Any], customer: str, **kwargs: Any) -> ExecuteInProcessResult:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # partitioned asset checks are a Dagster preview feature
            return materialize(assets, partition_key=customer, instance=self.instance, resources=self.resources(),
                               run_config=QUIET, **kwargs)

    def erp_state(self, system: str) -> Any:
        return httpx.get(f"{self.fleet.url(system)}/_sim/state", timeout=30).json()


@pytest.fixture
def home(tmp_path: Path, fleet: FastFleet, monkeypatch: pytest.MonkeyPatch) -> Iterator[Home]:
    """A fresh installation against freshly reset simulators: the five customer partitions registered, the demo
    credentials in a vault encrypted under a key from ``EDI_VAULT_KEY``, the mappings copied to a folder the
    test may edit (``EDI_MAPPINGS_DIR``), the ledger in SQLite under DAGSTER_HOME."""
    path = tmp_path / "dagster_home"
    path.mkdir()
    fleet.reset()
    for system, name in ENV_NAMES.items():
        monkeypatch.setenv(name, fleet.url(system))
    monkeypatch.setenv("DAGSTER_HOME", str(path))
    monkeypatch.setenv("EDI_VAULT_KEY", generate_key())
    mappings = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, mappings)
    monkeypatch.setenv("EDI_MAPPINGS_DIR", str(mappings))
    monkeypatch.setenv("EDI_CUSTOMERS_FILE", str(mappings / "customers.yaml"))
    monkeypatch.delenv("EDI_LEDGER_URL", raising=False)
    store_credentials(Vault())
    instance_config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    overrides = {key: instance_config[key] for key in ("concurrency", "run_retries")}
    edi = EdiResource(customers_file=str(mappings / "customers.yaml"), mappings_dir=str(mappings),
                      ledger_url=f"sqlite:///{path / 'ledger.sqlite'}", rate_limits=False)
    with instance_for_test(overrides=overrides, temp_dir=str(path)) as instance:
        instance.add_dynamic_partitions("customers", list(CUSTOMERS))
        yield Home(path, instance, edi, fleet)
    close_shared_clients()  # their tokens belong to this test's simulator state
    edi.ledger().close()
    _ledger.cache_clear()


def unmapped_invoice(number: str = "SC-9001", partner_item: str = "SC-PL99") -> bytes:
    """An 810 from steelco to acme for PO10001 line 1 (item 10-1000 in QAD) that names the item only by
    steelco's own part number, which acme's items.csv does not list: posting it is a mapping hold."""
    invoice = Invoice(invoice_number=number, invoice_date=dt.date.today(), po_number="PO10001",
                      lines=[InvoiceLine(line_number="1", quantity=Decimal(40), unit="EA",
                                         unit_price=Decimal("125.50"),
                                         item_ids=[ItemId(qualifier="VP", value=partner_item)])],
                      total_amount=Decimal("5020.00"))
    spec = InterchangeSpec("ZZ", "STEELCO", "ZZ", "ACMEMFG", control_number=int(number.rsplit("-", 1)[-1]))
    return render_documents([invoice], spec, group_control_number=1).encode()


def drop_in_cleo(home: Home, customer: str, folder: str, name: str, content: bytes) -> None:
    """A file in the customer's Cleo folder, as a partner would leave it."""
    with home.edi.runtime(customer) as rt:
        rt.cleo.upload(folder, name, content)


def store_credentials(vault: Vault) -> None:
    """What ``make demo`` stores (`edi_assets.demo_pipeline.store_credentials`), but Infor's .ionapi."""
    for customer, names in DEMO_SECRETS.items():
        for name, value in names.items():
            vault.set(customer, name, str(value))


def check_results(result: ExecuteInProcessResult) -> dict[str, AssetCheckEvaluation]:
    return {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}


def event_log_text(instance: DagsterInstance) -> str:
    """Every event of every run of ``instance`` (metadata, log messages, errors), serialized."""
    return "\n".join(serialize_value(entry) for run in instance.get_runs() for entry in instance.all_logs(run.run_id))


def logged_secrets(instance: DagsterInstance) -> list[str]:
    """The demo credential values found anywhere in the event log of ``instance``."""
    text = event_log_text(instance)
    return [value for value in SECRET_VALUES if value in text]

