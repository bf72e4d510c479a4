"""`python -m simulators up`: every simulator of a scenario on its own 127.0.0.1 port, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Protocol

from simulators.core.scenario import ScenarioError, load_scenario
from simulators.core.server import RunningServer, start
from simulators.registry import SYSTEMS, Credential, app_factory, credentials


class Background(Protocol):
    """Something that works on its own thread while the simulators run (trading partners, QBWC)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Fleet:
    """The running simulators of one scenario."""

    servers: dict[str, RunningServer] = field(default_factory=dict)
    apps: dict[str, Any] = field(default_factory=dict)
    workers: list[Background] = field(default_factory=list)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for server in self.servers.values():
            server.stop()


def start_fleet(scenario: dict[str, Any], systems: Sequence[str] = SYSTEMS, base_port: int = 0,
                seed: int = 0, *, web_connector: bool = False) -> Fleet:
    """Start the simulators (ports base_port, base_port+1, ... or free ones when base_port is 0).

    The trading partners always work in the background; the Web Connector only with `web_connector`,
    since it calls the product's SOAP endpoint (the scenario's `app_url`), which must be up."""
    fleet = Fleet()
    try:
        for offset, system in enumerate(systems):
            app = app_factory(system)(scenario, seed=seed)
            fleet.apps[system] = app
            fleet.servers[system] = start(app, base_port + offset if base_port else 0)
        partners = getattr(getattr(fleet.apps.get("cleo"), "backend", None), "partners", None)
        if partners is not None:
            partners.start()
            fleet.workers.append(partners)
        driver = getattr(getattr(fleet.apps.get("quickbooks"), "backend", None), "driver", None)
        if web_connector and driver is not None:
            driver.start()
            fleet.workers.append(driver)
    except BaseException:
        fleet.stop()
        raise
    return fleet


def table(fleet: Fleet, scenario: dict[str, Any]) -> str:
    """The URLs and the demo credentials, as a plain-text table."""
    rows: list[tuple[str, str, str, str, str]] = [("system", "url", "tenant", "user / client", "secret")]
    for system, server in fleet.servers.items():
        creds: list[Credential] = credentials(system, scenario) or [Credential(system, "", "", "")]
        for c in creds:
            rows.append((system, server.url, c.tenant, c.username, c.secret + (f"  ({c.note})" if c.note else "")))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators", description="Run the bundled simulators.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start every simulator of a scenario and print URLs and demo credentials")
    up.add_argument("--scenario", default="demo", help="bundled scenario name or path to a YAML file")
    up.add_argument("--base-port", type=int, default=0, help="first port (default: free ports)")
    up.add_argument("--only", nargs="*", choices=SYSTEMS, help="start only these systems")
    up.add_argument("--partner-delay-scale", type=float, default=None,
                    help="multiply the partners' answer delays (e.g. 0.01 to see a day's exchange in a minute)")
    up.add_argument("--web-connector", action="store_true",
                    help="also run the Web Connector's sessions against the product's endpoint on a schedule")
    args = parser.parse_args(argv)
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.partner_delay_scale is not None:
        scenario.setdefault("partners", {}).setdefault("settings", {})["delay_scale"] = args.partner_delay_scale
    try:
        fleet = start_fleet(scenario, args.only or SYSTEMS, args.base_port, web_connector=args.web_connector)
    except OSError as exc:
        print(f"error: cannot start the simulators: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Handlers first: whoever reads "Ctrl-C stops them" may send the signal at once.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(table(fleet, scenario), flush=True)
    print("\nsimulators running; Ctrl-C stops them", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        fleet.stop()
        print("simulators stopped", flush=True)
    return 0
