"""The scenarios of ``make chaos``, each in a fresh world, each ending with every invariant checked.

* ``crash-points``: kill -9 at each named point of the flow (several occurrences, every customer whose flow
  meets it), start again, finish;
* ``random-kills``: many runs, each killed at a random instant after it is ready, partners answering in the
  background and new purchase orders appearing in the ERPs all along; ``random-kills-pg`` on PostgreSQL;
* ``storm-<system>``: 429s, 5xx, dropped connections, latency, tokens revoked, and per system its own trouble
  (IFS rows changed by another user between read and write), with runs started again until they finish;
* ``bad-input``: every corpus file and fuzzed files dropped into a partner's folder, duplicates (same bytes new
  name; same ISA13 other bytes), a 997 for a group never sent, an 856 for an unknown PO, an invoice whose
  items do not map; each held with its reason while the partners' ordinary traffic goes through; then replay;
* ``concurrency``: two runs of one partition at once, and a backfill of all customers at once (SQLite, and
  PostgreSQL as ``concurrency-pg``);
* ``secrets``: after a full run, no scenario credential anywhere under DAGSTER_HOME, in the ledger or the logs.
"""

from __future__ import annotations

import argparse
import base64
import random
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from edi_assets.crashpoints import POINTS
from tests.reliability.invariants import Baseline, Findings, HoldExpectation, check
from tests.reliability.world import POSTGRES_URL, Run, World, iter_files, scenario_secrets

CUSTOMERS = ("acme", "delta", "evergreen", "bluefin", "cedar")
SYSTEMS = ("cleo", "qad", "ifs", "infor", "acumatica", "quickbooks")
CORPUS = Path("/work/shared/x12-corpus")


@dataclass
class Row:
    """One line of the summary table."""

    scenario: str
    runs: int = 0
    crashes: int = 0
    faults: int = 0
    documents: int = 0
    lost: int = 0
    duplicated: int = 0
    held: int = 0
    expected_held: int = 0
    violations: int = 0
    seconds: float = 0.0
    details: list[str] = field(default_factory=list)
    note: str = ""

    def add_runs(self, runs: Iterable[Run]) -> None:
        for run in runs:
            self.runs += 1
            self.crashes += int(run.killed)

    def record(self, findings: Findings) -> None:
        self.documents = findings.documents
        self.lost = len(findings.lost)
        self.duplicated = len(findings.duplicated)
        self.held, self.expected_held = findings.held, findings.expected_held
        self.violations = len(findings.all_violations)
        self.details = findings.all_violations

    @property
    def clean(self) -> bool:
        return self.violations == 0


@dataclass
class Options:
    quick: bool = False
    random_runs: int = 200
    seed: int = 7
    postgres: bool = bool(POSTGRES_URL)
    keep: bool = False


# -- expectations: which holds the input calls for ------------------------------------------------------------

#: Demo data the partners answer in ways a person must look at, whatever the harness does: they answer every 850
#: with 855 and 856 that delta and evergreen do not take ("flow"); PO P1001's service line has no item id, so
#: aerofasteners' 856 for it has an empty LIN ("x12") and the 810 that follows cannot be matched to a
#: shipment ("match").
def demo_holds(hold: Any, _name: str | None, doc: Any) -> bool:
    if hold.code == "flow":
        return True
    payload = (doc.payload if doc is not None else None) or {}
    about = {str(payload.get("po_number") or "")} | {str(o.get("po_number")) for o in payload.get("orders", [])}
    about |= {str(i.get("po_number")) for i in payload.get("items", []) if i.get("po_number")}
    about |= {str(line.get("po_number")) for line in payload.get("lines", []) if isinstance(line, dict)}
    about.discard("")
    if doc is not None and doc.partner == "aerofasteners" and hold.code in ("x12", "match"):
        return "P1001" in about or (hold.code == "x12" and "LIN02" in hold.reason)
    return False


# -- helpers --------------------------------------------------------------------------------------------------


def world_for(root: Path, name: str, *, ledger: str = "sqlite", orders: int = 2, replay_protection: bool = False,
              systems: tuple[str, ...] = SYSTEMS) -> World:
    """A fresh world; Cleo's TOTP replay protection off unless asked for (see the report: a TOTP user can log
    in about twice per 30 s step, and the harness starts hundreds of processes a minute)."""
    settings = None if replay_protection else {"totp_replay_protection": False}
    return World(root / name, orders_per_supplier=orders, ledger=ledger, systems=systems, cleo_settings=settings)


def settle(world: World, row: Row, customers: Sequence[str], *, rounds: int = 8) -> None:
    """Partners answer, runs finish, until nothing new comes: the end state the invariants are checked on."""
    world.stop_ticking()
    for _ in range(rounds):
        delivered = world.tick()
        busy = bool(delivered)
        if "cedar" in customers:
            world.web_connector()  # QuickBooks runs what the last runs queued
        for customer in customers:
            runs = world.run_until_done(customer)
            row.add_runs(runs)
            if not runs[-1].finished:
                row.details.append(f"{customer}: no run finished in {len(runs)} attempts; see {runs[-1].log}")
            summary = runs[-1].summary
            busy |= any(summary.get(k) for k in ("uploaded", "files", "collected", "queued", "outcomes"))
        if not busy:
            return


def conclude(world: World, row: Row, customers: Sequence[str], baseline: Baseline, *,
             expected: HoldExpectation = demo_holds, dropped: dict[str, list[tuple[str, str]]] | None = None) -> None:
    settle(world, row, customers)
    stuck = list(row.details)
    row.record(check(world, customers, baseline, expected=expected, dropped=dropped))
    row.details = stuck + row.details
    row.violations += len(stuck)


class Buyers:
    """People creating purchase orders in the ERPs while runs come and go: over HTTP (QAD's API, Infor's admin
    route, IFS's "another user saves the order"), so it is safe while the simulators serve the runs."""

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.rng = random.Random(seed)
        self.serial = 0
        self._qad: Any = None

    def qad(self) -> Any:
        if self._qad is None:
            from pydantic import SecretStr

            from edi_assets.connectors.qad import QadConnector
            from edi_assets.customers import load_customers
            from tests.reliability.world import DEMO_SECRETS, MAPPINGS

            customer = load_customers(MAPPINGS / "customers.yaml",
                                      environ={"EDI_QAD_URL": self.world.url("qad")}).get("acme")
            secrets = DEMO_SECRETS["acme"]
            self._qad = QadConnector(customer, lambda name: SecretStr(secrets[name])).client
        return self._qad

    def add(self) -> None:
        """One new PO in QAD (acme) and Infor (evergreen); one IFS order saved again (a new revision, delta);
        a partner's 850 for bluefin (a sales order) and for cedar (a QuickBooks purchase order), and a Web
        Connector session for cedar."""
        from edi_assets.connectors.qad.client import PO_VIEW

        self.serial += 1
        n, world = self.serial, self.world
        if "qad" in world.apps:
            supplier, item, qty, cost = self.rng.choice([("S-STEEL", "10-1000", 10, 125.5),
                                                         ("S-BOLT", "10-2000", 300, 0.4),
                                                         ("S-PACK", "10-3000", 600, 0.85)])
            number = f"PO9{n:04d}"
            client = self.qad()
            client.json("POST", "api/erp/purchaseOrderHeaders", operation="create purchase order",
                        params={"viewUri": PO_VIEW}, json={"purchaseOrderHeaders": [{
                            "purchaseOrderNumber": number, "supplierCode": supplier, "domainCode": "10USA",
                            "shipToSite": "10-100", "orderDate": "2026-11-15T00:00:00.000Z",
                            "dueDate": "2026-11-30T00:00:00.000Z", "dataOperation": "C"}]})
            client.json("POST", "api/erp/purchaseOrderLinesGrid", operation="add purchase order line",
                        json={"purchaseOrderLines": [{
                            "domainCode": "10USA", "purchaseOrderNumber": number, "purchaseOrderLine": 1,
                            "siteCode": "10-100", "itemCode": item, "quantityOrdered": qty, "purchaseCost": cost,
                            "unitOfMeasure": "EA", "dataOperation": "C"}]})
        if "ifs" in world.apps:
            orders = world.state("ifs")["tables"]["purchase_orders"]
            order = orders[n % len(orders)]
            world.post("ifs", "/_sim/touch", {"entity_set": "PurchaseOrderSet", "keys": {"OrderNo": order["OrderNo"]}})
        if "infor" in world.apps:
            world.post("infor", "/_sim/purchase_orders/EVERGREEN_PRD", {
                "PUNO": f"49{n:05d}", "SUNO": "GRAIN01", "PUDT": "20261115", "DWDT": "20261130",
                "lines": [{"PNLI": 10, "ITNO": "FLOUR-25KG", "PITD": "Flour", "ORQA": 20, "PUPR": 18.2,
                           "PUUN": "BAG"}]})
        if "acumatica" in world.apps:
            world.post("cleo", "/_sim/partners/harborfoods/send", {"type": "850", "po_number": f"HF-{n:05d}"})
        if "quickbooks" in world.apps:
            world.post("cleo", "/_sim/partners/fastenpro/send", {"type": "850", "po_number": f"FP-{n:05d}"})
            world.web_connector()

    def close(self) -> None:
        if self._qad is not None:
            self._qad.close()


# -- crash points ---------------------------------------------------------------------------------------------

def crash_points(root: Path, options: Options) -> Row:
    """Each named point, at several occurrences, for every customer; a point never reached is a violation."""
    row = Row("crash-points")
    occurrences = (1, 3)
    customers = ("acme",) if options.quick else CUSTOMERS
    reached: Counter[str] = Counter()
    for point in POINTS:
        world = world_for(root, f"crash-{point}", orders=2)
        buyers = Buyers(world, options.seed)
        try:
            baseline = Baseline(world, customers)
            for customer in customers:  # the first POs out, so that partners' answers are waiting
                row.add_runs(world.run_until_done(customer))
            world.tick()
            for nth in occurrences:
                buyers.add()  # outbound work for the outbound points
                for customer in customers:
                    run = world.run(customer, crash_at=f"{point}:{nth}")
                    row.add_runs([run])
                    reached[point] += int(run.killed)
                    if not run.finished:
                        row.add_runs(world.run_until_done(customer))
                world.tick()
            findings = _conclude_into(world, row, customers, baseline)
            row.details += [f"[{point}] {d}" for d in findings]
        finally:
            buyers.close()
            world.stop()
    for point in POINTS:
        if not reached[point]:
            row.details.append(f"crash point {point} was never reached")
            row.violations += 1
    row.note = "kills per point: " + ", ".join(f"{p} {reached[p]}" for p in POINTS)
    return row


def crash_point_tour(root: Path, options: Options, customer: str = "acme") -> Row:
    """The quick form: one world, one customer, a kill at each named point in turn (the first time it is met,
    fresh work waiting each time), then the invariants."""
    row = Row("crash-point-tour")
    world = world_for(root, "crash-tour", orders=2, systems=("cleo", world_erp(customer)))
    buyers = Buyers(world, options.seed)
    reached: Counter[str] = Counter()
    try:
        baseline = Baseline(world, [customer])
        row.add_runs(world.run_until_done(customer))
        for point in POINTS:
            world.tick()
            buyers.add()
            run = world.run(customer, crash_at=point)
            row.add_runs([run])
            reached[point] += int(run.killed)
            if not run.finished:
                row.add_runs(world.run_until_done(customer))
        conclude(world, row, [customer], baseline)
    finally:
        buyers.close()
        world.stop()
    missed = [p for p in POINTS if not reached[p]]
    row.details += [f"crash point {p} was never reached" for p in missed]
    row.violations += len(missed)
    return row


def world_erp(customer: str) -> str:
    from tests.reliability.world import ERP_OF

    return ERP_OF[customer]


def _conclude_into(world: World, row: Row, customers: Sequence[str], baseline: Baseline) -> list[str]:
    """Settle and check one world of a multi-world scenario, adding its counts to the row."""
    part = Row(row.scenario)
    conclude(world, part, customers, baseline)
    row.runs += part.runs
    row.crashes += part.crashes
    row.documents += part.documents
    row.lost += part.lost
    row.duplicated += part.duplicated
    row.held += part.held
    row.expected_held += part.expected_held
    row.violations += part.violations
    return part.details


# -- random kills ---------------------------------------------------------------------------------------------


def random_kills(root: Path, options: Options, *, ledger: str = "sqlite", kills: int | None = None,
                 points: bool = False, customers: Sequence[str] = CUSTOMERS) -> Row:
    """Runs killed at random instants (``points``: at a random named point, its N-th time, N random), one lane
    of runs per customer at once; partners answer and buyers add orders in the background; a lane lets a run
    finish now and then, and all finish at the end."""
    name = ("random-points" if points else "random-kills") + ("" if ledger == "sqlite" else "-pg")
    row = Row(name)
    target = kills if kills is not None else options.random_runs
    world = world_for(root, name, ledger=ledger, orders=3,
                      systems=("cleo", *sorted({world_erp(c) for c in customers})))
    buyers = Buyers(world, options.seed)
    lock = threading.Lock()
    stop = threading.Event()
    slots = threading.Semaphore(3)  # runs at once: five lanes on two cores would time each other out

    def lane(customer: str, seed: int) -> None:
        rng = random.Random(seed)
        typical = 1.5  # seconds of work of a run nobody kills, learnt as the lane goes
        while not stop.is_set():
            for _ in range(rng.randint(1, 3)):
                with slots:
                    if points:
                        point = rng.choice(POINTS)
                        nth = rng.randint(1, 60 if point == "in_ledger_transaction" else 4)
                        run = world.run(customer, crash_at=f"{point}:{nth}")
                    else:
                        run = world.run(customer, kill_after=rng.uniform(0.0, typical * 1.2))
                with lock:
                    row.add_runs([run])
                    if row.crashes >= target:
                        stop.set()
                if not run.killed:
                    typical = max(0.3, 0.7 * typical + 0.3 * run.worked)
                    break
            if stop.is_set() or rng.random() < 0.6:
                continue
            with slots:
                finished = world.run(customer)
            with lock:
                row.add_runs([finished])
            if finished.finished:
                typical = max(0.3, 0.7 * typical + 0.3 * finished.worked)

    try:
        baseline = Baseline(world, customers)
        world.start_ticking()
        lanes = [threading.Thread(target=lane, args=(c, options.seed * 100 + i), name=f"lane-{c}", daemon=True)
                 for i, c in enumerate(customers)]
        for thread in lanes:
            thread.start()
        while not stop.wait(4.0):
            buyers.add()
        for thread in lanes:
            thread.join()
        conclude(world, row, customers, baseline)
    finally:
        stop.set()
        buyers.close()
        world.stop()
    return row


# -- fault storms ---------------------------------------------------------------------------------------------

STORM = [
    {"kind": "status", "status": 429, "rate": 0.3, "retry_after": 0},
    {"kind": "status", "status": 503, "rate": 0.1},
    {"kind": "drop", "rate": 0.03},
    {"kind": "latency", "rate": 0.2, "latency_ms": 40},
    {"kind": "revoke_tokens", "rate": 0.02},
]

#: Cleo's storm spares the token endpoint but for two refusals, and revokes tokens twice: its TOTP users wait up
#: to 30 s for a fresh code after each (see the report), which at 2% of requests would take the whole hour.
CLEO_STORM = [
    {"kind": "status", "status": 429, "rate": 0.3, "retry_after": 0, "path": "/api/f*"},
    {"kind": "status", "status": 503, "rate": 0.1, "path": "/api/f*"},
    {"kind": "drop", "rate": 0.03, "path": "/api/f*"},
    {"kind": "latency", "rate": 0.2, "latency_ms": 40, "path": "/api/f*"},
    {"kind": "status", "status": 429, "rate": 1.0, "retry_after": 0, "path": "/api/authentication", "times": 2},
    {"kind": "revoke_tokens", "rate": 0.02, "times": 2},
]


#: Acumatica's licence refuses a sign-in past its API login limit with a generic 500 naming it; the simulator
#: counts only cookie sessions, which the OAuth connector never opens, so the refusal is injected on the token
#: endpoint (after tokens are revoked, every run signs in again).
ACUMATICA_STORM = [*STORM, {"kind": "status", "status": 500, "rate": 0.5, "times": 6, "path": "/identity/connect/token",
                            "body": '{"message": "An error has occurred.", "exceptionMessage": "API Login Limit", '
                                    '"exceptionType": "PX.Data.PXException"}'}]


def fault_storm(root: Path, options: Options, system: str) -> Row:
    row = Row(f"storm-{system}")
    customers = {"cleo": CUSTOMERS, "qad": ("acme",), "ifs": ("delta",), "infor": ("evergreen",),
                 "acumatica": ("bluefin",)}[system]
    world = world_for(root, f"storm-{system}", orders=2)
    rng = random.Random(options.seed)
    stop = threading.Event()
    touched = [0]
    try:
        baseline = Baseline(world, customers)
        world.faults(system, {"cleo": CLEO_STORM, "acumatica": ACUMATICA_STORM}.get(system, STORM), seed=options.seed)
        if system == "ifs":
            threading.Thread(target=_touch_ifs, args=(world, stop, rng, touched), daemon=True).start()
        rounds = 2 if options.quick else 4
        for _ in range(rounds):
            for customer in customers:
                row.add_runs(world.run_until_done(customer, attempts=15))
            world.tick()
            if system in ("cleo", "acumatica"):
                world.post("cleo", "/_sim/partners/harborfoods/send",
                           {"type": "850", "po_number": f"HF-{rng.randint(1000, 9999)}"})
        row.faults = world.injected(system) + touched[0]
        stop.set()
        world.clear_faults()
        conclude(world, row, customers, baseline)
    finally:
        stop.set()
        world.stop()
    return row


QB_REQUESTS = ("BillAddRq", "ItemReceiptAddRq", "PurchaseOrderAddRq")


def quickbooks_storm(root: Path, options: Options) -> Row:
    """QuickBooks closed while the Web Connector comes, then open again; and every add (bill, item receipt,
    purchase order) refused with 3200 on its first attempt, re-armed each round."""
    row = Row("storm-quickbooks")
    world = world_for(root, "storm-quickbooks", orders=0, systems=("cleo", "quickbooks"))
    try:
        baseline = Baseline(world, ["cedar"])
        world.post("cleo", "/_sim/partners/toolmart/send", {"type": "810", "po_number": "2001"})
        world.post("cleo", "/_sim/partners/toolmart/send", {"type": "856", "po_number": "2001"})
        rounds = 2 if options.quick else 4
        for n in range(rounds):
            world.post("cleo", "/_sim/partners/fastenpro/send", {"type": "850", "po_number": f"FP-S{n}"})
            row.add_runs(world.run_until_done("cedar"))
            world.post("quickbooks", "/_sim/close")
            for _ in range(2):
                sessions = world.web_connector()["sessions"]
                row.faults += sum(1 for s in sessions if s["outcome"] != "done")
            world.post("quickbooks", "/_sim/open")
            world.post("quickbooks", "/_sim/settings", {"qbxml_faults": [
                {"request": r, "status_code": 3200, "times": 1} for r in QB_REQUESTS]})
            world.web_connector()
            left = world.post("quickbooks", "/_sim/settings", {})["qbxml_faults"]
            row.faults += len(QB_REQUESTS) - sum(f["times"] for f in left)
            row.add_runs(world.run_until_done("cedar"))
        world.post("quickbooks", "/_sim/settings", {"qbxml_faults": []})
        conclude(world, row, ["cedar"], baseline)
    finally:
        world.stop()
    return row


def _touch_ifs(world: World, stop: threading.Event, rng: random.Random, touched: list[int]) -> None:
    """Another IFS user saves purchase orders and invoices now and then: etags move under the connector."""
    import httpx

    while not stop.wait(0.15):
        state = world.state("ifs")["tables"]
        choices = [("PurchaseOrderSet", {"OrderNo": r["OrderNo"]}) for r in state["purchase_orders"]]
        choices += [("ManSuppInvoiceSet", {"Company": r["Company"], "InvoiceId": r["InvoiceId"]})
                    for r in state["invoices"]]
        entity_set, keys = rng.choice(choices)
        response = httpx.post(f"{world.url('ifs')}/_sim/touch", json={"entity_set": entity_set, "keys": keys},
                              timeout=10)
        if response.status_code == 200:
            touched[0] += 1


# -- bad input ------------------------------------------------------------------------------------------------


def bad_input(root: Path, options: Options, *, ledger: str = "sqlite") -> Row:
    name = "bad-input" if ledger == "sqlite" else "bad-input-pg"
    row = Row(name)
    world = world_for(root, name, orders=1, systems=("cleo", "qad"), ledger=ledger)
    customers = ("acme",)
    dropped: list[tuple[str, str]] = []
    expect_any: set[str] = set()  # file names whose holds (any code) are expected
    expect_code: dict[str, set[str]] = {}  # file name → the hold codes it may get
    try:
        baseline = Baseline(world, customers)
        row.add_runs(world.run_until_done("acme"))
        world.tick()
        row.add_runs(world.run_until_done("acme"))  # the partners' ordinary traffic, read and posted
        partners = ["steelco", "boltworks", "packright"]
        corpus = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix not in (".md", ".json"))
        if options.quick:
            corpus = corpus[::5]
        for i, path in enumerate(corpus):
            name = f"corpus_{path.parent.name}_{path.name}"
            world.drop(partners[i % 3], name, path.read_bytes())
            dropped.append((partners[i % 3], name))
            expect_any.add(name)
        for i, data in enumerate(fuzzed(6 if options.quick else 60, options.seed)):
            name = f"fuzz_{i:03d}.edi"
            world.drop(partners[i % 3], name, data)
            dropped.append((partners[i % 3], name))
            expect_any.add(name)
        # duplicates of a partner's file: same bytes under a new name; same ISA13 with other bytes
        original = next(f for f in world.apps["cleo"].backend.list_files("acme", "/steelco/archive")
                        if f.name.startswith("810_"))
        world.drop("steelco", "again_" + original.name, original.content)
        changed = original.content.replace(b"INV", b"INX", 1)
        world.drop("steelco", "edited_" + original.name, changed)
        for name in ("again_" + original.name, "edited_" + original.name):
            dropped.append(("steelco", name))
            expect_code[name] = {"duplicate"}
        # a partner's 997 for a group we never sent
        world.drop("steelco", "997_unknown.edi", stray_997())
        dropped.append(("steelco", "997_unknown.edi"))
        expect_code["997_unknown.edi"] = {"unknown_ack"}
        # an 856 for a PO that does not exist, an invoice whose items do not map
        sent_856 = world.post("cleo", "/_sim/partners/packright/send", {"type": "856", "po_number": "PO-NOSUCH"})
        sent_810 = world.post("cleo", "/_sim/partners/boltworks/send", {
            "type": "810", "po_number": "PO21000",
            "lines": [{"item": "99-9999", "partner_item": "BW-NOPE", "description": "Unknown", "price": 3,
                       "quantity": 2}]})
        expect_code[sent_856["delivered"][0]["name"]] = {"rejected"}
        expect_code[sent_810["delivered"][0]["name"]] = {"mapping", "match"}  # the match runs first
        row.add_runs(world.run_until_done("acme"))
        # a person replays what a fix could clear: it is held again, visibly, with the same reason
        row.add_runs(world.run_until_done("acme", steps="replay"))

        def expected(hold: Any, name: str | None, doc: Any) -> bool:
            if name in expect_any:
                return True
            if name in expect_code:
                return hold.code in expect_code[name]
            return demo_holds(hold, name, doc)

        conclude(world, row, customers, baseline, expected=expected, dropped={"acme": dropped})
        held_names = _held_names(world, "acme")
        for name, wanted in expect_code.items():
            if held_names.get(name) not in wanted:
                row.details.append(f"acme: {name} should be held ({' or '.join(sorted(wanted))}), is "
                                   f"{held_names.get(name) or 'not held'}")
                row.violations += 1
    finally:
        world.stop()
    return row


def fuzzed(count: int, seed: int) -> list[bytes]:
    """Files from the fuzzing generator of tests/test_fuzz.py (corpus files mutated), its choices drawn from a
    seeded generator so a run can be repeated with ``--seed``."""
    from tests.test_fuzz import SEEDS, RandomPicks, mutate

    pick = RandomPicks(random.Random(seed))
    return [mutate(pick.choice(SEEDS), pick) for _ in range(count)]


def stray_997() -> bytes:
    """A 997 from steelco to acme answering group 987654, which acme never sent."""
    body = ["ST*997*0001", "AK1*PO*987654", "AK9*A*1*1*1", "SE*4*0001"]
    segs = ["ISA*00*          *00*          *ZZ*STEELCO        *ZZ*ACMEMFG        *261121*1200*U*00401*000777001*0*P*>",
            "GS*FA*STEELCO*ACMEMFG*20261121*1200*777001*X*004010", *body, "GE*1*777001", "IEA*1*000777001"]
    return ("~".join(segs) + "~").encode()


def _held_names(world: World, customer: str) -> dict[str, str]:
    """File name → code of the open hold on it or on one of its documents."""
    names: dict[str, str] = {}
    files = {r.id: r for r in world.ledger.files(customer)}
    interchanges = {r.id: r.file_id for r in _interchanges(world, customer)}
    for hold in world.ledger.holds(customer):
        if hold.subject == "file":
            names[files[hold.subject_id].name] = hold.code
        elif hold.subject == "interchange":
            names[files[interchanges[hold.subject_id]].name] = hold.code
        elif hold.subject == "document":
            doc = world.ledger.get_document(hold.subject_id)
            if doc.file_id is not None:
                names[files[doc.file_id].name] = hold.code
    return names


def _interchanges(world: World, customer: str) -> list[Any]:
    from sqlalchemy import select

    from edi_assets.ledger import schema as s

    with world.ledger.engine.connect() as c:
        return list(c.execute(select(s.interchanges).where(s.interchanges.c.customer == customer)))


# -- concurrency ----------------------------------------------------------------------------------------------


def concurrency(root: Path, options: Options, *, ledger: str = "sqlite", customers: Sequence[str] = CUSTOMERS) -> Row:
    name = "concurrency" if ledger == "sqlite" else "concurrency-pg"
    row = Row(name)
    world = world_for(root, name, ledger=ledger, orders=3,
                      systems=("cleo", *sorted({world_erp(c) for c in customers})))
    rng = random.Random(options.seed)
    buyers = Buyers(world, options.seed)
    try:
        baseline = Baseline(world, customers)
        rounds = 2 if options.quick else 5
        with ThreadPoolExecutor(max_workers=4) as pool:
            for round_ in range(rounds):
                # two runs of one partition at once (one of them sometimes killed), for each customer
                for customer in customers:
                    kill = rng.uniform(0.2, 2.0) if round_ % 2 else None
                    runs = list(pool.map(lambda k, c=customer: world.run(c, kill_after=k), [None, kill]))
                    row.add_runs(runs)
                world.tick()
                # a backfill: every customer's partition at once, twice over
                runs = list(pool.map(lambda c: world.run(c), [*customers, *customers]))
                row.add_runs(runs)
                world.tick()
                buyers.add()
        conclude(world, row, customers, baseline)
    finally:
        buyers.close()
        world.stop()
    return row


# -- secrets --------------------------------------------------------------------------------------------------


def secrets(root: Path, options: Options, customers: Sequence[str] = CUSTOMERS) -> Row:
    row = Row("secrets")
    world = world_for(root, "secrets", orders=1, replay_protection=True,
                      systems=("cleo", *sorted({world_erp(c) for c in customers})))
    try:
        baseline = Baseline(world, customers)
        # tokens revoked and 401s: every grant runs again (with replay protection on, a TOTP user waits for
        # the next 30 s step each time, so a few of each)
        world.faults("cleo", [{"kind": "revoke_tokens", "rate": 0.05, "times": 2},
                              {"kind": "status", "status": 401, "rate": 0.02, "times": 3}])
        for _ in range(2):
            for customer in customers:
                row.add_runs(world.run_until_done(customer))
            world.tick()
            world.web_connector()
        row.faults = world.injected("cleo")
        world.clear_faults()
        conclude(world, row, customers, baseline)
        dagster = world.run(customers[0], command="dagster-run", timeout=600)  # Dagster's event log, too
        row.add_runs([dagster])
        if not dagster.finished:
            row.details.append(f"the Dagster run of {customers[0]} failed; see {dagster.log}")
            row.violations += 1
        values = scenario_secrets(world.scenario) | _ionapi_secrets(world)
        leaks = find_secrets(world, values)
        row.details += leaks
        row.violations += len(leaks)
        row.note = f"{len(values)} secrets searched in {sum(1 for _ in iter_files(world.home))} files"
    finally:
        world.stop()
    return row


def _ionapi_secrets(world: World) -> set[str]:
    import json

    from edi_assets.vault import Vault

    if "infor" not in world.servers:
        return set()
    vault = Vault(world.home / "credentials.json", key_file=world.home / "vault.key")
    ionapi = json.loads(vault.get("evergreen", "infor.ionapi").get_secret_value())
    return {str(ionapi[k]) for k in ("cs", "sask") if ionapi.get(k)}


def secret_forms(value: str) -> set[bytes]:
    """The ways a secret can show up in bytes: raw, URL-encoded, base64 (alone or in Basic user:pass)."""
    forms = {value, quote(value, safe=""), quote_plus(value)}
    raw = {f.encode() for f in forms}
    raw.add(base64.b64encode(value.encode()))
    return raw


def find_secrets(world: World, values: Iterable[str]) -> list[str]:
    """Every place under DAGSTER_HOME (ledger, logs, rate limiter, vault) and in the ledger rows holding one."""
    wanted = {v: secret_forms(v) for v in values}
    leaks: list[str] = []
    for path in iter_files(world.home):
        if path.name in ("credentials.json", "vault.key"):
            continue  # the vault: encrypted values, by design; its key file is a key, not a credential
        data = path.read_bytes()
        for value, forms in wanted.items():
            if any(form in data for form in forms):
                leaks.append(f"a scenario credential ({value[:3]}…) is in {path.relative_to(world.home)}")
    dump = _ledger_text(world)
    for value, forms in wanted.items():
        if any(form.decode("latin-1") in dump for form in forms):
            leaks.append(f"a scenario credential ({value[:3]}…) is in the ledger's rows")
    return leaks


def _ledger_text(world: World) -> str:
    from sqlalchemy import select

    from edi_assets.ledger import schema as s

    parts: list[str] = []
    with world.ledger.engine.connect() as c:
        for table in s.metadata.sorted_tables:
            for r in c.execute(select(table)):
                parts.extend(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in r)
    return "\n".join(parts)


# -- the table ------------------------------------------------------------------------------------------------

HEADERS = ("scenario", "runs", "crashes injected", "faults injected", "documents", "lost", "duplicated",
           "held (expected)", "invariant violations", "seconds")


def table(rows: Sequence[Row]) -> str:
    from tabulate import tabulate

    body = [(r.scenario, r.runs, r.crashes, r.faults, r.documents, r.lost, r.duplicated,
             f"{r.held} ({r.expected_held})", r.violations, f"{r.seconds:.0f}") for r in rows]
    total = ("total", sum(r.runs for r in rows), sum(r.crashes for r in rows), sum(r.faults for r in rows),
             sum(r.documents for r in rows), sum(r.lost for r in rows), sum(r.duplicated for r in rows),
             f"{sum(r.held for r in rows)} ({sum(r.expected_held for r in rows)})",
             sum(r.violations for r in rows), f"{sum(r.seconds for r in rows):.0f}")
    return tabulate([*body, total], headers=HEADERS, tablefmt="github")


Scenario = Callable[[Path, Options], Row]


def registry(options: Options) -> dict[str, Scenario]:
    found: dict[str, Scenario] = {
        "crash-points": crash_points,
        "random-kills": random_kills,
        "random-points": lambda root, o: random_kills(root, o, points=True, kills=max(10, o.random_runs // 3)),
        "storm-cleo": lambda root, o: fault_storm(root, o, "cleo"),
        "storm-qad": lambda root, o: fault_storm(root, o, "qad"),
        "storm-ifs": lambda root, o: fault_storm(root, o, "ifs"),
        "storm-infor": lambda root, o: fault_storm(root, o, "infor"),
        "storm-acumatica": lambda root, o: fault_storm(root, o, "acumatica"),
        "storm-quickbooks": quickbooks_storm,
        "bad-input": bad_input,
        "concurrency": concurrency,
        "secrets": secrets,
    }
    if options.postgres:
        found["random-kills-pg"] = lambda root, o: random_kills(root, o, ledger="postgresql",
                                                                kills=max(10, o.random_runs // 5))
        found["concurrency-pg"] = lambda root, o: concurrency(root, o, ledger="postgresql")
        found["bad-input-pg"] = lambda root, o: bad_input(root, o, ledger="postgresql")
    return found


NOT_COVERED: list[str] = []


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="chaos")
    parser.add_argument("--quick", action="store_true", help="fewer runs per scenario")
    parser.add_argument("--random-runs", type=int, default=200, help="randomised kills (default 200)")
    parser.add_argument("--only", action="append", default=[], help="run only these scenarios")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL scenarios")
    parser.add_argument("--keep", action="store_true", help="keep the worlds' directories (logs, ledgers)")
    parser.add_argument("--details", type=int, default=25, help="violations listed per scenario (default 25)")
    args = parser.parse_args(list(argv))
    import logging

    logging.getLogger("edi_assets").setLevel(logging.ERROR)  # the Web Connector service runs in this process
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)  # a killed run's half-sent upload is expected
    options = Options(quick=args.quick, random_runs=args.random_runs, seed=args.seed,
                      postgres=bool(POSTGRES_URL) and not args.no_postgres, keep=args.keep)
    chosen = registry(options)
    if args.only:
        unknown = [n for n in args.only if n not in chosen]
        if unknown:
            parser.error(f"unknown scenario(s) {unknown}; known: {', '.join(chosen)}")
        chosen = {n: chosen[n] for n in args.only}
    rows: list[Row] = []
    tmp = tempfile.mkdtemp(prefix="chaos-")
    try:
        for name, scenario in chosen.items():
            started = time.monotonic()
            print(f"chaos: {name} ...", flush=True)
            try:
                row = scenario(Path(tmp), options)
            except Exception as exc:  # a scenario that cannot run is a failed scenario, not a crashed table
                row = Row(name, violations=1, details=[f"the scenario failed: {type(exc).__name__}: {exc}"])
            row.seconds = time.monotonic() - started
            rows.append(row)
            print(f"chaos: {name}: {row.runs} runs, {row.crashes} crashes, {row.violations} violations "
                  f"({row.seconds:.0f} s)", flush=True)
    finally:
        if options.keep:
            print(f"chaos: worlds kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(table(rows))
    for row in rows:
        for detail in row.details[:args.details]:
            print(f"  {row.scenario}: {detail}")
        if len(row.details) > args.details:
            print(f"  {row.scenario}: ... and {len(row.details) - args.details} more")
        if row.note:
            print(f"  {row.scenario}: {row.note}")
    if not options.postgres:
        print("  PostgreSQL scenarios skipped: set EDI_TEST_POSTGRES_URL")
    for line in NOT_COVERED:
        print(f"  not covered: {line}")
    random_row = next((r for r in rows if r.scenario == "random-kills"), None)
    ok = all(r.clean for r in rows)
    if random_row is not None and random_row.crashes < args.random_runs:
        ok = False
    return 0 if ok else 1

