"""One scenario's world: simulators on free ports, a DAGSTER_HOME with a vault and a ledger, and runs as processes.

The simulators run in this (the harness's) process, so a run killed with SIGKILL takes nothing of theirs with it,
and their ``/_sim/state`` is the other side's record of what really happened: files in Cleo folders, ERP
records. Each run is ``python -m tests.reliability.chaos run --customer C`` in a child process, configured the
way the product is (customers.yaml with ``EDI_*_URL``, the vault and the ledger under ``DAGSTER_HOME`` or
``EDI_LEDGER_URL``), so it can be killed at any instant and started again.

The scenario is the demo one with more purchase orders (so that there is enough work to interrupt) and the
trading partners answering at once (delays 0): the simulators' clocks then run at wall-clock time, which the
Cleo users' TOTP codes need.
"""

from __future__ import annotations

import contextlib
import copy
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import yaml

from edi_assets.ledger import Ledger
from simulators.core.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "mappings"
RUNNER = "tests.reliability.chaos"

#: The ERP simulator each demo customer's connector talks to.
ERP_OF = {"acme": "qad", "bluefin": "acumatica", "cedar": "quickbooks", "delta": "ifs", "evergreen": "infor"}
ENV_NAMES = {"cleo": "EDI_CLEO_URL", "qad": "EDI_QAD_URL", "acumatica": "EDI_ACUMATICA_URL", "ifs": "EDI_IFS_URL"}
DEMO_SECRETS: dict[str, dict[str, str]] = yaml.safe_load((MAPPINGS / "demo-credentials.yaml").read_text())
POSTGRES_URL = os.environ.get("EDI_TEST_POSTGRES_URL")


# -- the scenario -------------------------------------------------------------------------------------------

#: (supplier code, item lines) per QAD partner: items the partner's catalog and acme's items.csv both know.
_QAD_ORDERS = {
    "S-STEEL": [("10-1000", 40, 125.50), ("10-2000", 500, 0.42)],
    "S-BOLT": [("10-2000", 800, 0.40)],
    "S-PACK": [("10-3000", 1200, 0.85)],
}
_IFS_ORDERS = {
    "S1000": [("AL-6061-SHEET", 30, 212.00)],
    "S2000": [("PP-BRACKET-01", 50, 35.00)],
    "S3000": [("AF-RIVET-4", 2000, 0.18)],
}
_INFOR_ORDERS = {
    "GRAIN01": [("FLOUR-25KG", 80, 18.20), ("OATS-25KG", 40, 22.10)],
    "COLD01": [("REEFER-DAY", 3, 410.00)],
}


def chaos_scenario(orders_per_supplier: int = 0) -> dict[str, Any]:
    """The demo scenario, partners answering at once, and ``orders_per_supplier`` more open POs per supplier in
    QAD (acme), IFS (delta) and Infor (evergreen)."""
    scenario = copy.deepcopy(load_scenario("demo"))
    for partner in scenario["partners"]["network"]:
        partner["delays"] = {"ack997": 0, "ack855": 0, "ship856": 0, "invoice810": 0}
    qad = scenario["qad"]["tenants"][0]
    ifs, infor = scenario["ifs"], scenario["infor"]["tenants"][0]
    for n in range(orders_per_supplier):
        for s, (supplier, lines) in enumerate(_QAD_ORDERS.items()):
            qad["purchase_orders"].append({
                "purchaseOrderNumber": f"PO2{s}{n:03d}", "supplierCode": supplier, "orderDate": "2026-11-10",
                "dueDate": "2026-11-30",
                "lines": [{"purchaseOrderLine": i + 1, "itemCode": item, "quantityOrdered": qty, "purchaseCost": cost,
                           "unitOfMeasure": "EA"} for i, (item, qty, cost) in enumerate(lines)]})
        for s, (vendor, lines) in enumerate(_IFS_ORDERS.items()):
            ifs["purchase_orders"].append({
                "OrderNo": f"P2{s}{n:03d}", "VendorNo": vendor, "Contract": "1", "OrderDate": "2026-11-10",
                "CurrencyCode": "USD",
                "lines": [{"LineNo": str(i + 1), "ReleaseNo": "1", "PartNo": part, "BuyQtyDue": qty,
                           "BuyUnitPrice": price, "BuyUnitMeas": "PCS"} for i, (part, qty, price) in enumerate(lines)]})
        for s, (supplier, lines) in enumerate(_INFOR_ORDERS.items()):
            infor["purchase_orders"].append({
                "PUNO": f"41{s}{n:04d}", "SUNO": supplier, "PUDT": "20261110", "DWDT": "20261130",
                "lines": [{"PNLI": 10 * (i + 1), "ITNO": item, "PITD": item, "ORQA": qty, "PUPR": price,
                           "PUUN": "BAG" if supplier == "GRAIN01" else "DAY"}
                          for i, (item, qty, price) in enumerate(lines)]})
    return scenario


def scenario_secrets(scenario: Mapping[str, Any]) -> set[str]:
    """Every credential value the scenario holds (passwords, client secrets, TOTP seeds, ION keys)."""
    found: set[str] = set()
    names = {"password", "client_secret", "totp_secret", "cs", "sask"}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in names and isinstance(value, str) and len(value) >= 6:
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(scenario)
    for names_values in DEMO_SECRETS.values():
        found.update(v for k, v in names_values.items() if not k.endswith((".username", ".client_id")))
    return found


# -- runs ---------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One run process: how it ended, and whether the harness or a crash point killed it."""

    customer: str
    returncode: int | None = None
    killed: bool = False  # SIGKILL, by the harness or a crash point
    ready_after: float | None = None  # seconds from start to READY (imports and setup done)
    worked: float = 0.0  # seconds from READY to the end
    summary: dict[str, Any] = field(default_factory=dict)
    log: Path | None = None

    @property
    def finished(self) -> bool:
        return self.returncode == 0


class World:
    """Simulators, a DAGSTER_HOME and a ledger for one scenario; runs as child processes."""

    def __init__(self, root: Path, *, orders_per_supplier: int = 0, ledger: str = "sqlite",
                 systems: tuple[str, ...] = ("cleo", "qad", "ifs", "infor"), seed: int = 0,
                 cleo_settings: Mapping[str, Any] | None = None) -> None:
        from simulators.core.server import start
        from simulators.registry import app_factory

        self.root = root
        self.home = root / "dagster_home"
        self.logs = self.home / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "dagster.yaml", self.home / "dagster.yaml")  # the product's instance settings
        self.scenario = chaos_scenario(orders_per_supplier)
        self.apps: dict[str, Any] = {}
        self.servers: dict[str, Any] = {}
        for system in systems:
            app = app_factory(system)(self.scenario, seed=seed)
            self.apps[system] = app
            self.servers[system] = start(app)
        self._pg_schema: str | None = None
        self.ledger_url = self._ledger_url(ledger)
        self.ledger = Ledger(self.ledger_url)
        self._store_credentials()
        if cleo_settings:
            self.post("cleo", "/_sim/settings", dict(cleo_settings))
        self._qbwc: Any = None
        if "quickbooks" in self.servers:
            self._start_web_connector_service()
        self.runs = 0
        self._ticker: threading.Thread | None = None
        self._ticking = threading.Event()

    # -- plumbing -----------------------------------------------------------------------------------------

    def url(self, system: str) -> str:
        return str(self.servers[system].url)

    def post(self, system: str, path: str, payload: Any = None) -> Any:
        response = httpx.post(f"{self.url(system)}{path}", json=payload, timeout=60)
        response.raise_for_status()
        return response.json() if response.content else None

    def state(self, system: str) -> Any:
        response = httpx.get(f"{self.url(system)}/_sim/state", timeout=60)
        response.raise_for_status()
        return response.json()

    def _ledger_url(self, kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self.home / 'ledger.sqlite'}"
        if not POSTGRES_URL:
            raise RuntimeError("EDI_TEST_POSTGRES_URL is not set")
        from sqlalchemy import create_engine, text

        self._pg_schema = f"chaos_{uuid.uuid4().hex[:12]}"
        base = "postgresql+psycopg://" + POSTGRES_URL.split("://", 1)[1]
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{self._pg_schema}"'))
        admin.dispose()
        separator = "&" if "?" in base else "?"
        return f"{base}{separator}options=-csearch_path%3D{self._pg_schema}"

    def _store_credentials(self) -> None:
        from edi_assets.vault import Vault

        vault = Vault(self.home / "credentials.json", key_file=self.home / "vault.key")
        for customer, names in DEMO_SECRETS.items():
            for name, value in names.items():
                vault.set(customer, name, str(value))
        if "infor" in self.servers:
            ionapi = httpx.get(f"{self.url('infor')}/_sim/ionapi/EVERGREEN_PRD", timeout=10)
            ionapi.raise_for_status()
            vault.set("evergreen", "infor.ionapi", ionapi.text)

    def env(self, **extra: str) -> dict[str, str]:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("EDI_")}
        environ.update({"DAGSTER_HOME": str(self.home), "EDI_LEDGER_URL": self.ledger_url,
                        "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"})
        environ.update({ENV_NAMES[s]: self.url(s) for s in self.servers if s in ENV_NAMES})
        environ.update(extra)
        return environ

    def _start_web_connector_service(self) -> None:
        """Our QBWC SOAP endpoint (the product's) on a free port, its .qwc installed in the simulated Web
        Connector; the queue it serves is the runs' (``$DAGSTER_HOME/quickbooks/cedar.sqlite``)."""
        from edi_assets.connectors.quickbooks.service import create_app, service_for
        from edi_assets.customers import load_customers
        from edi_assets.pipeline.runtime import vault_credentials
        from edi_assets.vault import Vault
        from simulators.core.server import start

        vault = Vault(self.home / "credentials.json", key_file=self.home / "vault.key")
        service = service_for(load_customers(MAPPINGS / "customers.yaml", environ={}),
                              lambda customer: vault_credentials(vault, customer), queue_dir=self.home / "quickbooks")
        self._qbwc = start(create_app(service))
        qwc = httpx.get(f"{self._qbwc.url}/qwc/cedar", timeout=10)
        qwc.raise_for_status()
        httpx.post(f"{self.url('quickbooks')}/_sim/qwc", params={"company": "cedar"}, content=qwc.content,
                   timeout=10).raise_for_status()
        self.post("quickbooks", "/_sim/qwc/password",
                  {"company": "cedar", "password": DEMO_SECRETS["cedar"]["quickbooks.password"]})

    def web_connector(self) -> Any:
        """One scheduled Web Connector session for cedar: QuickBooks runs what the queue holds."""
        return self.post("quickbooks", "/_sim/run", {"company": "cedar"}) if self._qbwc is not None else None

    def stop(self) -> None:
        self.stop_ticking()
        if self._qbwc is not None:
            self._qbwc.stop()
        self.ledger.close()
        for server in self.servers.values():
            server.stop()
        if self._pg_schema and POSTGRES_URL:
            from sqlalchemy import create_engine, text

            admin = create_engine("postgresql+psycopg://" + POSTGRES_URL.split("://", 1)[1],
                                  isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{self._pg_schema}" CASCADE'))
            admin.dispose()

    def runtime(self, customer: str) -> Any:
        """The customer's runtime in this process (for tests that stage a crash by hand), on this world's ledger."""
        from pydantic import SecretStr

        from edi_assets.connectors.crossref import CrossReference
        from edi_assets.connectors.retry import RetryPolicy, RetrySettings
        from edi_assets.customers import load_customers
        from edi_assets.pipeline.runtime import CustomerRuntime

        environ = {ENV_NAMES[s]: self.url(s) for s in self.servers if s in ENV_NAMES}
        found = load_customers(MAPPINGS / "customers.yaml", environ=environ).get(customer)
        secrets = dict(DEMO_SECRETS.get(customer, {}))
        if customer == "evergreen" and "infor" in self.servers:
            secrets["infor.ionapi"] = httpx.get(f"{self.url('infor')}/_sim/ionapi/EVERGREEN_PRD", timeout=10).text
        retry = RetryPolicy(RetrySettings(initial_backoff_seconds=0.01, max_backoff_seconds=0.05, max_total_seconds=5))
        return CustomerRuntime(customer=found, ledger=self.ledger, xref=CrossReference.load(customer, MAPPINGS),
                               credentials=lambda name: SecretStr(secrets[name]), retry=retry)

    # -- the partners' side -------------------------------------------------------------------------------

    def tick(self) -> list[dict[str, Any]]:
        """Partners read what was uploaded for them and deliver every answer due (all of them: delays are 0)."""
        delivered: list[dict[str, Any]] = self.post("cleo", "/_sim/partners/tick")["delivered"]
        return delivered

    def start_ticking(self, interval: float = 0.3) -> None:
        """Partners working in the background while runs come and go, as they do in production."""
        if self._ticker is not None:
            return
        self._ticking.set()

        def loop() -> None:
            while self._ticking.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    self.tick()
                time.sleep(interval)

        self._ticker = threading.Thread(target=loop, daemon=True, name="chaos-partners")
        self._ticker.start()

    def stop_ticking(self) -> None:
        if self._ticker is not None:
            self._ticking.clear()
            self._ticker.join(10)
            self._ticker = None

    def drop(self, partner: str, name: str, content: bytes) -> None:
        """A file appears in the partner's inbound folder, as the partner's AS2 connection would put it."""
        self.apps["cleo"].backend.deliver(partner, "inbound", name, content)

    def faults(self, system: str, rules: list[dict[str, Any]], seed: int = 0) -> None:
        self.post(system, "/_sim/faults", {"rules": rules, "seed": seed})

    def injected(self, system: str) -> int:
        body = httpx.get(f"{self.url(system)}/_sim/faults", timeout=30).json()
        return int(body["injected"])

    def clear_faults(self) -> None:
        for system in self.servers:
            httpx.delete(f"{self.url(system)}/_sim/faults", timeout=30).raise_for_status()

    # -- runs ---------------------------------------------------------------------------------------------

    def spawn(self, customer: str, *, crash_at: str | None = None, steps: str | None = None,
              extra_env: Mapping[str, str] | None = None, command: str = "run") -> tuple[subprocess.Popen[str], Path]:
        self.runs += 1
        log = self.logs / f"run-{self.runs:04d}-{customer}.log"
        args = [sys.executable, "-m", RUNNER, command, "--customer", customer]
        if steps:
            args += ["--steps", steps]
        env = self.env(**(extra_env or {}))
        if crash_at:
            env["EDI_CRASH_AT"] = crash_at
        handle = log.open("w")
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=handle, text=True)
        handle.close()
        return process, log

    def run(self, customer: str, *, crash_at: str | None = None, kill_after: float | None = None,
            steps: str | None = None, timeout: float = 300, extra_env: Mapping[str, str] | None = None,
            command: str = "run") -> Run:
        """One run; killed with SIGKILL ``kill_after`` seconds after it is READY (if still running then)."""
        process, log = self.spawn(customer, crash_at=crash_at, steps=steps, extra_env=extra_env, command=command)
        return finish(process, Run(customer, log=log), kill_after=kill_after, timeout=timeout)

    def run_until_done(self, customer: str, *, attempts: int = 30, **options: Any) -> list[Run]:
        """Run (the first time with ``options``: a crash point, a kill), then again plainly until one finishes."""
        runs = [self.run(customer, **options)]
        while not runs[-1].finished and len(runs) < attempts:
            runs.append(self.run(customer, steps=options.get("steps")))
        return runs


def finish(process: subprocess.Popen[str], run: Run, *, kill_after: float | None, timeout: float) -> Run:
    """Wait for READY, then for the end (or kill at ``kill_after``); read the DONE summary."""
    started = time.monotonic()
    assert process.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    ready_at: float | None = None
    deadline = started + timeout
    while process.poll() is None:
        now = time.monotonic()
        if ready_at is None and any(line.startswith("READY") for line in lines):
            ready_at = now
            run.ready_after = now - started
        if ready_at is not None and kill_after is not None and now - ready_at >= kill_after:
            _kill(process)
            break
        if now > deadline:
            _kill(process)
            break
        time.sleep(0.005)
    process.wait()
    reader.join(5)
    end = time.monotonic()
    run.returncode = process.returncode
    run.killed = process.returncode == -signal.SIGKILL
    run.worked = end - (ready_at or end)
    for line in lines:
        if line.startswith("DONE "):
            import json

            run.summary = json.loads(line[5:])
    return run


def _read_lines(stream: IO[str], into: list[str]) -> None:
    for line in stream:
        into.append(line)


def _kill(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
        os.kill(process.pid, signal.SIGKILL)


def jitter(rng: random.Random, upper: float) -> float:
    """A random instant in [0, upper)."""
    return rng.random() * upper


def iter_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path
