"""Inbound pipeline benchmark: partners' 810s through the whole inbound flow, one markdown table.

Run from the project root::

    .venv/bin/python -m benchmarks.pipeline_bench [--documents 1000] [--limited-documents 100] [--runs 1] [--check]

Two measurements, each against its own fresh simulators (Cleo with the trading partners, and QAD) served
by a child process on free ports of 127.0.0.1, and a fresh SQLite ledger (the default: WAL, ``synchronous=FULL``):

* ``limits off``: ``--documents`` invoices for customer acme (QAD), from its partner steelco, through
  ``fetch_files`` → ``read_files`` (997s queued) → ``send_acknowledgments`` beside ``post_documents`` →
  ``finish_files`` (files moved to the archive folder, acme's ``after_processing``): two steps of the Dagster job
  that run at once, here (as there) two processes. ``CustomerRuntime(limiter=None)``, and the Cleo simulator's own
  budget raised out of the way (QAD's simulator has none). Target: at least 100 documents per second.
* ``Cleo 5/s per path``: ``--limited-documents`` invoices the same way with the shared limiter at its default
  (Cleo: 5 requests per second per path) and the Cleo simulator enforcing 5 per second per path too. The floor is
  what that limit alone costs: with bursts of ``r`` allowed, ``n`` requests on one path take at least
  ``(ceil(n / r) - 1)`` periods, and the busiest path of the requests the flow must make sets it (the 997
  uploads, one per file, all to the partner's one outbound folder: 19 s for 100). The table's notes give the
  busiest path as the run made it. Target: wall time within 10 % of the floor.

What is set up first, untimed, so the invoices are the ones acme would really receive: one QAD purchase order
per invoice (supplier S-STEEL), collected and sent as 850s by the outbound flow, read by the partner (its own
answers held back), then one 810 per PO sent by the partner simulator (``/_sim/partners/steelco/send``), one
file each, into steelco's inbound folder. So every invoice is three-way matched against the 850 before it is
posted. One invoice per file is the costliest shape per document (each brings its own download, 997 and move).
QAD because its connector posts an invoice in two requests (a lookup by supplier and reference, then the
create), the fewest of the ERPs, and its simulator has no request budget to lift. The clock runs from a fresh
Cleo client (a new run's login and folder lookups included) until every file is finished. Afterwards the run is
checked: every invoice posted once, none held, one supplier invoice per invoice in QAD, one 997 per file in
Cleo, every file archived; a run that fails the check is an ``error`` row.

The exit code is 0 unless ``--check`` is given and a target is missed (or a measurement failed).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import math
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import SecretStr

from edi_assets.connectors.crossref import CrossReference
from edi_assets.connectors.ratelimit import RateLimiter, RateLimitSettings
from edi_assets.customers import load_customers
from edi_assets.ledger import Ledger
from edi_assets.pipeline.inbound import (
    fetch_files,
    finish_files,
    post_documents,
    read_files,
    send_acknowledgments,
)
from edi_assets.pipeline.outbound import collect_documents, send_documents
from edi_assets.pipeline.runtime import CustomerRuntime, close_shared_clients

ROOT = Path(__file__).resolve().parents[1]
MAPPINGS = ROOT / "mappings"
CUSTOMER, PARTNER, SUPPLIER, ITEM = "acme", "steelco", "S-STEEL", "10-1000"
THROUGHPUT_TARGET = 100.0  # documents per second, limits off
FLOOR_TARGET = 1.10  # wall time / floor, Cleo's limit on
UNLIMITED_RATE = 1_000_000.0  # the Cleo simulator's budget when limits are off: never reached
HELD_BACK = 1e9  # seconds the partner's own answers to our 850s are held back (only the 810s we ask for come)

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


@dataclass
class Row:
    """One table row: a measurement, or why it could not be made."""

    name: str
    documents: int
    status: str = "ok"  # ok | error
    seconds: float = 0.0
    floor: float | None = None  # seconds the rate limit alone costs (limited runs)
    requests: int = 0  # Cleo API requests of the timed run
    busiest_path: str = ""  # the path with the most Cleo requests, as made (the floor counts what must be made)
    busiest_requests: int = 0
    note: str = ""
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.seconds > 0

    @property
    def per_second(self) -> float:
        return self.documents / self.seconds if self.ok else 0.0

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.floor if self.ok and self.floor else None

    @property
    def target(self) -> str:
        return f"≤ {FLOOR_TARGET:.2f} × floor" if self.floor is not None else f"≥ {THROUGHPUT_TARGET:g} docs/s"

    @property
    def passed(self) -> bool:
        if not self.ok:
            return False
        ratio = self.ratio
        if self.floor is not None:
            return ratio is not None and ratio <= FLOOR_TARGET
        return self.per_second >= THROUGHPUT_TARGET

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"


# -- the simulators ---------------------------------------------------------------------------------------------


def scenario_for(documents: int) -> dict[str, Any]:
    """The demo scenario with one open QAD purchase order per invoice for steelco (instead of the demo's two),
    steelco's own answers to them held back, and Cleo's budget out of the way while setting up."""
    from simulators.core.scenario import load_scenario

    scenario = load_scenario("demo")
    cleo_settings = scenario["cleo"].setdefault("settings", {})
    # Setup and the timed run each log in with a fresh client, within one 30 s step: let the code be reused.
    cleo_settings.update(rate_per_second=UNLIMITED_RATE, totp_replay_protection=False)
    today = dt.date.today()
    tenant = next(t for t in scenario["qad"]["tenants"] if t["id"] == CUSTOMER)
    tenant["purchase_orders"] = [
        {"purchaseOrderNumber": po_number(n), "supplierCode": SUPPLIER, "orderDate": today.isoformat(),
         "dueDate": (today + dt.timedelta(days=14)).isoformat(),
         "lines": [{"purchaseOrderLine": 1, "itemCode": ITEM, "quantityOrdered": 40, "purchaseCost": 125.50,
                    "unitOfMeasure": "EA"}]}
        for n in range(1, documents + 1)]
    partner = next(p for p in scenario["partners"]["network"] if p["id"] == PARTNER)
    partner["behaviour"] = {**partner.get("behaviour", {}), "extra_delay": HELD_BACK}
    return scenario


def po_number(n: int) -> str:
    return f"PB{n:06d}"


class _Child:
    """A spawned child process running ``target(*args, pipe)``; :meth:`stop` asks it to stop, then makes sure."""

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...], name: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=target, args=(*args, child), daemon=True, name=name)
        self._process.start()
        child.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send("stop")
        self._process.join(15)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


class Simulators(_Child):
    """Cleo (with the partners) and QAD, served by a child process on free ports; stopped on exit.

    A process of their own, as the real systems are: on this 2-core machine they take the other core instead of
    sharing the pipeline's interpreter lock, so the figures are the pipeline's, not the simulators'."""

    def __init__(self, scenario: dict[str, Any]) -> None:
        super().__init__(_serve, (scenario,), "pipeline-bench-simulators")
        if not self._conn.poll(60):
            self.stop()
            raise RuntimeError("the simulators did not start within 60 s")
        started = self._conn.recv()
        if isinstance(started, str):
            self.stop()
            raise RuntimeError(f"the simulators did not start: {started}")
        self.urls: dict[str, str] = started

    def url(self, system: str) -> str:
        return self.urls[system]

    def post(self, system: str, path: str, payload: Any = None) -> Any:
        response = httpx.post(f"{self.url(system)}{path}", json=payload, timeout=60)
        response.raise_for_status()
        return response.json() if response.content else None

    def state(self, system: str) -> Any:
        response = httpx.get(f"{self.url(system)}/_sim/state", timeout=60)
        response.raise_for_status()
        return response.json()


def _serve(scenario: dict[str, Any], conn: Any) -> None:
    """The child process: start the servers, report their URLs (or why not), serve until told to stop."""
    from simulators.core.server import start
    from simulators.registry import app_factory

    servers = []
    try:
        try:
            for system in ("cleo", "qad"):
                servers.append((system, start(app_factory(system)(scenario))))
        except Exception as exc:
            conn.send(f"{type(exc).__name__}: {exc}")
            return
        conn.send({system: str(server.url) for system, server in servers})
        with contextlib.suppress(EOFError, OSError):
            conn.recv()  # "stop", or the parent went away
    finally:
        for _, server in servers:
            server.stop()


# -- one measurement --------------------------------------------------------------------------------------------


@dataclass
class Bench:
    """One measurement's world: simulators, ledger, the customer's settings and credentials."""

    sims: Simulators
    ledger: Ledger
    workdir: Path
    progress: Progress

    def runtime(self, limiter: RateLimiter | None) -> CustomerRuntime:
        return customer_runtime(self.sims.urls, self.ledger, limiter)


def customer_runtime(urls: dict[str, str], ledger: Ledger, limiter: RateLimiter | None) -> CustomerRuntime:
    """acme's runtime against the simulators at ``urls``, with the demo credentials."""
    environ = {"EDI_CLEO_URL": urls["cleo"], "EDI_QAD_URL": urls["qad"]}
    customer = load_customers(MAPPINGS / "customers.yaml", environ=environ).get(CUSTOMER)
    secrets: dict[str, str] = yaml.safe_load((MAPPINGS / "demo-credentials.yaml").read_text())[CUSTOMER]
    return CustomerRuntime(customer=customer, ledger=ledger, xref=CrossReference.load(CUSTOMER, MAPPINGS),
                           credentials=lambda name: SecretStr(secrets[name]), limiter=limiter)


class AckStep(_Child):
    """The ``partner_acknowledgments`` step in a process of its own, as Dagster's multiprocess executor runs it
    beside the postings (threads would share one interpreter lock, which the product's steps do not). Started,
    its imports done and its runtime built, before the clock runs, as the other steps' start is not timed either;
    :meth:`run` lets it go, :meth:`seconds` waits for it."""

    def __init__(self, urls: dict[str, str], ledger_url: str, limits: RateLimitSettings | None) -> None:
        super().__init__(_ack_step, (urls, ledger_url, limits), "pipeline-bench-997s")
        try:
            self._expect("ready", 60)
        except BaseException:
            self.stop()
            raise

    def run(self) -> None:
        self._conn.send("go")

    def seconds(self, timeout: float = 600) -> float:
        return float(self._expect("done", timeout))

    def _expect(self, what: str, timeout: float) -> Any:
        if not self._conn.poll(timeout):
            raise RuntimeError(f"the 997 step was not {what} within {timeout:g} s")
        kind, value = self._conn.recv()
        if kind == "error":
            raise RuntimeError(f"the 997 step failed: {value}")
        return value


def _ack_step(urls: dict[str, str], ledger_url: str, limits: RateLimitSettings | None, conn: Any) -> None:
    """The child process of :class:`AckStep`: ready, then (on "go") the step, timed; or why it could not."""
    with ExitStack() as stack:
        try:
            ledger = Ledger(ledger_url)
            stack.callback(ledger.close)
            rt = customer_runtime(urls, ledger, RateLimiter(limits) if limits is not None else None)
            stack.callback(close_shared_clients)
            stack.callback(rt.close)
            conn.send(("ready", None))
            if conn.recv() != "go":
                return
            started = time.perf_counter()
            send_acknowledgments(rt)
            conn.send(("done", time.perf_counter() - started))
        except Exception as exc:
            with contextlib.suppress(OSError):
                conn.send(("error", f"{type(exc).__name__}: {exc}"))


@contextmanager
def bench(documents: int, progress: Progress) -> Iterator[Bench]:
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pipeline-bench-")))
        sims = Simulators(scenario_for(documents))
        stack.callback(sims.stop)
        ledger = Ledger(f"sqlite:///{workdir / 'ledger.sqlite'}")
        stack.callback(ledger.close)
        stack.callback(close_shared_clients)
        yield Bench(sims, ledger, workdir, progress)


def set_up(b: Bench, documents: int) -> None:
    """Untimed: the POs go out as 850s, the partner reads them, then sends one 810 per PO into the inbound folder."""
    b.progress(f"setting up {documents} purchase orders, 850s and 810s ...")
    rt = b.runtime(limiter=None)
    try:
        collect_documents(rt)
        sent = send_documents(rt)
    finally:
        rt.close()
    if sum(sent.uploaded.values()) != documents or sent.failed:
        raise RuntimeError(f"setup: {sum(sent.uploaded.values())} of {documents} 850s uploaded ({sent.failed[:3]})")
    b.sims.post("cleo", "/_sim/partners/tick")  # the partner reads the 850s; its own answers are held back
    b.sims.post("cleo", f"/_sim/partners/{PARTNER}/behaviour", {"extra_delay": 0})
    for n in range(1, documents + 1):
        delivered = b.sims.post("cleo", f"/_sim/partners/{PARTNER}/send", {"type": "810", "po_number": po_number(n)})
        if [d["kind"] for d in delivered["delivered"]] != ["810"]:
            raise RuntimeError(f"setup: the partner delivered {delivered['delivered']} for {po_number(n)}")
    close_shared_clients()  # the timed run starts as a new run would: a fresh Cleo client, a fresh login


def run_inbound(rt: CustomerRuntime, acks: AckStep) -> dict[str, float]:
    """The inbound flow once, as the Dagster job runs its steps: fetch, read, then the 997s (``acks``, a process
    of its own) at the same time as the postings and the finishing of the files. Seconds per step; ``997s``
    overlaps ``post`` and ``finish``, so the steps add up to more than the run."""
    phases: dict[str, float] = {}

    def timed(name: str, step: Callable[[CustomerRuntime], Any]) -> None:
        started = time.perf_counter()
        step(rt)
        phases[name] = time.perf_counter() - started

    timed("fetch", fetch_files)
    timed("read", functools.partial(read_files, acknowledge=False))
    acks.run()
    timed("post", post_documents)
    timed("finish", finish_files)
    phases["997s"] = acks.seconds()
    return phases


def cleo_requests(b: Bench) -> Counter[str]:
    """Cleo API requests per path that Cleo answered (429s spent no budget), authentication left out."""
    counts: Counter[str] = Counter()
    for r in b.sims.state("cleo")["requests"]:
        if r["path"].startswith("/api/") and r["path"] != "/api/authentication" and r["status"] != 429:
            counts[r["path"]] += r["count"]
    return counts


def throttled(b: Bench) -> int:
    return sum(r["count"] for r in b.sims.state("cleo")["requests"] if r["status"] == 429)


def verify(b: Bench, documents: int) -> list[str]:
    """What is wrong with the run's outcome (nothing, when every invoice was posted once and acknowledged)."""
    problems = []
    states = Counter((d.doc_type, d.state) for d in b.ledger.documents(CUSTOMER, direction="in"))
    if states != Counter({("810", "posted"): documents}):
        problems.append(f"inbound documents by (type, state): {dict(states)}")
    holds = b.ledger.holds(CUSTOMER)
    if holds:
        problems.append(f"{len(holds)} holds, e.g. {holds[0].reason}")
    finished = Counter(f.state for f in b.ledger.files(CUSTOMER))
    if finished != Counter({"finished": documents}):
        problems.append(f"inbound files by state: {dict(finished)}")
    qad = b.sims.state("qad")["tenants"][CUSTOMER]
    invoices = qad.get("invoices") or qad.get("supplier_invoices") or []
    if len(invoices) != documents:
        problems.append(f"{len(invoices)} supplier invoices in QAD, not {documents}")
    tenant = next(t for t in b.sims.state("cleo")["tenants"] if t["id"] == CUSTOMER)
    folders = {f["path"]: f["files"] for f in tenant["folders"]}
    acks = [f for f in folders[f"/{PARTNER}/outbound"] if f["name"].startswith("997_")]
    if len(acks) != documents:
        problems.append(f"{len(acks)} 997s in /{PARTNER}/outbound, not {documents}")
    if folders[f"/{PARTNER}/inbound"] or len(folders[f"/{PARTNER}/archive"]) != documents:
        problems.append(f"{len(folders[f'/{PARTNER}/inbound'])} files left in /{PARTNER}/inbound, "
                        f"{len(folders[f'/{PARTNER}/archive'])} archived")
    return problems


def required_requests(customer_partners: int, documents: int) -> Counter[str]:
    """The Cleo requests per path the inbound flow must make for ``documents`` invoices, one per file, from one
    partner: each file is downloaded, answered with a 997 (all to the partner's one outbound folder) and moved to
    the archive (its own path each); each partner's inbound folder is listed in pages of 100; the folders are
    looked up by path once (the partners' inbound folders, the outbound and the archive folder)."""
    return Counter({"GET /api/files/{id}/content (each file)": 1, "PUT /api/files/{id} (each file)": 1,
                    f"POST /api/folders/{{{PARTNER} outbound}}/files": documents,
                    f"GET /api/folders/{{{PARTNER} inbound}}/children": max(1, math.ceil(documents / 100)),
                    "GET /api/folders": customer_partners + 2})


def floor_seconds(requests: Counter[str], settings: RateLimitSettings) -> float:
    """What the limit alone costs: ``n`` requests on one path, bursts of ``r`` allowed, take at least
    ``ceil(n / r) - 1`` periods; the busiest path decides."""
    limit = settings.limits["cleo"]
    busiest = max(requests.values(), default=0)
    return max(0, math.ceil(busiest / limit.requests) - 1) * limit.per_seconds


def measure(name: str, documents: int, *, limited: bool, progress: Progress = _stderr) -> Row:
    """Set up ``documents`` invoices, then time the inbound flow (limits off, or Cleo's 5/s per path on)."""
    row = Row(name, documents)
    try:
        with bench(documents, progress) as b:
            set_up(b, documents)
            limiter: RateLimiter | None = None
            settings: RateLimitSettings | None = None
            if limited:
                settings = RateLimitSettings(path=b.workdir / "limits.sqlite")
                limiter = RateLimiter(settings)
                limit = settings.limits["cleo"]
                b.sims.post("cleo", "/_sim/settings", {"rate_per_second": limit.requests / limit.per_seconds})
            rt = b.runtime(limiter)
            acks = AckStep(b.sims.urls, b.ledger.url, settings)
            before = cleo_requests(b)  # the setup's requests are not the run's
            progress(f"timing {name}: {documents} documents ...")
            started = time.perf_counter()
            try:
                row.phases = run_inbound(rt, acks)
                row.seconds = time.perf_counter() - started
            finally:
                rt.close()
                acks.stop()
            requests = cleo_requests(b) - before
            row.requests = sum(requests.values())
            row.busiest_path, row.busiest_requests = requests.most_common(1)[0] if requests else ("-", 0)
            if settings is not None:
                row.floor = floor_seconds(required_requests(len(rt.customer.partners), documents), settings)
            problems = verify(b, documents)
            blocked = throttled(b)
            if blocked:
                problems.append(f"{blocked} requests answered 429 by Cleo")
            if problems:
                row.status, row.note = "error", "; ".join(problems)
    except Exception as exc:  # a measurement that fails is a row that says why
        row.status, row.note = "error", f"{type(exc).__name__}: {exc}"
    return row


# -- the report -------------------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = ["| measurement | documents | seconds | docs/s | floor s | ratio | target | result | notes |",
             "|" + "---|" * 9]
    for r in rows:
        if not r.ok:
            lines.append(f"| {r.name} | {r.documents:,} | - | - | - | - | {r.target} | FAIL | {r.status}: {r.note} |")
            continue
        floor = f"{r.floor:.1f}" if r.floor is not None else "-"
        ratio = f"{r.ratio:.3f}" if r.ratio is not None else "-"
        phases = ", ".join(f"{k} {v:.2f}" for k, v in r.phases.items())
        note = f"{r.requests:,} Cleo requests, {r.busiest_requests} on the busiest path; s per step: {phases}"
        note = f"{note}; {r.note}" if r.note else note
        lines.append(f"| {r.name} | {r.documents:,} | {r.seconds:.2f} | {r.per_second:,.1f} | {floor} | {ratio} "
                     f"| {r.target} | {r.verdict} | {note} |")
    return "\n".join(lines)


def best_of(runs: int, once: Callable[[], Row]) -> Row:
    """The fastest of ``runs`` measurements (each from a fresh setup), as the X12 benchmark takes the best of
    its runs: other work on the machine only ever slows a run down. A failed run is the row."""
    best: Row | None = None
    for _ in range(max(1, runs)):
        row = once()
        if not row.ok:
            return row
        best = row if best is None or row.seconds < best.seconds else best
    assert best is not None
    if runs > 1:
        best.note = f"best of {runs} runs"
    return best


def run(documents: int, limited_documents: int, progress: Progress = _stderr, runs: int = 1) -> list[Row]:
    rows = []
    if documents:
        rows.append(best_of(runs, lambda: measure("inbound 810s, rate limits off", documents, limited=False,
                                                  progress=progress)))
    if limited_documents:
        rows.append(best_of(runs, lambda: measure("inbound 810s, Cleo 5 req/s per path", limited_documents,
                                                  limited=True, progress=progress)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="inbound pipeline benchmark (markdown report)")
    parser.add_argument("--documents", type=int, default=1000, help="invoices with rate limits off (default 1000)")
    parser.add_argument("--limited-documents", type=int, default=100,
                        help="invoices with Cleo's 5 requests per second per path on (default 100)")
    parser.add_argument("--runs", type=int, default=1, help="best of N measurements, each set up afresh (default 1)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    print("pipeline benchmark: acme (QAD), invoices from steelco through the inbound flow", file=sys.stderr)
    rows = run(args.documents, args.limited_documents, runs=args.runs)
    print("\n## Inbound pipeline (fetch → read → 997s beside post to QAD and finish), simulators in a child process\n")
    print(table(rows))
    print()
    return 1 if args.check and not all(r.passed for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
