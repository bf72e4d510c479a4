"""``make demo``: every flow of the five demo customers, through Dagster, against the bundled simulators.

It starts the simulators in their own process (the product imports nothing of them), stores the demo credentials
in a fresh vault, registers the customer partitions, runs the outbound and inbound jobs while the trading
partners answer (their clock is advanced instead of waited for), prints the documents per customer, type and
state, and checks every ERP record the ledger says it posted is in the ERP simulator. Exit 0 only if all is well.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import yaml

SYSTEMS = ("cleo", "qad", "acumatica", "ifs", "infor", "quickbooks")  # the order `simulators up` uses
ENV_NAMES = {"cleo": "EDI_CLEO_URL", "qad": "EDI_QAD_URL", "acumatica": "EDI_ACUMATICA_URL", "ifs": "EDI_IFS_URL"}
ERP_OF = {"acme": "qad", "bluefin": "acumatica", "cedar": "quickbooks", "delta": "ifs", "evergreen": "infor"}
#: Documents partners send without an order from us behind them (the flows no 850 of ours starts).
ON_DEMAND = [("harborfoods", "850", "HF-5001"), ("toolmart", "856", "2001"), ("toolmart", "810", "2001"),
             ("fastenpro", "850", "FP-7001")]
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # progress comes from say()
DELAY_SCALE = 0.01  # the partners' answers (5 s to 15 min in the scenario) arrive within seconds


def say(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


@contextlib.contextmanager
def simulators(base_port: int, log_file: Path) -> Iterator[dict[str, str]]:
    """The simulators in a child process on base_port.. (one port each); their URLs by system."""
    urls = {system: f"http://127.0.0.1:{base_port + i}" for i, system in enumerate(SYSTEMS)}
    with log_file.open("w") as log:
        child = subprocess.Popen([sys.executable, "-m", "simulators", "up", "--base-port", str(base_port),
                                  "--partner-delay-scale", str(DELAY_SCALE)], stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(urls, child, log_file)
            yield urls
        finally:
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()


def wait_for(urls: dict[str, str], child: subprocess.Popen[bytes] | None = None,
             log_file: Path | None = None, seconds: float = 60) -> None:
    """Until every simulator answers (or the child that runs them has exited)."""
    deadline = time.monotonic() + seconds
    for system, url in urls.items():
        while True:
            if child is not None and child.poll() is not None:
                raise RuntimeError(f"the simulators exited (code {child.returncode}); see {log_file}")
            try:
                httpx.get(f"{url}/_sim/state", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the {system} simulator did not answer at {url}") from None
                time.sleep(0.2)


def store_credentials(root: Path, urls: dict[str, str]) -> None:
    from edi_assets.vault import Vault

    vault = Vault()
    values: dict[str, dict[str, str]] = yaml.safe_load((root / "mappings" / "demo-credentials.yaml").read_text())
    for customer, names in values.items():
        for name, value in names.items():
            vault.set(customer, name, str(value))
    ionapi = httpx.get(f"{urls['infor']}/_sim/ionapi/EVERGREEN_PRD", timeout=10)
    ionapi.raise_for_status()
    vault.set("evergreen", "infor.ionapi", ionapi.text)


def run_demo(root: Path, base_port: int = 8710, home_root: Path | None = None) -> int:
    """``home_root``: where the run's DAGSTER_HOME goes (default ``.demo/`` under ``root``)."""
    home = (home_root or root / ".demo") / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    home.mkdir(parents=True)
    os.environ["DAGSTER_HOME"] = str(home)
    (home / "dagster.yaml").write_text((root / "dagster.yaml").read_text())
    logging.getLogger("dagster").setLevel(logging.WARNING)
    say(f"DAGSTER_HOME={home} (ledger, vault and Dagster runs of this demo)")
    say(f"starting the simulators on 127.0.0.1:{base_port}-{base_port + len(SYSTEMS) - 1}")
    with simulators(base_port, home / "simulators.log") as urls:
        for system, name in ENV_NAMES.items():
            os.environ[name] = urls[system]
        store_credentials(root, urls)
        say("demo credentials stored in the vault (encrypted)")
        return _run(urls)


@contextlib.contextmanager
def web_connector_service(urls: dict[str, str]) -> Iterator[None]:
    """Our QuickBooks Web Connector endpoint on a free port, its .qwc installed in the simulated Web Connector."""
    import socket
    import threading

    import uvicorn

    from edi_assets.connectors.quickbooks.service import create_app, service_for
    from edi_assets.customers import load_customers
    from edi_assets.pipeline.runtime import vault_credentials
    from edi_assets.vault import Vault

    vault = Vault()
    app = create_app(service_for(load_customers(), lambda customer: vault_credentials(vault, customer)))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        qwc = httpx.get(f"{base}/qwc/cedar", timeout=10)
        qwc.raise_for_status()
        httpx.post(f"{urls['quickbooks']}/_sim/qwc", params={"company": "cedar"}, content=qwc.content,
                   timeout=10).raise_for_status()
        password = vault.get("cedar", "quickbooks.password").get_secret_value()
        _post(urls["quickbooks"], "/_sim/qwc/password", {"company": "cedar", "password": password})
        say(f"QuickBooks Web Connector endpoint at {base}/qbwc; its .qwc installed for cedar")
        yield
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _run(urls: dict[str, str]) -> int:
    from dagster import DagsterInstance, materialize

    from edi_assets.customers import load_customers
    from edi_assets.defs.assets import INBOUND, OUTBOUND
    from edi_assets.defs.resources import EdiResource
    from edi_assets.ledger import Ledger
    from edi_assets.pipeline.quickbooks import record_outcomes

    customers = list(load_customers())
    instance = DagsterInstance.get()
    instance.add_dynamic_partitions("customers", [c.id for c in customers])
    resource = EdiResource(rate_limits=True)
    ledger = Ledger()

    def run_assets(assets: list[Any], what: str, only: list[Any] | None = None) -> bool:
        ok = True
        for customer in only or customers:
            result = materialize(assets, partition_key=customer.id, instance=instance, resources={"edi": resource},
                                 raise_on_error=False, run_config=QUIET)
            if not result.success:
                ok = False
                say(f"  {customer.id}: {what} run FAILED ({result.run_id}); see `dagster dev` for its logs")
        return ok

    ok = True
    with web_connector_service(urls):
        say("outbound: purchase orders and invoices from each ERP → X12 files in the partners' Cleo folders")
        ok &= run_assets(OUTBOUND, "outbound", [c for c in customers if c.flows.outbound])
        for partner, doc_type, number in ON_DEMAND:
            _post(urls["cleo"], f"/_sim/partners/{partner}/send", {"type": doc_type, "po_number": number})
        say("partners answer every order with 997, 855, 856 and 810, and send their own documents")
        seen, quiet, started = -1, 0, time.monotonic()
        while quiet < 2 and time.monotonic() - started < 120:
            time.sleep(3)
            ok &= run_assets(INBOUND, "inbound")
            _post(urls["quickbooks"], "/_sim/run", {"company": "cedar"})  # the Web Connector's scheduled session
            with resource.runtime("cedar") as rt:
                record_outcomes(rt)
            total = sum(len(ledger.documents(c.id)) for c in customers)
            say(f"inbound round: {total} documents in the ledger")
            quiet = quiet + 1 if total == seen and time.monotonic() - started > 15 else 0
            seen = total
    table = _summary(ledger, [c.id for c in customers])
    print()
    print(table.to_string(index=False) if not table.empty else "(no documents)")
    print()
    problems = _check(ledger, urls, [c.id for c in customers])
    for problem in problems:
        say(f"PROBLEM: {problem}")
    if ok and not problems:
        say("all flows completed; every posted record is in its ERP simulator")
        return 0
    return 1


def _post(base: str, path: str, payload: Any = None) -> Any:
    response = httpx.post(f"{base}{path}", json=payload, timeout=30)
    response.raise_for_status()
    return response.json() if response.content else None


def _summary(ledger: Any, customer_ids: list[str]) -> pd.DataFrame:
    rows = [dict(customer=c, **row) for c in customer_ids for row in ledger.counts(c)]
    if not rows:
        return pd.DataFrame()
    keys = ["customer", "direction", "doc_type", "state"]
    summary: pd.DataFrame = pd.DataFrame(rows).groupby(keys, as_index=False).agg(documents=("documents", "sum"))
    return summary.sort_values(keys)


def _check(ledger: Any, urls: dict[str, str], customer_ids: list[str]) -> list[str]:
    """Every posted record id is in the ERP simulator's state; no document failed; each customer moved documents."""
    problems: list[str] = []
    for customer in customer_ids:
        state_text = json.dumps(httpx.get(f"{urls[ERP_OF[customer]]}/_sim/state", timeout=30).json())
        documents = ledger.documents(customer)
        if not any(d.direction == "in" and d.state == "posted" for d in documents):
            problems.append(f"{customer}: no inbound document was posted")
        for d in documents:
            if d.state in ("failed", "posting", "uploading", "pending", "queued", "held"):
                problems.append(f"{customer}: {d.direction} {d.doc_type} {d.number} is {d.state}: {d.reason}")
            posting = ledger.posting(d.id) if d.direction == "in" and d.state == "posted" else None
            if posting is not None and posting.record_id and posting.record_id not in state_text:
                problems.append(f"{customer}: {d.doc_type} {d.number} posted as {posting.record_kind} "
                                f"{posting.record_id}, which the ERP simulator does not hold")
    return problems


def main() -> int:
    root = Path.cwd()
    try:
        return run_demo(root)
    except (RuntimeError, OSError, httpx.HTTPError) as error:
        say(f"demo failed: {error}")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
