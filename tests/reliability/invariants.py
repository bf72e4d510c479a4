"""The promises, checked over the whole record: the ledger on one side, the simulators' state on the other.

After every scenario, for each customer in it:

* every file a partner put in Cleo is in the ledger, and each of its documents was posted to the ERP exactly
  once, matched (a 997), or held with a reason; nothing is left half-way (lost);
* at most one ERP record per document key, and none the ledger does not account for (duplicated);
* at most one Cleo file per outbound upload name, every upload the ledger made is in Cleo, and nothing the
  ledger did not record (duplicated / lost);
* outbound control numbers per partner (as read from the files in Cleo) run 1..N with no gap or repeat, and
  the ledger's counter stopped at N;
* every inbound functional group got exactly one 997 (AK1 counted in the 997s that are in Cleo);
* every hold is open with a code and a reason, listed, with what a replay needs kept (payload or file bytes);
* the audit trail has the steps of every record's story; every file we uploaded is valid X12.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from edi_assets.ledger import schema as s
from tests.reliability.world import MAPPINGS, World

TERMINAL_IN = {"posted", "matched", "held", "ignored"}  # queued: the Web Connector has not run it yet
TERMINAL_OUT = {"uploaded", "acknowledged", "ack_rejected", "held"}
TERMINAL_FILES = {"finished", "held"}


@dataclass
class Findings:
    """What one scenario's check found; every list entry is one broken promise, said plainly."""

    documents: int = 0
    files: int = 0
    held: int = 0
    expected_held: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # every other invariant

    @property
    def all_violations(self) -> list[str]:
        return self.lost + self.duplicated + self.violations

    def merge(self, other: Findings) -> None:
        self.documents += other.documents
        self.files += other.files
        self.held += other.held
        self.expected_held += other.expected_held
        self.lost += other.lost
        self.duplicated += other.duplicated
        self.violations += other.violations


#: Decides whether an open hold was expected: (hold row, file name or None, document row or None) → bool.
HoldExpectation = Callable[[Any, str | None, Any], bool]


def codes(*allowed: str) -> HoldExpectation:
    """Holds of these codes are expected (e.g. ``flow``: partners answer with sets the customer does not take)."""
    return lambda hold, _name, _doc: hold.code in allowed


# -- X12 on the wire ----------------------------------------------------------------------------------------


def segments(content: bytes) -> list[list[str]]:
    """The segments of one of our own interchanges (fixed-length ISA: element separator at 3, terminator at 105)."""
    text = content.decode("utf-8", "replace")  # ours are UTF-8; a partner's odd delimiter is one character
    if not text.startswith("ISA") or len(text) < 106:
        return []
    element, terminator = text[3], text[105]
    return [seg.strip("\r\n").split(element) for seg in text.split(terminator) if seg.strip("\r\n")]


def control_numbers(content: bytes) -> tuple[list[int], list[int], list[tuple[str, str]]]:
    """(ISA13s, GS06s, AK1s as (functional id, group control number)) of a file."""
    isa, gs, ak1 = [], [], []
    for seg in segments(content):
        if seg[0] == "ISA" and len(seg) > 13:
            isa.append(int(seg[13]))
        elif seg[0] == "GS" and len(seg) > 6:
            gs.append(int(seg[6]))
        elif seg[0] == "AK1" and len(seg) > 1:
            ak1.append((seg[1], (seg[2] if len(seg) > 2 else "").lstrip("0") or "0"))
    return isa, gs, ak1


def x12_errors(content: bytes) -> list[str]:
    from edi_assets.x12.envelope import FileIssue, Interchange, InterchangeEnd, TransactionSet
    from edi_assets.x12.reader import X12Reader

    errors: list[str] = []
    for event in X12Reader(content):
        if isinstance(event, FileIssue) and event.issue.is_error:
            errors.append(event.issue.message)
        elif isinstance(event, InterchangeEnd):
            errors += [i.message for i in event.interchange.issues if i.is_error]
        elif isinstance(event, TransactionSet):
            from edi_assets.x12.analyze import analyze

            errors += [i.message for i in analyze(event).issues if i.is_error]
        elif isinstance(event, Interchange):
            continue
    return errors


# -- the ERP side ---------------------------------------------------------------------------------------------


def suppliers(customer: str, role: str = "supplier") -> dict[str, str]:
    """partner → its supplier (or customer) id in the ERP (partners.csv)."""
    with (MAPPINGS / customer / "partners.csv").open(newline="") as f:
        return {row["partner"]: row["erp_id"] for row in csv.DictReader(f) if row["role"] == role}


def erp_records(world: World, customer: str) -> dict[str, Counter[str]]:
    """Records per kind and natural key in the customer's ERP simulator."""
    system = world_erp(customer)
    found: dict[str, Counter[str]] = defaultdict(Counter)
    if system not in world.servers:
        return found
    state = world.state(system)
    if system == "qad":
        tenant = state["tenants"][customer]
        for inv in tenant["supplier_invoices"]:
            found["invoice"][f"{inv['supplierCode']}/{inv['supplierInvoiceReference']}"] += 1
        for rc in tenant["receipts"]:
            found["receipt"][f"{rc['purchaseOrderNumber']}/{rc['packingSlip']}"] += 1
    elif system == "ifs":
        for inv in state["tables"]["invoices"]:
            found["invoice"][f"{inv['Identity']}/{inv['InvoiceNo']}"] += 1
    elif system == "acumatica":
        records = next(iter(state["tenants"].values()))["records"]
        for bill in records.get("Bill", []):
            found["invoice"][f"{bill.get('Vendor')}/{bill.get('VendorRef')}"] += 1
        for order in records.get("SalesOrder", []):
            found["sales_order"][f"{order.get('CustomerID')}/{order.get('CustomerOrder')}"] += 1
        for receipt in records.get("PurchaseReceipt", []):
            found["receipt"][f"{receipt.get('VendorID')}/{receipt.get('VendorRef')}"] += 1
    elif system == "quickbooks":
        kinds = {"Bill": "invoice", "ItemReceipt": "receipt", "PurchaseOrder": "purchase_order"}
        for txn in state["companies"]["cedar"]["transactions"]:
            if txn["kind"] in kinds:
                found[kinds[txn["kind"]]][f"{(txn.get('vendor') or {}).get('full_name')}/{txn.get('ref_number')}"] += 1
    elif system == "infor":
        for batch in state["tenants"][0]["m3"]["invoice_batches"]:
            found["invoice"][f"{batch['SUNO']}/{batch['SINO']}"] += 1
    return found


def world_erp(customer: str) -> str:
    from tests.reliability.world import ERP_OF

    return ERP_OF[customer]


def expected_keys(customer: str, doc: Any, supplier_of: Mapping[str, str]) -> list[tuple[str, str]]:
    """The ERP records (kind, key) a posted inbound document must have become."""
    payload = doc.payload or {}
    if doc.doc_type == "810":
        return [("invoice", f"{supplier_of.get(doc.partner, '?')}/{payload.get('invoice_number')}")]
    if doc.doc_type == "850" and world_erp(customer) == "acumatica":
        return [("sales_order", f"{suppliers(customer, 'customer').get(doc.partner, '?')}/{payload.get('po_number')}")]
    if doc.doc_type == "856" and world_erp(customer) == "acumatica":
        return [("receipt", f"{supplier_of.get(doc.partner, '?')}/{payload.get('shipment_id')}")]
    if world_erp(customer) == "quickbooks":
        kind, number = {"856": ("receipt", "shipment_id"), "850": ("purchase_order", "po_number")}.get(
            doc.doc_type, ("invoice", "invoice_number"))
        return [(kind, f"{supplier_of.get(doc.partner, '?')}/{payload.get(number)}")]
    if doc.doc_type == "856" and world_erp(customer) == "qad":
        numbers = [o.get("po_number") for o in payload.get("orders", [])]
        numbers += [i.get("po_number") for i in payload.get("items", []) if i.get("po_number")]
        return [("receipt", f"{po}/{payload.get('shipment_id')}") for po in dict.fromkeys(numbers)]
    return []


# -- the check ----------------------------------------------------------------------------------------------


class Baseline:
    """The ERP records the scenario seeded, taken before any run: they are nobody's duplicates."""

    def __init__(self, world: World, customers: Iterable[str]) -> None:
        self.records = {c: erp_records(world, c) for c in customers}


def check(world: World, customers: Iterable[str], baseline: Baseline, *,
          expected: HoldExpectation | None = None, dropped: Mapping[str, list[tuple[str, str]]] | None = None,
          delivered: bool = True) -> Findings:
    """Every invariant, for each customer; ``dropped``: files the harness put in inbound folders itself
    (customer → [(partner, name)]), on top of what the partner simulator delivered."""
    findings = Findings()
    for customer in customers:
        findings.merge(_check_customer(world, customer, baseline, expected or codes(),
                                       (dropped or {}).get(customer, []), delivered))
    return findings


def _rows(world: World, table: Any, customer: str) -> list[Any]:
    with world.ledger.engine.connect() as c:
        query = select(table).where(table.c.customer == customer)
        return list(c.execute(query.order_by(table.c.id) if "id" in table.c else query))


def _check_customer(world: World, customer: str, baseline: Baseline, expected: HoldExpectation,
                    dropped: list[tuple[str, str]], delivered: bool) -> Findings:
    f = Findings()
    cust = _customer(customer)
    partner_ids = [p.id for p in cust.partners]
    cleo = world.apps["cleo"].backend
    files = _rows(world, s.files, customer)
    docs = _rows(world, s.documents, customer)
    uploads = _rows(world, s.uploads, customer)
    holds = _rows(world, s.holds, customer)
    f.documents, f.files = len(docs), len(files)
    files_by_name: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in files:
        files_by_name[(row.partner, row.name)].append(row)
    docs_by_file: dict[int, list[Any]] = defaultdict(list)
    for doc in docs:
        if doc.file_id is not None:
            docs_by_file[doc.file_id].append(doc)
    open_holds = [h for h in holds if h.state == "open"]
    hold_of = {(h.subject, h.subject_id): h for h in open_holds}

    # 1. every file a partner put in Cleo: in the ledger, finished or held, each document terminal
    sent: list[tuple[str, str]] = list(dropped)
    if delivered:
        network = cleo.partners.state()["partners"]
        sent += [(pid, item["name"]) for pid in partner_ids for item in network[pid]["sent"]]
    for partner, name in sent:
        rows = files_by_name.get((partner, name))
        if not rows:
            f.lost.append(f"{customer}: {partner}'s file {name} never reached the ledger")
            continue
        for row in rows:
            if row.state not in TERMINAL_FILES:
                f.lost.append(f"{customer}: file {name} (ledger {row.id}) stopped at '{row.state}'")
            if row.state == "held" and ("file", row.id) not in hold_of:
                f.violations.append(f"{customer}: file {name} is held with no open hold")
    for doc in docs:
        terminal = TERMINAL_IN if doc.direction == "in" else TERMINAL_OUT
        if doc.state not in terminal:
            f.lost.append(f"{customer}: {doc.direction} {doc.doc_type} {doc.number} (ledger {doc.id}) stopped at "
                          f"'{doc.state}' ({doc.reason or 'no reason'})")
        if doc.state == "held" and ("document", doc.id) not in hold_of:
            f.violations.append(f"{customer}: document {doc.id} is held with no open hold")
    # inbound folders emptied as the customer asks (held files stay for a person)
    setting = cust.cleo.after_processing
    if setting != "keep":
        held_ids = {r.cleo_file_id for r in files if r.state == "held"}
        for pid in partner_ids:
            for stored in cleo.mailbox_files(pid, "inbound"):
                if stored.id not in held_ids:
                    f.violations.append(f"{customer}: {stored.name} still in /{pid}/inbound after processing "
                                        f"({setting})")

    # 2. ERP: at most one record per key; every posted document is there; nothing unaccounted for
    supplier_of = suppliers(customer)
    records = erp_records(world, customer)
    seeded = baseline.records.get(customer, {})
    accounted: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        if doc.direction != "in":
            continue
        keys = expected_keys(customer, doc, supplier_of)
        if doc.state == "posted":
            for kind, key in keys:
                accounted[kind].add(key)
                if records.get(kind, Counter())[key] < 1:
                    f.lost.append(f"{customer}: {doc.doc_type} {doc.number} is posted in the ledger but no "
                                  f"{kind} {key} is in {world_erp(customer)}")
    for doc in docs:
        if doc.direction == "in" and doc.state == "held":
            hold = hold_of.get(("document", doc.id))
            if hold is not None and hold.code != "duplicate":
                for kind, key in expected_keys(customer, doc, supplier_of):
                    if key not in accounted[kind] and records.get(kind, Counter())[key] > seeded.get(
                            kind, Counter())[key]:
                        f.duplicated.append(f"{customer}: {doc.doc_type} {doc.number} is held ({hold.code}) but "
                                            f"{kind} {key} was created in {world_erp(customer)}")
    for kind, counter in records.items():
        for key, count in counter.items():
            extra = count - seeded.get(kind, Counter())[key]
            if count > 1 and extra > 0:
                f.duplicated.append(f"{customer}: {count} {kind} records {key} in {world_erp(customer)}")
            elif extra > 0 and key not in accounted[kind]:
                f.violations.append(f"{customer}: {kind} {key} is in {world_erp(customer)} but no posted document "
                                    f"of the ledger accounts for it")

    # 3. uploads: one Cleo file per name, every upload there, nothing unrecorded; control numbers gapless
    ledger_names = {(u.folder.rstrip("/"), u.file_name): u for u in uploads}
    counters = {r.partner: r for r in _rows(world, s.control_numbers, customer)}
    ak1_by_name: dict[str, Counter[tuple[str, str]]] = {}
    for pid in partner_ids:
        folder = f"/{pid}/outbound"
        in_cleo = cleo.mailbox_files(pid, "outbound")
        names = Counter(stored.name for stored in in_cleo)
        for name, count in names.items():
            if count > 1:
                f.duplicated.append(f"{customer}: {count} files named {name} in {folder}")
            if (folder, name) not in ledger_names:
                f.violations.append(f"{customer}: {folder}/{name} is in Cleo but the ledger has no upload of it")
        isa13s: list[int] = []
        gs06s: list[int] = []
        for stored in in_cleo:
            isa, gs, ak1 = control_numbers(stored.content)
            isa13s += isa
            gs06s += gs
            ak1_by_name.setdefault(stored.name, Counter()).update(ak1)
            problems = x12_errors(stored.content)
            if problems:
                f.violations.append(f"{customer}: we sent {folder}/{stored.name} with X12 errors: "
                                    f"{'; '.join(problems[:3])}")
        for upload in (u for u in uploads if u.partner == pid):
            if upload.state != "done":
                f.lost.append(f"{customer}: upload {upload.file_name} stopped at '{upload.state}'")
            elif names[upload.file_name] == 0:
                f.lost.append(f"{customer}: upload {upload.file_name} is done in the ledger but not in {folder}")
        for label, numbers, last in (("ISA13", isa13s, counters[pid].last_interchange if pid in counters else 0),
                                     ("GS06", gs06s, counters[pid].last_group if pid in counters else 0)):
            repeats = sorted(n for n, c in Counter(numbers).items() if c > 1)
            gaps = sorted(set(range(1, last + 1)) - set(numbers))
            if repeats:
                f.duplicated.append(f"{customer}/{pid}: {label} sent more than once: {repeats[:10]}")
            if gaps:
                f.violations.append(f"{customer}/{pid}: {label} gap, never sent: {gaps[:10]} (last allocated {last})")
            if numbers and max(numbers) > last:
                f.violations.append(f"{customer}/{pid}: {label} {max(numbers)} sent beyond the ledger's {last}")

    # 4. every inbound group (not a 997, not of a duplicate interchange) got exactly one 997: the AK1s of the
    #    997 uploaded for its file name it as many times as the file holds such a group, and no other 997 does
    interchanges = {r.id: r for r in _rows(world, s.interchanges, customer)}
    ack_of_file = {u.subject_key: u for u in uploads if u.kind == "ack"}
    files_by_id_all = {r.id: r for r in files}
    wanted_per_file: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    for group in _rows(world, s.groups_in, customer):
        interchange = interchanges[group.interchange_id]
        if group.functional_id == "FA" or interchange.duplicate_of is not None:
            continue
        if files_by_id_all[interchange.file_id].state == "held":
            continue  # held with the reason no 997 could be written for it: a person answers the partner
        wanted_per_file[interchange.file_id][(group.functional_id,
                                              group.group_control_number.lstrip("0") or "0")] += 1
        if group.ack_status is None:
            f.violations.append(f"{customer}/{group.partner}: group {group.group_control_number} has no 997 "
                                f"recorded in the ledger")
    for file_id, wanted in wanted_per_file.items():
        upload = ack_of_file.get(f"file:{file_id}")
        got = ak1_by_name.get(upload.file_name, Counter()) if upload is not None else Counter()
        for key, count in wanted.items():
            if got[key] != count:
                (f.duplicated if got[key] > count else f.lost).append(
                    f"{customer}: group {key[1]} ({key[0]}) of {files_by_id_all[file_id].name} was acknowledged "
                    f"{got[key]} times, not {count}")
    acked_files = {int(k.split(":", 1)[1]) for k in ack_of_file if k.startswith("file:")}
    for file_id in acked_files - set(wanted_per_file):
        f.violations.append(f"{customer}: a 997 went out for {files_by_id_all[file_id].name}, which has no group "
                            f"that needs one")

    # 5. holds: visible, with a reason, replayable (what a replay needs is kept); expected?
    files_by_id = {r.id: r for r in files}
    docs_by_id = {d.id: d for d in docs}
    listed = {h.id for h in world.ledger.holds(customer)}
    for hold in open_holds:
        f.held += 1
        name = doc = None
        if hold.id not in listed:
            f.violations.append(f"{customer}: hold {hold.id} is open but not listed")
        if not hold.reason or not hold.code:
            f.violations.append(f"{customer}: hold {hold.id} has no code or reason")
        if hold.subject == "file":
            row = files_by_id.get(hold.subject_id)
            if row is None or row.content is None:
                f.violations.append(f"{customer}: held file {hold.subject_id} has no bytes to replay from")
            name = row.name if row is not None else None
        elif hold.subject == "interchange":
            interchange = interchanges.get(hold.subject_id)
            row = files_by_id.get(interchange.file_id) if interchange is not None else None
            if row is None or row.content is None:
                f.violations.append(f"{customer}: held interchange {hold.subject_id} has no file bytes kept")
            name = row.name if row is not None else None
        elif hold.subject == "document":
            doc = docs_by_id.get(hold.subject_id)
            if doc is None or doc.payload is None:
                f.violations.append(f"{customer}: held document {hold.subject_id} has no payload to replay")
            elif doc.file_id is not None:
                name = files_by_id[doc.file_id].name
        if expected(hold, name, doc):
            f.expected_held += 1
        else:
            f.violations.append(f"{customer}: unexpected hold {hold.code} on {hold.subject} {hold.subject_id} "
                                f"({name or ''}): {hold.reason[:160]}")

    # 6. the audit trail tells each record's story
    steps = _audit_steps(world, customer)
    for row in files:
        _story(f, customer, steps, "file", row.id, ["file.seen", *_file_end(row.state)], f"file {row.name}")
    for doc in docs:
        wanted = [f"document.{'received' if doc.direction == 'in' else 'pending'}"]
        if doc.state == "posted":
            wanted += ["posting.intent", "document.posted"]
        elif doc.state == "held":
            wanted += ["document.held"]
        _story(f, customer, steps, "document", doc.id, wanted, f"{doc.doc_type} {doc.number}")
    for upload in uploads:
        _story(f, customer, steps, "upload", upload.id,
               ["upload.intent", *(["upload.done"] if upload.state == "done" else [])], f"upload {upload.file_name}")
    return f


def _file_end(state: str) -> list[str]:
    return {"finished": ["file.processed", "file.finished"], "processed": ["file.processed"],
            "held": ["file.held"]}.get(state, [])


def _story(f: Findings, customer: str, steps: Mapping[tuple[str, int], list[str]], subject: str, subject_id: int,
           wanted: list[str], label: str) -> None:
    have = steps.get((subject, subject_id), [])
    missing = [w for w in wanted if w not in have]
    if missing:
        f.violations.append(f"{customer}: the audit trail of {label} ({subject} {subject_id}) lacks {missing}")


def _audit_steps(world: World, customer: str) -> dict[tuple[str, int], list[str]]:
    found: dict[tuple[str, int], list[str]] = defaultdict(list)
    with world.ledger.engine.connect() as c:
        for row in c.execute(select(s.audit.c.subject, s.audit.c.subject_id, s.audit.c.step)
                             .where(s.audit.c.customer == customer).order_by(s.audit.c.id)):
            found[(row.subject, row.subject_id)].append(row.step)
    return found


def _customer(customer: str) -> Any:
    from edi_assets.customers import load_customers

    return load_customers(MAPPINGS / "customers.yaml", environ={}).get(customer)

